"""The DOCX and XLSX hold exactly the text they print: no invisible characters, and as much
of the seeds' and the Putuo reference's text as the PDF holds.

A zero-width character between two characters (the writers once put U+2060 or U+FEFF
before a text's last character to keep it on the line before) is invisible in print but
not to a search in Word or WPS, to a copy into a record (the loader refuses it, E105),
or to the 3-gram measure of :mod:`seedtext`, which reads the DOCX through python-docx
and the XLSX through openpyxl and no longer strips anything: every such character costs
coverage.  The renders are those of tests/test_seeds.py (every unit of the seeds'
years) and tests/test_putuo.py (the two example projects, each from a copy of its
folder), made once here in all three formats.
"""

from __future__ import annotations

import os
import re
import shutil
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from budgetdocs.cli import main
from conftest import FIXTURES
from seedtext import coverage, docx_text, pdf_text, xlsx_text
from test_putuo import EXAMPLES, LEADERS, REPO, reference
from test_seeds import CASES, seed_forms_text, year_text

# zero-width and format characters a reader does not see: ZWSP, ZWNJ, ZWJ, LRM, RLM,
# WORD JOINER and the invisible operators, ZERO WIDTH NO-BREAK SPACE, SOFT HYPHEN
INVISIBLE = re.compile("[\u200b-\u200f\u2060-\u2064\ufeff\u00ad]")
TOLERANCE = 0.005  # the DOCX may hold this much less of a text than the PDF, no more


@pytest.fixture(scope="module")
def rendered(tmp_path_factory, seed_years) -> dict[str, Path]:
    """The seeds' years (every unit) and the Putuo examples, as PDF, DOCX and XLSX: the
    folder of the seeds' years ("seeds"), and the stem of each example's document (by its id)."""
    runner = CliRunner()
    folders = {"seeds": seed_years}  # rendered once a session (conftest.seed_years)
    for kind, (folder, _, year, unit, stem) in EXAMPLES.items():
        root = tmp_path_factory.mktemp("putuo") / "putuo"
        shutil.copytree(REPO / "examples" / folder / "data", root / "data")
        cwd = os.getcwd()
        os.chdir(root)
        try:
            result = runner.invoke(main, ["--year", str(year), "--unit", unit])
        finally:
            os.chdir(cwd)
        assert result.exit_code == 0, result.output
        folders[kind] = root / "output" / str(year) / unit / stem
    return folders


def written(rendered: dict[str, Path]) -> list[Path]:
    folders = [f if f.is_dir() else f.parent for f in rendered.values()]  # (an example's value is its stem)
    return sorted(p for folder in folders for p in folder.rglob("*") if p.suffix in (".docx", ".xlsx"))


def test_no_invisible_characters_in_any_part(rendered):
    """Every XML part of every DOCX and XLSX — body, cells, shared strings, headers and
    footers, sheet names, properties — is free of invisible characters."""
    files = written(rendered)
    assert len([f for f in files if f.suffix == ".docx"]) >= 14 and len([f for f in files if f.suffix == ".xlsx"]) >= 14
    found = []
    for path in files:
        package = zipfile.ZipFile(path)
        for name in package.namelist():
            if name.endswith((".xml", ".rels")):
                text = package.read(name).decode("utf-8")
                found += [f"{path.name}:{name}: U+{ord(m.group()):04X} in …{text[max(0, m.start() - 20):m.start()]}"
                          for m in INVISIBLE.finditer(text)][:3]
    assert not found, "\n".join(found[:20])


def test_text_as_read_has_no_invisible_characters(rendered):
    """… and so neither has the text python-docx and openpyxl read from them."""
    for path in written(rendered):
        text = docx_text(path) if path.suffix == ".docx" else xlsx_text(path)
        assert text.strip(), path.name
        assert not INVISIBLE.search(text), f"{path.name}: {INVISIBLE.findall(text)[:5]}"


def test_the_measure_counts_an_invisible_character():
    """A joiner in an output costs coverage, as it costs a user's search."""
    seed = "项目设立的必要性\t对违法行为给予奖励与处罚。"
    assert coverage(seed, "项目设立的必要性 对违法行为给予奖励与处罚。")[0] == 1.0
    assert coverage(seed, "项目设立的必要\u2060性 对违法行为给予奖励与处\u2060罚\u2060。")[0] < 0.9
    assert coverage(seed, "项目设立的必要\ufeff性 对违法行为给予奖励与处罚。")[0] < 1.0


def _pair(rendered, label: str) -> tuple[str, str, str]:
    """(seed or reference text, PDF text, DOCX text) of one seed document or the reference."""
    if label in EXAMPLES:  # a Putuo reference, leader dots left out (drawn, not text)
        stem = rendered[label]
        return LEADERS.sub(" ", reference(label)), pdf_text(stem.with_suffix(".pdf")), docx_text(stem.with_suffix(".docx"))
    if label == "001-whole":  # seed 001 in full: the 2017 disclosure and its forms
        stem = rendered["seeds"] / "2017" / "人社局" / "2017年人社局部门预算"
        seed = (FIXTURES / "seeds" / "001_2373ed3f454b66e3.txt").read_text(encoding="utf-8")
        return seed, pdf_text(stem.with_suffix(".pdf")), docx_text(stem.with_suffix(".docx"))
    name, year, start = next(c for c in CASES if c[0].startswith(label))
    out = rendered["seeds"]
    return seed_forms_text(name, start), year_text(out, year, "pdf", pdf_text), year_text(out, year, "docx", docx_text)


@pytest.mark.parametrize("label", [c[0][:3] for c in CASES] + ["001-whole", *EXAMPLES])
def test_docx_holds_as_much_of_the_text_as_the_pdf(rendered, label):
    """Each seed document (and seed 001 whole) and the Putuo references: the DOCX, read as
    python-docx reads it, holds as much of the text as the PDF does, within 0.005."""
    seed, pdf, docx = _pair(rendered, label)
    in_pdf, _ = coverage(seed, pdf)
    in_docx, missing = coverage(seed, docx)
    assert in_docx >= in_pdf - TOLERANCE, (
        f"{label}: {in_docx:.2%} of the 3-grams in the DOCX, {in_pdf:.2%} in the PDF; missing e.g. {missing[:40]}"
    )
