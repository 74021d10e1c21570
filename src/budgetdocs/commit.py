"""Put a run's outputs in place all together, or not at all, whatever stops the run.

Under a lock on the output folder (two runs never interleave their files):

1. every target is checked (:func:`_check_target`);
2. a journal (``<out>/.budgetdocs-commit.json``, state ``staging``) names the folders
   the run writes in, then each file is written to a temporary file beside its target
   (``.tmp-…``, synced to disk);
3. each target that exists gets a hard link (``.tmp-old-…``) as a backup, and the
   journal is replaced by one in state ``commit`` naming every temporary file, its
   target, the SHA-256 of its bytes and its backup;
4. the temporary files are renamed over their targets (Ctrl-C, SIGTERM and SIGHUP wait
   until this step is over), the backups removed, the journal removed.

A run stopped by a signal before step 4 removes its temporary files and journal, and
the outputs are as they were.  A run that is killed (SIGKILL, a crash, a power cut)
leaves the journal, and the next run, before anything else (:func:`recover`), reads
it: in state ``staging`` it removes the temporary files; in state ``commit`` it
renames the remaining temporary files into place when every one of them is intact
(the set is then that run's), else it puts the backups back (the set is then the one
before); either way it says what it did.  The output folder never holds files of
two runs.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import secrets
import shutil
import stat
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterable, Iterator, Optional

from .interrupt import deferred
from .store import read_private

NAME_MAX = 255  # bytes in one file name on the usual file systems
STALE = ".tmp-"  # prefix of our staged files; any left in an output folder is from a run that died
JOURNAL = ".budgetdocs-commit.json"
LOCK = ".budgetdocs.lock"
_UMASK = os.umask(0o022)
os.umask(_UMASK)


class WriteError(Exception):
    """The outputs could not be put in place; the message says what, and what was kept."""


def _check_target(path: Path, out_root: Path) -> Optional[str]:
    """Why ``path`` cannot receive an output, or None."""
    if not path.is_relative_to(out_root):
        return f"拒绝写到输出目录之外：{path}"
    if len(os.fsencode(path.name)) > NAME_MAX:
        return f"文件名太长（{len(os.fsencode(path.name))}字节，最多{NAME_MAX}字节）：{path.name}"
    if path.is_dir():
        return f"{path} 是一个文件夹，不能用同名文件替换"
    if os.path.lexists(path) and not path.is_file():
        return f"{path} 不是普通文件（命名管道、设备或失效的链接），不能用输出替换"
    for parent in path.parents:
        if parent == out_root.parent:
            break
        if parent.exists() and not parent.is_dir():
            return f"{parent} 是一个文件，不能用作文件夹"
    return None


# --------------------------------------------------------------------------- small steps


def _sync_folder(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _write_fd(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]
    os.fsync(fd)


def _write_journal(out_root: Path, body: dict) -> None:
    """Replace the journal whole (a temporary file, synced, renamed, the folder synced)."""
    data = json.dumps(body, ensure_ascii=True, indent=1).encode("ascii")
    fd, tmp = tempfile.mkstemp(prefix=f"{STALE}journal-", dir=out_root)
    try:
        _write_fd(fd, data)
        os.close(fd)
        fd = -1
        os.replace(tmp, out_root / JOURNAL)
    finally:
        if fd >= 0:
            os.close(fd)
        if os.path.lexists(tmp):
            os.unlink(tmp)
    _sync_folder(out_root)


def _digest(path: Path) -> Optional[str]:
    """SHA-256 of a regular file's bytes (not through a link), or None."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        digest = hashlib.sha256()
        while chunk := os.read(fd, 1 << 20):
            digest.update(chunk)
        return digest.hexdigest()
    except OSError:
        return None
    finally:
        os.close(fd)


def _backup(target: Path) -> Optional[Path]:
    """A hard link to ``target`` beside it (a copy where links are not allowed): what the
    target held before this run, until the run's files are all in place."""
    for _ in range(100):
        backup = target.with_name(f"{STALE}old-{secrets.token_hex(6)}{target.suffix}")
        try:
            os.link(target, backup, follow_symlinks=False)
            return backup
        except FileExistsError:
            continue
        except OSError:
            break
    fd, name = tempfile.mkstemp(prefix=f"{STALE}old-", suffix=target.suffix, dir=target.parent)
    os.close(fd)
    shutil.copy2(target, name)
    return Path(name)


def _unlink(path: Optional[Path]) -> None:
    """Remove a file of ours if it is there (best effort: a cleanup never fails a run)."""
    if path is not None:
        try:
            os.unlink(path)
        except OSError:
            pass


def _sweep(folder: Path, prefix: str = STALE) -> int:
    """Remove the temporary files a dead run left in ``folder``; how many."""
    count = 0
    try:
        entries = list(folder.glob(f"{prefix}*")) if folder.is_dir() else []
    except OSError:
        return 0
    for stale in entries:
        if stale.is_symlink() or not stale.is_dir():
            try:
                stale.unlink()
                count += 1
            except OSError:
                pass
    return count


def _has(folder: Path, prefix: str) -> bool:
    try:
        return any(folder.glob(f"{prefix}*"))
    except OSError:
        return False


@contextmanager
def _locked(out_root: Path) -> Iterator[None]:
    """The output folder's lock: another run writing here finishes first."""
    try:
        out_root.mkdir(parents=True, exist_ok=True)
        # never through a link another user left there (it could make us create a file elsewhere)
        lock = os.fdopen(os.open(out_root / LOCK, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o666), "r+")
    except OSError as exc:
        raise WriteError(f"{exc.filename or out_root / LOCK}（{exc.strerror or exc}）。原有输出保持不变。") from None
    with lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # waits for another render writing here
        yield


# --------------------------------------------------------------------------- recovery


def _inside(out_root: Path, name: object, temporary: bool = False) -> Optional[Path]:
    """``out_root / name`` when ``name`` is a plain relative path below it with no link on
    the way (and, for ``temporary``, one of our temporary files); else None."""
    if not isinstance(name, str) or not name or os.path.isabs(name):
        return None
    parts = Path(name).parts
    if any(p in ("..", "") for p in parts) or (temporary and not parts[-1].startswith(STALE)):
        return None
    current = out_root
    for part in parts[:-1]:
        current = current / part
        if current.is_symlink() or not current.is_dir():
            return None
    return out_root / name


def _read_journal(out_root: Path) -> tuple[Optional[dict], Optional[str]]:
    """(the journal, None), or (None, why it is not used)."""
    data = read_private(out_root / JOURNAL, 64 * 1024 * 1024)
    if data is None:
        return None, "它不是本用户写出的普通文件，未按它做任何处理；请检查后删除它"
    try:
        body = json.loads(data)
    except ValueError:
        body = None
    if not isinstance(body, dict) or body.get("version") != 1 or body.get("state") not in ("staging", "commit"):
        return None, "内容无法识别"
    return body, None


def _entries(out_root: Path, body: dict) -> Optional[list[tuple[Path, Path, str, Optional[Path]]]]:
    """(temporary file, target, digest, backup) of each file of a commit journal."""
    entries = []
    for item in body.get("files") or []:
        if not isinstance(item, dict):
            return None
        tmp, target = _inside(out_root, item.get("tmp"), True), _inside(out_root, item.get("target"))
        backup = _inside(out_root, item.get("backup"), True) if item.get("backup") is not None else None
        digest = item.get("sha256")
        if tmp is None or target is None or not isinstance(digest, str) or (item.get("backup") is not None and backup is None):
            return None
        entries.append((tmp, target, digest, backup))
    return entries


def _undo(entries: list[tuple[Path, Path, str, Optional[Path]]]) -> int:
    """Put back what the targets held before (the run's own files removed); how many."""
    restored = 0
    for tmp, target, digest, backup in entries:
        if os.path.lexists(tmp):
            _unlink(tmp)  # never moved: the target is as it was
            continue
        if _digest(target) != digest:
            continue  # not the run's file (never replaced, or changed since): left alone
        if backup is not None and os.path.lexists(backup):
            os.replace(backup, target)
        elif backup is None:
            _unlink(target)  # the run made it; there was none before
        restored += 1
    return restored


def _recover_locked(out_root: Path) -> list[str]:
    """What :func:`recover` does, the lock held."""
    journal = out_root / JOURNAL
    if not os.path.lexists(journal):
        _sweep(out_root, f"{STALE}journal-")  # a run killed while writing its first journal: nothing else began
        return []
    body, why = _read_journal(out_root)
    shown = str(journal)
    if body is None:
        if why == "内容无法识别":
            _unlink(journal)
            _sweep(out_root)
            return [f"上次运行留下的写入记录 {shown} 无法识别，已删除；请检查输出目录中的文件，必要时重新生成。"]
        return [f"警告 输出目录中的写入记录 {shown} {why}。"]
    when = body.get("started", "")
    folders = [f for f in (_inside(out_root, name + "/x") for name in body.get("folders") or []) if f is not None]
    if body["state"] == "staging":
        removed = sum(_sweep(f.parent) for f in folders) + _sweep(out_root, f"{STALE}journal-")
        _unlink(journal)
        _sync_folder(out_root)
        return [f"上次运行（{when} 开始）在写出文件时被中断：已删除它留下的 {removed} 个临时文件，原有输出没有改动。"]
    entries = _entries(out_root, body)
    if entries is None:
        raise WriteError(f"上次中断的写入记录 {shown} 中有不在输出目录内的路径，未做任何处理；请检查后删除它")
    pending = [e for e in entries if os.path.lexists(e[0])]
    intact = all(_digest(tmp) == digest for tmp, _, digest, _ in pending) and all(
        _digest(target) == digest for tmp, target, digest, _ in entries if not os.path.lexists(tmp)
    )
    try:
        with deferred():  # Ctrl-C waits until the set is whole again
            message = _settle(out_root, entries, pending, intact, folders, when)
    except OSError as exc:
        raise WriteError(f"无法完成上次中断的写入（{exc.filename or ''}：{exc.strerror or exc}），写入记录 {shown} 保留") from None
    _unlink(journal)
    _sync_folder(out_root)
    return [message]


def _settle(out_root: Path, entries: list, pending: list, intact: bool, folders: list[Path], when: str) -> str:
    """Finish (``intact``) or undo a commit; the line that says which."""
    if intact:
        for tmp, target, _, _ in pending:
            os.replace(tmp, target)
        message = (
            f"上次运行（{when} 开始）在替换输出文件时被中断：已补完其余 {len(pending)} 个文件的替换，"
            f"{len(entries)} 个文件都是那次运行的结果。"
            if pending
            else f"上次运行（{when} 开始）替换完输出文件后被中断：{len(entries)} 个文件都已是那次运行的结果，已清理它留下的备份。"
        )
    else:
        restored = _undo(entries)
        message = (
            f"上次运行（{when} 开始）在替换输出文件时被中断，且它的临时文件已不完整：已恢复原有的 {restored} 个文件，"
            "输出是那次运行之前的结果。"
        )
    for folder in {target.parent for _, target, _, _ in entries}:
        _sync_folder(folder)
    for _, _, _, backup in entries:
        _unlink(backup)
    for folder in folders:
        _sweep(folder.parent)
    return message


def recover(out_root: Path) -> list[str]:
    """Before anything else: finish or undo the commit a killed run left in ``out_root``
    (see the module); one line per thing done, for the user.  Nothing to do: []."""
    out_root = Path(out_root).resolve()
    if not os.path.lexists(out_root / JOURNAL) and not _has(out_root, f"{STALE}journal-"):
        return []
    with _locked(out_root):
        return _recover_locked(out_root)


# --------------------------------------------------------------------------- the commit


def write_all(outputs: Iterable, out_root: Path) -> list[Path]:
    """Put every output (``.path``, ``.data``) in place, all or nothing (see the module).

    A failure (a full disk, a folder that cannot be written) leaves every earlier output
    as it was, and the message says so.  Stopped by a signal, the run's files are either
    all in place (the exception carries them in ``.written``) or none is.
    """
    out_root = Path(out_root).resolve()
    outputs = list(outputs)
    problems = [reason for o in outputs if (reason := _check_target(Path(o.path).resolve(), out_root))]
    if problems:
        raise WriteError("；".join(problems) + "。原有输出保持不变。")
    with _locked(out_root):
        for line in _recover_locked(out_root):
            sys.stderr.write(line + "\n")
        targets = [Path(o.path).resolve() for o in outputs]
        folders = sorted({t.parent for t in targets})
        for folder in folders:
            _sweep(folder)
        staged: list[tuple[Path, Path, str, Optional[Path]]] = []
        written: list[Path] = []
        journal = False  # a journal of ours is on disk
        done = False  # every file in place: the journal and backups go, nothing else
        try:
            journal = True  # from here on, whatever stops the run removes what it wrote
            try:
                _write_journal(out_root, _body("staging", out_root, folders))
            except OSError as exc:
                raise WriteError(f"{exc.filename or out_root / JOURNAL}（{exc.strerror or exc}）。原有输出保持不变。") from None
            for output, target in zip(outputs, targets):
                tmp = None
                try:
                    target.parent.mkdir(parents=True, exist_ok=True)
                    fd, name = tempfile.mkstemp(prefix=STALE, suffix=target.suffix, dir=target.parent)
                    tmp = Path(name)
                    staged.append((tmp, target, hashlib.sha256(output.data).hexdigest(), None))  # registered before a byte is written
                    with os.fdopen(fd, "wb") as handle:
                        handle.write(output.data)
                        handle.flush()
                        os.fsync(handle.fileno())
                    os.chmod(tmp, 0o666 & ~_UMASK)
                except OSError as exc:
                    raise WriteError(f"{target.name}（{exc.strerror or exc}）。原有输出保持不变。") from None
            try:
                for index, (tmp, target, digest, _) in enumerate(staged):
                    if os.path.lexists(target):
                        staged[index] = (tmp, target, digest, _backup(target))
                _write_journal(out_root, _body("commit", out_root, folders, staged))
            except OSError as exc:
                raise WriteError(f"{exc.filename or out_root}（{exc.strerror or exc}）。原有输出保持不变。") from None
            try:
                with deferred():  # Ctrl-C, SIGTERM and SIGHUP wait while the set is moved
                    try:
                        for tmp, target, _, _ in staged:
                            os.replace(tmp, target)
                            written.append(target)
                    except OSError as exc:
                        failed = exc
                        try:
                            _undo(staged)
                        except OSError:  # cannot even put back: the next run will, from the journal
                            journal = False
                            raise WriteError(
                                f"{exc.filename or ''}（{exc.strerror or exc}）。无法恢复原有输出，下次运行时会按写入记录恢复。"
                            ) from None
                        written.clear()
                        raise WriteError(f"{Path(failed.filename or '').name}（{failed.strerror or failed}）。原有输出已恢复，保持不变。") from None
                    for folder in folders:
                        _sync_folder(folder)
                    done = True
                    for _, _, _, backup in staged:
                        _unlink(backup)
                    _unlink(out_root / JOURNAL)
                    journal = False
                    _sync_folder(out_root)
            except KeyboardInterrupt as exc:  # delivered as the deferred block ended: the set is in place
                if done:
                    exc.written = list(written)  # type: ignore[attr-defined]
                raise
        finally:
            if journal and not done:  # stopped or failed before the set moved (or it was moved back)
                for folder in folders:  # under the lock, every temporary file here is this run's
                    _sweep(folder)
                _sweep(out_root, f"{STALE}journal-")
                _unlink(out_root / JOURNAL)
    return written


def _body(state: str, out_root: Path, folders: list[Path], staged: Optional[list] = None) -> dict:
    """A journal: its state, the run's folders and (``commit``) its files."""
    def rel(path: Path) -> str:
        return os.fsdecode(os.path.relpath(path, out_root))

    body = {
        "version": 1,
        "state": state,
        "started": time.strftime("%Y-%m-%d %H:%M:%S"),
        "pid": os.getpid(),
        "folders": [rel(f) for f in folders],
    }
    if staged is not None:
        body["files"] = [
            {"tmp": rel(tmp), "target": rel(target), "sha256": digest, "backup": rel(backup) if backup else None}
            for tmp, target, digest, backup in staged
        ]
    return body
