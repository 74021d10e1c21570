"""Writers: each takes one rendered layout and gives the bytes of one file format.

``pdf`` takes the layout HTML (WeasyPrint); ``docx`` and ``xlsx`` take the
document tree parsed from it.  A writer never re-validates records and never
invents layout.  The writer modules are imported on first use: a run that
finds everything in the cache never loads WeasyPrint.
"""

from __future__ import annotations

FORMATS = ("pdf", "docx", "xlsx")
