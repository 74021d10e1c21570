"""Stage 3, writers: one HTML layout in, the bytes of one file format out.

``pdf`` takes the layout HTML (WeasyPrint); ``pdfparts`` cuts a long document into
parts laid out apart and assembles them (``paginate`` repeats the merged labels a page
break cuts, ``fontmerge`` embeds one font program per face, ``strokes`` joins the table
rules).  ``docx`` and ``xlsx`` take the document tree ``tree`` parses from the layout
as the PDF paginated it (``linebreak`` evens short cells' lines, ``zipfix`` makes the
packages' bytes repeatable).  A writer never re-validates records and never invents
layout.  The writer modules are imported on first use: a run that finds everything
in the cache never loads WeasyPrint.
"""

from __future__ import annotations

FORMATS = ("pdf", "docx", "xlsx")
