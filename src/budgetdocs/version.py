"""The toolkit's identity: its version and a digest of its own code.

Imported by the light ``render`` client as well as by the renderer, so it
imports nothing but the standard library.  The digest changes whenever any of
the package's Python sources changes (an editable install, a patched copy), so
a cache entry or a resident render process made by other code is never used.
"""

from __future__ import annotations

import hashlib
from importlib import metadata
from pathlib import Path

try:
    VERSION = metadata.version("budgetdocs")
except metadata.PackageNotFoundError:  # running from a source tree
    VERSION = "dev"


def _code_digest() -> bytes:
    digest = hashlib.sha256(VERSION.encode())
    package = Path(__file__).parent
    for path in sorted(package.rglob("*.py")):
        digest.update(str(path.relative_to(package)).encode() + b"\0" + path.read_bytes())
    return digest.digest()


CODE_DIGEST = _code_digest()
