"""Take a part's WeasyPrint boxes and the rows that start its pages; cut the merged
labels there on the boxes, as :func:`.paginate.split_rowspans` cuts them in the HTML.

Cutting the HTML means parsing, cascading and building the part again before its
second lay-out.  The boxes of the first build are cut instead: a label cell crossing a
break row spans the rows above it, and a copy of it (its text, its style) spans the rows
from the break row on, placed in that row at its column; the table's collapsed borders
are then resolved again.  The boxes then stand for the HTML ``split_rowspans`` gives,
and lay out as it does (``test_layout_once.py`` compares the PDFs).
"""

from __future__ import annotations

from weasyprint.formatting_structure import boxes
from weasyprint.layout.table import collapse_table_borders

from .paginate import ROW, TABLE


def cut_boxes(root_box, breaks: dict[int, list[int]]) -> bool:
    """Cut, in the box tree ``root_box``, every merged cell of table ``t`` crossing a row
    of ``breaks[t]`` (row numbers of :func:`.paginate.mark`); True when a cell was cut."""
    changed = False
    for table in _tables(root_box):
        number = table.element.get(TABLE) if table.element is not None else None
        wanted = breaks.get(int(number), []) if number is not None else []
        if not wanted:
            continue
        rows = [row for group in table.children for row in group.children if isinstance(row, boxes.TableRowBox)]
        by_number = {int(row.element.get(ROW)): row for row in rows if row.element is not None and row.element.get(ROW) is not None}
        order = {id(row): index for index, row in enumerate(rows)}
        cut_here = False
        for b in sorted(wanted):
            row_b = by_number.get(b)
            if row_b is None:
                continue
            at = order[id(row_b)]
            for r, row in enumerate(rows[:at]):
                for cell in list(row.children):
                    if r < at < r + cell.rowspan:
                        twin = cell.deepcopy()
                        twin.rowspan = r + cell.rowspan - at
                        cell.rowspan = at - r
                        later = [i for i, other in enumerate(row_b.children) if other.grid_x > twin.grid_x]
                        row_b.children.insert(later[0] if later else len(row_b.children), twin)
                        cut_here = True
        if cut_here:
            changed = True
            if table.style["border_collapse"] == "collapse":
                width = max([c.grid_x + c.colspan for row in rows for c in row.children] + [_columns(table)])
                table.collapsed_border_grid = collapse_table_borders(table, width, len(rows))
    return changed


def _columns(table) -> int:
    count = 0
    for group in table.column_groups:
        count += len(group.children) if group.children else group.span
    return count


def _tables(box):
    stack = [box]
    while stack:
        current = stack.pop()
        if isinstance(current, boxes.TableBox):
            yield current
        stack.extend(getattr(current, "children", ()) or ())
