"""Issue 19: safe to run as any user, on any machine.

Each class of fault is built and checked: a cache folder another user can change
(simulated, as root, with a folder chown'ed to another uid or opened to group/others),
code planted in a cache, damaged cache entries, a commit killed or signalled at every
step, hostile workbooks (a far cell, a zip bomb, numbers that are not finite, out of
range or finer than a 分), and records that are not text files or hold half a character.
"""

from __future__ import annotations

import json
import marshal
import os
import pickle
import shlex
import shutil
import signal
import stat
import subprocess
import sys
import time
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from budgetdocs import commit
from budgetdocs.build import Output, WriteError, recover, write_all
from budgetdocs.cli import budgetdocs, main
from budgetdocs.jobs import Cache
from budgetdocs.records import importer
from budgetdocs.records.importer import AmountError, parse_amount, read_workbooks
from budgetdocs.store import private_folder, read_private, sealed, unsealed
from conftest import DATA, write_record
from test_units_loader import MINIMAL_2023

ROOT = pytest.mark.skipif(os.geteuid() != 0, reason="a second user is simulated with chown (as root, as in CI)")
OTHER = 1000  # the simulated second user
RENDER = [sys.executable, "-c", "import sys; from budgetdocs.client import render; sys.argv[0] = 'render'; render()"]
BUDGETDOCS = [sys.executable, "-c", "import sys; from budgetdocs.client import budgetdocs; sys.argv[0] = 'budgetdocs'; budgetdocs()"]


def run(project, *extra, year=2023, unit="局本部"):
    args = ["--year", str(year), "--unit", unit, "--data", str(project.data), "--out", str(project.out), *extra]
    return CliRunner().invoke(main, args)


def files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file() and not p.name.startswith(".")}


def leftovers(folder: Path) -> list[Path]:
    return [p for p in folder.rglob(".tmp-*")] if folder.exists() else []


# ------------------------------------------------------------------ caches: private folders, data only


def _unsafe_cache(kind: str, tmp_path: Path) -> Path:
    """A cache folder someone else could change, made as ``kind`` says."""
    if kind == "another-owner":
        cache = tmp_path / "cache"
        cache.mkdir(mode=0o700)
        os.chown(cache, OTHER, OTHER)
    elif kind in ("world-writable", "group-writable"):
        cache = tmp_path / "cache"
        cache.mkdir()
        os.chmod(cache, 0o777 if kind == "world-writable" else 0o775)
    elif kind == "parent-writable":
        shared = tmp_path / "shared"
        shared.mkdir()
        os.chmod(shared, 0o777)  # not sticky: anyone may rename our folder away and put theirs
        cache = shared / "cache"
        cache.mkdir(mode=0o700)
    elif kind == "parent-of-another":
        theirs = tmp_path / "theirs"
        theirs.mkdir(mode=0o755)
        os.chown(theirs, OTHER, OTHER)
        cache = theirs / "cache"
        cache.mkdir(mode=0o700)
    else:  # a link, in a folder anyone can write, to a private folder
        real = tmp_path / "real"
        real.mkdir(mode=0o700)
        shared = tmp_path / "shared"
        shared.mkdir()
        os.chmod(shared, 0o777)
        cache = shared / "cache"
        cache.symlink_to(real)
    return cache


@pytest.mark.parametrize(
    "kind",
    [
        pytest.param("another-owner", marks=ROOT),
        "world-writable",
        "group-writable",
        "parent-writable",
        pytest.param("parent-of-another", marks=ROOT),
        "link-in-shared-folder",
    ],
)
def test_a_cache_others_can_change_is_not_used(project, monkeypatch, tmp_path, kind):
    write_record(project, 2023, "局本部", "01-a.yaml", MINIMAL_2023)
    cache = _unsafe_cache(kind, tmp_path)
    monkeypatch.setenv("BUDGETDOCS_CACHE", str(cache))
    for _ in range(2):
        result = run(project, "--format", "xlsx", "--jobs", "1")
        assert result.exit_code == 0, result.output
        assert "警告 缓存目录" in result.output and "本次不使用缓存" in result.output, result.output
        assert "复用缓存 0 个" in result.output
    assert list(Path(os.path.realpath(cache)).iterdir()) == []  # nothing written there, so nothing to read back
    assert private_folder(cache)[0] is None and Cache(cache).folder is None


def test_a_private_cache_in_a_sticky_folder_is_used(project, monkeypatch, tmp_path):
    write_record(project, 2023, "局本部", "01-a.yaml", MINIMAL_2023)
    shared = tmp_path / "tmp"
    shared.mkdir()
    os.chmod(shared, 0o1777)  # like /tmp: others cannot move our folder
    monkeypatch.setenv("BUDGETDOCS_CACHE", str(shared / "budgetdocs"))
    assert run(project, "--format", "xlsx", "--jobs", "1").exit_code == 0
    again = run(project, "--format", "xlsx", "--jobs", "1")
    assert again.exit_code == 0 and "警告" not in again.output and "复用缓存 0 个" not in again.output, again.output
    assert stat.S_IMODE((shared / "budgetdocs").stat().st_mode) == 0o700


def _plant_bytecode(folder: Path, marker: Path) -> None:
    """Jinja bytecode entries, in the cache folder the old code used, for every built-in
    template: the code writes ``marker`` when loaded."""
    from jinja2 import Environment, FileSystemBytecodeCache
    from jinja2.bccache import Bucket

    from budgetdocs.layout.html import BUILTIN_TEMPLATES, FolderLoader
    from budgetdocs.version import CODE_DIGEST

    target = folder / f"jinja-{CODE_DIGEST.hex()[:16]}"
    target.mkdir(parents=True)
    bcc = FileSystemBytecodeCache(str(target))
    env = Environment(loader=FolderLoader(str(BUILTIN_TEMPLATES)), bytecode_cache=bcc)
    payload = compile(f"open({str(marker)!r}, 'w').write('ran')", "<planted>", "exec")
    for path in BUILTIN_TEMPLATES.rglob("*.j2"):
        name = path.relative_to(BUILTIN_TEMPLATES).as_posix()
        source, filename, _ = env.loader.get_source(env, name)
        bucket = Bucket(env, bcc.get_cache_key(name, filename), bcc.get_source_checksum(source))
        bucket.code = payload
        bcc.dump_bytecode(bucket)
    # as the old code would have: loading a template runs the planted code
    try:
        env.get_template("forms.html.j2")
    except Exception:  # noqa: BLE001 - the payload is not a template; it ran before failing
        pass
    assert marker.exists()
    marker.unlink()


def test_planted_template_bytecode_is_never_run(project, monkeypatch, tmp_path):
    write_record(project, 2023, "局本部", "01-a.yaml", MINIMAL_2023)
    cache = tmp_path / "cache"
    cache.mkdir(mode=0o700)
    marker = tmp_path / "ran"
    _plant_bytecode(cache, marker)
    monkeypatch.setenv("BUDGETDOCS_CACHE", str(cache))
    result = run(project, "--format", "xlsx", "--jobs", "1")
    assert result.exit_code == 0, result.output
    assert not marker.exists()
    # and no compiled template is written for a later run to load
    fresh = tmp_path / "fresh"
    monkeypatch.setenv("BUDGETDOCS_CACHE", str(fresh))
    assert run(project, "--format", "xlsx", "--jobs", "1").exit_code == 0
    assert not list(fresh.glob("jinja-*")) and not list(fresh.rglob("*.cache"))


def test_damaged_entries_of_every_kind_are_misses(project, monkeypatch, tmp_path):
    """64 zero bytes in the middle of every entry (parts, files, font programs, their
    descriptions, parsed records): the render is the same, never a crash."""
    write_record(project, 2023, "局本部", "01-a.yaml", MINIMAL_2023)
    cache = tmp_path / "cache"
    monkeypatch.setenv("BUDGETDOCS_CACHE", str(cache))
    assert run(project, "--jobs", "1").exit_code == 0
    cold = files(project.out)
    entries = [p for p in cache.rglob("*") if p.is_file()]
    assert any(p.parent.parent.name == "records" for p in entries) and any(p.suffix == ".json" for p in entries)
    for entry in entries:
        data = bytearray(entry.read_bytes())
        middle = len(data) // 2
        data[middle : middle + 64] = b"\0" * 64
        entry.write_bytes(bytes(data))
    again = run(project, "--jobs", "1")
    assert again.exit_code == 0, again.output
    assert files(project.out) == cold
    assert "复用缓存 0 个" in again.output


def test_nothing_is_unpickled_or_unmarshalled_from_the_cache(project, monkeypatch, tmp_path):
    write_record(project, 2023, "局本部", "01-a.yaml", MINIMAL_2023)
    monkeypatch.setenv("BUDGETDOCS_CACHE", str(tmp_path / "cache"))
    assert run(project, "--jobs", "1").exit_code == 0  # fills the cache (and imports what a render imports)

    def refuse(*_args, **_kwargs):
        raise AssertionError("code loaded from the cache")

    for module, name in ((pickle, "load"), (pickle, "loads"), (marshal, "load"), (marshal, "loads")):
        monkeypatch.setattr(module, name, refuse)
    again = run(project, "--jobs", "1")
    assert again.exit_code == 0, again.output
    assert "排版 0 个部分" in again.output  # everything came from the cache, as data


@ROOT
def test_an_entry_of_another_user_or_a_link_is_a_miss(tmp_path):
    cache = Cache(tmp_path / "cache")
    for key in ("aa" * 32, "bb" * 32, "cc" * 32):
        cache.put_file(key, b"kept")
    assert cache.get_file("aa" * 32) == b"kept"
    os.chown(cache.folder / "aa" / f"{'aa' * 32}.bin", OTHER, OTHER)
    os.chmod(cache.folder / "bb" / f"{'bb' * 32}.bin.json", 0o666)
    data = cache.folder / "cc" / f"{'cc' * 32}.bin"
    data.rename(tmp_path / "elsewhere")
    data.symlink_to(tmp_path / "elsewhere")
    assert cache.get_file("aa" * 32) is None and cache.get_file("bb" * 32) is None and cache.get_file("cc" * 32) is None
    assert read_private(tmp_path / "elsewhere") == b"kept"
    assert unsealed(sealed({"a": 1})) == {"a": 1} and unsealed(sealed({"a": 1})[:-2] + b"2}") is None


# ------------------------------------------------------------------ the commit: any interruption


CHILD = r"""
import os, signal, sys
from pathlib import Path
from budgetdocs import commit, interrupt
out, at, signum = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
interrupt.install()
calls = [0]
def hooked(real):
    def call(*args, **kwargs):
        calls[0] += 1
        if calls[0] == at:
            os.kill(os.getpid(), signum)
        return real(*args, **kwargs)
    return call
for name in ("replace", "link", "unlink", "fsync", "write", "open", "mkdir"):
    setattr(os, name, hooked(getattr(os, name)))
class Out:
    def __init__(self, path, data):
        self.path, self.data = path, data
try:
    done = commit.write_all([Out(out / "a" / "x.pdf", b"new x"), Out(out / "a" / "y.docx", b"new y"),
                             Out(out / "b" / "z.xlsx", b"new z"), Out(out / "b" / "w.pdf", b"new w")], out)
except KeyboardInterrupt as exc:
    print("INTERRUPTED", len(getattr(exc, "written", [])), calls[0])
    sys.exit(exc.exit_code)
print("CALLS", calls[0])
"""
OLD = {"a/x.pdf": b"old x", "a/y.docx": b"old y", "b/z.xlsx": b"old z"}  # w.pdf is new in the run
NEW = {"a/x.pdf": b"new x", "a/y.docx": b"new y", "b/z.xlsx": b"new z", "b/w.pdf": b"new w"}


def _old_set(out: Path) -> None:
    for name, data in OLD.items():
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_bytes(data)


def _children(tmp_path: Path, signum: int) -> list[tuple[int, Path, subprocess.CompletedProcess]]:
    """The commit run once to count its steps, then stopped by ``signum`` at each step
    (the runs side by side)."""
    probe = tmp_path / "probe"
    _old_set(probe)
    counted = subprocess.run([sys.executable, "-c", CHILD, str(probe), "0", "0"], capture_output=True, text=True, timeout=60)
    assert counted.returncode == 0 and files(probe) == NEW, counted.stderr
    steps = int(counted.stdout.split()[-1])
    assert steps > 20
    started = []
    for at in range(1, steps + 1):
        out = tmp_path / f"at{at}"
        _old_set(out)
        started.append((at, out, subprocess.Popen([sys.executable, "-c", CHILD, str(out), str(at), str(int(signum))],
                                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)))
    return [(at, out, subprocess.CompletedProcess(p.args, p.wait(60), *p.communicate())) for at, out, p in started]


def test_a_kill_at_any_step_of_the_commit_is_completed_or_undone(tmp_path):
    completed = undone = 0
    for at, out, done in _children(tmp_path, signal.SIGKILL):
        assert done.returncode == -signal.SIGKILL, (at, done.stdout, done.stderr)
        state = json.loads((out / commit.JOURNAL).read_text()).get("state") if (out / commit.JOURNAL).exists() else None
        damaged = None
        if state == "commit":  # a twin whose pending temporary file was damaged (a power cut before it reached the disk)
            pending = [p for p in (out / "a").glob(".tmp-*") if not p.name.startswith(".tmp-old-")] + [
                p for p in (out / "b").glob(".tmp-*") if not p.name.startswith(".tmp-old-")]
            if pending:
                damaged = tmp_path / f"damaged{at}"
                shutil.copytree(out, damaged, symlinks=True)
                (damaged / pending[0].relative_to(out)).write_bytes(b"\0\0\0")
        said = recover(out)  # what the next run does before anything else
        assert files(out) in (OLD, NEW), (at, state, files(out))
        assert not leftovers(out) and not (out / commit.JOURNAL).exists(), (at, leftovers(out))
        assert bool(said) == (state is not None), (at, said)
        completed += files(out) == NEW
        undone += files(out) == OLD
        if damaged is not None:
            said = recover(damaged)
            assert files(damaged) == OLD and "已恢复原有的" in said[0], (at, said, files(damaged))
            assert not leftovers(damaged)
    assert completed and undone  # both ends are reached at some step
    assert recover(tmp_path / "at1") == []  # nothing left to do


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_sigterm_or_sigint_at_any_step_leaves_one_set_and_no_temporary_file(tmp_path, signum):
    for at, out, done in _children(tmp_path, signum):
        assert done.returncode in (128 + signum, 0), (at, done.returncode, done.stderr)
        assert "Traceback" not in done.stderr, (at, done.stderr)
        assert files(out) in (OLD, NEW), (at, files(out))
        assert not leftovers(out) and not (out / commit.JOURNAL).exists(), (at, leftovers(out))
        if files(out) == NEW and done.returncode:
            assert done.stdout.startswith("INTERRUPTED 4"), (at, done.stdout)  # said: the set is written


def test_the_next_render_finishes_a_killed_commit_first_and_says_so(project, tmp_path):
    write_record(project, 2023, "局本部", "01-a.yaml", MINIMAL_2023)
    out = project.out
    _old_set(out)
    at = 0
    probe = tmp_path / "probe"
    _old_set(probe)
    steps = int(subprocess.run([sys.executable, "-c", CHILD, str(probe), "0", "0"], capture_output=True, text=True, timeout=60).stdout.split()[-1])
    for at in range(steps, 0, -1):  # the last step at which a file is still to be moved
        shutil.rmtree(out)
        _old_set(out)
        subprocess.run([sys.executable, "-c", CHILD, str(out), str(at), str(int(signal.SIGKILL))], capture_output=True, timeout=60)
        if (out / commit.JOURNAL).exists() and files(out) not in (OLD, NEW):
            break
    assert files(out) not in (OLD, NEW)  # a mix of two runs on disk, until the next run
    result = run(project, "--check")
    assert result.exit_code == 0, result.output
    assert result.output.index("上次运行") < result.output.index("检查通过"), result.output
    assert "已补完其余" in result.output and files(out) == NEW and not leftovers(out)


def test_a_failed_rename_puts_the_old_set_back(tmp_path, monkeypatch):
    _old_set(tmp_path)
    real = os.replace
    moved = []

    def failing(src, dst, *args, **kwargs):
        if str(dst).endswith(("z.xlsx", "y.docx")) and ".tmp-old-" not in str(src):
            moved.append(dst)
            if len(moved) == 2:
                raise OSError(5, "Input/output error", str(dst))
        return real(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", failing)
    outputs = [Output(tmp_path / name, data) for name, data in NEW.items()]
    with pytest.raises(WriteError, match="原有输出已恢复"):
        write_all(outputs, tmp_path)
    assert files(tmp_path) == OLD and not leftovers(tmp_path) and not (tmp_path / commit.JOURNAL).exists()


@ROOT
def test_a_journal_or_lock_another_user_left_is_not_followed(tmp_path):
    """In an output folder others can write, a planted journal is not acted on, and a lock
    file that is a link is not opened through (it could create a file anywhere)."""
    out = tmp_path / "out"
    out.mkdir()
    os.chmod(out, 0o777)
    (out / "victim.txt").write_bytes(b"mine")
    (out / ".tmp-x").write_bytes(b"theirs")
    journal = {"version": 1, "state": "commit", "started": "", "folders": ["."],
               "files": [{"tmp": ".tmp-x", "target": "victim.txt", "sha256": __import__("hashlib").sha256(b"theirs").hexdigest(), "backup": None}]}
    (out / commit.JOURNAL).write_text(json.dumps(journal))
    for path in (out / ".tmp-x", out / commit.JOURNAL):
        os.chown(path, OTHER, OTHER)
    said = recover(out)
    assert said and said[0].startswith("警告") and "不是本用户写出的" in said[0]
    assert (out / "victim.txt").read_bytes() == b"mine" and (out / ".tmp-x").exists()
    other = tmp_path / "other"
    other.mkdir()
    (other / commit.LOCK).symlink_to(tmp_path / "created-elsewhere")
    with pytest.raises(WriteError, match="原有输出保持不变"):
        write_all([Output(other / "a.pdf", b"a")], other)
    assert not (tmp_path / "created-elsewhere").exists() and not (other / "a.pdf").exists()


def _many_forms(project, count: int = 30) -> None:
    for n in range(count):
        write_record(project, 2023, "局本部", f"{n:02d}.yaml", MINIMAL_2023.replace("测试项目", f"测试项目{n}"))


def _workers_of(pid: int) -> list[int]:
    found = []
    for path in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = path.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(path.parent.name))
    return found


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc")
@pytest.mark.parametrize("signum,group", [(signal.SIGINT, True), (signal.SIGTERM, False)], ids=["ctrl-c", "sigterm"])
def test_a_stopped_render_exits_128_plus_the_signal_and_leaves_nothing(project, signum, group):
    """Ctrl-C at the terminal (SIGINT to the whole process group) exits 130, SIGTERM 143:
    one line, no traceback, nothing written, no temporary file, no worker left."""
    _many_forms(project)
    render = subprocess.Popen([*RENDER, "--year", "2023", "--unit", "局本部", "--jobs", "2", "--no-cache"], cwd=project.root,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
                              preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))  # as at a terminal, even if CI ignores it
    workers: list[int] = []
    for _ in range(400):
        workers = _workers_of(render.pid)
        if workers:
            break
        time.sleep(0.025)
    assert workers, "no worker started"
    time.sleep(0.2)
    if group:
        os.killpg(render.pid, signum)
    else:
        render.send_signal(signum)
    out, err = render.communicate(timeout=60)
    assert render.returncode == 128 + signum, (render.returncode, err)
    assert "已中断" in err and "Traceback" not in err, err
    assert not (project.root / "output" / "2023").exists() or not files(project.root / "output")
    assert not leftovers(project.root)
    def alive(pid: int) -> bool:
        """Running and not a zombie (a worker that exits between two reads is gone, not an error)."""
        try:
            return "Z" not in Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            return False

    for _ in range(400):  # (up to 20 s: a loaded machine schedules the workers' exit late)
        if not [w for w in workers if alive(w)]:
            break
        time.sleep(0.05)
    else:
        pytest.fail("a worker outlived the render")


def test_ctrl_c_anywhere_in_a_command_is_130(project, monkeypatch, tmp_path):
    write_record(project, 2023, "局本部", "01-a.yaml", MINIMAL_2023)
    import budgetdocs.cli as cli
    import budgetdocs.records.newyear as newyear
    from budgetdocs.interrupt import Interrupted

    def interrupted(*_args, **_kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "plan", interrupted)
    result = run(project)
    assert result.exit_code == 130 and "已中断（Ctrl-C），未写出任何文件" in result.output, result.output
    # any subcommand: 128 + the signal, never click's "Aborted!" and 1
    def terminated(*_args, **_kwargs):
        raise Interrupted(signal.SIGTERM)

    monkeypatch.setattr(newyear, "new_year", terminated)
    monkeypatch.chdir(project.root)
    result = CliRunner().invoke(budgetdocs, ["new-year", "--unit", "局本部", "--from", "2023"])
    assert result.exit_code == 143 and "已中断（SIGTERM）" in result.output and "Aborted" not in result.output, result.output


@ROOT
def test_folders_of_another_user_named_by_the_environment_are_not_used(project, tmp_path):
    """After a plain `su`, $XDG_CACHE_HOME (fontconfig's cache) and $XDG_CONFIG_HOME may
    still name the other user's folders: root's render neither reads nor writes there."""
    write_record(project, 2023, "局本部", "01-a.yaml", MINIMAL_2023)
    theirs = {}
    for name in ("XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME"):
        folder = tmp_path / name.lower()
        folder.mkdir(mode=0o777)
        os.chmod(folder, 0o777)
        os.chown(folder, OTHER, OTHER)
        theirs[name] = str(folder)
    env = {**os.environ, **theirs, "BUDGETDOCS_CACHE": str(tmp_path / "cache")}
    done = subprocess.run([*RENDER, "--year", "2023", "--unit", "局本部", "--format", "pdf"], cwd=project.root, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    for name, folder in theirs.items():
        assert f"警告 环境变量 {name}={folder} 不安全" in done.stderr
        assert list(Path(folder).iterdir()) == []


# ------------------------------------------------------------------ imports: bounded by what a budget workbook holds


TITLE = "2023年预算单位支出预算总表"
HEAD = ["科目编码", "科目名称", "合计", "基本支出", "项目支出"]


def _xlsx(path: Path, cells: str, sheet_name: str = "表3", extra: dict | None = None) -> Path:
    """A minimal workbook: table 3's title and header, then ``cells`` (raw sheet XML rows)."""
    def inline(ref: str, text: str) -> str:
        return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'

    head = "".join(inline(f"{chr(65 + i)}2", text) for i, text in enumerate(HEAD))
    sheet = (
        '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<dimension ref="A1:XFD1048576"/><sheetData><row r="1">{inline("A1", TITLE)}</row><row r="2">{head}</row>{cells}</sheetData></worksheet>'
    )
    parts = {
        "[Content_Types].xml": '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/></Types>',
        "_rels/.rels": '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        f'<sheets><sheet name="{sheet_name}" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
        "xl/worksheets/sheet1.xml": sheet,
        **(extra or {}),
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as book:
        for name, text in parts.items():
            book.writestr(name, text)
    return path


def _row(r: int, *cells: str) -> str:
    return f'<row r="{r}">{"".join(cells)}</row>'


def _code(r: int, code: str = "2080150") -> str:
    return f'<c r="A{r}" t="inlineStr"><is><t>{code}</t></is></c><c r="B{r}" t="inlineStr"><is><t>事业运行</t></is></c>'


@pytest.mark.parametrize(
    "cell,words",
    [
        ('<c r="C3"><v>1E+308</v></c>', "超出金额的合理范围"),
        ('<c r="C3"><v>-1e400</v></c>', "超出金额的合理范围"),
        ('<c r="C3"><v>INF</v></c>', "不是有限的数"),
        ('<c r="C3"><v>NaN</v></c>', "不是有限的数"),
        ('<c r="C3"><v>sNaN</v></c>', "不是有限的数"),
        ('<c r="C3" t="inlineStr"><is><t>Infinity</t></is></c>', "不是金额"),
        ('<c r="C3" t="inlineStr"><is><t>1e308</t></is></c>', "不是金额"),
        ('<c r="C3"><v>11863427.565</v></c>', "比“分”更细"),
        ('<c r="C3"><v>1.186342756E7</v></c>', None),  # 11863427.56 in exponent form: exact, read
        ('<c r="C3" t="inlineStr"><is><t>11,863,427.565</t></is></c>', "比“分”更细"),
        ('<c r="C3"><v>0.001</v></c>', "比“分”更细"),
        ('<c r="C3"><v>0.30000000000000004</v></c>', None),  # a formula's binary noise past Excel's 15 digits
        ('<c r="C3" t="e"><v>#DIV/0!</v></c>', "公式的错误值"),
        ('<c r="C3"><f>SUM(D3:E3)</f></c>', "没有它的计算结果"),
        ('<c r="C3" t="b"><v>1</v></c>', "逻辑值"),
        ('<c r="C3" t="inlineStr"><is><t>１２３.４５６</t></is></c>', "比“分”更细"),  # full-width digits are read, then judged
    ],
    ids=["1e308", "-1e400", "INF", "NaN", "sNaN", "Infinity-text", "1e308-text", "over-precise", "exponent", "over-precise-text",
         "a-li", "noise", "error", "formula-without-result", "bool", "fullwidth"],
)
def test_every_number_is_an_exact_decimal_or_a_located_error(tmp_path, cell, words):
    path = _xlsx(tmp_path / "预算表.xlsx", _row(3, _code(3), cell))
    result = read_workbooks([path])
    located = [p for p in result.problems if p.file == "预算表.xlsx!表3!C3"]
    if words is None:
        assert not located, result.problems
    else:
        assert located and located[0].code == "E113" and words in located[0].message, result.problems


def test_amounts_are_never_rounded():
    assert parse_amount(importer.Number("11863427.56")) == Decimal("11863427.56")
    assert parse_amount("1,500,000.00") == Decimal("1500000.00")
    assert parse_amount(0.1 + 0.2) == Decimal("0.30")
    for bad in (importer.Number("11863427.565"), "11863427.565", 11863427.565, float("inf"), float("nan"), Decimal("1e13")):
        with pytest.raises(AmountError):
            parse_amount(bad)


def test_an_over_precise_figure_stops_the_import_at_its_cell(tmp_path, monkeypatch):
    """`budgetdocs import`: 11863427.565 is an error naming the cell, never a silent .56."""
    shutil.copytree(DATA, tmp_path / "data")
    monkeypatch.chdir(tmp_path)
    record = tmp_path / "data" / "2023" / "咨询服务中心" / "budget.yaml"
    before = record.read_bytes()
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "表3"
    ws.append([TITLE])
    ws.append(HEAD)
    ws.append(["2080150", "事业运行", 11863427.565, 11863427.565, None])
    wb.save(tmp_path / "预算表.xlsx")
    result = CliRunner().invoke(budgetdocs, ["import", "--year", "2023", "--unit", "咨询服务中心", "--force", "预算表.xlsx"])
    assert result.exit_code == 1, result.output
    assert "预算表.xlsx!表3!C3" in result.output and "E113" in result.output and "11863427.565" in result.output
    assert "Traceback" not in result.output and record.read_bytes() == before


def test_a_far_cell_is_not_walked(tmp_path):
    """One cell at XFD1048576 (the claimed dimension is 17 billion cells): a sheet without
    a table is not read past its first rows; a table is refused at that cell."""
    elsewhere = tmp_path / "其他.xlsx"
    wb = openpyxl.Workbook()
    wb.active["XFD1048576"] = 1
    wb.save(elsewhere)
    table = _xlsx(tmp_path / "预算表.xlsx", _row(3, _code(3), '<c r="C3"><v>1</v></c>') + _row(1048576, '<c r="XFD1048576"><v>1</v></c>'))
    started = time.perf_counter()
    skipped = read_workbooks([elsewhere])
    refused = read_workbooks([table])
    assert time.perf_counter() - started < 2
    assert [p.code for p in skipped.problems] == ["E401"]  # no table in it, said as before
    far = [p for p in refused.problems if p.code == "E405"]
    assert far and far[0].file == "预算表.xlsx!表3!XFD1048576" and "表格之外有内容" in far[0].message


def _declare(path: Path, part: str, size: int) -> None:
    """Rewrite the zip's directory so that ``part`` declares ``size`` bytes unpacked."""
    data = bytearray(path.read_bytes())
    name = part.encode()
    central = data.find(b"PK\x01\x02" + bytes(0), 0)
    while central != -1:
        length = int.from_bytes(data[central + 28 : central + 30], "little")
        if data[central + 46 : central + 46 + length] == name:
            data[central + 24 : central + 28] = size.to_bytes(4, "little")
            local = int.from_bytes(data[central + 42 : central + 46], "little")
            data[local + 22 : local + 26] = size.to_bytes(4, "little")
        central = data.find(b"PK\x01\x02", central + 4)
    path.write_bytes(bytes(data))


def test_a_zip_bomb_is_refused_before_parsing(tmp_path, monkeypatch):
    # a small workbook whose sheet unpacks to 1 GB (as its directory declares)
    bomb = _xlsx(tmp_path / "炸弹.xlsx", _row(3, _code(3), '<c r="C3"><v>1</v></c>'))
    _declare(bomb, "xl/worksheets/sheet1.xml", 1 << 30)
    problems = read_workbooks([bomb]).problems
    assert [p.code for p in problems] == ["E405"], problems
    assert problems[0].file == "炸弹.xlsx" and "1,024.0 MB" in problems[0].message and "xl/worksheets/sheet1.xml" in problems[0].message
    # a real one, at a smaller scale: 8 MB of blanks packed into a few KB, against a 1 MB limit
    monkeypatch.setattr(importer, "MAX_UNPACKED", 1024 * 1024)
    padded = _xlsx(tmp_path / "大.xlsx", _row(3, _code(3), '<c r="C3"><v>1</v></c>') + " " * (8 << 20))
    assert padded.stat().st_size < 100_000
    assert [p.code for p in read_workbooks([padded]).problems] == ["E405"]
    # a part that declares less than it holds is cut at what it declares and fails its check
    monkeypatch.setattr(importer, "MAX_UNPACKED", 100 * 1024 * 1024)
    _declare(padded, "xl/worksheets/sheet1.xml", 1000)
    lying = read_workbooks([padded]).problems
    assert lying and lying[0].code == "E100" and lying[0].file == "大.xlsx", lying


def test_too_many_cells_are_refused_before_parsing(tmp_path, monkeypatch):
    monkeypatch.setattr(importer, "MAX_CELLS", 50)
    rows = "".join(_row(r, _code(r, f"20801{r:02d}"), f'<c r="C{r}"><v>1</v></c>') for r in range(3, 40))
    problems = read_workbooks([_xlsx(tmp_path / "多.xlsx", rows)]).problems
    assert [p.code for p in problems] == ["E405"] and "个单元格" in problems[0].message, problems


@pytest.mark.parametrize("kind", ["fifo", "link-to-dev-zero", "not-a-zip", "unknown-compression", "entity-bomb"])
def test_a_workbook_that_is_not_one_is_refused(tmp_path, kind):
    path = tmp_path / "表.xlsx"
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "link-to-dev-zero":
        path.symlink_to("/dev/zero")
    elif kind == "not-a-zip":
        path.write_bytes(b"\xd0\xcf\x11\xe0" + b"\0" * 1000)  # an old .xls
    elif kind == "unknown-compression":
        _xlsx(path, _row(3, _code(3), '<c r="C3"><v>1</v></c>'))
        data = bytearray(path.read_bytes())
        for signature, offset in ((b"PK\x03\x04", 8), (b"PK\x01\x02", 10)):  # every part: compression method 99
            at = data.find(signature)
            while at != -1:
                data[at + offset : at + offset + 2] = (99).to_bytes(2, "little")
                at = data.find(signature, at + 4)
        path.write_bytes(bytes(data))
    else:  # entities that expand a billion times: never expanded
        lol = '<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">' + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(9)) + "]>"
        _xlsx(path, "", extra={"xl/sharedStrings.xml": lol + '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>&j;</t></si></sst>'})
    started = time.perf_counter()
    problems = read_workbooks([path]).problems  # never a crash, never a wait
    assert time.perf_counter() - started < 5
    if kind != "entity-bomb":
        assert problems and problems[0].file == "表.xlsx" and problems[0].code == "E100", problems


# ------------------------------------------------------------------ records and folders: a located message, never a traceback


@pytest.mark.parametrize(
    "name,text,line",
    [
        ("01-a.yaml", MINIMAL_2023.replace("项目名称: 测试项目", '项目名称: "测试\\ud83d项目"'), 1),
        ("01-a.yaml", MINIMAL_2023.replace("年度总体目标: 目标", '年度总体目标: "目标\\U0000DE00"'), 12),
        ("01-a.yaml", MINIMAL_2023 + '"备\\udc00注": x\n', 15),
        ("01-a.json", None, 1),
    ],
    ids=["yaml-escape", "yaml-low-half", "in-a-key", "json-dumps"],
)
def test_half_a_character_is_located_even_with_check(project, name, text, line):
    if text is None:  # JSON as json.dumps writes it: every character escaped, one half alone
        from ruamel.yaml import YAML

        data = YAML(typ="safe").load(MINIMAL_2023)
        data["项目名称"] = "测试\ud83d"
        text = json.dumps(data, default=str)
    write_record(project, 2023, "局本部", name, text)
    result = run(project, "--check")
    assert result.exit_code == 1, result.output
    assert f"{name}:{line}:" in result.output and "E106" in result.output and "代理项" in result.output, result.output


def test_a_whole_character_written_by_json_dumps_is_read(project):
    from ruamel.yaml import YAML

    data = YAML(typ="safe").load(MINIMAL_2023)
    data["年度总体目标"] = "目标😀"
    write_record(project, 2023, "局本部", "01-a.json", json.dumps(data, default=str))  # "\ud83d\ude00"
    result = run(project, "--check")
    assert result.exit_code == 0 and "检查通过：1 份记录" in result.output, result.output


@pytest.mark.parametrize("kind", ["fifo", "link-to-dev-zero", "link-to-a-fifo-inside", "budget-fifo", "dangling-link"])
def test_a_record_that_is_not_a_regular_file_is_refused_not_skipped(project, kind):
    folder = project.data / "2023" / "局本部"
    write_record(project, 2023, "局本部", "01-a.yaml", MINIMAL_2023)
    target = folder / ("budget.yaml" if kind == "budget-fifo" else "02-b.yaml")
    if kind in ("fifo", "budget-fifo"):
        os.mkfifo(target)
    elif kind == "link-to-dev-zero":
        target.symlink_to("/dev/zero")
    elif kind == "link-to-a-fifo-inside":
        os.mkfifo(project.data / "pipe")
        target.symlink_to(project.data / "pipe")
    else:
        target.symlink_to(folder / "gone.yaml")
    started = time.perf_counter()
    result = run(project, "--check")
    assert time.perf_counter() - started < 20
    assert result.exit_code == 1, result.output
    assert f"{target.name}: E100" in result.output and "检查通过" not in result.output, result.output


def test_a_registry_or_a_budget_that_is_not_a_file_is_refused(project):
    folder = project.data / "2023" / "局本部"
    write_record(project, 2023, "局本部", "01-a.yaml", MINIMAL_2023)
    (folder / "budget.yaml").symlink_to("/proc/self/environ")  # a pseudo-file: what it would print is not the user's record
    result = run(project, "--check")
    assert result.exit_code == 1 and "budget.yaml: E100" in result.output and "伪文件" in result.output, result.output
    assert "PATH=" not in result.output
    (project.data / "units.yaml").unlink()
    os.mkfifo(project.data / "units.yaml")
    started = time.perf_counter()
    result = run(project, "--check")
    assert time.perf_counter() - started < 20
    assert result.exit_code == 1 and "units.yaml: E100" in result.output and "命名管道" in result.output, result.output


def test_a_template_that_is_a_fifo_is_refused(project, monkeypatch):
    monkeypatch.chdir(project.root)
    write_record(project, 2023, "局本部", "01-a.yaml", MINIMAL_2023)
    project.templates.mkdir()
    os.mkfifo(project.templates / "form-2023.html.j2")
    started = time.perf_counter()
    result = run(project, "--format", "xlsx")
    assert time.perf_counter() - started < 20
    assert result.exit_code == 1 and "不是普通文件" in result.output and "form-2023.html.j2" in result.output, result.output


def test_a_file_name_that_is_not_utf8_is_a_message(project):
    write_record(project, 2023, "局本部", "01-a.yaml", MINIMAL_2023)
    folder = os.fsencode(project.data / "2023" / "局本部")
    with open(os.path.join(folder, b"02-\xff.yaml"), "w", encoding="utf-8") as handle:
        handle.write(MINIMAL_2023)
    result = run(project, "--check")
    assert result.exit_code == 1 and "E101" in result.output and "文件名不是UTF-8" in result.output, result.output


@pytest.mark.parametrize("command", [["render", "--year", "2023", "--unit", "局本部"], ["budgetdocs", "import", "--year", "2023", "--unit", "局本部", "x.xlsx"]])
def test_a_deleted_working_folder_is_one_line(tmp_path, command):
    gone = tmp_path / "gone"
    gone.mkdir()
    program = RENDER if command[0] == "render" else BUDGETDOCS
    line = " ".join(shlex.quote(a) for a in [*program, *command[1:]])
    done = subprocess.run(["sh", "-c", f"cd {shlex.quote(str(gone))} && rmdir {shlex.quote(str(gone))} && exec {line}"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2, (done.returncode, done.stderr)
    assert "当前文件夹已不存在" in done.stderr and "Traceback" not in done.stderr, done.stderr
