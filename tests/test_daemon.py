"""The resident render process: started on first use, same files and exit codes as a
render in its own process, private to the user, stopped on request or when its client
goes away mid-render."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from budgetdocs import client
from conftest import write_record
from test_units_loader import MINIMAL_2023

COMMAND = [sys.executable, "-c", "import sys; from budgetdocs.client import render; sys.argv[0] = 'render'; render()"]
BUDGETDOCS = [sys.executable, "-c", "import sys; from budgetdocs.client import budgetdocs; sys.argv[0] = 'budgetdocs'; budgetdocs()"]


@pytest.fixture
def runtime(tmp_path, monkeypatch):
    """A private runtime folder and an environment that lets the client use a server."""
    folder = tmp_path / "run"
    folder.mkdir(mode=0o700)
    env = dict(os.environ, XDG_RUNTIME_DIR=str(folder), BUDGETDOCS_DAEMON="1", BUDGETDOCS_DAEMON_IDLE="60")
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(folder))
    yield env, folder / "budgetdocs"
    subprocess.run([*BUDGETDOCS, "daemon", "stop"], env=env, capture_output=True, timeout=30)


def _running(pid: int) -> bool:
    """True while ``pid`` runs (a zombie waiting for its reaper has stopped)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


def _served(log: Path) -> int:
    return log.read_text(encoding="utf-8").count("command from pid") if log.exists() else 0


def test_served_render_equals_a_render_here(project, runtime):
    env, folder = runtime
    write_record(project, 2023, "局本部", "a.yaml", MINIMAL_2023)
    args = ["--year", "2023", "--unit", "局本部"]
    first = subprocess.run([*COMMAND, *args, "--out", "a"], cwd=project.root, env=env, capture_output=True, text=True, timeout=120)
    assert first.returncode == 0, first.stderr
    (socket,) = folder.glob("*.sock")
    assert socket == client.socket_path()
    assert oct(folder.stat().st_mode & 0o777) == "0o700" and oct(socket.stat().st_mode & 0o777) == "0o600"
    log = socket.with_suffix(".log")
    pid = json.loads(socket.with_suffix(".pid").read_text())["pid"]
    second = subprocess.run([*COMMAND, *args, "--out", "b"], cwd=project.root, env=env, capture_output=True, text=True, timeout=60)
    assert second.returncode == 0, second.stderr
    assert "已生成 3 个文件" in second.stdout  # the server wrote to our stdout
    assert _served(log) == 2 and json.loads(socket.with_suffix(".pid").read_text())["pid"] == pid
    here = subprocess.run([*COMMAND, *args, "--out", "c", "--no-daemon"], cwd=project.root, env=env, capture_output=True, text=True, timeout=120)
    assert here.returncode == 0 and _served(log) == 2
    for made in (project.root / "a" / "2023" / "局本部").iterdir():
        for other in ("b", "c"):
            assert (project.root / other / "2023" / "局本部" / made.name).read_bytes() == made.read_bytes(), made.name
    # exit codes and messages come back as they are
    usage = subprocess.run([*COMMAND, "--year", "2023"], cwd=project.root, env=env, capture_output=True, text=True, timeout=60)
    assert usage.returncode == 2 and "用法错误" in usage.stderr
    write_record(project, 2023, "局本部", "a.yaml", MINIMAL_2023.replace("当年财政拨款: 1732000.10", "当年财政拨款: -5"))
    bad = subprocess.run([*COMMAND, *args], cwd=project.root, env=env, capture_output=True, text=True, timeout=60)
    assert bad.returncode == 1 and "a.yaml:" in bad.stderr
    checked = subprocess.run([*BUDGETDOCS, "check", *args], cwd=project.root, env=env, capture_output=True, text=True, timeout=60)
    assert checked.returncode == 1 and _served(log) == 5
    # stop: the process ends and its socket goes
    stopped = subprocess.run([*BUDGETDOCS, "daemon", "stop"], env=env, capture_output=True, text=True, timeout=30)
    assert str(pid) in stopped.stdout
    for _ in range(200):
        if not socket.exists() and not _running(pid):
            break
        time.sleep(0.05)
    assert not socket.exists() and not _running(pid)


def test_an_unsafe_runtime_folder_is_not_used(project, runtime):
    env, folder = runtime
    folder.mkdir(mode=0o777)
    os.chmod(folder, 0o777)  # others could replace the socket: run here instead
    write_record(project, 2023, "局本部", "a.yaml", MINIMAL_2023)
    done = subprocess.run([*COMMAND, "--year", "2023", "--unit", "局本部"], cwd=project.root, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert list(folder.iterdir()) == []
    assert client.private_dir(folder) is None


def test_socket_is_named_by_the_code(monkeypatch):
    """A changed toolkit or interpreter is served by a new server, never the old one."""
    first = client.server_key()
    monkeypatch.setattr(sys, "executable", "/elsewhere/python3")
    assert client.server_key() != first


def test_client_hanging_up_stops_the_render(project, runtime):
    """Ctrl-C on the client: the command in the server stops like a Ctrl-C, leaving no
    temporary file in the output folder, and the server serves the next command."""
    env, folder = runtime
    for n in range(40):
        write_record(project, 2023, "局本部", f"{n:02d}.yaml", MINIMAL_2023.replace("测试项目", f"测试项目{n}"))
    args = ["--year", "2023", "--unit", "局本部", "--no-cache"]
    warm = subprocess.run([*BUDGETDOCS, "check", "--year", "2023", "--unit", "局本部"], cwd=project.root, env=env, capture_output=True, text=True, timeout=120)
    assert warm.returncode == 0, warm.stderr
    (socket,) = folder.glob("*.sock")
    started = subprocess.Popen([*COMMAND, *args], cwd=project.root, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(1.0)
    started.send_signal(signal.SIGINT)
    assert started.wait(30) == 130
    time.sleep(1.0)
    assert not (project.root / "output" / "2023").exists()  # stopped before anything was written
    leftovers = [p for p in project.root.rglob("*") if p.name.startswith(".tmp-") or p.suffix == ".tmp"]
    assert leftovers == []
    again = subprocess.run([*COMMAND, *args], cwd=project.root, env=env, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr
    assert _served(socket.with_suffix(".log")) == 3


def test_a_new_server_retires_the_old_code_s(project, runtime):
    """A server for changed code stops the one this interpreter ran for the old code and
    sweeps the files of servers that are gone."""
    env, folder = runtime
    folder.mkdir(mode=0o700)
    old = subprocess.Popen(["sleep", "60"])
    (folder / "0000000000000000.pid").write_text(json.dumps({"pid": old.pid, "executable": sys.executable}))
    (folder / "0000000000000000.lock").touch()
    (folder / "1111111111111111.lock").touch()  # a server that is gone
    (folder / "1111111111111111.log").write_text("…")
    write_record(project, 2023, "局本部", "a.yaml", MINIMAL_2023)
    done = subprocess.run([*BUDGETDOCS, "check", "--year", "2023", "--unit", "局本部"], cwd=project.root, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert old.wait(10) == -signal.SIGTERM
    names = {p.name for p in folder.iterdir()}
    assert not any(n.startswith("1111") for n in names)
