"""Measure speed, size and memory against LibreOffice in one run; write bench/RESULTS.md.

    .venv/bin/python bench/run.py            # full run (about 6 minutes on 2 cores)
    .venv/bin/python bench/run.py --quick    # tiny sizes, one run each, no LibreOffice (the tests)

Every time is the wall time of a separate command, as a user sees it (median, min and
max of --runs runs).  "Cold" means an empty layout cache.  Our commands are measured
as a user types them: `render`, a process of its own (there is no resident render
process since issue 19), and the edit loop also in `render --watch`.  LibreOffice
converts our DOCX of the same document with a warmed-up profile.  Peak memory is the
largest resident set among a command's own processes.  Every sentence of RESULTS.md's
reading is written from the figures of this run.
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
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RENDER = [sys.executable, "-c", "import sys; from budgetdocs.client import render; sys.argv[0] = 'render'; render()"]
FLAGSHIP = ["--year", "2017", "--unit", "人社局"]
FORMS = ["--year", "2023", "--unit", "局本部"]


class Bench:
    """One bench run: a scratch project and a private cache."""

    def __init__(self, runs: int):
        self.runs = runs
        self.project = Path(tempfile.mkdtemp(prefix="bench-"))
        shutil.copytree(ROOT / "data", self.project / "data")

    def env(self, cache: Path) -> dict:
        return dict(os.environ, BUDGETDOCS_CACHE=str(cache))

    def timed(self, cmd: list[str], env: dict) -> tuple[float, int]:
        """(wall seconds, peak RSS in MB of the command's own process tree)."""
        probe = (
            "import resource, subprocess, sys, time;"
            "t = time.perf_counter(); r = subprocess.run(sys.argv[1:], capture_output=True);"
            "w = time.perf_counter() - t;"
            "sys.stderr.write(r.stderr.decode()[-2000:]) if r.returncode else None;"
            "print(w, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, r.returncode)"
        )
        out = subprocess.run([sys.executable, "-c", probe, *cmd], env=env, cwd=self.project, capture_output=True, text=True)
        wall, rss, code = out.stdout.split()
        if int(code) != 0:
            raise SystemExit(f"command failed: {' '.join(cmd)}\n{out.stderr}")
        return float(wall), int(rss) // 1024

    def render(self, args: list[str], cache: Path) -> tuple[float, int]:
        return self.timed([*RENDER, *args], self.env(cache))

    def cold(self, args: list[str]) -> tuple[float, int]:
        with tempfile.TemporaryDirectory() as cache:
            return self.render(args, Path(cache))

    def series(self, fn, runs: int | None = None) -> dict:
        walls, rss = [], []
        for _ in range(runs or self.runs):
            w, r = fn()
            walls.append(w)
            rss.append(r)
        return {"median": statistics.median(walls), "min": min(walls), "max": max(walls), "rss": max(rss)}

    def stop(self) -> None:
        shutil.rmtree(self.project, ignore_errors=True)


def libreoffice(docx: Path, profile: Path, bench: Bench) -> tuple[tuple[float, int], int]:
    """(time, rss) of converting ``docx`` to PDF, and the size of LibreOffice's PDF."""
    work = Path(tempfile.mkdtemp())
    shutil.copy(docx, work / "a.docx")
    cmd = ["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf", "--outdir", str(work), str(work / "a.docx")]
    result = bench.timed(cmd, dict(os.environ))
    size = (work / "a.pdf").stat().st_size
    shutil.rmtree(work, ignore_errors=True)
    return result, size


def single_run(project: Path, args: list[str], stem_part: str) -> dict:
    """One WeasyPrint run over a whole document's HTML (no parts, no label repeats, and
    WeasyPrint's own cascade: not our :mod:`budgetdocs.writers.cascade`), in a process of
    its own after a warm-up page: its PDF's size, and the CPU seconds of its lay-out and its
    drawing (what the engine alone needs for the document)."""
    code = (
        "import sys, time; from pathlib import Path;"
        "from budgetdocs.build import Project, documents, plan;"
        "from budgetdocs.layout.html import BUILTIN_TEMPLATES; from budgetdocs.writers.pdf import layout_document;"
        "p = Project.at(Path.cwd()); year, unit, key = int(sys.argv[1]), sys.argv[2], sys.argv[3];"
        "doc = next(d for d in documents(p, plan(p, year, [unit], False)) if key in d.stem);"
        "from budgetdocs.writers import cascade; cascade.uninstall();"  # the engine as it comes
        "f = [BUILTIN_TEMPLATES]; layout_document('<html><body>x</body></html>', f, BUILTIN_TEMPLATES);"
        "t = time.process_time(); d = layout_document(doc.html, f, BUILTIN_TEMPLATES); t1 = time.process_time();"
        "pdf = d.write_pdf(); t2 = time.process_time();"
        "print(len(pdf), t1 - t, t2 - t1, len(d.pages))"
    )
    out = subprocess.run([sys.executable, "-c", code, args[1], args[3], stem_part], cwd=project, capture_output=True, text=True, check=True)
    size, layout, draw, pages = out.stdout.split()[-4:]
    return {"size": int(size), "layout": float(layout), "draw": float(draw), "pages": int(pages)}


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


def edit(record: Path) -> None:
    """Change one amount in ``record`` to a value no earlier run has cached."""
    text = record.read_text(encoding="utf-8")
    amount = int(re.search(r"金额: (\d+)", text).group(1))
    fresh = amount + 1000 + int(time.time() * 1000) % 100000
    record.write_text(re.sub(r"金额: \d+", f"金额: {fresh}", text, count=1), encoding="utf-8")


def watch_edit(bench: Bench, cache: Path, record: Path) -> tuple[float, float]:
    """(seconds the render reports, seconds from saving to the files written) in `--watch`."""
    proc = subprocess.Popen([*RENDER, *FLAGSHIP, "--watch"], cwd=bench.project, env=bench.env(cache),
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
    done.wait(180)
    done.clear()
    time.sleep(0.5)  # let the watcher settle
    saved = time.perf_counter()
    edit(record)
    done.wait(180)
    proc.terminate()
    proc.wait(10)
    return reported[-1], lines[-1] - saved


def profile(bench: Bench) -> dict[str, float]:
    """Where a cold serial 2017 render spends its time (cProfile, one process), in seconds."""
    with tempfile.TemporaryDirectory() as cache:
        out = Path(cache) / "profile"
        env = bench.env(Path(cache))
        subprocess.run([sys.executable, "-m", "cProfile", "-o", str(out), "-m", "budgetdocs.cli", *FLAGSHIP, "--jobs", "1", "--out", cache],
                       cwd=bench.project, env=env, capture_output=True, check=True)
        import pstats

        stats = pstats.Stats(str(out)).stats  # type: ignore[attr-defined]

    def cumulative(pattern: str) -> float:
        """The entry point's cumulative time: the largest among the functions matched (a
        module's ``parse`` and the method it calls share a name; summing counted both)."""
        return max((v[3] for (file, _line, name), v in stats.items() if re.search(pattern, f"{file}:{name}")), default=0.0)

    total = max(v[3] for v in stats.values())
    return {
        "total": total,
        "CSS cascade": cumulative(r"weasyprint/css/__init__\.py:get_all_computed_styles$"),
        "parse, cascade and boxes": cumulative(r"budgetdocs/writers/pdf\.py:__init__$"),
        "layout (quick passes included)": cumulative(r"weasyprint/layout/__init__\.py:layout_document$"),
        "drawing and PDF": cumulative(r"weasyprint/document\.py:write_pdf$"),
        "collapsed borders": cumulative(r"weasyprint/draw/__init__\.py:draw_collapsed_borders$"),
        "HTML parsing": cumulative(r"tinyhtml5/parser\.py:parse$"),
        "building boxes": cumulative(r"formatting_structure/build\.py:build_formatting_structure$"),
        "records (YAML)": cumulative(r"budgetdocs/build\.py:plan$"),
        "templates": cumulative(r"budgetdocs/build\.py:documents$"),
        "XLSX": cumulative(r"budgetdocs/writers/xlsx\.py:write_xlsx$"),
        "DOCX": cumulative(r"budgetdocs/writers/docx\.py:write_docx$"),
        "assembly": cumulative(r"budgetdocs/writers/pdfparts\.py:assemble$"),
        "imports": cumulative(r"<frozen importlib._bootstrap>:_find_and_load$"),
    }


def prediction(forms: int) -> list[str]:
    """bench/prediction.py's lines: how often the predicted breaks held, and the parts
    that differ from the rounds, on every document of the repository (and ``forms``
    synthetic forms)."""
    out = subprocess.run([sys.executable, str(ROOT / "bench" / "prediction.py"), "--forms", str(forms)],
                         cwd=ROOT, capture_output=True, text=True, check=True)
    return [line for line in out.stdout.splitlines() if line.strip()]


def row(name: str, s: dict, note: str = "", rss: bool = True) -> str:
    return f"| {name} | {s['median']:.2f} | {s['min']:.2f} | {s['max']:.2f} | {s['rss'] if rss else '—'} | {note} |"


def mb(size: int) -> str:
    return f"{size / 1e6:.2f} MB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes, one run each, no LibreOffice")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--results", type=Path, default=ROOT / "bench" / "RESULTS.md")
    opts = parser.parse_args()
    bench = Bench(1 if opts.quick else opts.runs)
    forms, large = (4, 8) if opts.quick else (100, 1000)
    have_lo = shutil.which("soffice") is not None and not opts.quick
    started = time.perf_counter()
    try:
        fig = measure(bench, forms, large, have_lo, opts.quick)
    finally:
        bench.stop()
    text = report(fig, bench.runs, forms, large, have_lo, opts.quick, time.perf_counter() - started)
    opts.results.write_text(text, encoding="utf-8")
    print(text)


def probe() -> float:
    """Seconds of a fixed pure-Python loop: how fast this machine was during the run
    (a shared VM's speed can vary by half between runs; ratios within a run are fair)."""
    started = time.perf_counter()  # wall time: a VM's stolen time counts, as it does for every figure
    total = 0
    for i in range(3_000_000):
        total += i * i
    return time.perf_counter() - started


def measure(bench: Bench, forms: int, large: int, have_lo: bool, quick: bool) -> dict:
    fig: dict = {"probe": [probe()]}
    scratch = Path(tempfile.mkdtemp(prefix="bench-cache-"))
    bench.render(FLAGSHIP, scratch)  # the OS's file cache warm, as for a user's second command; not measured
    fig["a"] = bench.series(lambda: bench.cold(FLAGSHIP))
    out = bench.project / "output" / "2017" / "人社局"
    fig["size_2017"] = (out / "2017年人社局部门预算.pdf").stat().st_size
    fig["single_2017"] = single_run(bench.project, FLAGSHIP, "部门预算")
    profile_dir = Path(tempfile.mkdtemp(prefix="lo-profile-"))
    if have_lo:
        libreoffice(out / "2017年人社局部门预算.docx", profile_dir, bench)  # creates the profile; not measured
        times = [libreoffice(out / "2017年人社局部门预算.docx", profile_dir, bench) for _ in range(bench.runs)]
        fig["b"] = {"median": statistics.median(t[0][0] for t in times), "min": min(t[0][0] for t in times),
                    "max": max(t[0][0] for t in times), "rss": max(t[0][1] for t in times)}
        fig["size_2017_lo"] = times[0][1]

    # the edit loop: one number changed in a form attached to the 2017 disclosure
    cache = Path(tempfile.mkdtemp(prefix="bench-cache-"))
    record = bench.project / "data" / "2017" / "咨询服务中心" / "01-政府购买合同制服务.yaml"
    original = record.read_text(encoding="utf-8")
    bench.render(FLAGSHIP, cache)
    runs = 1 if quick else max(5, bench.runs)
    fig["c"] = bench.series(lambda: (edit(record), bench.render(FLAGSHIP, cache))[1], runs)
    watched = [watch_edit(bench, cache, record) for _ in range(1 if quick else bench.runs)]
    fig["w"] = {"median": statistics.median(w[0] for w in watched), "min": min(w[0] for w in watched),
                "max": max(w[0] for w in watched), "rss": 0, "save": statistics.median(w[1] for w in watched)}
    record.write_text(original, encoding="utf-8")
    fig["n"] = bench.series(lambda: bench.render(FLAGSHIP, cache))

    # a 汇总表 of synthetic 2023 forms: ours against LibreOffice, and sizes
    synthetic(bench.project, forms)
    fig["f"] = bench.series(lambda: bench.cold([*FORMS, "--format", "pdf"]))
    out = bench.project / "output" / "2023" / "局本部"
    fig["size_f"] = (out / "2023年度项目绩效目标汇总表.pdf").stat().st_size
    fig["single_f"] = single_run(bench.project, FORMS, "汇总表")
    fig["size_f_single"] = fig["single_f"]["size"]
    if have_lo:
        bench.render([*FORMS, "--format", "docx"], scratch)
        times = [libreoffice(out / "2023年度项目绩效目标汇总表.docx", profile_dir, bench) for _ in range(bench.runs)]
        fig["g"] = {"median": statistics.median(t[0][0] for t in times), "min": min(t[0][0] for t in times),
                    "max": max(t[0][0] for t in times), "rss": max(t[0][1] for t in times)}
        fig["size_f_lo"] = times[0][1]
    pages = subprocess.run(["pdfinfo", str(out / "2023年度项目绩效目标汇总表.pdf")], capture_output=True, text=True).stdout
    fig["pages_f"] = int(re.search(r"Pages:\s+(\d+)", pages).group(1)) if "Pages:" in pages else 0

    # scale: time per form and peak memory of a new process at ten times the size
    synthetic(bench.project, large)
    fig["e"] = bench.series(lambda: bench.cold([*FORMS, "--format", "pdf"]), 1)
    fig["profile"] = None if quick else profile(bench)
    fig["prediction"] = prediction(0 if quick else large)
    fig["probe"].append(probe())
    shutil.rmtree(scratch, ignore_errors=True)
    shutil.rmtree(cache, ignore_errors=True)
    shutil.rmtree(profile_dir, ignore_errors=True)
    return fig


def alone(single: dict, lo: dict) -> str:
    """What WeasyPrint alone needs for a document, against LibreOffice's whole conversion."""
    cpu = single["layout"] + single["draw"]
    cores = os.cpu_count() or 1
    return (
        f"one WeasyPrint run over the document's HTML ({single['pages']} pages, no parts, no label repeated) takes {cpu:.2f} s of CPU"
        f" (lay-out {single['layout']:.2f} s, drawing {single['draw']:.2f} s), so {cpu / cores:.2f} s on {cores} cores even perfectly shared and with"
        f" nothing else to do, against LibreOffice's {lo['median']:.2f} s for its whole conversion"
    )


def verdict(ok: bool) -> str:
    return "yes" if ok else "**no**"


def report(fig: dict, runs: int, forms: int, large: int, have_lo: bool, quick: bool, took: float) -> str:
    a, c, w, n, f, e = (fig[k] for k in ("a", "c", "w", "n", "f", "e"))
    lines = ["# Benchmark results", ""]
    lines.append(
        f"Measured by `bench/run.py{' --quick' if quick else ''}` on {platform.node()} ({os.cpu_count()} cores, "
        f"Python {platform.python_version()}), {time.strftime('%Y-%m-%d')}, {runs} run(s) per figure, in one run of "
        f"{took:.0f} s. Times are wall seconds of separate commands: `render` as a user types it, a process of its own "
        "(no resident render process since issue 19; README, \"Speed\"), and the edit loop also in `render --watch`. "
        "Peak RSS is the largest of a command's own processes. "
        f"Machine speed: a fixed pure-Python loop took {fig['probe'][0]:.2f} s at the start and {fig['probe'][1]:.2f} s at the end"
        " (on a shared VM this moves between runs, and every time with it; ratios within a run much less)."
    )
    lines += ["", "| measurement | median s | min s | max s | peak RSS MB | note |", "|---|---|---|---|---|---|"]
    lines.append(row("a. cold `render --year 2017 --unit 人社局` (PDF+DOCX+XLSX)", a))
    if have_lo:
        lines.append(row("b. LibreOffice: our 2017 DOCX → PDF (warm profile)", fig["b"], f"LibreOffice/ours = {fig['b']['median'] / a['median']:.2f}; target ≥ 1"))
    lines.append(row(f"f. cold, {forms} synthetic 2023 forms, `--format pdf` ({fig['pages_f']} pages)", f))
    if have_lo:
        lines.append(row(f"g. LibreOffice: that {forms}-form DOCX → PDF", fig["g"], f"LibreOffice/ours = {fig['g']['median'] / f['median']:.2f}; target ≥ 1"))
    lines.append(row("c. re-render after one number changed in one form record, `render`", c, "target ≤ 1 s"))
    lines.append(row("c. the same in `render --watch` (as it reports)", w, f"save → files written {w['save']:.2f} s", rss=False))
    lines.append(row("c'. re-render with nothing changed, `render`", n))
    lines.append(row(f"e. cold, {large} synthetic 2023 forms, `--format pdf`", e, f"{e['median'] / large:.3f} s per form"))

    size_f, single = fig["size_f"], fig["size_f_single"]
    lines += ["", "| PDF | ours | one WeasyPrint run of the same HTML | LibreOffice from our DOCX |", "|---|---|---|---|"]
    lines.append(f"| 2017 人社局 部门预算 | {mb(fig['size_2017'])} | — | {mb(fig['size_2017_lo']) if have_lo else '—'} |")
    lines.append(f"| {forms} synthetic 2023 forms | {mb(size_f)} | {mb(single)} | {mb(fig['size_f_lo']) if have_lo else '—'} |")

    cores = os.cpu_count() or 1
    lines += ["", "## Reading the results (targets of issue 22)", "",
              "| target | reached? | figures of this run | what bounds it |", "|---|---|---|---|"]
    profile = fig["profile"]
    where = ""
    if profile:
        parts = ", ".join(f"{k} {v:.2f} s" for k, v in profile.items() if k != "total")
        where = f" Profile of a cold serial render of the 2017 disclosure (cProfile, one process, {profile['total']:.2f} s with the profiler's overhead): {parts}."
    for label, ours, single, pages in (("2017 disclosure (PDF, DOCX, XLSX)", a, fig["single_2017"], None), (f"{forms} forms (PDF)", f, fig["single_f"], fig["pages_f"])):
        engine = (single["layout"] + single["draw"]) / cores
        ratio = ours["median"] / engine
        lines.append(
            f"| ours cold ≤ 1.3× one WeasyPrint run of the same HTML spread over {cores} cores, {label} | {verdict(ratio <= 1.3)} ({ratio:.2f}×) |"
            f" ours {ours['median']:.2f} s; one run {single['layout'] + single['draw']:.2f} s of CPU (lay-out {single['layout']:.2f}, drawing {single['draw']:.2f}), {engine:.2f} s on {cores} cores |"
            " ours is a plain process: Python's start-up and imports, the records and templates, the parts each parsed and cascaded on their own, the assembly"
            + (", and the DOCX and XLSX" if pages is None else "") + f" (the profile below says how much each takes).{where if pages is None else ''} |"
        )
    if have_lo:
        ratio_a, ratio_f = fig["b"]["median"] / a["median"], fig["g"]["median"] / f["median"]
        lines.append(
            f"| LibreOffice/ours ≥ 1, 2017 disclosure in three formats | {verdict(ratio_a >= 1)} ({ratio_a:.2f}) | LibreOffice {fig['b']['median']:.2f} s (PDF only, from our DOCX); ours {a['median']:.2f} s |"
            f" {alone(fig['single_2017'], fig['b'])} |"
        )
        lines.append(
            f"| LibreOffice/ours ≥ 0.5, {forms} forms (PDF) | {verdict(ratio_f >= 0.5)} ({ratio_f:.2f}) | LibreOffice {fig['g']['median']:.2f} s; ours {f['median']:.2f} s |"
            f" {alone(fig['single_f'], fig['g'])}; {f['median'] / max(fig['pages_f'], 1):.3f} s of our time per page against LibreOffice's {fig['g']['median'] / max(fig['pages_f'], 1):.3f} s |"
        )
    lines.append(
        f"| re-render after one changed number ≤ 1 s in `--watch`, ≤ 2 s as a plain command | {verdict(w['median'] <= 1 and c['median'] <= 2)} ({w['median']:.2f} s; {c['median']:.2f} s) |"
        f" `--watch` {w['median']:.2f} s (save → files written {w['save']:.2f} s); `render` {c['median']:.2f} s; nothing changed {n['median']:.2f} s |"
        " the changed form's part is laid out once (its breaks predicted), then the DOCX and XLSX are rewritten while the PDF is assembled; a plain `render`"
        " also pays Python's start-up and imports, while its workers import WeasyPrint |"
    )
    per_small = f["median"] / forms
    per_large = e["median"] / large
    lines.append(
        f"| peak RSS ≤ 500 MB at {large} forms, time per form linear | {verdict(e['rss'] <= 500 and per_large <= 1.2 * per_small)} ({e['rss']} MB; {per_large / per_small:.2f}× the time per form at {forms}) |"
        f" {per_small:.3f} s per form at {forms}, {per_large:.3f} s at {large} | assembly reads every part and stamps footers as forms, without decoding the pages |"
    )
    if fig.get("prediction"):
        lines += ["", "## Predicted breaks (bench/prediction.py, in this run)", "",
                  "Every part laid out as the writer does (quick pass, cut, one lay-out) and as before the prediction"
                  " (lay out, cut at the breaks, lay out again), the drawn PDFs compared byte for byte:", ""]
        lines += [f"- {line}" for line in fig["prediction"]]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
