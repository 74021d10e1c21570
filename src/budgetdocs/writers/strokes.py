"""Take a PDF drawn by WeasyPrint; give the same pages with their table rules drawn as
few, long lines.

WeasyPrint strokes every edge of every cell on its own, each in two saved graphics
states of its own::

    q q /A1.0 gs 0 0 0 RG 1 w 113.8 237.7 m 186.4 237.7 l S Q Q
    q q /A1.0 gs 0 0 0 RG 1 w 185.4 237.7 m 332.4 237.7 l S Q Q   …

A 2023 form page holds about 130 of these: two thirds of the bytes of a form's
PDF after its fonts are merged.  A run of such blocks that follow one another with
the same state (the same opaque alpha state, stroke colour and width) becomes one
block, and the segments on one line that touch or overlap become one segment::

    q /A1.0 gs 0 0 0 RG 1 w 113.8 237.7 m 687.4 237.7 l … S Q

This paints exactly what the separate strokes painted: the strokes are opaque, of one
colour and width, with butt ends, so the union of two touching segments is the
stroke of the one segment covering both; nothing else is drawn between them.  The
coordinates are copied as written, never rounded.  Blocks of any other shape (dashed
or translucent rules, curves) are left as they are.
"""

from __future__ import annotations

import io
import re
import zlib

# One WeasyPrint rule: opaque alpha state, RGB stroke colour, width, one straight segment.
_RULE = re.compile(
    rb"q\nq\n(/A1(?:\.0)? gs\n)((?:[\d.]+ ){3}RG\n)([\d.]+ w\n)"
    rb"(-?[\d.]+) (-?[\d.]+) m\n(-?[\d.]+) (-?[\d.]+) l\nS\nQ\nQ\n"
)
_TOUCH = 1e-6  # segments whose ends are this close (user units) are joined


def join_segments(segments: list[tuple[bytes, bytes, bytes, bytes]]) -> list[tuple[bytes, bytes, bytes, bytes]]:
    """Segments ``(x1, y1, x2, y2)`` (numbers as written) → the fewest segments covering
    the same points: horizontal ones on one y and vertical ones on one x that touch or
    overlap are joined; any other segment is kept.  Lines come out in the order their
    first segment came in; the joined segments of a line from left to right (top to
    bottom)."""
    lines: dict[tuple, list] = {}
    for x1, y1, x2, y2 in segments:
        if y1 == y2 and x1 != x2:
            key, ends = (0, y1), ((float(x1), x1), (float(x2), x2))
        elif x1 == x2 and y1 != y2:
            key, ends = (1, x1), ((float(y1), y1), (float(y2), y2))
        else:
            key, ends = (2, (x1, y1, x2, y2)), None
        lines.setdefault(key, []).append(ends)
    out = []
    for (kind, at), spans in lines.items():
        if kind == 2:
            out.extend([at] * len(spans))
            continue
        joined: list[list] = []
        for start, end in sorted(tuple(sorted(s)) for s in spans):
            if joined and start[0] <= joined[-1][1][0] + _TOUCH:
                if end[0] > joined[-1][1][0]:
                    joined[-1][1] = end
            else:
                joined.append([start, end])
        for (_, a), (_, b) in joined:
            out.append((a, at, b, at) if kind == 0 else (at, a, at, b))
    return out


def slim_content(data: bytes) -> bytes:
    """One page's content stream with its runs of rules joined (see the module's text)."""
    out: list[bytes] = []
    run: list[re.Match] = []
    done = 0

    def close() -> None:
        if run:
            out.append(b"q\n" + b"".join(run[0].group(1, 2, 3)))
            out.extend(b"%s %s m\n%s %s l\n" % s for s in join_segments([m.group(4, 5, 6, 7) for m in run]))
            out.append(b"S\nQ\n")
            run.clear()

    for match in _RULE.finditer(data):
        if run and (match.start() != run[-1].end() or match.group(1, 2, 3) != run[0].group(1, 2, 3)):
            close()
        if not run:
            out.append(data[done : match.start()])
        run.append(match)
        done = match.end()
    close()
    out.append(data[done:])
    return b"".join(out)


def slim_pdf(pdf: bytes) -> bytes:
    """``pdf`` with every page's rules joined; the same bytes for the same input."""
    import pikepdf

    with pikepdf.open(io.BytesIO(pdf)) as document:
        changed = False
        for page in document.pages:
            contents = page.obj.get("/Contents")
            if not isinstance(contents, pikepdf.Stream):
                continue
            data = contents.read_bytes()
            slim = slim_content(data)
            if slim != data:
                contents.write(zlib.compress(slim), filter=pikepdf.Name.FlateDecode)
                changed = True
        if not changed:
            return pdf
        out = io.BytesIO()
        document.save(out, deterministic_id=True, compress_streams=True)
    return out.getvalue()
