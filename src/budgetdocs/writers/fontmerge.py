"""Take an assembled PDF whose parts each embed their own subset of a face; give it one
font program per face, covering every glyph any page uses.

Each part is laid out by its own WeasyPrint run, which embeds a subset of every face
it uses: a 21-page disclosure in 14 parts carried 14 copies of the serif face.  The
subsets keep the original glyph ids (HarfBuzz ``RETAIN_GIDS``) and WeasyPrint names a
face by its font description, so the same face has the same ``/BaseFont`` in every
part and the same glyph id means the same glyph.  For each face used by more than one
part this makes one subset of the installed font (found through fontconfig) for the
union of the glyph ids, merges the widths (``/W``) and the Unicode maps
(``/ToUnicode``), and points every part's font dictionary at them.  The pages' text
is untouched, so it extracts and copies exactly as before.

A CID-keyed CFF face (the Noto CJK faces) is embedded as a bare CFF program holding
only the glyphs used (:func:`compact_cff`): a quarter of the glyph-id-keeping subset.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
from functools import lru_cache
from typing import Optional, Protocol

from pypdf import PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    FloatObject,
    IndirectObject,
    NameObject,
    NumberObject,
)

from ..errors import RenderError

# Tables WeasyPrint drops from its subsets (no use in a PDF).
DROP_TABLES = ("BASE", "DSIG", "EBDT", "EBLC", "EBSC", "GPOS", "GSUB", "JSTF", "LTSH", "PCLT", "SVG ")
_BFCHAR = re.compile(rb"<([0-9a-fA-F]{4})>\s*<([0-9a-fA-F]+)>")


@lru_cache(maxsize=16)
def _installed(family: str, style: str) -> Optional[tuple[str, int]]:
    """(file, face index) of an installed face, from fontconfig."""
    try:
        found = subprocess.run(
            ["fc-match", "-f", "%{file}|%{index}", f"{family}:style={style}"], capture_output=True, text=True, timeout=10
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    path, _, index = found.partition("|")
    return (path, int(index or 0)) if path else None


def _face_names(font_program: bytes) -> tuple[str, str, int]:
    """(family, style, glyph count) of an embedded program (name IDs 16/17, else 1/2)."""
    import io

    from fontTools.ttLib import TTFont

    font = TTFont(io.BytesIO(font_program), lazy=True)
    names = font["name"]
    family = names.getDebugName(16) or names.getDebugName(1) or ""
    style = names.getDebugName(17) or names.getDebugName(2) or "Regular"
    return family, style, font["maxp"].numGlyphs


@lru_cache(maxsize=16)
def _blob(path: str):
    import uharfbuzz as hb

    return hb.Blob.from_file_path(path)


def subset(path: str, index: int, glyphs: frozenset[int]) -> bytes:
    """The face's subset for ``glyphs``, made as WeasyPrint makes its own: glyph ids kept,
    charstrings desubroutinized, layout tables dropped, no hinting."""
    import uharfbuzz as hb

    face = hb.Face(_blob(path), index)
    first = hb.SubsetInput()
    for gid in sorted(glyphs):
        first.glyph_set.add(gid)
    first.flags = hb.SubsetFlags.RETAIN_GIDS | hb.SubsetFlags.PASSTHROUGH_UNRECOGNIZED | hb.SubsetFlags.DESUBROUTINIZE
    _drop_layout(first)
    kept = hb.subset(face, first)
    second = hb.SubsetInput()
    for gid in range(max(glyphs) + 1):  # drop the empty glyphs after the last one used
        second.glyph_set.add(gid)
    second.flags = hb.SubsetFlags.PASSTHROUGH_UNRECOGNIZED | hb.SubsetFlags.DESUBROUTINIZE | hb.SubsetFlags.NO_HINTING
    return hb.subset(kept, second).blob.data


def compact_cff(path: str, index: int, glyphs: frozenset[int]) -> Optional[bytes]:
    """A bare CID-keyed CFF program (``/FontFile3 /CIDFontType0C``) holding only ``glyphs``,
    or None when the face cannot be cut so.

    A page's text codes are CIDs (Identity-H); a CID-keyed CFF finds a CID's glyph
    through its charset, not by position.  So when the installed face's CIDs are its
    glyph ids (the Noto CJK faces' are), a subset that keeps only the used glyphs, in
    order, with their CIDs in the charset, draws the pages' unchanged text exactly as
    the glyph-id-keeping subset did.  It leaves out what that one carried for every
    glyph id up to the largest used (a metrics entry, a charstring offset and an
    FDSelect entry each: 63,000 of them for a CJK face) and the OpenType tables a PDF
    does not read.  The result is checked: its charset must list exactly ``glyphs``.
    """
    import io

    import uharfbuzz as hb
    from fontTools.cffLib import CFFFontSet

    face = hb.Face(_blob(path), index)
    if "CFF " not in face.table_tags:
        return None
    cut = hb.SubsetInput()
    for gid in sorted(glyphs):
        cut.glyph_set.add(gid)
    cut.flags = hb.SubsetFlags.DESUBROUTINIZE | hb.SubsetFlags.NO_HINTING | hb.SubsetFlags.NO_LAYOUT_CLOSURE
    _drop_layout(cut)
    data = hb.subset(face, cut).reference_table("CFF ").data
    if not data:
        return None
    try:
        fonts = CFFFontSet()
        fonts.decompile(io.BytesIO(data), None)
        top = fonts.topDictIndex[0]
        if not hasattr(top, "ROS"):
            return None  # name-keyed: a CID would be read as a glyph position
        cids = [0 if name == ".notdef" else int(name[3:]) for name in top.charset]
    except Exception:  # noqa: BLE001 - anything unreadable: keep the glyph-id subset
        return None
    return bytes(data) if cids == sorted(glyphs | {0}) else None


def _drop_layout(plan) -> None:
    for tag in DROP_TABLES:
        plan.drop_table_tag_set.add(_tag(tag))


def _tag(name: str) -> int:
    value = 0
    for ch in name.ljust(4)[:4]:
        value = (value << 8) | ord(ch)
    return value


def _widths(array) -> dict[int, float]:
    """A /W array ([first [w w …] first last w …]) as glyph → width."""
    widths: dict[int, float] = {}
    items = list(array)
    i = 0
    while i < len(items):
        first = int(items[i])
        following = items[i + 1].get_object() if hasattr(items[i + 1], "get_object") else items[i + 1]
        if isinstance(following, list):
            for offset, width in enumerate(following):
                widths[first + offset] = float(width)
            i += 2
        else:
            for gid in range(first, int(following) + 1):
                widths[gid] = float(items[i + 2])
            i += 3
    return widths


def _width_array(widths: dict[int, float]) -> ArrayObject:
    out = ArrayObject()
    current: Optional[ArrayObject] = None
    for gid in sorted(widths):
        if current is None or gid - 1 not in widths:
            current = ArrayObject()
            out.append(NumberObject(gid))
            out.append(current)
        value = widths[gid]
        current.append(NumberObject(int(value)) if value == int(value) else FloatObject(value))
    return out


def _to_unicode(stream) -> dict[int, bytes]:
    return {int(g, 16): u.lower() for g, u in _BFCHAR.findall(stream.get_data())}


def _cmap(mapping: dict[int, bytes]) -> DecodedStreamObject:
    lines = [
        b"/CIDInit /ProcSet findresource begin", b"12 dict begin", b"begincmap",
        b"/CIDSystemInfo", b"<< /Registry (Adobe)", b"/Ordering (UCS)", b"/Supplement 0", b">> def",
        b"/CMapName /Adobe-Identity-UCS def", b"/CMapType 2 def",
        b"1 begincodespacerange", b"<0000> <ffff>", b"endcodespacerange",
    ]
    items = sorted(mapping.items())
    for start in range(0, len(items), 100):
        batch = items[start : start + 100]
        lines.append(f"{len(batch)} beginbfchar".encode())
        lines.extend(b"<%04x> <%s>" % (gid, text) for gid, text in batch)
        lines.append(b"endbfchar")
    lines += [b"endcmap", b"CMapName currentdict /CMap defineresource pop", b"end", b"end"]
    stream = DecodedStreamObject()
    stream.set_data(b"\n".join(lines))
    return stream


class ProgramStore(Protocol):
    """Where merged font programs are kept between runs (:class:`budgetdocs.jobs.Cache`)."""

    def get_file(self, key: str) -> Optional[bytes]: ...

    def put_file(self, key: str, data: bytes) -> None: ...


def cached_subset(path: str, index: int, glyphs: frozenset[int], store: Optional[ProgramStore], cff: bool = False) -> bytes:
    """The program for ``glyphs`` (with ``cff``: :func:`compact_cff` where the face allows
    it, else :func:`subset`), kept in ``store`` under the face file's identity (path,
    size, mtime) and the glyph set: an edit that brings no new character reuses the
    last program.  :func:`is_bare_cff` tells which kind came back."""
    def make() -> bytes:
        return (compact_cff(path, index, glyphs) if cff else None) or subset(path, index, glyphs)

    if store is None:
        return make()
    info = os.stat(path)
    key = hashlib.sha256(
        f"font\0{'cff' if cff else 'sfnt'}\0{path}\0{index}\0{info.st_size}\0{info.st_mtime_ns}\0"
        f"{','.join(map(str, sorted(glyphs)))}".encode()
    ).hexdigest()
    data = store.get_file(key)
    if data is None:
        data = make()
        store.put_file(key, data)
    return data


def is_bare_cff(program: bytes) -> bool:
    """A bare CFF program (version 1 header), not an OpenType or TrueType file."""
    return program[:1] == b"\x01" and program[1:2] == b"\x00"


def merge_fonts(writer: PdfWriter, store: Optional[ProgramStore] = None) -> int:
    """One font program per face in ``writer``; returns how many faces were merged.

    Parts drawn with font stubs (``draw_document(font_stubs=True)``) carry one-glyph
    programs: those faces are always replaced, and one that cannot be found installed
    is an error.  A real subset whose face cannot be found (or that is not a CID font
    from WeasyPrint) is kept: the PDF is still right, only larger.
    """
    groups: dict[str, list[DictionaryObject]] = {}
    for font in _fonts(writer):
        if font.get("/Subtype") == "/Type0" and "/DescendantFonts" in font and "/ToUnicode" in font:
            group = groups.setdefault(str(font["/BaseFont"]), [])
            if not any(f is font for f in group):
                group.append(font)
    merged = 0
    for name, fonts in sorted(groups.items()):
        cids = [f["/DescendantFonts"][0].get_object() for f in fonts]
        descriptors = [c["/FontDescriptor"].get_object() for c in cids]
        key = "/FontFile3" if "/FontFile3" in descriptors[0] else "/FontFile2"
        programs = {id(d[key].get_object()): d[key].get_object() for d in descriptors if key in d}
        family, style, glyph_count = _face_names(next(iter(programs.values())).get_data())
        stub = glyph_count <= 1  # drawn with font_stubs: the face must be replaced
        if len(programs) < 2 and not stub:
            continue
        installed = _installed(family, style)
        if installed is None:
            if stub:
                raise RenderError(f"找不到已安装的字体“{family} {style}”，无法嵌入PDF（请检查 fc-match 的结果）。")
            continue
        widths: dict[int, float] = {}
        for cid in cids:
            widths.update(_widths(cid["/W"]))
        mapping: dict[int, bytes] = {}
        for font in fonts:
            mapping.update(_to_unicode(font["/ToUnicode"].get_object()))
        glyphs = frozenset(widths) | frozenset(mapping) | {0}
        data = cached_subset(installed[0], installed[1], glyphs, store, cff=key == "/FontFile3")
        tag = "".join(chr(65 + b % 26) for b in hashlib.sha256(name.encode() + data).digest()[:6])
        base = NameObject("/" + tag + "+" + name.split("+", 1)[-1])
        raw = DecodedStreamObject()
        raw.set_data(data)
        program = raw.flate_encode()
        template = next(iter(programs.values()))
        if is_bare_cff(data):
            program[NameObject("/Subtype")] = NameObject("/CIDFontType0C")
        elif "/Subtype" in template:
            program[NameObject("/Subtype")] = template["/Subtype"]
        if "/Length1" in template:
            program[NameObject("/Length1")] = NumberObject(len(data))
        program_ref = writer._add_object(program)
        descriptor = DictionaryObject(descriptors[0])
        descriptor[NameObject("/FontName")] = base
        descriptor[NameObject(key)] = program_ref
        descriptor.pop(NameObject("/CIDSet"), None)
        box = [list(map(float, d["/FontBBox"])) for d in descriptors]
        descriptor[NameObject("/FontBBox")] = ArrayObject(
            FloatObject(v) for v in (min(b[0] for b in box), min(b[1] for b in box), max(b[2] for b in box), max(b[3] for b in box))
        )
        descriptor_ref = writer._add_object(descriptor)
        cid = DictionaryObject(cids[0])
        cid[NameObject("/BaseFont")] = base
        cid[NameObject("/W")] = _width_array(widths)
        cid[NameObject("/FontDescriptor")] = descriptor_ref
        if is_bare_cff(data):  # a Type 2 CIDFont's entry; a CFF finds glyphs through its charset
            cid.pop(NameObject("/CIDToGIDMap"), None)
        cid_ref = writer._add_object(cid)
        to_unicode_ref = writer._add_object(_cmap(mapping).flate_encode())
        replaced = [f["/DescendantFonts"] for f in fonts] + [f.raw_get("/ToUnicode") for f in fonts]
        for font in fonts:
            font[NameObject("/BaseFont")] = base
            font[NameObject("/DescendantFonts")] = ArrayObject([cid_ref])
            font[NameObject("/ToUnicode")] = to_unicode_ref
        for idnum in _reached(writer, replaced) - _reached(writer, [cid_ref, to_unicode_ref]):
            writer._objects[idnum - 1] = None  # written without them, no second pass needed
        merged += 1
    return merged


def _fonts(writer: PdfWriter):
    """Every font dictionary the pages use, their form XObjects' (the stamped footers) included."""
    for page in writer.pages:
        resources = [page.get("/Resources")]
        while resources:
            found = resources.pop()
            found = found.get_object() if found is not None else None
            if not found:
                continue
            for ref in found.get("/Font", DictionaryObject()).get_object().values():
                yield ref.get_object()
            for xobject in found.get("/XObject", DictionaryObject()).get_object().values():
                resources.append(xobject.get_object().get("/Resources"))


def _reached(writer: PdfWriter, refs) -> set[int]:
    """Object numbers of ``writer`` reachable from ``refs`` (pages' /Parent links not followed)."""
    seen: set[int] = set()
    stack = list(refs)
    while stack:
        ref = stack.pop()
        if isinstance(ref, IndirectObject):
            if ref.idnum in seen or ref.pdf is not writer:
                continue
            seen.add(ref.idnum)
            obj = ref.get_object()
        else:
            obj = ref
        if isinstance(obj, dict):
            stack.extend(v for k, v in obj.items() if k != "/Parent")
        elif isinstance(obj, list):
            stack.extend(obj)
    return seen
