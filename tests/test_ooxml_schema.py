"""The DOCX and XLSX writers' XML parts against the ISO/IEC 29500 transitional schemas.

The schemas are in ``fixtures/ooxml`` (see its README).  Each part is read as a
consumer reads it -- Markup Compatibility applied first -- and validated with
lxml.  A failure lists, for each part, the line, the element path and the
schema's message (at most ``MAX_ERRORS``).

The transitional schema leaves the children of ``w:rPr`` and ``w:trPr`` in any
order (an unbounded ``xsd:choice``), but Word and the Open XML SDK validator
expect them in the order the schema lists them (Word drops properties that are
out of place), so that order is checked too (``order_errors``).
"""

from __future__ import annotations

import fnmatch
import re
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree

from budgetdocs.cli import main
from conftest import DATA, FIXTURES

SCHEMAS = FIXTURES / "ooxml"
MAX_ERRORS = 20

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
XS = "http://www.w3.org/2001/XMLSchema"
# Namespace -> prefix, to shorten lxml's {uri}name in messages.
PREFIXES = {
    W: "w",
    "http://schemas.openxmlformats.org/spreadsheetml/2006/main": "x",
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships": "r",
    "http://schemas.openxmlformats.org/officeDocument/2006/math": "m",
    "http://schemas.openxmlformats.org/drawingml/2006/main": "a",
    "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing": "wp",
    MC: "mc",
}

# name -> (year, unit): the documents rendered, once per module.
RUNS = {
    "2023-咨询服务中心": (2023, "咨询服务中心"),
    "2017-人社局": (2017, "人社局"),
    "2023-人社局": (2023, "人社局"),
}
# (package suffix, schema, part name pattern); every package must hold a matching part.
PARTS = [
    ("docx", "wml.xsd", "word/document.xml"),
    ("docx", "wml.xsd", "word/footer*.xml"),
    ("docx", "wml.xsd", "word/styles.xml"),
    ("docx", "wml.xsd", "word/settings.xml"),
    ("docx", "wml.xsd", "word/numbering.xml"),
    ("docx", "wml.xsd", "word/fontTable.xml"),
    ("docx", "wml.xsd", "word/webSettings.xml"),
    ("xlsx", "sml.xsd", "xl/workbook.xml"),
    ("xlsx", "sml.xsd", "xl/styles.xml"),
    ("xlsx", "sml.xsd", "xl/worksheets/sheet*.xml"),
]


# --------------------------------------------------------------------------- helpers


def _load(name: str) -> etree.XMLSchema:
    parser = etree.XMLParser(no_network=True)
    return etree.XMLSchema(etree.parse(str(SCHEMAS / name), parser))


def _understood() -> frozenset[str]:
    """Every namespace the schema files define: what this 'consumer' understands."""
    return frozenset(etree.parse(str(path)).getroot().get("targetNamespace") for path in SCHEMAS.glob("*.xsd"))


def _choice_order(schema_file: str, kind: str, name: str) -> list[str]:
    """The element names of a named xsd:group or xsd:complexType, in declaration order."""
    root = etree.parse(str(SCHEMAS / schema_file)).getroot()
    (node,) = root.findall(f"{{{XS}}}{kind}[@name='{name}']")
    return [el.get("name") for el in node.iter(f"{{{XS}}}element")]


SCHEMA_FILES = {"wml.xsd": _load("wml.xsd"), "sml.xsd": _load("sml.xsd")}
UNDERSTOOD = _understood()
# Children of w:rPr (CT_RPr / CT_ParaRPr) and w:trPr (CT_TrPr), in the schema's order.
ORDERED = {
    f"{{{W}}}rPr": ["ins", "del", "moveFrom", "moveTo"] + _choice_order("wml.xsd", "group", "EG_RPrBase") + ["rPrChange"],
    f"{{{W}}}trPr": _choice_order("wml.xsd", "complexType", "CT_TrPrBase") + ["ins", "del", "trPrChange"],
}


def apply_markup_compatibility(root: etree._Element, understood: frozenset[str] = UNDERSTOOD) -> etree._Element:
    """Do to ``root`` (in place) what an ECMA-376 Part 3 consumer does before reading it.

    Our consumer understands only the namespaces in ``understood`` (those of the
    transitional schemas).  Namespaces named in ``mc:Ignorable`` (``w14``,
    ``wp14``… from python-docx's template), in scope where declared, are not
    understood: their elements are removed with their content and their
    attributes dropped.  Each ``mc:AlternateContent`` is replaced by the content
    of its first ``mc:Choice`` whose ``Requires`` namespaces are all understood,
    else of its ``mc:Fallback``, else by nothing.  Every ``mc:`` attribute is then
    removed.  ``mc:MustUnderstand`` naming an unknown namespace, and
    ``mc:ProcessContent`` (not used by our parts), raise ``ValueError``.
    """

    def uri(element, prefix):
        if prefix not in element.nsmap:
            raise ValueError(f"undeclared prefix {prefix!r} in Markup Compatibility attribute")
        return element.nsmap[prefix]

    def branch(alternate):
        for choice in alternate.findall(f"{{{MC}}}Choice"):
            if all(uri(choice, p) in understood for p in choice.get("Requires", "").split()):
                return choice
        return alternate.find(f"{{{MC}}}Fallback")

    def walk(element, ignorable):
        declared = element.get(f"{{{MC}}}Ignorable")
        if declared:
            ignorable = ignorable | {uri(element, p) for p in declared.split()} - understood
        must = [uri(element, p) for p in element.get(f"{{{MC}}}MustUnderstand", "").split()]
        if any(ns not in understood for ns in must):
            raise ValueError(f"mc:MustUnderstand names an unknown namespace: {must}")
        if element.get(f"{{{MC}}}ProcessContent") is not None:
            raise ValueError("mc:ProcessContent is not supported by this helper")
        for name in list(element.attrib):
            if etree.QName(name).namespace in ignorable | {MC}:
                del element.attrib[name]
        for child in list(element):
            if not isinstance(child.tag, str):  # comment or processing instruction
                continue
            if child.tag == f"{{{MC}}}AlternateContent":
                chosen = branch(child)
                for grandchild in list(chosen) if chosen is not None else []:
                    child.addprevious(grandchild)
                    if isinstance(grandchild.tag, str):
                        walk(grandchild, ignorable)
                element.remove(child)
            elif etree.QName(child).namespace in ignorable:
                element.remove(child)
            else:
                walk(child, ignorable)

    walk(root, frozenset())
    return root


def _short(text: str) -> str:
    return re.sub(r"\{([^}]*)\}", lambda m: f"{PREFIXES[m.group(1)]}:" if m.group(1) in PREFIXES else m.group(0), text)


def order_errors(root: etree._Element) -> list[str]:
    """Children of ``w:rPr``/``w:trPr`` out of the schema's order, or repeated."""
    problems = []
    for tag, names in ORDERED.items():
        rank = {f"{{{W}}}{name}": i for i, name in enumerate(names)}
        for element in root.iter(tag):
            last = -1
            for child in element:
                here = rank.get(child.tag)
                if here is None:  # unknown children are the schema's business
                    continue
                if here <= last:
                    path = element.getroottree().getpath(element)
                    problems.append(
                        f"line {child.sourceline}: {_short(path)}: {_short(child.tag)} is out of the schema's order "
                        f"({', '.join(_short(c.tag) for c in element)}); expected order: {', '.join(names)}"
                    )
                    break
                last = here
    return problems


def schema_errors(xml: bytes, schema: str) -> list[str]:
    """Every problem of one part: Markup Compatibility, the XSD, then the w:rPr/w:trPr order."""
    try:
        root = apply_markup_compatibility(etree.fromstring(xml))
    except (ValueError, etree.XMLSyntaxError) as exc:
        return [f"not readable: {exc}"]
    validator = SCHEMA_FILES[schema]
    problems = []
    if not validator.validate(etree.ElementTree(root)):
        problems = [f"line {e.line}: {_short(e.path or '')}: {_short(e.message)}" for e in validator.error_log]
    return problems + order_errors(root)


def _report(problems: list[str]) -> str:
    shown = problems[:MAX_ERRORS]
    more = f"\n… and {len(problems) - MAX_ERRORS} more" if len(problems) > MAX_ERRORS else ""
    return f"{len(problems)} schema violation(s):\n" + "\n".join(shown) + more


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> dict[str, Path]:
    """Each run's output folder, rendered once for the module."""
    root = tmp_path_factory.mktemp("ooxml")
    folders = {}
    for name, (year, unit) in RUNS.items():
        out = root / name
        args = ["--year", str(year), "--unit", unit, "--data", str(DATA), "--out", str(out), "--format", "docx,xlsx"]
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 0, result.output
        folders[name] = out
    return folders


def _sample_document(rendered: dict[str, Path]) -> bytes:
    """document.xml of the 2023 咨询服务中心 单位预算 (sections, tables, footers)."""
    (path,) = rendered["2023-咨询服务中心"].rglob("*单位预算.docx")
    return zipfile.ZipFile(path).read("word/document.xml")


# --------------------------------------------------------------------------- tests


@pytest.mark.parametrize("suffix,schema,pattern", PARTS, ids=[p[2] for p in PARTS])
@pytest.mark.parametrize("run", RUNS)
def test_parts_are_schema_valid(rendered, run, suffix, schema, pattern):
    packages = sorted(rendered[run].rglob(f"*.{suffix}"))
    assert packages, f"no .{suffix} rendered for {run}"
    problems = []
    for package in packages:
        with zipfile.ZipFile(package) as archive:
            parts = [n for n in archive.namelist() if fnmatch.fnmatch(n, pattern)]
            assert parts, f"{package.name} has no part {pattern}"
            for part in parts:
                problems += [f"{package.name}:{part}: {p}" for p in schema_errors(archive.read(part), schema)]
    if problems:
        pytest.fail(_report(problems), pytrace=False)


def _mutate_first(xml: bytes, xpath: str, change) -> bytes:
    root = etree.fromstring(xml)
    targets = root.xpath(xpath, namespaces={"w": W})
    assert targets, f"nothing matches {xpath}"
    change(targets[0])
    return etree.tostring(root)


def _second_ppr(p):
    p.find(f"{{{W}}}pPr").addnext(p.makeelement(f"{{{W}}}pPr", {}))


def _last_first(parent):
    parent.insert(0, parent[-1])


def _rpr_out_of_order(r):
    for old in r.findall(f"{{{W}}}rPr"):
        r.remove(old)
    r.insert(0, etree.fromstring(f'<w:rPr xmlns:w="{W}"><w:color w:val="FF0000"/><w:b/></w:rPr>'))


def _trpr_out_of_order(row):
    trpr = row.find(f"{{{W}}}trPr")
    trpr[:] = [etree.fromstring(f'<w:tblHeader xmlns:w="{W}"/>'), etree.fromstring(f'<w:cantSplit xmlns:w="{W}"/>')]


MUTATIONS = {
    "two pPr in one p": ("//w:body/w:p[w:pPr]", _second_ppr, "pPr"),
    "pPr children out of order": ("//w:pPr[w:pStyle and count(*) > 1]", _last_first, "pStyle"),
    "sectPr children out of order": ("//w:sectPr[w:pgSz and w:pgMar]", _last_first, "sectPr"),
    "tcPr children out of order": ("//w:tcPr[w:tcW and w:vAlign]", _last_first, "tcW"),
    "rPr children out of order": ("//w:r[w:t]", _rpr_out_of_order, "w:b is out of the schema's order"),
    "trPr children out of order": ("//w:tr[w:trPr]", _trpr_out_of_order, "w:cantSplit is out of the schema's order"),
}


@pytest.mark.parametrize("mutation", MUTATIONS)
def test_invalid_wordprocessingml_is_rejected(rendered, mutation):
    """The check can fail: a broken copy of a rendered document.xml is reported."""
    xpath, change, expected = MUTATIONS[mutation]
    problems = schema_errors(_mutate_first(_sample_document(rendered), xpath, change), "wml.xsd")
    assert problems and any(expected in p for p in problems), problems


def test_invalid_spreadsheetml_is_rejected(rendered):
    (path, *_) = sorted(rendered["2023-咨询服务中心"].rglob("*.xlsx"))
    sheet = zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml")
    root = etree.fromstring(sheet)
    data = root.find("{http://schemas.openxmlformats.org/spreadsheetml/2006/main}sheetData")
    root.insert(0, data)  # sheetData before sheetPr/dimension/sheetViews
    problems = schema_errors(etree.tostring(root), "sml.xsd")
    assert problems and any("sheetData" in p or "sheetPr" in p or "dimension" in p for p in problems), problems


def test_markup_compatibility_helper():
    """Ignorable content and AlternateContent go; anything else unknown stays and fails."""
    w14 = "http://schemas.microsoft.com/office/word/2010/wordml"
    xml = (
        f'<w:document xmlns:w="{W}" xmlns:mc="{MC}" xmlns:w14="{w14}" mc:Ignorable="w14"><w:body>'
        '<w:p w14:paraId="1A2B3C4D"><w14:unknown/><w:r><w:t>a</w:t></w:r>'
        '<mc:AlternateContent><mc:Choice Requires="w14"><w14:junk/></mc:Choice>'
        "<mc:Fallback><w:r><w:t>b</w:t></w:r></mc:Fallback></mc:AlternateContent></w:p>"
        "</w:body></w:document>"
    ).encode()
    root = apply_markup_compatibility(etree.fromstring(xml))
    p = root.find(f"{{{W}}}body/{{{W}}}p")
    assert dict(p.attrib) == {} and [etree.QName(c).localname for c in p] == ["r", "r"]
    assert "".join(root.itertext()) == "ab"
    assert schema_errors(xml, "wml.xsd") == []
    unknown = xml.replace(b"<w14:unknown/>", b'<x:unknown xmlns:x="urn:example"/>')
    assert any("unknown" in p for p in schema_errors(unknown, "wml.xsd"))
