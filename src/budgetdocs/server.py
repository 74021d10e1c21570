"""The resident render process: ``python -m budgetdocs.server SOCKET``.

Started by :mod:`budgetdocs.client` on a user's first ``render``; it imports the
renderer, lays out one page (fontconfig, Pango and the CJK fonts warm) and then
serves commands on a local socket until it has been idle for
``BUDGETDOCS_DAEMON_IDLE`` seconds (default 900), is sent SIGTERM
(``budgetdocs daemon stop``), or its socket is taken over by a newer server.

Each command runs in a child forked from this warm process, so commands never
share state: the child takes the client's current folder, environment and file
descriptors, runs the command exactly as ``cli`` would, and sends back the exit
code.  If the client goes away (Ctrl-C), the child is interrupted as a Ctrl-C
would interrupt it, and its workers die with it.  Only processes of the same
user are served (``SO_PEERCRED``).
"""

from __future__ import annotations

import fcntl
import io
import json
import os
import select
import signal
import socket
import sys
import threading
import time
from pathlib import Path

from .client import EXIT, HEADER, private_dir, server_pid

IDLE = float(os.environ.get("BUDGETDOCS_DAEMON_IDLE", "900"))
MAX_REQUEST = 4 * 1024 * 1024


def warm_up() -> None:
    """Load everything a render loads, once, before any child is forked."""
    from . import build, cli, jobs  # noqa: F401
    from .layout.html import BUILTIN_TEMPLATES
    from .writers import docx, fontmerge, xlsx  # noqa: F401
    from .writers.pdfparts import render_part

    render_part(jobs.WARM_UP, [BUILTIN_TEMPLATES], BUILTIN_TEMPLATES)


def _receive(conn: socket.socket) -> tuple[dict, list[int]]:
    data, fds, _flags, _addr = socket.recv_fds(conn, MAX_REQUEST, 3)
    if len(data) < HEADER.size:
        raise ValueError("short request")
    (length,) = HEADER.unpack(data[: HEADER.size])
    body = data[HEADER.size :]
    while len(body) < length:
        chunk = conn.recv(length - len(body))
        if not chunk:
            raise ValueError("truncated request")
        body += chunk
    return json.loads(body.decode("utf-8")), fds


def _watch_client(conn: socket.socket) -> None:
    """Interrupt the command (as Ctrl-C would: SIGINT) when the client hangs up."""
    try:
        while conn.recv(1):
            pass
    except OSError:
        pass
    os.kill(os.getpid(), signal.SIGINT)


def _serve_one(conn: socket.socket) -> int:
    """In the forked child: run one command as the client asked; its exit code."""
    request, fds = _receive(conn)
    if len(fds) != 3:
        return 2
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
        os.close(fd)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    encoding = request.get("encoding") or "utf-8"
    sys.stdin = io.TextIOWrapper(open(0, "rb", closefd=False), encoding=encoding)
    sys.stdout = io.TextIOWrapper(open(1, "wb", closefd=False), encoding=encoding, line_buffering=os.isatty(1))
    sys.stderr = io.TextIOWrapper(open(2, "wb", closefd=False), encoding=encoding, line_buffering=True)
    threading.Thread(target=_watch_client, args=(conn,), daemon=True).start()
    from .cli import budgetdocs, main

    command = main if request["prog"] == "render" else budgetdocs
    try:
        command.main(args=request["argv"], prog_name=request["prog"], standalone_mode=True)
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except KeyboardInterrupt:
        code = 130
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except OSError:
                pass
    return code


def _child(conn: socket.socket, listener: socket.socket) -> None:
    """The forked child's whole life: one command, its exit code sent back, then exit
    (never returning into the server's loop)."""
    try:
        listener.close()
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        code = _serve_one(conn)
        conn.sendall(EXIT.pack(code))
    except BaseException:  # noqa: BLE001 - no code sent: the client runs the command itself
        pass
    finally:
        os._exit(0)


def retire_others(path: Path) -> None:
    """Stop the servers this interpreter started for older code (no client of the current
    code can reach them) and sweep the files of servers that are gone."""
    for pid_file in path.parent.glob("*.pid"):
        if pid_file.stem == path.stem:
            continue
        pid = server_pid(pid_file)
        try:
            same_python = json.loads(pid_file.read_text()).get("executable") == sys.executable
        except (OSError, ValueError, AttributeError):
            same_python = False
        if pid is not None and same_python:
            os.kill(pid, signal.SIGTERM)
    for lock in path.parent.glob("*.lock"):
        if lock.stem == path.stem:
            continue
        with open(lock, "a") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                continue  # that server still runs
            for suffix in (".sock", ".pid", ".log", ".lock"):
                lock.with_suffix(suffix).unlink(missing_ok=True)


def _peer(conn: socket.socket) -> tuple[int, int]:
    """(pid, uid) of the process at the other end of ``conn``."""
    creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12)
    pid, uid, _gid = (int.from_bytes(creds[i : i + 4], sys.byteorder) for i in (0, 4, 8))
    return pid, uid


def _log(message: str) -> None:
    sys.stderr.write(f"{time.strftime('%Y-%m-%d %H:%M:%S')} {message}\n")
    sys.stderr.flush()


def serve(path: Path) -> int:
    """Warm up, then serve on ``path`` until idle; returns the exit status."""
    if private_dir(path.parent) is None:
        return 2
    lock = open(path.with_suffix(".lock"), "a")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:  # another server for this code is starting or running
        return 0
    os.chdir("/")  # never keep a user's folder busy
    warm_up()
    temporary = path.with_name(f".{path.name}.{os.getpid()}")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    temporary.unlink(missing_ok=True)
    listener.bind(str(temporary))
    os.chmod(temporary, 0o600)
    listener.listen(16)
    os.replace(temporary, path)  # clients only ever see a socket that is ready
    path.with_suffix(".pid").write_text(json.dumps({"pid": os.getpid(), "executable": sys.executable}))
    retire_others(path)
    _log(f"serving on {path} (pid {os.getpid()}, idle limit {IDLE:.0f} s)")
    mine = os.stat(path).st_ino
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    children: set[int] = set()
    last = time.monotonic()
    try:
        while not stopping:
            ready, _, _ = select.select([listener], [], [], 1.0)
            while children:
                pid, _status = os.waitpid(-1, os.WNOHANG)
                if pid == 0:
                    break
                children.discard(pid)
                last = time.monotonic()
            if ready:
                conn, _ = listener.accept()
                peer, uid = _peer(conn)
                if uid != os.getuid():
                    _log(f"refused a client of another user (uid {uid})")
                    conn.close()
                    continue
                _log(f"command from pid {peer}")
                pid = os.fork()
                if pid == 0:
                    _child(conn, listener)
                conn.close()
                children.add(pid)
                last = time.monotonic()
                continue
            try:
                replaced = os.stat(path).st_ino != mine
            except OSError:
                replaced = True
            if replaced or (not children and time.monotonic() - last > IDLE):
                break
    finally:
        _log("stopping")
        listener.close()
        try:
            if os.stat(path).st_ino == mine:
                path.unlink()
                path.with_suffix(".pid").unlink(missing_ok=True)
        except OSError:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(serve(Path(sys.argv[1])))
