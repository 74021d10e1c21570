"""Take a short text and the width it has; give the lines it should print on.

Word, LibreOffice and Excel may break CJK text between any two characters, so a label
one character too long for its cell ends with that character alone on a line
(``项目实施计/划``).  The DOCX and XLSX writers instead plan a short cell text that needs
two or three lines as lines of even length (:func:`even_lines`, :func:`planned_lines`),
never starting a line with closing punctuation nor ending one with opening punctuation,
and a centred title that wraps as the word processor fills it but with its last two
characters together, as the PDF sets it (:func:`heading_lines`).  Longer texts, and
texts that fit on one line, are left to the word processor, whatever their last line.

No writer puts a character into a text to steer its breaking: a zero-width joiner is
invisible in print but not to a search, a copy or the record loader.  The DOCX sets a
planned text in a paragraph narrowed by indents to :func:`wrap_width`, where the word
processor's own breaking gives the planned lines, so its text is the record's; an XLSX
cell has no such width, so the XLSX breaks a planned label or title with real line
breaks, as it prints.
"""

from __future__ import annotations

import math
import re
import unicodedata
from typing import Optional

SLACK = 1.06  # word processors set CJK a little wider than its em
NO_LINE_START = set("、。，；：？！）》」』”’%")
NO_LINE_END = set("（《「『“‘〔【")


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
        may_start = piece not in NO_LINE_START and current[-1:] not in NO_LINE_END
        if current and may_start and (used + w > capacity or (used >= target - 0.01 and len(lines) < count - 1)):
            lines.append(current)
            current, used = "", 0.0
        current += piece
        used += w
    lines.append(current)
    return lines


# Widths in em of the Latin characters whose width is known (Times New Roman, Liberation Serif).
LATIN = {**{d: (0.5, 0.5) for d in "0123456789"}, "-": (0.3, 0.4), "/": (0.25, 0.35), ".": (0.2, 0.3),
         ",": (0.2, 0.3), "%": (0.8, 0.9), "+": (0.5, 0.6)}


def _extent(piece: str) -> tuple[float, float]:
    """The least and the most a piece may be wide in a word processor, in em.  A CJK
    character is one em; a character of ambiguous width (“”‘’—…) half an em in a Latin
    face, one in a CJK face, and which one depends on the application; in a run of Latin
    text, a digit is half an em, a sign of :data:`LATIN` its own width, a letter a quarter
    to nearly one, and a run with letters or digits may get up to a quarter em of space
    each side, where it meets CJK text (Word's and LibreOffice's spacing between Asian
    and Latin text)."""
    if len(piece) == 1 and unicodedata.east_asian_width(piece) in ("W", "F"):
        return 1.0, 1.0
    if len(piece) == 1 and unicodedata.east_asian_width(piece) == "A":
        return 0.5, 1.0
    low = sum(LATIN.get(ch, (0.25, 0.95))[0] for ch in piece)
    high = sum(LATIN.get(ch, (0.25, 0.95))[1] for ch in piece)
    if any(ch.isalnum() for ch in piece):
        high += 0.5
    return low, high


def _extents(text: str) -> tuple[float, float]:
    low = high = 0.0
    for piece, _ in _tokens(text):
        a, b = _extent(piece)
        low, high = low + a, high + b
    return low, high


WRAP_MARGIN = 0.3  # em: a narrower gap between "fits" and "does not fit" cannot be planned for


def wrap_width(lines: list[str]) -> Optional[float]:
    """The width in em of a box where a word processor filling lines greedily breaks the
    text of ``lines`` into exactly these lines: wider than the longest of them at its
    widest, narrower than any of them with the first piece of the next line at their
    narrowest (:func:`_extent`); halfway between, so that a face set a little wider or
    narrower than planned breaks the same.  None for a single line, or where the two
    are too close to tell (Latin text and ambiguous punctuation widen the range)."""
    if len(lines) < 2 or not all(lines):
        return None
    extents = [_extents(line) for line in lines]
    longest = max(high for _, high in extents)
    tightest = min(low + _extent(_tokens(after)[0][0])[0] for (low, _), after in zip(extents, lines[1:]))
    if tightest - longest < WRAP_MARGIN - 1e-9:
        return None
    return (longest + tightest) / 2


def _characters(line: str) -> int:
    """Pieces of a line not counting closing punctuation (``表。`` is one)."""
    return sum(1 for piece, _ in _tokens(line) if piece not in NO_LINE_START)


def _fill(text: str, width: float) -> list[str]:
    """``text`` in lines filled greedily to ``width`` em, its pieces at their widest; no
    line starts with closing punctuation or ends with opening punctuation (an empty
    list where that cannot be)."""
    lines: list[str] = []
    current, used = "", 0.0
    for piece, _ in _tokens(text):
        high = _extent(piece)[1]
        if current and used + high > width:
            if piece in NO_LINE_START or current[-1] in NO_LINE_END:
                return []
            lines.append(current)
            current, used = "", 0.0
        current += piece
        used += high
    return lines + [current]


def planned_lines(text: str, capacity_em: float) -> tuple[list[str], Optional[float]]:
    """The lines :func:`even_lines` gives ``text`` and the width of the box that sets them
    (:func:`wrap_width`).  Where no box sets those lines (one is longer than another with
    the next piece), the box as wide as the longest of them, filled greedily, gives lines
    as many and as even; those lines then, if their last one holds two characters or more."""
    lines = even_lines(text, capacity_em)
    box = wrap_width(lines)
    if box is None and len(lines) > 1:
        refill = _fill(text, max(_extents(line)[1] for line in lines))
        if len(refill) == len(lines) and _characters(refill[-1]) >= 2 and wrap_width(refill) is not None:
            return refill, wrap_width(refill)
    return lines, box


def heading_lines(text: str, capacity_em: float) -> list[str]:
    """A title or heading as a word processor fills its lines (its pieces at their widest,
    :func:`_fill`), its last two characters together as the PDF keeps them (``…部门/预算``,
    never ``…部门预/算``); the text as one line where it fits, or where it needs more than
    three lines or cannot be filled."""
    lines = _fill(text, capacity_em)
    if len(lines) < 2 or len(lines) > 3:
        return [text]
    before = _tokens(lines[-2])
    if _characters(lines[-1]) < 2:  # the previous line's last piece (and its closing punctuation) comes down
        cut = len(before) - 1
        while cut > 0 and before[cut][0] in NO_LINE_START:
            cut -= 1
        if cut <= 0 or before[cut - 1][0] in NO_LINE_END:
            return [text]
        lines[-2:] = ["".join(p for p, _ in before[:cut]), "".join(p for p, _ in before[cut:]) + lines[-1]]
    return lines


# The zero-width joiners the DOCX (U+2060) and XLSX (U+FEFF) writers once put before a
# text's last character.  No writer writes them now; tests/test_equivalence.py still
# strips them (a no-op), and nothing else uses this.
JOINERS = "\u2060\ufeff"
