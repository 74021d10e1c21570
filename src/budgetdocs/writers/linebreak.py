"""Take a short cell text and the width it has; give it as lines of even length.

Word, LibreOffice and Excel may break CJK text between any two characters, so a label
one character too long for its cell ends with that character alone on a line
(``项目实施计/划``).  The PDF keeps a text's last two characters together; the DOCX and
XLSX writers instead break a short text that needs two or three lines themselves,
into lines of even length, never starting a line with closing punctuation.  Longer
texts, and texts that fit on one line, are left to the word processor.
"""

from __future__ import annotations

import math
import re
import unicodedata

SLACK = 1.06  # word processors set CJK a little wider than its em
NO_LINE_START = set("、。，；：？！）》」』”’%")


def _tokens(text: str) -> list[tuple[str, float]]:
    """Unbreakable pieces of a text and their widths in em: a CJK character is one piece,
    a run of Latin letters or digits is one."""
    pieces: list[tuple[str, float]] = []
    for match in re.finditer(r"[A-Za-z0-9.,%+\-/]+|.", text):
        piece = match.group()
        width = sum(1.0 if unicodedata.east_asian_width(ch) in ("W", "F") else 0.55 for ch in piece)
        pieces.append((piece, width))
    return pieces


def even_lines(text: str, capacity_em: float) -> list[str]:
    """``text`` as at most three lines of even length for a cell ``capacity_em`` wide."""
    capacity = capacity_em / SLACK
    pieces = _tokens(text)
    total = sum(w for _, w in pieces)
    if capacity <= 1 or total <= capacity or total > 3 * capacity or " " in text:
        return [text]
    for count in range(math.ceil(total / capacity), 4):
        lines = _split(pieces, capacity, total / count, count)
        # as many lines as planned (the last one not a leftover), each fitting the cell
        if len(lines) == count and all(sum(w for _, w in _tokens(line)) <= capacity for line in lines):
            return lines
    return [text]


def _split(pieces: list[tuple[str, float]], capacity: float, target: float, count: int) -> list[str]:
    """The pieces in lines of about ``target`` em: a line ends once it reaches the target
    (the last takes the rest) or before a piece that would overflow it."""
    lines: list[str] = []
    current, used = "", 0.0
    for piece, w in pieces:
        may_start = piece not in NO_LINE_START
        if current and may_start and (used + w > capacity or (used >= target - 0.01 and len(lines) < count - 1)):
            lines.append(current)
            current, used = "", 0.0
        current += piece
        used += w
    lines.append(current)
    return lines


WORD_JOINER = "\u2060"
# LibreOffice Calc ignores U+2060 between ideographs but keeps U+FEFF (the zero-width
# no-break space U+2060 replaced), so the XLSX writer joins with that one.
ZWNBSP = "\ufeff"
JOINERS = WORD_JOINER + ZWNBSP


def join_tail(text: str, joiner: str = WORD_JOINER) -> str:
    """``text`` with ``joiner`` (a zero-width no-break character) between its last two
    characters (closing punctuation after them not counted), so that a word processor
    never leaves one character alone on a text's last line (``…奖励与处/罚。``), as the
    PDF keeps a text's last two characters together; the joiner also goes before the
    closing punctuation (Calc may break before a 。).  Short texts, texts ending in a
    space or in Latin letters or digits (they break only at spaces), and texts already
    joined are returned unchanged."""
    end = len(text)
    while end > 0 and text[end - 1] in NO_LINE_START:
        end -= 1
    if end < 4 or set(JOINERS) & set(text[end - 2 : end]):
        return text
    last, before = text[end - 1], text[end - 2]
    if before.isspace() or not any(unicodedata.east_asian_width(ch) in ("W", "F") for ch in (before, last)):
        return text
    return text[: end - 1] + joiner + joiner.join(text[end - 1 :])  # (and before its closing punctuation)
