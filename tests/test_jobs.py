"""The fast path (parts, worker processes, cache) gives exactly what a cold serial run gives."""

from __future__ import annotations

import re
import shutil

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
    record = project.data / "2017" / "咨询服务中心" / "01-政府购买合同制服务.yaml"
    record.write_text(record.read_text(encoding="utf-8").replace("金额: 200000", "金额: 200001", 1), encoding="utf-8")
    edited, edit_stats = _render(project, jobs=2, cache=True)
    fresh, _ = _render(project, jobs=1, cache=False)
    assert edited == fresh
    assert edited["2017年人社局部门预算.pdf"] != serial["2017年人社局部门预算.pdf"]
    # the form part, the DOCX and the XLSX; footers, contents and the other parts are reused
    assert edit_stats.laid_out == 3, edit_stats


def test_assembled_pdf_pages_contents_and_bookmarks(tmp_path, monkeypatch):
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
