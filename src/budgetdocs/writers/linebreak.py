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
    lines_needed = math.ceil(total / capacity)
    target = total / lines_needed
    lines: list[str] = []
    current, used = "", 0.0
    for piece, w in pieces:
        may_start = piece not in NO_LINE_START
        if current and may_start and (used + w > capacity or (used >= target - 0.01 and len(lines) < lines_needed - 1)):
            lines.append(current)
            current, used = "", 0.0
        current += piece
        used += w
    lines.append(current)
    if any(sum(w for _, w in _tokens(line)) > capacity for line in lines):
        return [text]
    return lines
