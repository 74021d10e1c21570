"""The ``render`` and ``budgetdocs`` commands as a user types them: hand the command
to this user's resident render process (:mod:`budgetdocs.server`), starting it on
first use, or run it here.

Starting Python, importing WeasyPrint and loading the CJK fonts cost about 0.7 s
before any page is laid out; a resident process has paid that once.  This module
therefore imports only the standard library.  The command line, the current
folder, the environment and the terminal's file descriptors (0, 1, 2) go to the
server over a local socket (``SCM_RIGHTS``), so the command prints to this
terminal and writes where it would have written; the exit code comes back.

The socket lives in a folder only this user can enter
(``$XDG_RUNTIME_DIR/budgetdocs`` or ``/tmp/budgetdocs-<uid>``) and is named by a
digest of the toolkit's code, the Python interpreter and the font configuration:
a changed toolkit starts a new server and the old one stops when idle.

The command runs here, without a server, when ``BUDGETDOCS_DAEMON=0`` is set,
with ``--no-daemon`` or ``--watch`` (which keeps its own process), for commands
other than ``render`` and ``check``, or when no server can be reached.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import stat
import struct
import subprocess
import sys
import time
from pathlib import Path
from typing import Optional

SERVED = {("render",), ("budgetdocs", "render"), ("budgetdocs", "check")}
START_TIMEOUT = 30.0  # seconds to wait for a new server to warm up
HEADER = struct.Struct("!I")
EXIT = struct.Struct("!i")


def runtime_dir() -> Path:
    """This user's private folder for the socket (created 0700)."""
    base = os.environ.get("XDG_RUNTIME_DIR")
    root = Path(base) / "budgetdocs" if base and os.path.isdir(base) else Path(f"/tmp/budgetdocs-{os.getuid()}")
    return root


def private_dir(path: Path) -> Optional[Path]:
    """``path`` made or checked: a real folder (not a link) owned by this user that no
    one else can enter; None when it is not safe to use."""
    try:
        path.mkdir(mode=0o700, exist_ok=True)
        info = os.lstat(path)
    except OSError:
        return None
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & 0o077:
        return None
    return path


def server_key() -> str:
    """Which server may run our commands: same code, interpreter and font set-up."""
    from .version import CODE_DIGEST

    digest = hashlib.sha256(CODE_DIGEST)
    for part in (sys.executable, os.environ.get("FONTCONFIG_FILE", ""), os.environ.get("FONTCONFIG_PATH", "")):
        digest.update(part.encode() + b"\0")
    return digest.hexdigest()[:16]


def socket_path() -> Optional[Path]:
    """The socket of the server for this code, in this user's private folder."""
    folder = private_dir(runtime_dir())
    return folder / f"{server_key()}.sock" if folder is not None else None


def server_pid(pid_file: Path) -> Optional[int]:
    """The pid a server wrote in ``pid_file``, if that process still runs."""
    try:
        pid = int(json.loads(pid_file.read_text())["pid"])
        os.kill(pid, 0)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return pid


def _connect(path: Path) -> Optional[socket.socket]:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.connect(str(path))
    except OSError:
        sock.close()
        return None
    return sock


def _start(path: Path) -> Optional[socket.socket]:
    """Start a server for ``path`` (detached, in its own session) and wait until it answers."""
    log = path.with_suffix(".log")
    with open(log, "ab") as out:
        os.chmod(log, 0o600)
        subprocess.Popen(
            [sys.executable, "-m", "budgetdocs.server", str(path)],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=out,
            start_new_session=True,
            close_fds=True,
        )
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        sock = _connect(path)
        if sock is not None:
            return sock
        time.sleep(0.05)
    return None


def send_request(sock: socket.socket, request: dict) -> None:
    """The request (JSON, length first) with our stdin, stdout and stderr attached."""
    body = json.dumps(request).encode("utf-8")
    socket.send_fds(sock, [HEADER.pack(len(body)) + body], [0, 1, 2])


def _receive_exit(sock: socket.socket) -> Optional[int]:
    data = b""
    while len(data) < EXIT.size:
        chunk = sock.recv(EXIT.size - len(data))
        if not chunk:
            return None
        data += chunk
    return EXIT.unpack(data)[0]


def served(command: tuple[str, ...], argv: list[str]) -> Optional[int]:
    """Run the command in the resident server: its exit code, or None to run it here."""
    if os.environ.get("BUDGETDOCS_DAEMON", "1") == "0" or "--no-daemon" in argv or "--watch" in argv:
        return None
    key = command if command == ("render",) else command + tuple(argv[:1])
    if key not in SERVED or any(a in ("-h", "--help") for a in argv):
        return None
    path = socket_path()
    if path is None:
        return None
    sock = _connect(path) or _start(path)
    if sock is None:
        return None
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    request = {
        "prog": command[0],
        "argv": argv,
        "cwd": os.getcwd(),
        "env": dict(os.environ),
        "encoding": sys.stdout.encoding or "utf-8",
    }
    with sock:
        try:
            send_request(sock, request)
            code = _receive_exit(sock)
        except KeyboardInterrupt:  # closing the socket stops the render in the server
            return 130
        except OSError:
            code = None
    if code is None:
        sys.stderr.write("常驻排版进程意外中止，改在本进程中运行。\n")
    return code


def render() -> None:
    """Entry point of ``render``."""
    code = served(("render",), sys.argv[1:])
    if code is not None:
        sys.exit(code)
    from .cli import main

    main()


def budgetdocs() -> None:
    """Entry point of ``budgetdocs``."""
    argv = sys.argv[1:]
    if argv[:1] == ["daemon"]:
        sys.exit(daemon_command(argv[1:]))
    code = served(("budgetdocs",), argv)
    if code is not None:
        sys.exit(code)
    from .cli import budgetdocs as group

    group()


def daemon_command(argv: list[str]) -> int:
    """``budgetdocs daemon status|stop``: the resident render processes of this user."""
    if argv not in (["status"], ["stop"]):
        sys.stderr.write("用法：budgetdocs daemon status|stop\n")
        return 2
    folder = private_dir(runtime_dir())
    sockets = sorted(folder.glob("*.sock")) if folder is not None else []
    current = socket_path()
    running = 0
    for path in sockets:
        pid = server_pid(path.with_suffix(".pid"))
        if pid is None:
            continue
        running += 1
        mark = "（当前版本）" if path == current else "（旧版本，空闲后自动退出）"
        if argv == ["stop"]:
            os.kill(pid, 15)
            print(f"已停止常驻排版进程 {pid}{mark}")
        else:
            print(f"常驻排版进程 {pid}{mark}：{path}")
    if not running:
        print("没有正在运行的常驻排版进程。")
    return 0
