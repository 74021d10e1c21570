"""Take a document's layout HTML; give its PDF, laid out part by part and assembled.

WeasyPrint lays out about three pages a second, so a long document is cut at
its ``<section>`` boundaries (each section starts a new page anyway) into
parts that are laid out independently — in parallel, and only when their
content changed (see :mod:`budgetdocs.jobs`).  Parts are laid out without
their page-number footers; assembly then

1. concatenates the parts' pages,
2. stamps the footers (``— N —``, and 示例 on sample data) from small overlay
   documents (one for every 64 numbered pages) whose pages match the parts'
   orientations; the front
   matter (cover and contents) has no number and the first page after it is
   page 1, as official documents are numbered; the pages of a section marked
   ``nofolio`` (a record's 设置.页码 false) are counted but show no number,
3. fills the table of contents with those printed page numbers (the contents
   part is laid out once with placeholders to learn its own length, then again),
4. rebuilds the bookmarks from each part's bookmark tree, shifted to its pages.

Page count does not depend on the footer text, so the result equals what a
single WeasyPrint run over the whole HTML would show.
"""

from __future__ import annotations

import copy
import hashlib
import io
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional, Sequence

from lxml import html as lxml_html
from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    ByteStringObject,
    DecodedStreamObject,
    DictionaryObject,
    NameObject,
    TextStringObject,
)

from ..errors import RenderError

# Parts are laid out with no footer; the overlay carries it.
NO_FOOTER = "@page { @bottom-center { content: none; } @bottom-right { content: none; } @bottom-left { content: none; } }"
# In a part, the contents page shows the page numbers written into data-page.
TOC_NUMBERS = 'p.toc a::after { content: leader(".") attr(data-page); }'
TOC_PLACEHOLDER = "000"
# In the head of a document with sections of class "nofolio" (pages without a number): the
# overlay then ends with two pages that carry no number (landscape, portrait), stamped on
# those sections' pages.
NOFOLIO_META = '<meta name="budgetdocs-pages" content="nofolio">'
CHUNK = 12_000  # characters of HTML per part: 1 form of 2017, 2–3 of 2023, 1–2 tables (an edit re-lays out little)


@dataclass
class Part:
    """One section of a document, as a standalone HTML page sequence."""

    index: int
    html: str
    ids: list[str]
    is_toc: bool = False
    front: bool = False  # cover or contents: pages without a number
    nofolio: bool = False  # sections of class "nofolio": pages counted, no number shown

    @property
    def key(self) -> str:
        """Content hash of the part's HTML."""
        return hashlib.sha256(self.html.encode("utf-8")).hexdigest()


@dataclass
class RenderedPart:
    """A laid-out part: its PDF bytes, page orientations and bookmark tree."""

    pdf: bytes
    landscape: list[bool]
    bookmarks: list = field(default_factory=list)
    anchors: dict[str, int] = field(default_factory=dict)  # id -> page index within the part
    sections: str = ""  # the part's sections as laid out: merges cut and page-start rows marked

    @property
    def pages(self) -> int:
        """Number of pages of the part."""
        return len(self.landscape)


def _head(root) -> str:
    head = root.find("head")
    return lxml_html.tostring(head, encoding="unicode") if head is not None else "<head></head>"


def _document(head: str, body: str, extra_css: str) -> str:
    head = head.replace("</head>", f"<style>{extra_css}</style></head>")
    return f'<!DOCTYPE html>\n<html lang="zh-CN">{head}<body>{body}</body></html>'


def split(html: str) -> tuple[str, list[Part]]:
    """The document's <head> and its parts, one per <section>."""
    root = lxml_html.document_fromstring(html)
    if root.get("lang") != "zh-CN":
        raise RenderError('layout: <html lang="zh-CN"> is required')
    head = _head(root)
    # (is_toc, serialized sections, stands alone, no page numbers)
    groups: list[tuple[bool, list[str], bool, bool]] = []
    size = 0
    for section in root.body.iterchildren("section"):
        classes = (section.get("class") or "").split()
        is_toc = "toc" in classes
        is_cover = "cover" in classes
        nofolio = "nofolio" in classes
        if is_toc:
            section = copy.deepcopy(section)
            targets = []
            for anchor in section.iter("a"):
                anchor.set("data-page", TOC_PLACEHOLDER)
                targets.append(anchor.get("href", "#")[1:])
            # The targets live in other parts.  Empty stand-ins let WeasyPrint
            # write the links (as named destinations, /Dest (id)); assembly
            # then defines each name at its real page.
            holder = section.makeelement("span", {})
            for target in targets:
                holder.append(section.makeelement("span", {"id": target}))
            section[-1].append(holder)
        text = lxml_html.tostring(section, encoding="unicode")
        # The contents page, and every ~CHUNK of other sections, make a part:
        # few enough parts to keep WeasyPrint's per-run cost and the fonts each
        # part embeds (≈0.3 MB of CJK subset per part) small; small enough that
        # an edit re-lays out little and the pool has work.
        # The cover and the contents stand alone: their pages are the unnumbered front matter.
        # A part's pages all show their number or none do (the footers are stamped per part).
        alone = is_toc or is_cover
        if alone or not groups or groups[-1][0] or groups[-1][2] or groups[-1][3] != nofolio or size + len(text) > CHUNK:
            groups.append((is_toc, [text], alone, nofolio))
            size = len(text)
        else:
            groups[-1][1].append(text)
            size += len(text)
    if any(nofolio for *_, nofolio in groups):
        head = head.replace("</head>", NOFOLIO_META + "</head>")
    parts = []
    leading = True
    for index, (is_toc, sections, alone, nofolio) in enumerate(groups):
        css = NO_FOOTER + (TOC_NUMBERS if is_toc else "")
        leading = leading and alone
        parts.append(Part(index, _document(head, "".join(sections), css), [], is_toc, front=leading, nofolio=nofolio))
    return head, parts


def front_pages(parts: list[Part], rendered: list["RenderedPart"]) -> int:
    """How many pages the leading cover and contents take (they carry no page number)."""
    return sum(done.pages for part, done in zip(parts, rendered) if part.front)


# How the parts of this process were laid out (bench/prediction.py reads it): "plain" (no
# merged body cell: one lay-out), "predicted" (cut at the predicted breaks: the quick pass
# and one lay-out), "rows broken" (a row broken across pages: the part laid out again),
# "mispredicted" (the rounds of lay-outs after it).
OUTCOMES: Counter = Counter()
PAGINATION_ROUNDS = 4  # lay-outs at most; one more than the deepest nesting of merges seen
BREAK_ROUNDS = 8  # lay-outs that break rows across pages, at most (one a row, per section)


def layout_part(html: str, folders: Sequence[Path], base: Path):
    """(final HTML, laid-out WeasyPrint document) of one part: laid out until no merged
    cell crosses a page break (the labels cut by a break are repeated after it) and no
    text row is moved whole off a page it should have filled (it is broken there, see
    :mod:`budgetdocs.writers.paginate`).

    Laid out once in the common case: the part is parsed, cascaded and built into boxes
    once; when it has merged body cells, a quick pass predicts its breaks
    (:mod:`.predict`), its labels are cut there on the boxes (:mod:`.boxcut`), and the
    boxes are laid out.  That lay-out is kept when its own breaks cut the part the same
    way: it is then the lay-out of the HTML the rounds of :func:`_rounds` reach (cutting
    a merge moves no break).  A row to break across pages is broken and the part laid
    out again the same way.  A wrong prediction hands the part to :func:`_rounds`, the
    pagination as it was before the prediction existed: it costs lay-outs, never a
    different page.
    """
    from . import paginate
    from .boxcut import cut_boxes
    from .pdf import Laid
    from .predict import quick_cells

    marked = paginate.mark(html)
    for _ in range(BREAK_ROUNDS + 1):
        laid = Laid(marked, folders, base)
        predicted: dict = {}
        quick = paginate.has_body_rowspans(marked)
        if quick:
            with quick_cells():
                predicted = paginate.page_breaks(laid.layout())
        cut = paginate.split_rowspans(marked, predicted)
        if cut != marked:
            cut_boxes(laid.root_box, predicted)
        document = laid.layout()
        breaks = paginate.page_breaks(document)
        if paginate.split_rowspans(marked, breaks) != cut:
            OUTCOMES["mispredicted"] += 1
            return _rounds(html, folders, base)
        rows = paginate.rows_to_break(document, cut)
        if not rows:
            OUTCOMES["predicted" if quick else "plain"] += 1
            return paginate.mark_page_starts(cut, breaks), document
        OUTCOMES["rows broken"] += 1
        marked = paginate.break_rows(marked, rows)
    return paginate.mark_page_starts(cut, breaks), document


def _rounds(html: str, folders: Sequence[Path], base: Path):
    """:func:`layout_part` by rounds of lay-outs of the HTML: lay out, cut the merges at
    the breaks, lay out again, until nothing changes (the pagination before the
    prediction: the fallback, and the reference the tests compare against)."""
    from . import paginate
    from .pdf import layout_document

    uncut = paginate.mark(html)  # the part as laid out before any merge is cut
    html = uncut
    rounds = PAGINATION_ROUNDS
    breaking = BREAK_ROUNDS
    while True:
        document = layout_document(html, folders, base)
        breaks = paginate.page_breaks(document)
        rows = paginate.rows_to_break(document, html) if breaking else {}
        if rows:
            # the rows are broken in the part as it was before its merges were cut (the
            # rows after a broken one move): cutting starts again from the new lay-out
            uncut = html = paginate.break_rows(uncut, rows)
            breaking -= 1
            rounds = PAGINATION_ROUNDS
            continue
        rounds -= 1
        again = paginate.split_rowspans(html, breaks)
        if again == html:
            break
        html = again
        if rounds <= 0:
            break
    # a class with no style: the layout just made stays valid
    return paginate.mark_page_starts(html, breaks), document


def render_part(html: str, folders: Sequence[Path], base: Path) -> RenderedPart:
    """Lay out (:func:`layout_part`) and draw one part (in a worker process)."""
    from .paginate import body_of
    from .pdf import draw_document

    html, document = layout_part(html, folders, base)
    pdf = draw_document(document, html, font_stubs=True)
    landscape = [page.width > page.height for page in document.pages]
    anchors: dict[str, int] = {}
    for number, page in enumerate(document.pages):
        for ident in page.anchors:
            anchors.setdefault(ident, number)
    return RenderedPart(pdf, landscape, document.make_bookmark_tree(), anchors, body_of(html))


def toc_html(part: Part, pages: dict[str, int]) -> str:
    """The contents part with real page numbers."""

    def number(match: re.Match) -> str:
        target = match.group(1)
        return f'href="#{target}" data-page="{pages.get(target, "")}"'

    return re.sub(r'href="#([^"]+)" data-page="' + TOC_PLACEHOLDER + '"', number, part.html)


# Overlay pages: the front matter has no number; the first page after it restarts at 1.
OVERLAY_CSS = """section { min-height: 1px; }
@page front-portrait { size: A4 portrait; @bottom-center { content: none; } }
@page front-landscape { size: A4 landscape; @bottom-center { content: none; } }
@page first-portrait { size: A4 portrait; counter-reset: page 1; }
@page first-landscape { size: A4 landscape; counter-reset: page 1; }
section.front.portrait { page: front-portrait; }
section.front.landscape { page: front-landscape; }
section.first.portrait { page: first-portrait; }
section.first.landscape { page: first-landscape; }"""


OVERLAY_PAGES = 64  # pages of footers laid out by one task: a long document's run in parallel


def overlay_html(head: str, landscape: list[bool], front: int = 0) -> list[str]:
    """Empty pages carrying only the footers, one per page of the document, as one or
    more documents (:data:`OVERLAY_PAGES` numbered pages each, the front matter with the
    first; a long document's are laid out side by side); the first ``front`` pages
    (cover, contents) get no page number.  A document with pages without numbers
    (:data:`NOFOLIO_META` in its head) gets two more pages at the end, landscape and
    portrait, with no number: :func:`assemble` stamps them there."""
    bounds = list(range(front + OVERLAY_PAGES, len(landscape), OVERLAY_PAGES))
    chunks = []
    for start, end in zip([0] + bounds, bounds + [len(landscape)]):
        sections = []
        css = OVERLAY_CSS
        for number in range(start, end):
            wide = landscape[number]
            role = "front" if number < front else ("first" if number == front and front else "")
            if number == start and start:  # a later chunk: its first page goes on counting
                role = "at"
                css += f"\n@page at-{'landscape' if wide else 'portrait'} {{ size: A4 {'landscape' if wide else 'portrait'}; counter-reset: page {start - front + 1}; }}"
                css += f"\nsection.at.{'landscape' if wide else 'portrait'} {{ page: at-{'landscape' if wide else 'portrait'}; }}"
            sections.append(f'<section class="{role} {"landscape" if wide else "portrait"}"></section>')
        if NOFOLIO_META in head and end == len(landscape):
            sections.append('<section class="front landscape"></section><section class="front portrait"></section>')
        chunks.append(_document(head, "".join(sections), css))
    return chunks


def assemble(
    head: str,
    parts: list[Part],
    rendered: list[RenderedPart],
    overlays: list[RenderedPart],
    title: str,
    author: str,
    store=None,
) -> bytes:
    """Concatenate the parts, stamp the footers, add bookmarks and metadata; ``store``
    (a :class:`budgetdocs.jobs.Cache`) keeps the merged font programs between runs."""
    writer = PdfWriter()
    starts = []
    for part in rendered:
        starts.append(len(writer.pages))
        for page in PdfReader(io.BytesIO(part.pdf)).pages:
            writer.add_page(page)
    stamps = [page for overlay in overlays for page in PdfReader(io.BytesIO(overlay.pdf)).pages]
    unnumbered = 2 if NOFOLIO_META in head else 0  # (landscape, portrait) after the pages' own
    if len(stamps) != len(writer.pages) + unnumbered:
        raise RenderError(f"page overlay has {len(stamps)} pages for {len(writer.pages)} pages of content")
    if unnumbered:
        plain = stamps[len(writer.pages):]
        for start, part, done in zip(starts, parts, rendered):
            if part.nofolio:
                for page, wide in enumerate(done.landscape):
                    stamps[start + page] = plain[0] if wide else plain[1]
        del stamps[len(writer.pages):]
    stamp_footers(writer, stamps)
    # one font program per face for the whole document, not one per part
    from .fontmerge import merge_fonts

    merge_fonts(writer, store)

    def add(items, offset: int, parent=None) -> None:
        for label, (page, _x, _y), children, _state in items:
            node = writer.add_outline_item(title=label, page_number=offset + page, parent=parent)
            add(children, offset, node)

    for start, part in zip(starts, rendered):
        add(part.bookmarks, start)
    # Named destinations for the contents page's links (and for anyone linking in).
    for ident, page in sorted(page_map(parts, rendered).items(), key=lambda item: (item[1], item[0])):
        writer.add_named_destination(ident, page - 1)
    digest = hashlib.sha256(b"".join(p.pdf for p in rendered)).digest()[:16]
    writer._ID = ArrayObject([ByteStringObject(digest), ByteStringObject(digest)])
    writer.add_metadata({"/Title": title, "/Author": author, "/Creator": "budgetdocs", "/Producer": "budgetdocs (WeasyPrint, pypdf)"})
    writer._root_object[NameObject("/Lang")] = TextStringObject("zh-CN")
    out = io.BytesIO()
    writer.write(out)
    return packed(out.getvalue())


def packed(pdf: bytes) -> bytes:
    """``pdf`` saved again by qpdf (pikepdf) with its small objects in compressed object
    streams, as one WeasyPrint run writes them: pypdf writes every page, font and form
    dictionary in the clear, which made a 201-page PDF a third larger.  The /ID is
    derived from the content, so the same input still gives the same bytes."""
    import pikepdf

    with pikepdf.open(io.BytesIO(pdf)) as document:
        out = io.BytesIO()
        document.save(
            out,
            object_stream_mode=pikepdf.ObjectStreamMode.generate,
            compress_streams=True,
            deterministic_id=True,
            linearize=False,
        )
    return out.getvalue()


# Drawn after a page's own content: its graphics state restored first, whatever it left.
_BEFORE = b"q\n"
_AFTER = b"Q\nq /BDfooter Do Q\n"


def stamp_footers(writer: PdfWriter, stamps) -> None:
    """Draw each overlay page over the matching page of ``writer`` as a form XObject.

    The pages' own content streams are neither parsed nor rewritten (pypdf's
    ``merge_page`` decodes and re-encodes every page, which at a thousand forms
    held the whole document's operators in memory): the page's contents become
    ``[q, own content, Q + draw the footer]``, two tiny streams shared by all pages.
    """
    before = writer._add_object(_stream(_BEFORE))
    after = writer._add_object(_stream(_AFTER))
    for page, stamp in zip(writer.pages, stamps):
        form = _stream(stamp.get_contents().get_data() if stamp.get_contents() is not None else b"")
        form.update(
            {
                NameObject("/Type"): NameObject("/XObject"),
                NameObject("/Subtype"): NameObject("/Form"),
                NameObject("/BBox"): ArrayObject(stamp.mediabox),
                NameObject("/Resources"): stamp["/Resources"].get_object().clone(writer),
            }
        )
        resources = DictionaryObject(page["/Resources"].get_object())
        xobjects = DictionaryObject(resources.get("/XObject", DictionaryObject()).get_object())
        xobjects[NameObject("/BDfooter")] = writer._add_object(form)
        resources[NameObject("/XObject")] = xobjects
        page[NameObject("/Resources")] = resources
        own = page.raw_get("/Contents")  # the reference: a stream must stay an indirect object
        own_streams = list(own.get_object()) if isinstance(own.get_object(), ArrayObject) else [own]
        page[NameObject("/Contents")] = ArrayObject([before, *own_streams, after])


def _stream(data: bytes):
    raw = DecodedStreamObject()
    raw.set_data(data)
    return raw.flate_encode() if len(data) > 64 else raw


def page_map(parts: list[Part], rendered: list[RenderedPart]) -> dict[str, int]:
    """1-based physical page of every id in the document."""
    pages: dict[str, int] = {}
    start = 1
    for part, done in zip(parts, rendered):
        if not part.is_toc:  # its anchors are the links' stand-ins
            for ident, page in done.anchors.items():
                pages.setdefault(ident, start + page)
        start += done.pages
    return pages


def printed_numbers(parts: list[Part], rendered: list[RenderedPart]) -> dict[str, int]:
    """The page number printed on the page of every id (physical page less the front matter)."""
    front = front_pages(parts, rendered)
    return {ident: page - front for ident, page in page_map(parts, rendered).items() if page > front}


def toc_part(parts: list[Part]) -> Optional[Part]:
    """The contents part, if the document has one."""
    return next((p for p in parts if p.is_toc), None)
