"""Writers: each takes one rendered layout and gives the bytes of one file format.

``WRITERS`` maps a format name to its writer, pandoc-style; a writer never
re-validates records and never invents layout.
"""

from __future__ import annotations

from typing import Callable

from .docx import write_docx
from .pdf import write_pdf
from .xlsx import write_xlsx

FORMATS = ("pdf", "docx", "xlsx")

WRITERS: dict[str, Callable] = {"pdf": write_pdf, "docx": write_docx, "xlsx": write_xlsx}
