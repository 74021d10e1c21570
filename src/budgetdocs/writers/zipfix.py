"""Take an Office zip package; give the same package with fixed timestamps and core properties.

python-docx and openpyxl stamp the clock into zip entries and
``docProps/core.xml``; the same input must give the same bytes, so both are
rewritten from the record's date.
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import datetime
from xml.sax.saxutils import escape

CORE_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties"'
    ' xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/"'
    ' xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
    "<dc:title>{title}</dc:title><dc:creator>{author}</dc:creator>"
    "<cp:lastModifiedBy>{author}</cp:lastModifiedBy><cp:revision>1</cp:revision>"
    '<dcterms:created xsi:type="dcterms:W3CDTF">{date}</dcterms:created>'
    '<dcterms:modified xsi:type="dcterms:W3CDTF">{date}</dcterms:modified>'
    "</cp:coreProperties>"
)


# Extended properties: the application that made the file is this toolkit (the
# libraries' templates would say "Microsoft Macintosh Word" or "Microsoft Excel").
APP_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"'
    ' xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
    "<Application>budgetdocs</Application><DocSecurity>0</DocSecurity></Properties>"
).encode("utf-8")


def fix_package(data: bytes, title: str, author: str, date: datetime) -> bytes:
    """Re-zip ``data`` with every entry dated ``date`` and deterministic core and
    extended properties that name this toolkit."""
    stamp = date.strftime("%Y-%m-%dT%H:%M:%SZ")
    core = CORE_XML.format(title=escape(title), author=escape(author), date=stamp).encode("utf-8")
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename == "docProps/thumbnail.jpeg":  # python-docx's template picture, not ours
                continue
            body = {"docProps/core.xml": core, "docProps/app.xml": APP_XML}.get(info.filename) or source.read(info.filename)
            if info.filename == "_rels/.rels":
                body = re.sub(rb"<Relationship [^>]*Target=\"docProps/thumbnail.jpeg\"[^>]*/>", b"", body)
            entry = zipfile.ZipInfo(info.filename, date_time=date.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            target.writestr(entry, body)
    return out.getvalue()
