"""Files a run keeps for later runs (the layout cache, parsed records): data only, in a
folder only this user can change, each written whole or not at all.  Standard library
only.

A cache is trusted to hold what an earlier run of this user wrote, so it must sit in a
folder no one else can write to (:func:`private_folder`): owned by the user, not
writable by group or others, and every folder above it owned by the user or root and
not writable by others (unless sticky, like ``/tmp``, with our folder in it ours).
Entries are bytes and JSON, never code: nothing read from a cache is unpickled,
unmarshalled or compiled.  An entry is read only when it is a regular file of this user
that no one else can write (:func:`read_private`), and carries a digest of its content
(:func:`sealed`): a damaged entry is a miss.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import tempfile
from pathlib import Path
from typing import Any, Optional

MAX_ENTRY = 512 * 1024 * 1024  # a kept file larger than this is not read back


def _trusted(uid: int) -> bool:
    return uid in (0, os.geteuid())


def _chain(folder: Path, child_uid: int) -> Optional[str]:
    """Why the real folder ``folder`` (holding an entry owned by ``child_uid``) or a folder
    above it could let another user replace what is below; None when none can."""
    for current in (folder, *folder.parents):
        info = os.stat(current)
        if not _trusted(info.st_uid):
            return f"上级目录 {current} 属于另一个用户（uid {info.st_uid}）"
        if info.st_mode & 0o022 and not (info.st_mode & stat.S_ISVTX and _trusted(child_uid)):
            return f"上级目录 {current} 其他用户可写（权限 {stat.S_IMODE(info.st_mode):o}）"
        child_uid = info.st_uid
    return None


def folder_problem(path: Path, what: str = "缓存目录") -> Optional[str]:
    """Why ``path`` (an existing folder) is not private to this user, or None.

    The folder itself: a folder of this user, not writable by group or others.  Above
    it, on its real path and in every folder holding a link on the way to it: owned by
    this user or root, not writable by others unless sticky with the entry below ours.
    """
    path = Path(os.path.abspath(path))
    try:
        real = Path(os.path.realpath(path))
        info = os.stat(real)
        if not stat.S_ISDIR(info.st_mode):
            return f"{what} {path} 不是文件夹"
        if info.st_uid != os.geteuid():
            return f"{what} {path} 属于另一个用户（uid {info.st_uid}）"
        if info.st_mode & 0o022:
            return f"{what} {path} 同组或其他用户可写（权限 {stat.S_IMODE(info.st_mode):o}）"
        problem = _chain(real.parent, info.st_uid) if real != real.parent else None
        if problem:
            return f"{what} {path} 的{problem}"
        # A link on the way is as safe as the folder holding it (and its own owner).
        prefix = Path(path.anchor)
        for part in path.parts[1:]:
            prefix = prefix / part
            if os.path.islink(prefix):
                link = os.lstat(prefix)
                holder = Path(os.path.realpath(prefix.parent))
                problem = _chain(holder, link.st_uid)
                if problem or not _trusted(link.st_uid):
                    return f"{what} {path} 经过的链接 {prefix} {problem or f'属于另一个用户（uid {link.st_uid}）'}"
    except OSError as exc:
        return f"{what} {path} 无法检查（{exc.strerror or exc}）"
    return None


def foreign_folder(path: str) -> Optional[str]:
    """Why a folder named by the environment (``$XDG_CACHE_HOME`` and the like, where
    fontconfig keeps its cache and reads its configuration) could be changed by another
    user, or None: it (or, not made yet, the folder it would be made in) and every folder
    above it must belong to this user or root, and not be writable by others (unless
    sticky) nor by a group other than this user's own."""
    try:
        current = Path(os.path.realpath(os.path.abspath(path)))
        while not os.path.lexists(current):
            current = current.parent
        child_uid = os.geteuid()
        for folder in (current, *current.parents):
            info = os.stat(folder)
            if not _trusted(info.st_uid):
                return f"{folder} 属于另一个用户（uid {info.st_uid}）"
            writable = info.st_mode & 0o002 or (info.st_mode & 0o020 and info.st_gid != os.getegid())
            if writable and not (info.st_mode & stat.S_ISVTX and _trusted(child_uid)):
                return f"{folder} 其他用户可写（权限 {stat.S_IMODE(info.st_mode):o}）"
            child_uid = info.st_uid
    except OSError as exc:
        return f"{path} 无法检查（{exc.strerror or exc}）"
    return None


def make_folders(path: Path) -> None:
    """``path`` and any missing folder above it, each created for this user alone (0700)."""
    missing = []
    current = Path(os.path.abspath(path))
    while not os.path.lexists(current):
        missing.append(current)
        current = current.parent
    for folder in reversed(missing):
        try:
            os.mkdir(folder, 0o700)
        except FileExistsError:
            pass


def private_folder(path: Optional[Path], what: str = "缓存目录") -> tuple[Optional[Path], Optional[str]]:
    """(``path`` made or checked, None) when only this user can change it; (None, why) when
    it is not safe to read from (another user could have put anything there)."""
    if path is None:
        return None, None
    path = Path(os.path.abspath(path))
    try:
        make_folders(path)
    except OSError as exc:
        return None, f"无法创建{what} {path}（{exc.strerror or exc}）"
    problem = folder_problem(path, what)
    return (None, problem) if problem else (path, None)


def read_private(path: Path, limit: int = MAX_ENTRY) -> Optional[bytes]:
    """The bytes of a kept file: only a regular file (no link, no pipe) of this user that
    no one else can write, at most ``limit`` bytes; None otherwise (a miss)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_uid != os.geteuid() or info.st_mode & 0o022 or info.st_size > limit:
            return None
        chunks, size = [], 0
        while True:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            size += len(chunk)
            if size > limit:
                return None
            chunks.append(chunk)
        return b"".join(chunks)
    except OSError:
        return None
    finally:
        os.close(fd)


def sealed(body: Any) -> bytes:
    """JSON of ``body`` preceded by the SHA-256 of that JSON (see :func:`unsealed`)."""
    text = json.dumps(body, ensure_ascii=True, separators=(",", ":")).encode("ascii")
    return hashlib.sha256(text).hexdigest().encode("ascii") + b"\n" + text


def unsealed(data: Optional[bytes]) -> Optional[Any]:
    """What :func:`sealed` wrote, when its digest matches; None for anything else."""
    if not data:
        return None
    digest, _, text = data.partition(b"\n")
    if hashlib.sha256(text).hexdigest().encode("ascii") != digest:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


def keep_file(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in its folder and a rename, so
    that a reader never sees half a file and a failed write leaves nothing behind.  A
    cache that cannot be written is only slower: errors are swallowed."""
    try:
        make_folders(path.parent)
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
