"""Table rules joined into long lines (writers/strokes.py): fewer bytes, the same pages."""

from __future__ import annotations

import subprocess

from budgetdocs.writers.strokes import join_segments, slim_content


def _rule(x1, y1, x2, y2, state=b"/A1.0 gs\n0 0 0 RG\n1 w\n") -> bytes:
    return b"q\nq\n" + state + b"%s %s m\n%s %s l\nS\nQ\nQ\n" % (x1, y1, x2, y2)


def test_touching_segments_on_a_line_are_joined_and_gaps_kept():
    segments = [
        (b"113.8", b"10", b"186.4", b"10"),
        (b"185.4", b"10", b"332.4", b"10"),  # overlaps the first by the line width
        (b"114.3", b"9.5", b"114.3", b"40"),
        (b"400", b"10", b"332.4", b"10"),  # drawn right to left, touching
        (b"450", b"10", b"500", b"10"),  # a gap before it: a merged cell has no rule there
        (b"114.3", b"39.5", b"114.3", b"80"),
        (b"0", b"0", b"5", b"5"),  # slanted: kept as it is
    ]
    assert join_segments(segments) == [
        (b"113.8", b"10", b"400", b"10"),
        (b"450", b"10", b"500", b"10"),
        (b"114.3", b"9.5", b"114.3", b"80"),
        (b"0", b"0", b"5", b"5"),
    ]


def test_only_runs_of_opaque_rules_of_one_state_are_joined():
    red = b"/A1.0 gs\n1 0 0 RG\n1 w\n"
    translucent = b"/A0.5 gs\n0 0 0 RG\n1 w\n"
    text = b"BT\n/F1 12 Tf\n[<0001>] TJ\nET\n"
    data = (
        _rule(b"0", b"10", b"50", b"10") + _rule(b"49", b"10", b"100", b"10")
        + _rule(b"99", b"10", b"150", b"10", red)  # another colour: a run of its own
        + text
        + _rule(b"149", b"10", b"200", b"10")  # after the text: not joined across it
        + _rule(b"0", b"20", b"50", b"20", translucent) + _rule(b"49", b"20", b"100", b"20", translucent)
    )
    slim = slim_content(data)
    assert slim == (
        b"q\n/A1.0 gs\n0 0 0 RG\n1 w\n0 10 m\n100 10 l\nS\nQ\n"
        + b"q\n" + red + b"99 10 m\n150 10 l\nS\nQ\n"
        + text
        + b"q\n/A1.0 gs\n0 0 0 RG\n1 w\n149 10 m\n200 10 l\nS\nQ\n"
        + _rule(b"0", b"20", b"50", b"20", translucent) + _rule(b"49", b"20", b"100", b"20", translucent)
    )
    assert slim_content(b"BT\nET\n") == b"BT\nET\n"


def test_a_form_page_draws_the_same_pixels_in_a_fraction_of_the_bytes(tmp_path):
    """One WeasyPrint run of a real 2019 form (4 pages), before and after: poppler draws the same
    pixels, the text extracts the same, the page content is less than half the size."""
    import pikepdf

    from budgetdocs.build import Project, documents, plan
    from budgetdocs.layout.html import BUILTIN_TEMPLATES
    from budgetdocs.writers.pdf import write_pdf
    from budgetdocs.writers.strokes import slim_pdf
    from conftest import DATA, REPO

    project = Project(REPO, DATA, tmp_path / "out")
    doc = next(iter(documents(project, plan(project, 2019, ["咨询服务中心"], False))))
    before = write_pdf(doc.html, [BUILTIN_TEMPLATES], BUILTIN_TEMPLATES)
    after = slim_pdf(before)
    assert slim_pdf(before) == after  # the same bytes for the same input
    (tmp_path / "a.pdf").write_bytes(before)
    (tmp_path / "b.pdf").write_bytes(after)

    def content(name: str) -> int:
        with pikepdf.open(tmp_path / name) as pdf:
            return sum(len(page.obj.Contents.read_bytes()) for page in pdf.pages)

    assert content("b.pdf") < 0.5 * content("a.pdf")
    for name in ("a", "b"):
        subprocess.run(["pdftoppm", "-r", "72", "-gray", f"{name}.pdf", name], cwd=tmp_path, check=True)
        subprocess.run(["pdftotext", "-layout", f"{name}.pdf", f"{name}.txt"], cwd=tmp_path, check=True)
    pages = sorted(p.name[1:] for p in tmp_path.glob("a-*.pgm"))
    assert pages
    for page in pages:
        assert (tmp_path / f"a{page}").read_bytes() == (tmp_path / f"b{page}").read_bytes(), page
    assert (tmp_path / "a.txt").read_text() == (tmp_path / "b.txt").read_text()
