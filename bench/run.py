"""Measure render speed on this machine and write bench/RESULTS.md.

    .venv/bin/python bench/run.py            # full run (several minutes)
    .venv/bin/python bench/run.py --quick    # tiny sizes, one run each (used by the tests)

Every figure is the wall time of a separate `render` process (median, min and
max of --runs runs), as a user would see it.  "Cold" runs start with an empty
layout cache.  LibreOffice converts our DOCX of the same document to PDF in
the same run, with a warmed-up profile, as the yardstick.  Peak memory is the
largest resident set of the render process and its workers.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RENDER = [sys.executable, "-m", "budgetdocs.cli"]
WATCH_LATENCY: list[float] = []  # save → last file written, including the watcher's own delay


def timed(cmd: list[str], env: dict, cwd: Path) -> tuple[float, int]:
    """(wall seconds, peak RSS in MB of the process tree) of one command."""
    probe = (
        "import resource, subprocess, sys, time;"
        "t = time.perf_counter(); r = subprocess.run(sys.argv[1:], capture_output=True);"
        "w = time.perf_counter() - t;"
        "sys.stderr.write(r.stderr.decode()[-2000:]) if r.returncode else None;"
        "print(w, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, r.returncode)"
    )
    out = subprocess.run([sys.executable, "-c", probe, *cmd], env=env, cwd=cwd, capture_output=True, text=True)
    wall, rss, code = out.stdout.split()
    if int(code) != 0:
        raise SystemExit(f"command failed: {' '.join(cmd)}\n{out.stderr}")
    return float(wall), int(rss) // 1024


def series(fn, runs: int) -> dict:
    """Run ``fn`` (returning (seconds, rss)) several times; median/min/max."""
    walls, rss = [], []
    for _ in range(runs):
        w, r = fn()
        walls.append(w)
        rss.append(r)
    return {"median": statistics.median(walls), "min": min(walls), "max": max(walls), "rss": max(rss)}


def fresh_env(cache: Path) -> dict:
    env = dict(os.environ)
    env["BUDGETDOCS_CACHE"] = str(cache)
    return env


def render(project: Path, args: list[str], cache: Path) -> tuple[float, int]:
    return timed([*RENDER, *args], fresh_env(cache), project)


def cold(project: Path, args: list[str]) -> tuple[float, int]:
    with tempfile.TemporaryDirectory() as cache:
        return render(project, args, Path(cache))


def libreoffice(docx: Path, profile: Path) -> tuple[float, int]:
    work = Path(tempfile.mkdtemp())
    shutil.copy(docx, work / "a.docx")
    cmd = ["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf", "--outdir", str(work), str(work / "a.docx")]
    result = timed(cmd, dict(os.environ), work)
    shutil.rmtree(work, ignore_errors=True)
    return result


def watch_edit(project: Path, args: list[str], cache: Path, record: Path) -> tuple[float, int]:
    """Time from saving one changed number to the end of the re-render, in a `--watch` session."""
    import threading

    proc = subprocess.Popen([*RENDER, *args, "--watch"], cwd=project, env=fresh_env(cache),
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    done = threading.Event()
    lines: list[float] = []
    reported: list[float] = []

    def read() -> None:
        for line in proc.stdout:  # type: ignore[union-attr]
            if line.startswith("已生成"):
                lines.append(time.perf_counter())
                reported.append(float(re.search(r"用时 ([\d.]+) 秒", line).group(1)))
                done.set()

    threading.Thread(target=read, daemon=True).start()
    done.wait(120)
    done.clear()
    time.sleep(0.5)  # let the watcher settle
    text = record.read_text(encoding="utf-8")
    amount = int(re.search(r"金额: (\d+)", text).group(1))
    fresh = amount + 1000 + int(time.time() * 1000) % 100000  # a value no earlier run has cached
    saved = time.perf_counter()
    record.write_text(re.sub(r"金额: \d+", f"金额: {fresh}", text, count=1), encoding="utf-8")
    done.wait(120)
    proc.terminate()
    proc.wait(10)
    WATCH_LATENCY.append(lines[-1] - saved)
    return reported[-1], 0


def synthetic(project: Path, count: int) -> None:
    """``count`` generated 2023 forms for one unit (copies of a real record, varied)."""
    folder = project / "data" / "2023" / "局本部"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    source = (ROOT / "data" / "2023" / "人社局" / "01-劳动人事争议仲裁工作专项.yaml").read_text(encoding="utf-8")
    for n in range(1, count + 1):
        text = source.replace("项目名称: 劳动人事争议仲裁工作专项", f"项目名称: 合成测试项目{n:04d}")
        text = re.sub(r"当年财政拨款: [\d.]+", f"当年财政拨款: {1000000 + n}.00", text)
        (folder / f"{n:04d}-合成测试项目{n:04d}.yaml").write_text(text, encoding="utf-8")


def row(name: str, s: dict, note: str = "") -> str:
    return f"| {name} | {s['median']:.2f} | {s['min']:.2f} | {s['max']:.2f} | {s['rss']} | {note} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes, one run each")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--results", type=Path, default=ROOT / "bench" / "RESULTS.md")
    opts = parser.parse_args()
    runs = 1 if opts.quick else opts.runs
    sizes = [2, 4] if opts.quick else [100, 300, 1000]
    project = Path(tempfile.mkdtemp(prefix="bench-"))
    shutil.copytree(ROOT / "data", project / "data")
    flagship = ["--year", "2017", "--unit", "人社局"]
    lines = []
    started = time.perf_counter()

    a = series(lambda: cold(project, flagship), runs)
    per_format = {f: series(lambda f=f: cold(project, [*flagship, "--format", f]), runs) for f in ("pdf", "docx", "xlsx")}
    serial = series(lambda: cold(project, [*flagship, "--jobs", "1"]), runs)

    docx = project / "output" / "2017" / "人社局" / "2017年人社局部门预算.docx"
    have_lo = shutil.which("soffice") is not None and not opts.quick  # --quick: the toolkit only
    if have_lo:
        profile = Path(tempfile.mkdtemp(prefix="lo-profile-"))
        libreoffice(docx, profile)  # first start creates the profile; not measured
        b = series(lambda: libreoffice(docx, profile), runs)

    cache = Path(tempfile.mkdtemp(prefix="bench-cache-"))
    render(project, flagship, cache)  # warm the cache
    record = project / "data" / "2017" / "咨询服务中心" / "01-政府购买合同制服务.yaml"
    original = record.read_text(encoding="utf-8")

    def edit_and_render() -> tuple[float, int]:
        text = record.read_text(encoding="utf-8")
        amount = int(re.search(r"金额: (\d+)", text).group(1))
        record.write_text(re.sub(r"金额: \d+", f"金额: {amount + 1}", text, count=1), encoding="utf-8")
        return render(project, flagship, cache)

    c = series(edit_and_render, runs)
    record.write_text(original, encoding="utf-8")
    watched = series(lambda: watch_edit(project, flagship, cache, record), runs)
    record.write_text(original, encoding="utf-8")
    warm = series(lambda: render(project, flagship, cache), runs)

    d = series(lambda: cold(project, ["--year", "2023", "--all"]), runs)

    scale = {}
    for n in sizes:
        synthetic(project, n)
        scale[n] = series(lambda: cold(project, ["--year", "2023", "--unit", "局本部"]), 1 if n >= 300 else runs)

    lines.append("# Benchmark results")
    lines.append("")
    lines.append(f"Measured by `bench/run.py{' --quick' if opts.quick else ''}` on {platform.node()} "
                 f"({os.cpu_count()} cores, Python {platform.python_version()}), {time.strftime('%Y-%m-%d')}, "
                 f"{runs} run(s) per figure; wall seconds of separate processes; total bench time "
                 f"{time.perf_counter() - started:.0f} s.")
    lines.append("")
    lines.append("| measurement | median s | min s | max s | peak RSS MB | note |")
    lines.append("|---|---|---|---|---|---|")
    lines.append(row("a. cold `render --year 2017 --unit 人社局` (PDF+DOCX+XLSX)", a, "target ≤ 4 s"))
    for f, s in per_format.items():
        lines.append(row(f"a. cold, `--format {f}` only", s))
    lines.append(row("a. cold, `--jobs 1` (serial)", serial))
    if have_lo:
        lines.append(row("b. LibreOffice: our DOCX → PDF (warm profile)", b, f"b/a = {b['median'] / a['median']:.2f} (target ≥ 3)"))
    else:
        lines.append("| b. LibreOffice | — | — | — | — | soffice not installed |")
    lines.append(row("c. re-render after one number changed in one project record", c, "target ≤ 1 s"))
    lines.append(row("c (`render --watch`): re-render after saving one changed number", watched,
                     f"as the render reports it; save → files written {statistics.median(WATCH_LATENCY):.2f} s; target ≤ 1 s"))
    lines.append(row("c'. re-render with nothing changed", warm))
    lines.append(row("d. cold `render --year 2023 --all`", d))
    for n, s in scale.items():
        per = s["median"] / n
        lines.append(row(f"e. cold, {n} synthetic 2023 forms (one 汇总表)", s, f"{per:.3f} s per form (target ≤ 0.3)"))
    if len(scale) >= 2:
        small, large = min(scale), max(scale)
        ratio = (scale[large]["median"] / large) / (scale[small]["median"] / small)
        lines.append("")
        lines.append(f"Scaling: time per form at {large} forms is {ratio:.2f}× that at {small} (target within 1.20×).")
    lines.append("")
    readme = (ROOT / "bench" / "README.md").read_text(encoding="utf-8")
    if "## Reading the results" in readme:
        # What bounds each missed target, and what would lift it (kept by hand in README.md).
        lines.append(readme[readme.index("## Reading the results") :].rstrip())
        lines.append("")
    opts.results.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    shutil.rmtree(project, ignore_errors=True)


if __name__ == "__main__":
    main()
