"""The seed-reproduction measure: character 3-grams within cells.

A seed's text is split into cells (lines, and tab-separated cells within a
line); each cell is normalised — NFKC (so punctuation width does not count),
whitespace removed, thousands separators removed, extraction markup such as
``<input …/>``, ``<p>`` and ``$\\geq 98\\%$`` turned back into text — and cut into
3-grams.  The share of those 3-grams found anywhere in the output's
normalised text is the coverage.
"""

from __future__ import annotations

import re
import subprocess
import unicodedata
import zipfile
from pathlib import Path

from lxml import etree

_TAG = re.compile(r"<[^>]+>")
_LATEX = [(re.compile(r"\\geq"), "≥"), (re.compile(r"\\leq"), "≤"), (re.compile(r"\\%"), "%"), (re.compile(r"[$]"), "")]
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3})")
_SPACE = re.compile(r"\s+")
_RULE = re.compile(r"^[\s|:-]*-{3,}[\s|:-]*$")  # markdown table rules in the extraction


def normalise(text: str) -> str:
    """Text with width, whitespace and thousands-separator differences removed."""
    text = unicodedata.normalize("NFKC", text).replace("\u2060", "").replace("\ufeff", "")  # word joiners
    text = _THOUSANDS.sub("", text)
    return _SPACE.sub("", text)


def strip_markup(text: str) -> str:
    """Undo the seed extraction's markup: HTML tags and LaTeX maths."""
    text = _TAG.sub("", text)
    if _RULE.match(text):
        return ""
    for pattern, repl in _LATEX:
        text = pattern.sub(repl, text)
    return text


def seed_grams(text: str) -> list[str]:
    """Every 3-gram within a cell of the seed (with repeats)."""
    grams = []
    for line in text.splitlines():
        for cell in line.split("\t"):
            cell = normalise(strip_markup(cell))
            grams.extend(cell[i : i + 3] for i in range(len(cell) - 2))
    return grams


def coverage(seed: str, output: str) -> tuple[float, list[str]]:
    """Share of the seed's 3-grams present in ``output``, and the missing ones."""
    grams = seed_grams(seed)
    flat = normalise(output)
    have = {flat[i : i + 3] for i in range(len(flat) - 2)}
    missing = [g for g in grams if g not in have]
    return (1 - len(missing) / len(grams)) if grams else 1.0, missing


def docx_text(path: Path) -> str:
    """All paragraph text of a DOCX body, one paragraph a line."""
    ns = {"w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main"}
    root = etree.fromstring(zipfile.ZipFile(path).read("word/document.xml"))
    return "\n".join("".join(p.itertext()) for p in root.iterfind(".//w:p", ns))


def pdf_text(path: Path) -> str:
    """Text of a PDF as pdftotext extracts it."""
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True, capture_output=True, text=True).stdout
