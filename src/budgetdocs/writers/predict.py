"""Take a part's marked HTML; give the page breaks its lay-out will have, found cheaply.

A part whose merged labels cross a page break is laid out with the labels cut at the
breaks (:mod:`budgetdocs.writers.paginate`).  The breaks were read off a first, full
lay-out: twice the work.  Here they come from a cheaper first pass: WeasyPrint lays
the part out as usual — the cascade, the pages, margins, repeated headers, rows kept
together, everything — except the text of table cells.  A cell that holds one line
box of text (its runs all in the cell's font; ``span.nb`` runs do not break) is not
broken line by line in Python: one Pango layout of its whole text at the cell's width
gives its lines (the same font, the same width, the same line breaker), and its height
is the lines' heights as WeasyPrint computes them (the line-height, and the half-leading
of every run's font on each line, see :func:`_line_height`).  Any other cell, and a
cell that would not fit the rest of its page, is laid out as usual.

The breaks are a prediction: :func:`budgetdocs.writers.pdfparts.layout_part` lays the
part out cut there and keeps the result only when that lay-out's own breaks cut the
part the same way, so a wrong prediction costs a lay-out, never a wrong byte.  The
pass shares the part's parse, cascade and boxes with the lay-out kept, and takes about
half of a lay-out's own time (a 2023 form part: 0.06 s against 0.10 s).
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Optional

from weasyprint.formatting_structure import boxes
from weasyprint.layout import block
from weasyprint.text.ffi import FROM_UNITS, ffi, pango
from weasyprint.text.line_break import _font_style_cache_key, create_layout, strut

_FULL = block.block_container_layout
JOINER = "\u2060"  # no break between the characters of a run that must not break
ALIGNED = ("top", "middle", "bottom")  # a cell aligned on its baseline is left to WeasyPrint


@contextmanager
def quick_cells():
    """Within the block: WeasyPrint lays out a text cell by measuring its text whole."""
    block.block_container_layout = _cell_layout
    try:
        yield
    finally:
        block.block_container_layout = _FULL


def _cell_layout(context, box, bottom_space, skip_stack, page_is_empty, *rest, **named):
    if skip_stack is None and isinstance(box, boxes.TableCellBox) and box.style["vertical_align"] in ALIGNED:
        height = text_height(box, context)
        if height is not None and box.content_box_y() + height <= context.page_bottom - bottom_space:
            cell = box.copy_with_children([])
            cell.height = height
            return cell, None, {"break": "any", "page": None}, [], False, None
    return _FULL(context, box, bottom_space, skip_stack, page_is_empty, *rest, **named)


def _runs(box) -> Optional[list[tuple[str, bool]]]:
    """The cell's text as (text, may break inside) runs, or None when it holds anything
    but one line box of text and unstyled inline runs in the cell's font."""
    if len(box.children) != 1 or not isinstance(box.children[0], boxes.LineBox):
        return None
    style = box.style
    if style["text_indent"].value or style["letter_spacing"] != "normal" or style["word_spacing"]:
        return None
    font = _font_style_cache_key(style, include_size=True)
    runs: list[tuple[str, bool]] = []
    for child in box.children[0].children:
        if isinstance(child, boxes.TextBox):
            if child.style["white_space"] != "normal":
                return None
            runs.append((child.text, True))
        elif isinstance(child, boxes.InlineBox) and all(isinstance(c, boxes.TextBox) for c in child.children):
            s = child.style
            if (
                _font_style_cache_key(s, include_size=True) != font
                or s["line_height"] != style["line_height"]
                or s["vertical_align"] != "baseline"
                or s["white_space"] not in ("normal", "nowrap")
                or not _bare(s)
                or s["letter_spacing"] != "normal"
            ):
                return None
            runs.append(("".join(c.text for c in child.children), s["white_space"] == "normal"))
        else:
            return None
    if not runs or not "".join(text for text, _ in runs).strip():
        return None
    return runs


def _bare(style) -> bool:
    """No padding, border or margin on any side (an inline run that takes no room)."""
    for side in ("top", "right", "bottom", "left"):
        if style[f"border_{side}_width"] or getattr(style[f"padding_{side}"], "value", 1) or getattr(style[f"margin_{side}"], "value", 1):
            return False
    return True


def text_height(box, context) -> Optional[float]:
    """The content height WeasyPrint gives the text cell ``box`` at its width, or None
    when the cell is not plain text (see :func:`_runs`)."""
    runs = _runs(box)
    if runs is None:
        return None
    style = box.style
    # each run as Pango gets it (no break inside an unbreakable one), the line's leading
    # spaces dropped as WeasyPrint drops them, and where each starts in UTF-8 bytes
    shown = [t if breaks else JOINER.join(t) for t, breaks in runs]
    lead = len("".join(shown)) - len("".join(shown).lstrip(" "))
    bounds, at = [], 0
    for piece in shown:
        cut = min(lead, len(piece))
        size = len(piece[cut:].encode("utf-8"))
        lead -= cut
        bounds.append((at, at + size))
        at += size
    text = "".join(shown).lstrip(" ")
    layout = create_layout(text, style, context, box.width, 0)
    encoded = text.encode("utf-8")
    line_height, strut_baseline = strut(style)
    strut_shift = 2 * strut_baseline - line_height
    key = _font_style_cache_key(style, include_size=True)
    total = 0.0
    index = 0
    while (line := pango.pango_layout_get_line_readonly(layout.layout, index)) != ffi.NULL:
        index += 1
        start, end = line.start_index, line.start_index + line.length
        shifts = [strut_shift]
        for low, high in bounds:
            piece = encoded[max(low, start):min(high, end)].decode("utf-8", "ignore").replace(JOINER, "").strip(" ")
            if piece:
                shifts.append(_shift(key, style, context, piece))
        total += line_height + (max(shifts) - min(shifts)) / 2
    return total


def _shift(key, style, context, text: str) -> float:
    return _measured(key, text, lambda: _ascent_less_descent(style, context, text))


_CACHE: dict = {}


def _measured(key, text: str, compute) -> float:
    found = _CACHE.get((key, text))
    if found is None:
        if len(_CACHE) > 50_000:
            _CACHE.clear()
        found = _CACHE[(key, text)] = compute()
    return found


def _ascent_less_descent(style, context, text: str) -> float:
    """Ascent less descent of ``text`` set on one line in ``style`` (Pango's logical
    extents, as WeasyPrint sizes a text box): what places its half-leading."""
    layout = create_layout(text, style, context, None, 0)
    line = pango.pango_layout_get_line_readonly(layout.layout, 0)
    extents = ffi.new("PangoRectangle *")
    pango.pango_layout_line_get_extents(line, ffi.NULL, extents)
    height = extents.height * FROM_UNITS
    ascent = pango.pango_layout_get_baseline(layout.layout) * FROM_UNITS
    return ascent - (height - ascent)
