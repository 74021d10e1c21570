"""Bad records, a damaged cache, a failed commit, a hostile template: each class of fault, built and checked.

Every case asserts the exit code, the located message, and that nothing is left
behind: no output changed, no temporary file, no process.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from budgetdocs.build import NAME_MAX, Output, WriteError, _check_target, write_all
from budgetdocs.cli import main
from budgetdocs.jobs import Cache, worker_count
from conftest import DATA, write_record
from test_units_loader import MINIMAL_2023


def run(project, *extra, year=2023, unit="局本部"):
    args = ["--year", str(year), "--unit", unit, "--data", str(project.data), "--out", str(project.out), *extra]
    return CliRunner().invoke(main, args)


def leftovers(folder: Path) -> list[Path]:
    return [p for p in folder.rglob(".tmp-*")] if folder.exists() else []


# ------------------------------------------------------------------ records


@pytest.mark.parametrize(
    "text,code,line,words",
    [
        # 1. nested aliases: refused at the first anchor, before anything expands
        ("a: &a [x,x,x,x,x,x,x,x,x]\n" + "".join(f"{chr(98 + i)}: &{chr(98 + i)} [{','.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(9))
         + MINIMAL_2023, "E102", 1, "锚点和别名"),
        # 11. a Python tag is not data
        (MINIMAL_2023.replace("项目名称: 测试项目", "项目名称: !!python/object/apply:os.system [echo]"), "E110", 1, "不支持的YAML标签"),
        # 11. very deep nesting has a line
        (MINIMAL_2023 + "备注: " + "[" * 3000 + "]" * 3000 + "\n", "E102", 15, "嵌套超过"),
        # 2. a decimal comma, and separators not in threes
        (MINIMAL_2023.replace("当年财政拨款: 1732000.10", '当年财政拨款: "1732,50"'), "E113", 9, "千位分隔符"),
        (MINIMAL_2023.replace("当年财政拨款: 1732000.10", '当年财政拨款: "1,73,2000"'), "E113", 9, "千位分隔符"),
        # 10. a right-to-left override and a zero-width space
        (MINIMAL_2023.replace("项目名称: 测试项目", "项目名称: 测试\u202e项目"), "E105", 1, "U+202E"),
        (MINIMAL_2023.replace("项目名称: 测试项目", "项目名称: 测\u200b试项目"), "E105", 1, "U+200B"),
        # 11. the documented code, count and limit for a long name; keys that are numbers keep their line
        (MINIMAL_2023.replace("项目名称: 测试项目", "项目名称: " + "长" * 120), "E118", 1, "120字，此栏最多100字"),
        (MINIMAL_2023 + "1: x\n", "E112", 15, "未知的字段"),
    ],
    ids=["alias-bomb", "python-tag", "deep", "decimal-comma", "bad-grouping", "rlo", "zwsp", "too-long", "int-key"],
)
def test_bad_records_are_located(project, text, code, line, words):
    write_record(project, 2023, "局本部", "01-a.yaml", text)
    started = time.perf_counter()
    result = run(project)
    assert time.perf_counter() - started < 10
    assert result.exit_code == 1, result.output
    assert f"01-a.yaml:{line}:" in result.output and code in result.output and words in result.output, result.output
    assert not project.out.exists() or not any(project.out.rglob("*.*"))


def test_grouped_amount_is_still_read(project):
    write_record(project, 2023, "局本部", "01-a.yaml", MINIMAL_2023.replace("当年财政拨款: 1732000.10", '当年财政拨款: "1,732,000.10"'))
    assert run(project, "--check").exit_code == 0


def test_record_linked_from_outside_the_data_folder_is_not_read(project, tmp_path):
    outside = tmp_path / "secret.yaml"
    outside.write_text("密码: hunter2\n", encoding="utf-8")
    folder = project.data / "2023" / "局本部"
    folder.mkdir(parents=True)
    (folder / "01-a.yaml").symlink_to(outside)
    result = run(project)
    assert result.exit_code == 1 and "E100" in result.output and "数据目录之外" in result.output
    assert "密码" not in result.output


# ------------------------------------------------------------------ cache


def _rendered(project, monkeypatch, cache: Path):
    monkeypatch.setenv("BUDGETDOCS_CACHE", str(cache))
    result = run(project, "--jobs", "1")
    assert result.exit_code == 0, result.output
    return {p.name: p.read_bytes() for p in project.out.rglob("*.*") if not p.name.startswith(".")}


def test_damaged_or_swapped_cache_entries_are_misses(project, monkeypatch, tmp_path):
    write_record(project, 2023, "局本部", "01-a.yaml", MINIMAL_2023)
    cache = tmp_path / "cache"
    cold = _rendered(project, monkeypatch, cache)
    entries = sorted(p for p in cache.rglob("*") if p.is_file() and p.suffix in (".bin", ".pdf"))
    assert len(entries) >= 3
    # zeroed bytes in every cached file
    for entry in entries:
        entry.write_bytes(b"\0" * entry.stat().st_size)
    assert _rendered(project, monkeypatch, cache) == cold
    # two entries swapped (a DOCX where the XLSX should be)
    bins = sorted(p for p in cache.rglob("*.bin"))
    a, b = bins[0].read_bytes(), bins[1].read_bytes()
    bins[0].write_bytes(b)
    bins[1].write_bytes(a)
    # a truncated PDF part
    part = next(cache.rglob("*.pdf"))
    part.write_bytes(part.read_bytes()[:100])
    again = _rendered(project, monkeypatch, cache)
    assert again == cold
    for name, data in again.items():
        if name.endswith((".docx", ".xlsx")):
            assert zipfile.ZipFile(__import__("io").BytesIO(data)).testzip() is None


def test_cache_entry_records_its_key(tmp_path):
    cache = Cache(tmp_path)
    cache.put_file("ab" * 32, b"one")
    cache.put_file("cd" * 32, b"two")
    (tmp_path / "ab" / f"{'ab' * 32}.bin").write_bytes(b"two")  # right digest of another entry's bytes
    assert cache.get_file("ab" * 32) is None and cache.get_file("cd" * 32) == b"two"


# ------------------------------------------------------------------ commit


def test_commit_checks_every_target_first(project):
    write_record(project, 2023, "局本部", "01-a.yaml", MINIMAL_2023)
    assert run(project).exit_code == 0
    folder = project.out / "2023" / "局本部"
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    write_record(project, 2023, "局本部", "01-a.yaml", MINIMAL_2023.replace("1732000.10", "1732000.20"))
    xlsx = next(folder.glob("*.xlsx"))
    xlsx.unlink()
    xlsx.mkdir()  # the last target is now a folder
    result = run(project)
    assert result.exit_code == 2
    assert "是一个文件夹" in result.output and "原有输出保持不变" in result.output and ".tmp-" not in result.output
    after = {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}
    assert after == {k: v for k, v in before.items() if not k.endswith(".xlsx")}
    assert not leftovers(project.out)


def test_overlong_name_is_refused_before_writing(tmp_path):
    long = tmp_path / ("长" * 90 + ".pdf")
    assert len(long.name.encode()) > NAME_MAX
    assert "文件名太长" in _check_target(long, tmp_path)
    with pytest.raises(WriteError, match="文件名太长"):
        write_all([Output(tmp_path / "a.pdf", b"a"), Output(long, b"b")], tmp_path)
    assert not (tmp_path / "a.pdf").exists()


def test_failed_write_leaves_no_temporary_file_and_stale_ones_are_swept(tmp_path, monkeypatch):
    (tmp_path / "old.pdf").write_bytes(b"old")
    stale = tmp_path / ".tmp-abandoned.pdf"
    stale.write_bytes(b"x" * 1000)  # left by a run that was killed
    real_fdopen = os.fdopen
    calls = []

    def full_disk(fd, *args, **kwargs):
        calls.append(fd)
        if len(calls) == 2:
            os.close(fd)
            raise OSError(28, "No space left on device")
        return real_fdopen(fd, *args, **kwargs)

    monkeypatch.setattr(os, "fdopen", full_disk)
    with pytest.raises(WriteError, match="No space left on device.*原有输出保持不变"):
        write_all([Output(tmp_path / "old.pdf", b"new"), Output(tmp_path / "b.pdf", b"b")], tmp_path)
    assert (tmp_path / "old.pdf").read_bytes() == b"old"
    assert not leftovers(tmp_path) and not (tmp_path / "b.pdf").exists()


def test_writes_wait_for_the_output_lock(tmp_path):
    tmp_path.joinpath(".budgetdocs.lock").touch()
    holder = open(tmp_path / ".budgetdocs.lock", "a+")
    fcntl.flock(holder, fcntl.LOCK_EX)
    done = []
    thread = threading.Thread(target=lambda: done.append(write_all([Output(tmp_path / "a.pdf", b"a")], tmp_path)))
    thread.start()
    time.sleep(0.3)
    assert not done and not (tmp_path / "a.pdf").exists()  # another render is writing here
    fcntl.flock(holder, fcntl.LOCK_UN)
    holder.close()
    thread.join(5)
    assert done and (tmp_path / "a.pdf").read_bytes() == b"a"


# ------------------------------------------------------------------ processes and options


def test_jobs_and_formats_are_bounded(project):
    write_record(project, 2023, "局本部", "01-a.yaml", MINIMAL_2023)
    assert run(project, "--jobs", "10000").exit_code == 2
    result = run(project, "--format", ",")
    assert result.exit_code == 2 and "没有指定输出格式" in result.output
    assert worker_count(10, 3) <= 3 and worker_count(64, 1000) <= 2 * (os.cpu_count() or 1)


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc")
def test_workers_end_when_the_render_is_killed(tmp_path):
    shutil.copytree(DATA, tmp_path / "data")
    env = {**os.environ, "BUDGETDOCS_CACHE": str(tmp_path / "cache")}
    render = subprocess.Popen(
        [sys.executable, "-m", "budgetdocs.cli", "--year", "2023", "--unit", "人社局", "--jobs", "2", "--no-cache"],
        cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    workers: list[int] = []
    for _ in range(200):
        workers = _children(render.pid)
        if len(workers) >= 2:
            break
        time.sleep(0.05)
    assert workers, "no worker started"
    render.send_signal(signal.SIGKILL)
    render.wait()
    for _ in range(100):
        alive = [w for w in workers if Path(f"/proc/{w}").exists() and "Z" not in Path(f"/proc/{w}/stat").read_text().rsplit(")", 1)[1].split()[0]]
        if not alive:
            break
        time.sleep(0.05)
    assert not alive, f"workers {alive} outlived the render"


# ------------------------------------------------------------------ templates and logs


def test_template_cannot_read_outside_its_folder(project, monkeypatch):
    monkeypatch.chdir(project.root)  # a project's templates/ is beside its data/
    write_record(project, 2023, "局本部", "01-a.yaml", MINIMAL_2023)
    project.templates.mkdir()
    (project.templates / "macros.html.j2").symlink_to("/etc/passwd")
    result = run(project, "--format", "docx")
    assert result.exit_code == 1 and "模板目录之外" in result.output and "root:" not in result.output
    assert not project.out.exists() or not any(project.out.rglob("*.docx"))


def test_sandbox_violation_is_a_located_template_error(project, monkeypatch):
    monkeypatch.chdir(project.root)
    write_record(project, 2023, "局本部", "01-a.yaml", MINIMAL_2023)
    project.templates.mkdir()
    (project.templates / "form-2023.html.j2").write_text("<section class=\"form portrait\">\n<p>{{ item.__class__ }}</p></section>", encoding="utf-8")
    result = run(project, "--format", "docx")
    assert result.exit_code == 1 and "form-2023.html.j2:2:" in result.output and "沙箱" in result.output, result.output


def test_error_logs_are_new_files(monkeypatch, tmp_path):
    import tempfile

    from budgetdocs import cli

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    planted = tmp_path / "budgetdocs-error.log"
    planted.symlink_to(tmp_path / "victim")
    for _ in range(2):
        assert cli._fail_internal(RuntimeError("boom")) == 3
    logs = sorted(tmp_path.glob("budgetdocs-error-*.log"))
    assert len(logs) == 2 and not (tmp_path / "victim").exists()
    assert all("RuntimeError: boom" in log.read_text(encoding="utf-8") for log in logs)


def test_text_folded_over_lines_is_a_warning(project):
    """11. A line indented under a text is joined to it: said, with the line, not silently."""
    write_record(project, 2023, "局本部", "01-a.yaml", MINIMAL_2023.replace("年度总体目标: 目标", "年度总体目标: 目标\n  另一段"))
    result = run(project, "--check")
    assert result.exit_code == 0 and "01-a.yaml:13:1: W106" in result.output, result.output
    assert run(project, "--check", "--strict").exit_code == 1
