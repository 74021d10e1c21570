"""No resident render process (issue 19): every `render` and `budgetdocs` runs in a
process of its own, as the user who typed it.  Nothing it finds in a runtime folder is
contacted or trusted: a planted server, a socket, a pid file naming someone else's
process.  The caller's umask and temporary folder are what the command uses."""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import write_record
from test_units_loader import MINIMAL_2023

COMMAND = [sys.executable, "-c", "import sys; from budgetdocs.client import render; sys.argv[0] = 'render'; render()"]
BUDGETDOCS = [sys.executable, "-c", "import sys; from budgetdocs.client import budgetdocs; sys.argv[0] = 'budgetdocs'; budgetdocs()"]
OTHER_UID = 1000  # a second local user, simulated by ownership (the tests run as root in CI)


def _hostile_runtime(tmp_path: Path) -> tuple[Path, socket.socket]:
    """A runtime folder another user can write (as after a plain `su`), holding a server
    socket of the kind the old client connected to, and a listener on it."""
    runtime = tmp_path / "run"
    folder = runtime / "budgetdocs"
    folder.mkdir(parents=True)
    for path in (runtime, folder):
        os.chmod(path, 0o777)
        if os.geteuid() == 0:
            os.chown(path, OTHER_UID, OTHER_UID)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    for name in ("0000000000000000", "ffffffffffffffff"):
        path = folder / f"{name}.sock"
        if name == "0000000000000000":
            listener.bind(str(path))
            listener.listen(4)
            listener.setblocking(False)
        (folder / f"{name}.pid").write_text(json.dumps({"pid": 1, "executable": sys.executable}))
    return runtime, listener


def test_a_planted_server_is_never_contacted(project, tmp_path):
    write_record(project, 2023, "局本部", "a.yaml", MINIMAL_2023)
    runtime, listener = _hostile_runtime(tmp_path)
    before = sorted(p.name for p in (runtime / "budgetdocs").iterdir())
    env = dict(os.environ, XDG_RUNTIME_DIR=str(runtime), BUDGETDOCS_DAEMON="1")
    done = subprocess.run([*COMMAND, "--year", "2023", "--unit", "局本部", "--format", "xlsx"], cwd=project.root, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "已生成 1 个文件" in done.stdout
    with pytest.raises(BlockingIOError):
        listener.accept()  # nobody connected: nothing of ours (argv, folder, environment, terminal) went to it
    listener.close()
    assert sorted(p.name for p in (runtime / "budgetdocs").iterdir()) == before  # nothing started, written or swept there
    checked = subprocess.run([*BUDGETDOCS, "check", "--year", "2023", "--unit", "局本部"], cwd=project.root, env=env,
                             capture_output=True, text=True, timeout=60)
    assert checked.returncode == 0 and "检查通过" in checked.stdout


def test_daemon_commands_touch_no_process(tmp_path):
    """A stale pid file naming an unrelated process: nothing reads it, nothing is killed."""
    runtime, listener = _hostile_runtime(tmp_path)
    listener.close()
    victim = subprocess.Popen(["sleep", "30"])
    try:
        (runtime / "budgetdocs" / "0000000000000000.pid").write_text(json.dumps({"pid": victim.pid, "executable": sys.executable}))
        env = dict(os.environ, XDG_RUNTIME_DIR=str(runtime))
        for action in ("stop", "status"):
            done = subprocess.run([*BUDGETDOCS, "daemon", action], env=env, capture_output=True, text=True, timeout=60)
            assert done.returncode == 0 and "没有常驻排版进程" in done.stdout, done.stderr
        assert victim.poll() is None  # still running
    finally:
        victim.kill()
        victim.wait()


def test_the_callers_umask_and_temporary_folder_apply(project, tmp_path):
    """A render is the caller's own process: files under `umask 077` are 0600, and its
    temporary files (the error log) go to the caller's TMPDIR."""
    write_record(project, 2023, "局本部", "a.yaml", MINIMAL_2023)
    private_tmp = tmp_path / "mytmp"
    private_tmp.mkdir()
    env = dict(os.environ, TMPDIR=str(private_tmp))
    code = "import os, sys; os.umask(0o077); sys.argv[0] = 'render'; from budgetdocs.client import render; render()"
    done = subprocess.run([sys.executable, "-c", code, "--year", "2023", "--unit", "局本部", "--format", "xlsx", "--no-daemon"],
                          cwd=project.root, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr  # --no-daemon is still accepted (scripts use it)
    (made,) = (project.root / "output" / "2023" / "局本部").glob("*.xlsx")
    assert stat.S_IMODE(made.stat().st_mode) == 0o600
    failing = "import sys; from budgetdocs import cli; print(cli._fail_internal(RuntimeError('boom')))"
    logged = subprocess.run([sys.executable, "-c", failing], env=env, capture_output=True, text=True, timeout=60)
    assert logged.stdout.strip() == "3" and str(private_tmp) in logged.stderr
    assert list(private_tmp.glob("budgetdocs-error-*.log"))


def test_no_server_module_is_left():
    """The resident process is gone, not merely unused: nothing can start one."""
    import importlib.util

    assert importlib.util.find_spec("budgetdocs.server") is None
