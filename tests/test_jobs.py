"""The fast path (parts, worker processes, cache) gives exactly what a cold serial run gives."""

from __future__ import annotations

import io
import re
import shutil

import pytest
from pypdf import PdfReader

from budgetdocs.build import Project, plan, render_with_stats
from conftest import DATA
from seedtext import pdf_text


def _project(tmp_path):
    shutil.copytree(DATA, tmp_path / "data")
    return Project.at(tmp_path)


def _render(project, jobs, cache):
    the_plan = plan(project, 2017, ["人社局"], False)
    outputs, stats = render_with_stats(project, the_plan, ["pdf", "docx", "xlsx"], jobs=jobs, use_cache=cache)
    return {o.path.name: o.data for o in outputs}, stats


def test_cached_parallel_equals_cold_serial(tmp_path, monkeypatch):
    monkeypatch.setenv("BUDGETDOCS_CACHE", str(tmp_path / "cache"))
    project = _project(tmp_path)
    serial, _ = _render(project, jobs=1, cache=False)
    parallel, cold_stats = _render(project, jobs=2, cache=True)
    warm, warm_stats = _render(project, jobs=2, cache=True)
    assert serial == parallel == warm
    assert cold_stats.reused == 0 and cold_stats.laid_out >= 6
    assert warm_stats.laid_out == 0 and warm_stats.reused >= 6

    # One number changed in one attached form: only that form's part is laid out again.
    # (the 人才服务中心 form: its merged labels cross a page)
    record = project.data / "2017" / "人才服务中心" / "01-流动人员人事档案管理专项.yaml"
    record.write_text(record.read_text(encoding="utf-8").replace("金额: 60000", "金额: 60001", 1), encoding="utf-8")
    edited, edit_stats = _render(project, jobs=2, cache=True)
    fresh, _ = _render(project, jobs=1, cache=False)
    assert edited == fresh
    assert edited["2017年人社局部门预算.pdf"] != serial["2017年人社局部门预算.pdf"]
    # the form part, the DOCX and the XLSX; footers, contents and the other parts are reused
    assert edit_stats.laid_out == 3, edit_stats


@pytest.mark.parametrize("run", [64, 5])
def test_assembled_pdf_pages_contents_and_bookmarks(tmp_path, monkeypatch, run):
    """Footers, contents and bookmarks; the footers' overlay laid out in one document, or
    in runs of 5 numbered pages (as a long document's are laid out side by side): every
    page still carries its number."""
    from budgetdocs.writers import pdfparts

    monkeypatch.setattr(pdfparts, "OVERLAY_PAGES", run)
    monkeypatch.setenv("BUDGETDOCS_CACHE", str(tmp_path / "cache"))
    files, _ = _render(_project(tmp_path), jobs=2, cache=True)
    path = tmp_path / "a.pdf"
    path.write_bytes(files["2017年人社局部门预算.pdf"])
    reader = PdfReader(str(path))
    pages = len(reader.pages)
    front = 2  # the cover and the contents carry no page number; the next page is 1
    for number, page in enumerate(reader.pages, start=1):
        text = page.extract_text().replace(" ", "")
        if number <= front:
            assert "—" not in text, number
        else:
            assert f"—{number - front}—" in text, number
    physical = {item.title: reader.get_destination_page_number(item) + 1 for item in reader.outline if not isinstance(item, list)}
    outline = {title: page - front for title, page in physical.items()}
    contents = re.sub(r"\s+", "", pdf_text(path).split("\f")[1])
    assert len(outline) == 15
    # every entry, in order, with its bookmark's page number after the leader dots
    expected = "".join(re.escape(re.sub(r"\s+", "", t)) + r"\.+" + str(p) for t, p in outline.items())
    assert re.search(expected, contents), (outline, contents)
    assert physical["绩效目标申报表：社会保险基金征缴业务费"] < pages
    assert reader.trailer["/Root"]["/Lang"] == "zh-CN"
    # the contents entries are links to the same pages
    dests = reader.named_destinations
    linked = {reader.get_destination_page_number(dests[a.get_object()["/Dest"]]) + 1 for a in reader.pages[1]["/Annots"]}
    assert linked == set(physical.values())


def test_one_font_program_per_face_and_a_single_runs_size(tmp_path, monkeypatch):
    """The parts' subsets of a face become one (fontmerge): the assembled PDF is no larger
    than 1.2× one WeasyPrint run of the same HTML, and its text extracts the same."""
    from collections import Counter

    from budgetdocs.build import Project, documents, plan
    from budgetdocs.layout.html import BUILTIN_TEMPLATES
    from budgetdocs.writers.pdf import write_pdf
    from conftest import DATA, REPO

    monkeypatch.setenv("BUDGETDOCS_CACHE", str(tmp_path / "cache"))
    project = Project(REPO, DATA, tmp_path / "out")
    the_plan = plan(project, 2023, ["咨询服务中心"], False)
    files, _ = __import__("budgetdocs.build", fromlist=["render_with_stats"]).render_with_stats(project, the_plan, ["pdf"], 2, True)
    doc = next(d for d in documents(project, the_plan) if "单位预算" in d.stem)
    ours = next(o.data for o in files if o.path.name == f"{doc.stem}.pdf")
    single = write_pdf(doc.html, [BUILTIN_TEMPLATES], BUILTIN_TEMPLATES)
    assert len(ours) <= 1.2 * len(single), (len(ours), len(single))
    path = tmp_path / "a.pdf"
    path.write_bytes(ours)
    reader = PdfReader(str(path))
    programs = Counter()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            descriptor = font.get_object()["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
            program = descriptor.get("/FontFile3") or descriptor.get("/FontFile2")
            programs[(str(font.get_object()["/BaseFont"]).split("+")[-1], program.idnum)] += 1
    faces = Counter(face for face, _ in programs)
    assert all(count == 1 for count in faces.values()), programs  # one program per face
    # the text extracts exactly as from the parts drawn with their own subsets, unmerged
    from budgetdocs.writers import fontmerge
    from budgetdocs.writers import pdf as pdf_writer

    with monkeypatch.context() as patch:
        patch.setattr(pdf_writer, "_stub_subset", pdf_writer._ORIGINAL_SUBSET)
        patch.setattr(fontmerge, "merge_fonts", lambda writer, store=None: 0)
        patch.setenv("BUDGETDOCS_CACHE", str(tmp_path / "cache1"))
        files, _ = __import__("budgetdocs.build", fromlist=["render_with_stats"]).render_with_stats(project, the_plan, ["pdf"], 1, False)
    unmerged = tmp_path / "b.pdf"
    unmerged.write_bytes(next(o.data for o in files if o.path.name == f"{doc.stem}.pdf"))
    assert pdf_text(path) == pdf_text(unmerged)
    assert len(ours) < 0.5 * unmerged.stat().st_size
    # every glyph a page draws is in the one program of its face
    from fontTools.cffLib import CFFFontSet
    from fontTools.ttLib import TTFont

    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            cid = font.get_object()["/DescendantFonts"][0].get_object()
            descriptor = cid["/FontDescriptor"].get_object()
            program = (descriptor.get("/FontFile3") or descriptor.get("/FontFile2")).get_object()
            used = set(fontmerge._widths(cid["/W"]))
            if program.get("/Subtype") == "/CIDFontType0C":  # a CID-keyed CFF: its glyphs by CID
                assert "/CIDToGIDMap" not in cid  # a Type 2 CIDFont's entry; a viewer obeying it draws wrong glyphs
                cff = CFFFontSet()
                cff.decompile(io.BytesIO(program.get_data()), None)
                held = {int(name[3:]) for name in cff.topDictIndex[0].charset if name != ".notdef"}
                assert used <= held, (str(font.get_object()["/BaseFont"]), sorted(used - held))
            else:
                glyphs = TTFont(io.BytesIO(program.get_data()), lazy=True)["maxp"].numGlyphs
                assert glyphs > max(used), (str(font.get_object()["/BaseFont"]), glyphs, max(used))
    # parts embed one-glyph stubs: a face assembly cannot find installed is an error, not a blank PDF
    from budgetdocs.errors import RenderError

    monkeypatch.setattr(fontmerge, "_installed", lambda family, style: None)
    monkeypatch.setenv("BUDGETDOCS_CACHE", str(tmp_path / "cache2"))
    with pytest.raises(RenderError, match="找不到已安装的字体"):
        __import__("budgetdocs.build", fromlist=["render_with_stats"]).render_with_stats(project, the_plan, ["pdf"], 1, False)
