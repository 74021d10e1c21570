"""Take the layout HTML; give PDF bytes (WeasyPrint), failing on any missing glyph.

Fonts are embedded and subset by WeasyPrint.  The URL fetcher reads only the
template folders' own assets (the stylesheet) and ``data:`` URLs: nothing
else on disk, no network.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import Optional, Sequence
from urllib.parse import unquote, urlparse

from weasyprint import HTML
from weasyprint.pdf import fonts
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

from ..errors import RenderError
from . import cascade

cascade.install()  # the same styles, merged once per set of matched rules

_MEDIA_TYPES = {
    ".css": "text/css",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".svg": "image/svg+xml",
    ".otf": "font/otf",
    ".ttf": "font/ttf",
    ".woff2": "font/woff2",
}


_ORIGINAL_SUBSET = fonts.Font.subset


class _Blocked(FatalURLFetchingError):
    """A document asked for a resource outside the template assets."""


class AssetFetcher(URLFetcher):
    """Serve files from the template folders only (user folder first) and ``data:`` URLs."""

    def __init__(self, folders: Sequence[Path], base: Path):
        super().__init__(allowed_protocols={"file", "data"}, fail_on_errors=True)
        self._folders = [Path(f).resolve() for f in folders]
        self._base = Path(base).resolve()

    def fetch(self, url, headers=None):
        """Return the asset for ``url`` or stop the render."""
        if url.startswith("data:"):
            return super().fetch(url, headers)
        parsed = urlparse(url)
        if parsed.scheme != "file":
            raise _Blocked(f"blocked resource outside the templates: {url}")
        path = Path(unquote(parsed.path)).resolve()
        try:
            relative = path.relative_to(self._base)
        except ValueError:
            raise _Blocked(f"blocked resource outside the templates: {url}") from None
        for folder in self._folders:
            candidate = (folder / relative).resolve()
            if candidate.is_file() and candidate.is_relative_to(folder):
                kind = _MEDIA_TYPES.get(candidate.suffix.lower(), "application/octet-stream")
                return URLFetcherResponse(candidate.as_uri(), candidate.read_bytes(), headers={"Content-Type": kind})
        raise _Blocked(f"template asset not found: {relative}")


class _GlyphWatch(logging.Handler):
    """Collects WeasyPrint's '.notdef glyph rendered' warnings."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.missing: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if ".notdef glyph" in message or "No glyph" in message:
            self.missing.append(message.split(":", 1)[-1].strip())


def render_document(html: str, asset_folders: Sequence[Path], base: Path, identifier: Optional[str] = None):
    """Lay out and draw ``html``: (WeasyPrint document, PDF bytes).

    A glyph missing from every font is an error; WeasyPrint only logs it while
    drawing, so the watch spans layout and drawing.
    """
    watch = _GlyphWatch()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(watch)
    try:
        html_doc = HTML(string=html, base_url=str(base) + "/", url_fetcher=AssetFetcher(asset_folders, base))
        document = html_doc.render()
        ident = (identifier or hashlib.sha256(html.encode("utf-8")).hexdigest())[:32].encode("ascii")
        data = document.write_pdf(pdf_identifier=ident, uncompressed_pdf=False)
    except _Blocked as exc:
        raise RenderError(str(exc)) from None
    finally:
        logger.removeHandler(watch)
    _check_glyphs(watch)
    return document, data


def layout_document(html: str, asset_folders: Sequence[Path], base: Path):
    """Lay out ``html`` (no drawing yet): the WeasyPrint document, to read its pages."""
    try:
        return HTML(string=html, base_url=str(base) + "/", url_fetcher=AssetFetcher(asset_folders, base)).render()
    except _Blocked as exc:
        raise RenderError(str(exc)) from None


def draw_document(document, html: str, identifier: Optional[str] = None, font_stubs: bool = False) -> bytes:
    """Draw a laid-out document to PDF bytes; a glyph missing from every font is an error.

    With ``font_stubs`` each face is embedded as a one-glyph stub instead of the
    subset of the glyphs used (widths and Unicode maps are complete): for parts
    whose assembly replaces every face by one subset for the whole document
    (:mod:`budgetdocs.writers.fontmerge`), so that no part pays for a subset thrown away.
    The table rules are joined into long lines (:mod:`budgetdocs.writers.strokes`).
    """
    watch = _GlyphWatch()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(watch)
    original = fonts.Font.subset
    if font_stubs:
        fonts.Font.subset = _stub_subset
    try:
        ident = (identifier or hashlib.sha256(html.encode("utf-8")).hexdigest())[:32].encode("ascii")
        data = document.write_pdf(pdf_identifier=ident, uncompressed_pdf=False)
    finally:
        fonts.Font.subset = original
        logger.removeHandler(watch)
    _check_glyphs(watch)
    from .strokes import slim_pdf

    return slim_pdf(data)


_STUBS: dict[str, bytes] = {}


def _stub_subset(font, to_unicode, hinting) -> None:
    """Replaces ``Font.subset``: the face cut to glyph 0 (its name table kept, so that
    assembly can find the installed face), made once per face and process."""
    stub = _STUBS.get(font.hash)
    if stub is None:
        _ORIGINAL_SUBSET(font, {0: ""}, False)
        stub = _STUBS[font.hash] = font.file_content
    font.file_content = stub


def _check_glyphs(watch: "_GlyphWatch") -> None:
    if watch.missing:
        shown = "；".join(sorted(set(watch.missing))[:5])
        raise RenderError(f"字体中缺少字形（PDF中会显示为空白方框）：{shown}。请安装含这些字的字体或改用常用字。")


def write_pdf(html: str, asset_folders: Sequence[Path], base: Path, identifier: Optional[str] = None) -> bytes:
    """Render ``html`` to PDF bytes in one WeasyPrint run."""
    return render_document(html, asset_folders, base, identifier)[1]


class Laid:
    """One part parsed, cascaded and built into WeasyPrint's boxes once, then laid out
    as often as its pagination needs (:mod:`budgetdocs.writers.pdfparts`): the quick
    pass that predicts its breaks (:mod:`.predict`), and the lay-out kept, after its
    merged labels were cut on the boxes (:mod:`.boxcut`).  ``layout()`` gives what
    ``HTML(string=html).render()`` gives for the HTML the boxes now stand for
    (WeasyPrint 70's ``Document._render``, split in two).
    """

    def __init__(self, html: str, asset_folders: Sequence[Path], base: Path):
        from weasyprint import DEFAULT_OPTIONS
        from weasyprint.css.counters import CounterStyle
        from weasyprint.document import Document
        from weasyprint.formatting_structure.build import build_formatting_structure
        from weasyprint.text.fonts import FontConfiguration

        try:
            self.html = HTML(string=html, base_url=str(base) + "/", url_fetcher=AssetFetcher(asset_folders, base))
            self.options = dict(DEFAULT_OPTIONS)
            self.font_config = FontConfiguration()
            self.counter_style = CounterStyle()
            self.context = Document._build_layout_context(self.html, self.font_config, self.counter_style, {}, self.options)
            self.root_box = build_formatting_structure(
                self.html.etree_element, self.context.style_for, self.context.get_image_from_uri, self.html.base_url,
                self.context.target_collector, self.counter_style, self.context.footnotes)
        except _Blocked as exc:
            raise RenderError(str(exc)) from None

    def layout(self):
        """Lay the boxes out (again): a WeasyPrint document, as ``render()`` makes it."""
        from weasyprint.document import Document, DocumentMetadata, Page
        from weasyprint.html import get_html_metadata
        from weasyprint.layout import LayoutContext, layout_document as paginate_boxes

        built = self.context
        context = LayoutContext(built.style_for, built.get_image_from_uri.func, self.font_config, self.counter_style, built.target_collector)
        context.footnotes = built.footnotes
        try:
            pages = paginate_boxes(self.html, self.root_box, context)
            document = Document([Page(page) for page in pages], DocumentMetadata(**get_html_metadata(self.html)),
                                self.html.url_fetcher, self.font_config, {}, self.options["output_intent"])
        except _Blocked as exc:
            raise RenderError(str(exc)) from None
        document._html = self.html
        return document
