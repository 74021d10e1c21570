"""Take an Office zip package; give the same package with fixed timestamps and core properties.

python-docx and openpyxl stamp the clock into zip entries and
``docProps/core.xml``; the same input must give the same bytes, so both are
rewritten from the record's date.
"""

from __future__ import annotations

import io
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


def fix_package(data: bytes, title: str, author: str, date: datetime) -> bytes:
    """Re-zip ``data`` with every entry dated ``date`` and deterministic core properties."""
    stamp = date.strftime("%Y-%m-%dT%H:%M:%SZ")
    core = CORE_XML.format(title=escape(title), author=escape(author), date=stamp).encode("utf-8")
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            body = core if info.filename == "docProps/core.xml" else source.read(info.filename)
            entry = zipfile.ZipInfo(info.filename, date_time=date.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            target.writestr(entry, body)
    return out.getvalue()
