"""Files a run keeps for later runs (the layout cache, parsed records): each written
whole or not at all.  Standard library only."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def keep_file(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in its folder and a rename, so
    that a reader never sees half a file and a failed write leaves nothing behind.  A
    cache that cannot be written is only slower: errors are swallowed."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    except OSError:
        return
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except OSError:
        pass
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
