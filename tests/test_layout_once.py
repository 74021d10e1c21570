"""One lay-out per part: the predicted breaks, the labels cut on the boxes, the shared
cascade, each giving the very pages the rounds of full lay-outs gave before them.

``pdfparts._rounds`` is the pagination as it was (lay out the HTML, cut the merges at
its breaks, lay out again): the reference every test here compares against, byte for
byte.  ``bench/prediction.py`` runs the same comparison over every document of the
repository and 1,000 synthetic forms.
"""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor

import pytest

import pagecheck
from budgetdocs.layout.html import BUILTIN_TEMPLATES
from budgetdocs.writers import cascade, paginate, pdfparts, predict
from budgetdocs.writers.pdf import Laid, draw_document, layout_document

FOLDERS = [BUILTIN_TEMPLATES]


def _both(html: str) -> tuple[str, bytes, str, bytes, str, int]:
    """(HTML, PDF) laid out once and by the rounds, how the part was laid out, and how
    many rows were broken across pages on the way."""
    before = pdfparts.OUTCOMES.copy()
    new_html, new_doc = pdfparts.layout_part(html, FOLDERS, BUILTIN_TEMPLATES)
    outcome = next(k for k in ("mispredicted", "predicted", "plain") if pdfparts.OUTCOMES[k] != before.get(k, 0))
    broken = pdfparts.OUTCOMES["rows broken"] - before.get("rows broken", 0)
    old_html, old_doc = pdfparts._rounds(html, FOLDERS, BUILTIN_TEMPLATES)
    return new_html, draw_document(new_doc, new_html), old_html, draw_document(old_doc, old_html), outcome, broken


def _variant(item):
    name, html = item
    return (name, *_both(html))


def test_forms_of_every_height_come_out_as_the_rounds_made_them():
    """Forms whose long text puts every kind of row at every place of a page foot (a
    label crossing a break, a header at the foot, a row taller than a page broken in two):
    laid out once, or by the rounds when a row must break, the same HTML and bytes."""
    every = list(pagecheck.variants())
    with ProcessPoolExecutor(2) as pool:  # every third height: the whole range, a third of the time
        results = list(pool.map(_variant, every[::3], chunksize=1))
    outcomes = {}
    broken = 0
    for name, new_html, new_pdf, old_html, old_pdf, outcome, rows in results:
        assert new_html == old_html, name
        assert new_pdf == old_pdf, name
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
        broken += rows
    # every prediction held; some variants had a row broken across pages (laid out once
    # more for each), and came out as the rounds made them too
    assert not outcomes.get("mispredicted") and outcomes.get("predicted", 0) == len(results), outcomes
    assert broken >= 2, broken


@pytest.mark.parametrize("year, unit", [(2017, "人社局"), (2023, "人社局")])
def test_forms_with_merged_labels_across_pages_are_laid_out_once(year, unit):
    """The repository's forms whose merged labels cross a page: predicted right, one
    lay-out, the bytes of the rounds."""
    parts = [p for p in pagecheck.document_parts(year, unit) if paginate.has_body_rowspans(paginate.mark(p.html))][:2]
    assert parts
    held = 0
    for part in parts:
        new_html, new_pdf, old_html, old_pdf, outcome, _rows = _both(part.html)
        assert (new_html, new_pdf) == (old_html, old_pdf), part.index
        held += outcome == "predicted"
    assert held == len(parts)


def test_a_wrong_prediction_costs_lay_outs_never_a_different_page(monkeypatch):
    """Breaks predicted one row early (or not at all): the lay-out made from them is not
    kept; the rounds give the part, the same bytes as ever."""
    part = next(p for p in pagecheck.document_parts(2023, "人社局") if paginate.has_body_rowspans(paginate.mark(p.html)))
    right = _both(part.html)
    assert right[4] == "predicted"
    real_breaks = paginate.page_breaks
    for shift in (-1, None):
        calls = []

        def page_breaks(document, shift=shift):
            found = real_breaks(document)
            calls.append(found)
            if len(calls) == 1:  # the quick pass
                return {} if shift is None else {t: [r + shift for r in rows] for t, rows in found.items()}
            return found

        monkeypatch.setattr(paginate, "page_breaks", page_breaks)
        wrong = _both(part.html)
        monkeypatch.setattr(paginate, "page_breaks", real_breaks)
        assert wrong[4] == "mispredicted"
        assert wrong[:4] == right[:4]


def test_quick_cells_measure_the_heights_weasyprint_lays_out():
    """The quick pass's rows are exactly as tall as the full lay-out's, on the same pages
    (2023 and 2017 forms)."""
    from budgetdocs.writers.paginate import _row_fragments

    checked = 0
    for year, unit in ((2023, "人社局"), (2017, "人社局")):
        for part in pagecheck.document_parts(year, unit)[:3]:
            marked = paginate.mark(part.html)
            laid = Laid(marked, FOLDERS, BUILTIN_TEMPLATES)
            with predict.quick_cells():
                quick = _row_fragments(laid.layout())
            full = _row_fragments(laid.layout())
            assert quick.keys() == full.keys()
            for key, fragments in full.items():
                assert [f.page for f in quick[key]] == [f.page for f in fragments], key
                assert [round(f.box.height, 6) for f in quick[key]] == [round(f.box.height, 6) for f in fragments], key
                checked += 1
    assert checked > 100


def test_the_shared_cascade_gives_the_same_pages():
    """WeasyPrint's own cascade and ours (rules merged once per set of matched rules)
    lay a 2017 disclosure part and a 2023 form out to the same PDF bytes."""
    parts = pagecheck.document_parts(2023, "人社局")[:1] + pagecheck.document_parts(2017, "人社局")[:1]
    for part in parts:
        ours = draw_document(layout_document(part.html, FOLDERS, BUILTIN_TEMPLATES), part.html)
        cascade.uninstall()
        try:
            theirs = draw_document(layout_document(part.html, FOLDERS, BUILTIN_TEMPLATES), part.html)
        finally:
            cascade.install()
        assert ours == theirs
