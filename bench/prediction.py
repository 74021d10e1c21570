"""How often the predicted breaks hold, and whether a part comes out the same as before.

    .venv/bin/python bench/prediction.py                 # every document in the repository
    .venv/bin/python bench/prediction.py --forms 1000    # and that many synthetic 2023 forms

For every part of every document of ``data/`` and ``examples/*/data`` (and of the
synthetic forms, hit rate only), in two worker processes: the part laid out as the writer does now (``pdfparts.layout_part``:
a quick pass predicts the breaks, the labels are cut there, one lay-out, kept when its
own breaks agree) and as it was laid out before the prediction (``pdfparts._rounds``:
lay out, cut at the breaks, lay out again).  Prints how each part was laid out, how
many parts came out different (final HTML or PDF bytes), and the CPU seconds of the
lay-outs.  (Not the rounds' CPU beside it: a part laid out a second time in the same
process finds Pango's and the fonts' caches warm, whichever goes second; separate
processes, each laying out every Putuo part five times, gave the writer's lay-out 8–12 %
less CPU than the rounds for parts with no merged cell, where both lay out once.)
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def projects(forms: int):
    """(name, project folder) of the repository's projects, and of the synthetic forms."""
    yield "data", ROOT
    for folder in sorted((ROOT / "examples").iterdir()):
        if (folder / "data").is_dir():
            yield folder.name, folder
    if forms:
        sys.path.insert(0, str(Path(__file__).parent))
        from run import synthetic  # the bench's own generator: the same forms

        scratch = Path(tempfile.mkdtemp(prefix="forms-"))
        shutil.copytree(ROOT / "data", scratch / "data")
        synthetic(scratch, forms)
        yield f"{forms} synthetic forms", scratch


def documents(folder: Path, only_unit: str | None = None):
    from budgetdocs.build import Project, documents as made, plan

    project = Project.at(folder)
    for year_dir in sorted(p for p in project.data.iterdir() if p.is_dir() and p.name.isdigit()):
        if only_unit and not (year_dir / only_unit).is_dir():
            continue
        the_plan = plan(project, int(year_dir.name), [only_unit], False) if only_unit else plan(project, int(year_dir.name), [], True)
        for doc in made(project, the_plan):
            yield doc


def _one(item: tuple) -> tuple:
    """(outcome, different from the rounds, CPU new, CPU rounds) of one part.  The two
    are timed as a worker runs a task (no cyclic collection inside), in turn first (a
    part laid out a second time finds the fonts' and Pango's caches warm)."""
    index, name, html, folder, old = item
    from budgetdocs.jobs import _collected_after
    from budgetdocs.layout.html import BUILTIN_TEMPLATES
    from budgetdocs.writers import pdfparts
    from budgetdocs.writers.pdf import draw_document

    folders = [folder / "templates", BUILTIN_TEMPLATES]

    def timed(lay_out):
        with _collected_after():
            started = time.process_time()
            result = lay_out(html, folders, BUILTIN_TEMPLATES)
            return result, time.process_time() - started

    before = pdfparts.OUTCOMES.copy()
    if old and index % 2:
        (old_html, document_old), rounds = timed(pdfparts._rounds)
    (new_html, document), new = timed(pdfparts.layout_part)
    outcome = {k: pdfparts.OUTCOMES[k] - before.get(k, 0) for k in OUTCOMES}
    if not old:
        return outcome, None, new, 0.0
    if not index % 2:
        (old_html, document_old), rounds = timed(pdfparts._rounds)
    same = new_html == old_html and draw_document(document, new_html) == draw_document(document_old, old_html)
    return outcome, None if same else name, new, rounds


def _warm() -> None:
    """Fonts and Pango warm before the first part is timed."""
    from budgetdocs.jobs import WARM_UP
    from budgetdocs.layout.html import BUILTIN_TEMPLATES
    from budgetdocs.writers import pdfparts

    for lay_out in (pdfparts.layout_part, pdfparts._rounds):
        lay_out(WARM_UP, [BUILTIN_TEMPLATES], BUILTIN_TEMPLATES)


OUTCOMES = ("plain", "predicted", "rows broken", "mispredicted")


def compare(folder: Path, only_unit: str | None = None, old: bool = True, workers: int = 2) -> dict:
    """How the parts of ``folder``'s documents were laid out (per outcome), the parts that
    differ from the rounds, and the CPU seconds of both (summed over the workers)."""
    from concurrent.futures import ProcessPoolExecutor

    from budgetdocs.writers import pdfparts

    work = []
    for doc in documents(folder, only_unit):
        _head, parts = pdfparts.split(doc.html)
        work += [(len(work) + i, f"{doc.stem} part {part.index}", part.html, folder, old) for i, part in enumerate(parts)]
    result = {"parts": len(work), "different": [], "new": 0.0, "old": 0.0, "outcomes": dict.fromkeys(OUTCOMES, 0)}
    with ProcessPoolExecutor(workers, initializer=_warm) as pool:
        for outcome, different, new, rounds in pool.map(_one, work, chunksize=4):
            for key, count in outcome.items():
                result["outcomes"][key] += count
            if different:
                result["different"].append(different)
            result["new"] += new
            result["old"] += rounds
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--forms", type=int, default=0, help="also this many synthetic 2023 forms")
    parser.add_argument("--no-old", action="store_true", help="skip the comparison with the rounds (hit rate only;"
                        " the synthetic forms are never compared, the repository's forms are the same record)")
    opts = parser.parse_args()
    for name, folder in projects(opts.forms):
        synthetic = name.endswith("synthetic forms")
        r = compare(folder, only_unit="局本部" if synthetic else None, old=not (opts.no_old or synthetic))
        o = r["outcomes"]
        merged = o["predicted"] + o["mispredicted"]
        held = f"{o['predicted']}/{merged} ({100 * o['predicted'] / merged:.1f}%)" if merged else "—"
        print(f"{name}: {r['parts']} parts; no merged body cell {o['plain']}; prediction held {held};"
              f" lay-outs again for a row broken across pages {o['rows broken']};"
              f" different from the rounds: {len(r['different'])} {r['different'][:5]};"
              f" CPU of the lay-outs: {r['new']:.1f} s")
        sys.stdout.flush()
        if synthetic:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
