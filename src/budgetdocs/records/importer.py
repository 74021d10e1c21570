"""Take workbooks holding the budget tables; give the leaves of a budget record, checked.

The budget system exports the nine tables to Excel and units keep them in WPS 表格;
this reads them as a person does: each table is found by its title wherever it
stands, its header row and columns by what the headings mean (合计 or 支出合计,
基本支出合计, 其中：人员经费, 日常公用经费; in table 9 运行费, 公务用车运行费 or
其中：运行费 over any number of heading rows: :func:`meaning`), codes in
three columns (类 · 款 · 项) or one (``2010301``, ``201 03 01``), amounts as numbers
or as text with separators, blank for zero, merged title cells.  Our own XLSX
output is one such workbook (render → import → render gives the same files).

From the tables come only the leaves a record holds: per 功能分类 项 its 基本支出
and 项目支出 by source (tables 3, 5, 6, 7 and, for money outside the budget, 2),
per 经济分类 款 its 人员经费 and 公用经费 (table 8), and the “三公” and 机关运行经费
figures (table 9).  Every subtotal the tables print is checked against the sum of
its leaves, and the tables against each other; each problem names its cell as
``FILE.xlsx!表名!C12``.

A workbook is read only as far as a real budget workbook goes (:func:`read_sheets`):
its size packed and unpacked and its number of cells are checked before any sheet is
parsed (a zip bomb is refused with its numbers), a sheet is parsed as a stream, kept
as the cells that hold something (never the dimension it claims), and a table whose
cells lie beyond :data:`MAX_ROWS` × :data:`MAX_COLS` is refused at that cell.  Numbers
are read from the workbook's own text into a ``Decimal`` (never through a float): a
value that is not finite, beyond :data:`MAX_AMOUNT` or finer than a 分 is an error
naming its cell, never rounded.
"""

from __future__ import annotations

import os
import re
import stat
import unicodedata
import zipfile
from dataclasses import dataclass, field
from decimal import Context, Decimal, InvalidOperation
from pathlib import Path, PurePosixPath
from typing import Iterator, Optional

from lxml import etree

from ..errors import Problem
from .budget_model import SOURCES
from .workbook_spec import column_letter

ZERO = Decimal(0)
CENT = Decimal("0.01")

# What a real budget workbook holds, many times over: nine tables of at most a few
# hundred rows and a few dozen columns, a few MB unpacked.
MAX_FILE = 64 * 1024 * 1024  # bytes of the .xlsx itself
MAX_UNPACKED = 100 * 1024 * 1024  # bytes of all its parts unpacked, as the zip declares them
MAX_PARTS = 4096
MAX_CELLS = 1_000_000  # cells in all sheets, counted before parsing
MAX_ROWS = 65_536  # a table's cells: rows and columns of the cells that hold something
MAX_COLS = 256
MAX_AMOUNT = Decimal("1e13")  # 10 万亿元: beyond any unit's budget; also bounds 万元 tables
EXCEL_DIGITS = 15  # Excel keeps 15 significant digits; digits beyond are a formula's binary noise
# Table kinds by the end of their title, longest first (财务收支预算总表 also ends in 预算总表).
TITLES = (
    ("fiscal", "财政拨款收支预算总表"),
    ("summary", "财务收支预算总表"),
    ("income", "收入预算总表"),
    ("spending", "支出预算总表"),
    ("general", "一般公共预算支出功能分类预算表"),
    ("fund", "政府性基金预算支出功能分类预算表"),
    ("state", "国有资本经营预算支出功能分类预算表"),
    ("economic", "经济分类预算表"),
    ("three", "经费预算表"),  # “三公”经费和机关运行经费预算表
    ("three", "经费预算情况表"),  # the 2017 title
)
FUND_TABLES = {"general": "一般公共预算", "fund": "政府性基金", "state": "国有资本经营"}


@dataclass
class Table:
    """One table read from a sheet: its rows by code and where each came from."""

    kind: str
    sheet: str
    columns: dict[str, int]  # header label → column index (0-based)
    rows: dict[str, list[Decimal]] = field(default_factory=dict)  # code → amounts in ``order``
    cells: dict[str, str] = field(default_factory=dict)  # code → "C12" of its first amount
    names: dict[str, str] = field(default_factory=dict)  # code → the name the table prints
    total: Optional[list[Decimal]] = None
    order: tuple[str, ...] = ()


@dataclass
class Imported:
    """The leaves read from the workbooks, and every problem found reading them."""

    spending: dict[str, dict[str, dict[str, Decimal]]] = field(default_factory=dict)  # code → 基本支出/项目支出 → source → 元
    economic: dict[str, dict[str, Decimal]] = field(default_factory=dict)  # code → 人员经费/公用经费 → 元
    three_public: Optional[dict[str, Decimal]] = None  # 万元
    running_cost: Optional[Decimal] = None  # 万元
    names: dict[str, tuple[str, str]] = field(default_factory=dict)  # code → (kind, name printed), for the classification check
    problems: list[Problem] = field(default_factory=list)


class Number(str):
    """A numeric cell: the number as the workbook writes it (``11863427.565``, ``1E+308``)."""


class CellError(str):
    """A cell holding a formula's error (``#DIV/0!``, ``#REF!``)."""


class _NoResult:
    """A formula cell saved without its result (written by a program, never calculated)."""

    def __str__(self) -> str:
        return "（公式，没有计算结果）"


NO_RESULT = _NoResult()


class AmountError(ValueError):
    """Why a cell is not an amount (the message, in Chinese; the caller adds the cell)."""


def parse_amount(value) -> Decimal:
    """A cell's amount as an exact ``Decimal``: a number, text with thousands separators,
    or blank (0).  Raises :class:`AmountError` for anything else: text that is not a plain
    number, a formula's error or missing result, a value that is not finite, beyond
    :data:`MAX_AMOUNT`, or finer than a 分 (never rounded).  A numeric cell's digits beyond
    Excel's 15 significant ones are a formula's binary noise and are dropped first
    (``0.30000000000000004`` is 0.3, what Excel shows); ``11863427.565`` is an error."""
    if value is None:
        return ZERO
    if isinstance(value, bool):
        raise AmountError(f"“{'TRUE' if value else 'FALSE'}”是逻辑值，不是金额")
    if value is NO_RESULT:
        raise AmountError("是公式，但工作簿中没有它的计算结果：请在Excel或WPS中打开、保存后再导入")
    if isinstance(value, CellError):
        raise AmountError(f"“{value}”是公式的错误值，不是金额")
    if isinstance(value, (int, float, Number)):
        text = repr(value) if isinstance(value, float) else str(value)
        try:
            number = Decimal(text.strip())
        except InvalidOperation:
            raise AmountError(f"“{value}”不是数字") from None
        return _checked(number, str(value), noisy=not isinstance(value, int))
    text = unicodedata.normalize("NFKC", str(value)).strip().replace("，", ",").replace(" ", "")
    if text in ("", "-", "—", "－"):
        return ZERO
    if "," in text and not re.fullmatch(r"[+-]?\d{1,3}(,\d{3})+(\.\d+)?", text):
        raise AmountError(f"“{value}”不是金额（逗号应是千位分隔符）")
    plain = text.replace(",", "")
    if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", plain):
        raise AmountError(f"“{value}”不是金额")
    return _checked(Decimal(plain), str(value), noisy=False)


def _checked(number: Decimal, shown: str, noisy: bool) -> Decimal:
    if not number.is_finite():
        raise AmountError(f"“{shown}”不是有限的数")
    if abs(number) >= MAX_AMOUNT:
        raise AmountError(f"“{shown}”超出金额的合理范围（绝对值应小于 {MAX_AMOUNT:,.0f}）")
    if number.as_tuple().exponent < -2 and noisy:
        rounded = Context(prec=EXCEL_DIGITS).plus(number)
        if rounded.as_tuple().exponent >= -2 or rounded == rounded.quantize(CENT):
            number = rounded.quantize(CENT)
    if number.as_tuple().exponent < -2 and number != number.quantize(CENT):
        raise AmountError(f"“{shown}”比“分”更细（金额最多两位小数）：不会四舍五入，请在表格中改正")
    return number


def amount(value) -> Optional[Decimal]:
    """A cell's amount (see :func:`parse_amount`); None if it is not one."""
    try:
        return parse_amount(value)
    except AmountError:
        return None


def _amount_problem(where: str, sheet: str, r: int, c: int, value, problems: list[Problem]) -> Decimal:
    """The cell's amount; a located E113 (and zero) when it is not one."""
    try:
        return parse_amount(value)
    except AmountError as exc:
        problems.append(Problem(f"{where}!{sheet}!{_cell(r, c)}", r + 1, c + 1, "E113", str(exc)))
        return ZERO


def _text(value) -> str:
    return re.sub(r"[\s\u2060\ufeff]+", "", str(value)) if value is not None else ""  # (word joiners too)




def _cell(row: int, col: int) -> str:
    return f"{column_letter(col)}{row + 1}"


def _kind(grid: list[list]) -> Optional[str]:
    for row in grid[:8]:
        for value in row:
            text = _text(value)
            for kind, ending in TITLES:
                if text.endswith(ending):
                    return kind
    return None


# Column headings as budget systems and units write them, by what they mean (see README,
# “Numbers in”): a heading is read without 其中：, a unit such as （元）, and a trailing
# 合计 / 预算数 / 支出 that leaves a known name (基本支出合计, 人员经费支出, 项目支出预算数).
TOTAL_HEADINGS = ("合计", "总计", "合计数", "支出合计", "预算合计", "预算数合计", "本年预算合计", "本年支出合计")
HEADING_ALIASES = {"财政拨款": "财政拨款收入", "经营收入": "事业单位经营收入", "日常公用经费": "公用经费",
                   "人员支出": "人员经费", "公用支出": "公用经费"}


def heading(value) -> str:
    """A heading's plain words: ``其中：运行费`` → ``运行费``, ``基本支出（元）`` → ``基本支出``."""
    text = unicodedata.normalize("NFKC", _text(value)).replace("“", "").replace("”", "").replace('"', "")
    text = re.sub(r"^其中[:：]?", "", text)
    return re.sub(r"\((万?元)\)$", "", text)


def meaning(value, labels: tuple[str, ...]) -> Optional[str]:
    """Which of ``labels`` a column heading names (合计 for its synonyms), if any."""
    plain = heading(value)
    if not plain:
        return None
    if plain in TOTAL_HEADINGS:
        return "合计" if "合计" in labels else None
    while plain:
        plain = HEADING_ALIASES.get(plain, plain)
        if plain in labels:
            return plain
        for suffix in ("合计", "预算数", "预算", "支出", "金额"):
            if plain.endswith(suffix) and plain != suffix:
                plain = plain[: -len(suffix)]
                break
        else:
            return None
    return None


def _header(grid: list[list], labels: tuple[str, ...]) -> Optional[tuple[int, dict[str, int]]]:
    """The row holding the amount column names, and each name's column (names read by
    :func:`meaning`: 基本支出合计, 其中：人员经费, 人员经费支出 …)."""
    for r, row in enumerate(grid[:15]):
        found = {}
        for c, value in enumerate(row):
            label = meaning(value, labels)
            if label is not None and label not in found:
                found[label] = c
        if "合计" in found and len(found) >= 2:
            return r, found
    return None


def _code(row: list, before: int) -> Optional[str]:
    """The classification code at the start of a row: three code columns (类 · 款 · 项,
    blanks for the parts a 类/款 row lacks), or one (``2010301``, ``201 03 01``)."""
    parts: list[str] = []
    for value in row[:before]:
        text = _text(value)
        if not text:
            continue
        if not parts and re.fullmatch(r"\d{3}|\d{5}|\d{7}", text):
            parts.append(text)
        elif parts and len("".join(parts)) < 7 and re.fullmatch(r"\d{2}", text):
            parts.append(text)
        else:
            break
    code = "".join(parts)
    return code if len(code) in (3, 5, 7) else None


def read_table(grid: list[list], kind: str, sheet: str, where: str, problems: list[Problem]) -> Optional[Table]:
    """The rows of one classification table (功能分类 or 经济分类)."""
    labels = ("合计", "人员经费", "公用经费") if kind == "economic" else (
        ("合计", "财政拨款收入", "事业收入", "事业单位经营收入", "其他收入") if kind == "income" else ("合计", "基本支出", "项目支出")
    )
    found = _header(grid, labels)
    if found is None:
        problems.append(Problem(f"{where}!{sheet}", 0, 0, "E401", f"在“{sheet}”中找不到表头（{'、'.join(labels)}）"))
        return None
    head, columns = found
    order = tuple(label for label in labels if label in columns)
    table = Table(kind, sheet, columns, order=order)
    first_amount = min(columns.values())
    for r in range(head + 1, len(grid)):
        row = grid[r]
        label = _text(row[0]) if row else ""
        values = []
        for name in order:
            value = row[columns[name]] if columns[name] < len(row) else None
            values.append(_amount_problem(where, sheet, r, columns[name], value, problems))
        if label in ("合计", "总计") or (not label and any(_text(v) == "合计" for v in row[:first_amount])):
            table.total = values
            continue
        code = _code(row, first_amount)
        if code is None:
            continue
        if code in table.rows:
            problems.append(Problem(f"{where}!{sheet}!{_cell(r, 0)}", r + 1, 1, "E202", f"科目 {code} 出现了两次"))
            continue
        table.rows[code] = values
        table.cells[code] = _cell(r, columns[order[0]])
        table.names[code] = next((_text(v) for v in row[:first_amount] if _text(v) and not _text(v).isdigit()), "")
    return table


def _check_subtotals(table: Table, where: str, problems: list[Problem]) -> None:
    """Every 类/款 row the table prints equals the sum of the rows under it; the 合计 the 类."""
    leaf_length = max((len(c) for c in table.rows), default=0)
    for code, values in table.rows.items():
        if len(code) == leaf_length:
            continue
        children = [v for c, v in table.rows.items() if c.startswith(code) and len(c) == len(code) + 2]
        if children:
            sums = [sum(col, ZERO) for col in zip(*children)]
            if sums != values:
                problems.append(Problem(f"{where}!{table.sheet}!{table.cells[code]}", 0, 0, "E402",
                                        f"{code} 印出的小计 {values[0]:,} 不等于其下各行之和 {sums[0]:,}"))
    if table.total is not None:
        tops = [v for c, v in table.rows.items() if len(c) == 3]
        sums = [sum(col, ZERO) for col in zip(*tops)] if tops else [ZERO] * len(table.total)
        if sums != table.total:
            problems.append(Problem(f"{where}!{table.sheet}", 0, 0, "E402", f"合计 {table.total[0]:,} 不等于各类之和 {sums[0]:,}"))


def three_public_heading(value) -> Optional[str]:
    """What a heading of table 9 names: 机关运行经费, 公务用车 (its 小计), 购置费, 运行费, 出国,
    接待, 合计 — ``公务用车运行费``, ``运行费`` and ``其中：运行费`` alike."""
    text = heading(value)
    if "机关运行经费" in text:
        return "机关运行经费"
    if "购置及运行" in text or text in ("小计", "公务用车费", "公务用车"):
        return "公务用车"
    if "购置" in text:
        return "购置费"
    if "运行费" in text or "运行维护费" in text:
        return "运行费"
    if "出国" in text:
        return "出国"
    if "接待" in text:
        return "接待"
    if text in TOTAL_HEADINGS or ("三公" in text and "合计" in text):
        return "合计"
    return None


def _three_public(grid: list[list], sheet: str, where: str, problems: list[Problem]) -> Optional[tuple[dict[str, Decimal], Decimal]]:
    """Table 9's row of figures (万元): the first row with a figure under the headings, each
    column found by what its heading (on any header row down to the one naming 运行费)
    means; 合计 and the 公务用车 小计, where printed, are checked (blank is 0)."""
    head = next((r for r, row in enumerate(grid[:15]) if any(three_public_heading(v) == "运行费" for v in row)), None)
    columns: dict[str, int] = {}
    for row in grid[: head + 1] if head is not None else ():
        for c, value in enumerate(row):
            named = three_public_heading(value)
            if named is not None:
                columns[named] = c
    needed = ("出国", "接待", "购置费", "运行费")
    if head is None or any(name not in columns for name in needed):
        missing = "、".join(n for n in needed if n not in columns) or "运行费"
        problems.append(Problem(f"{where}!{sheet}", 0, 0, "E401", f"“三公”经费表中找不到这些列的表头：{missing}"))
        return None
    r = next((r for r in range(head + 1, len(grid)) if any(c < len(grid[r]) and _text(grid[r][c]) for c in columns.values())), None)
    if r is None:
        problems.append(Problem(f"{where}!{sheet}", 0, 0, "E401", "“三公”经费表的表头下面没有数字行"))
        return None
    row = list(grid[r]) + [None] * (max(columns.values()) + 1)
    values = {name: _amount_problem(where, sheet, r, c, row[c], problems) for name, c in columns.items()}
    abroad, reception, purchase, running = (values[n] for n in needed)
    cars = values.get("公务用车", purchase + running)
    total = values.get("合计", abroad + reception + cars)
    if total != abroad + reception + cars or cars != purchase + running:
        problems.append(Problem(f"{where}!{sheet}!{_cell(r, columns.get('合计', 0))}", r + 1, 1, "E402",
                                f"“三公”合计 {total} ≠ 出国 {abroad} + 接待 {reception} + 公务用车 {cars}（或小计 ≠ 购置费 + 运行费）"))
    return {"因公出国境费": abroad, "公务接待费": reception, "公务用车购置费": purchase, "公务用车运行费": running}, values.get("机关运行经费", ZERO)


def _grand_totals(grid: list[list], sheet: str, where: str, problems: list[Problem]) -> dict[str, tuple[Decimal, str]]:
    """收入总计 and 支出总计 of table 1 or 4: the first amount right of each label (a number
    there that cannot be read, 1e308 or a 厘, is reported at its cell)."""
    found: dict[str, tuple[Decimal, str]] = {}
    for r, row in enumerate(grid):
        for c, value in enumerate(row):
            label = _text(value)
            if label in ("收入总计", "支出总计") and label not in found:
                for cc in range(c + 1, len(row)):
                    if row[cc] is None:
                        continue
                    try:
                        found[label] = (parse_amount(row[cc]), f"{where}!{sheet}!{_cell(r, cc)}")
                        break
                    except AmountError as exc:
                        if isinstance(row[cc], str) and not isinstance(row[cc], (Number, CellError)) and not re.search(r"\d", row[cc]):
                            continue  # a label or a note, not a figure
                        problems.append(Problem(f"{where}!{sheet}!{_cell(r, cc)}", r + 1, cc + 1, "E113", str(exc)))
                        break
    return found


# --------------------------------------------------------------------------- the workbook, bounded

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_STRICT = "http://purl.oclc.org/ooxml/spreadsheetml/main"
_CELL_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c[\s/>]")
_REF = re.compile(r"([A-Z]{1,3})([0-9]{1,7})")


class _Refused(Exception):
    """The workbook is not read (the message, in Chinese)."""


def _parser() -> etree.XMLParser:
    """No entities resolved, no DTD, nothing from the network, no huge-tree mode."""
    return etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True, huge_tree=False, remove_comments=True)


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _open(path: Path) -> zipfile.ZipFile:
    """The workbook's zip, after its size checks: a regular file of at most MAX_FILE
    bytes, at most MAX_PARTS parts, at most MAX_UNPACKED bytes unpacked (as declared; a
    part that unpacks to more than it declares fails its check while being read)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        raise _Refused(f"无法读取文件：{exc.strerror or exc}") from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        raise _Refused("不是普通文件（命名管道、设备等），不予读取：请给出 .xlsx 工作簿文件")
    if info.st_size > MAX_FILE:
        os.close(fd)
        raise _Refused(f"文件有 {info.st_size / 1048576:.1f} MB，超过预算表工作簿的合理大小（{MAX_FILE // 1048576} MB）")
    handle = os.fdopen(fd, "rb")
    try:
        book = zipfile.ZipFile(handle)
    except Exception:  # noqa: BLE001 - whatever a zip reader raises on a file that is not one
        handle.close()
        raise _Refused("不是 .xlsx 工作簿（无法按 zip 格式打开）：.xls 等格式请先在Excel或WPS中另存为 .xlsx") from None
    parts = book.infolist()
    unpacked = sum(max(part.file_size, 0) for part in parts)
    if len(parts) > MAX_PARTS or unpacked > MAX_UNPACKED:
        largest = max(parts, key=lambda part: part.file_size)
        book.close()
        raise _Refused(
            f"工作簿解压后有 {unpacked / 1048576:,.1f} MB（{len(parts)} 个部件，最大的 {largest.filename} 为 "
            f"{largest.file_size / 1048576:,.1f} MB），超过预算表的合理大小（{MAX_UNPACKED // 1048576} MB），未读取："
            "请只保留预算表格后另存"
        )
    return book


def _xml(book: zipfile.ZipFile, name: str):
    """A small part of the workbook, parsed safely (None when it is absent)."""
    try:
        data = book.read(name)
    except KeyError:
        return None
    return etree.fromstring(data, _parser())


def _relations(book: zipfile.ZipFile, part: str) -> list[tuple[str, str, str]]:
    """(id, type, target part name) of a part's relationships."""
    folder, _, name = part.rpartition("/")
    root = _xml(book, f"{folder}/_rels/{name}.rels" if folder else f"_rels/{name}.rels")
    found = []
    for rel in root.iter() if root is not None else ():
        if _local(rel.tag) != "Relationship" or rel.get("TargetMode") == "External":
            continue
        target = rel.get("Target") or ""
        joined = target.lstrip("/") if target.startswith("/") else f"{folder}/{target}" if folder else target
        parts: list[str] = []
        for piece in PurePosixPath(joined).parts:
            if piece == "..":
                parts = parts[:-1]
            elif piece != ".":
                parts.append(piece)
        found.append((rel.get("Id") or "", rel.get("Type") or "", "/".join(parts)))
    return found


def _text_of(element) -> str:
    """The text of a string item (``<si>``, ``<is>``): its runs, without phonetic guides."""
    return "".join(t.text or "" for t in element.iter() if _local(t.tag) == "t" and _local(t.getparent().tag) != "rPh")


def _shared_strings(book: zipfile.ZipFile, name: Optional[str], budget: list[int]) -> list[str]:
    if not name or name not in book.namelist():
        return []
    strings = []
    with book.open(name) as stream:
        for _, element in etree.iterparse(stream, events=("end",), resolve_entities=False, load_dtd=False, no_network=True, huge_tree=False):
            if _local(element.tag) == "si":
                strings.append(_text_of(element))
                element.clear()
                budget[0] -= 1
                if budget[0] < 0:
                    raise _Refused(f"工作簿的共享文字超过 {MAX_CELLS:,} 项，超过预算表的合理数量，未读取")
    return strings


def _count_cells(book: zipfile.ZipFile, name: str) -> int:
    """The cells a sheet declares, counted on its bytes before it is parsed."""
    count, tail = 0, b""
    with book.open(name) as stream:
        while chunk := stream.read(1 << 20):
            data = tail + chunk
            count += len(_CELL_TAG.findall(data))
            tail = data[-64:]
            count -= len(_CELL_TAG.findall(tail))  # counted again with the next chunk
    return count + len(_CELL_TAG.findall(tail))


def _value(cell, strings: list[str]):
    """A cell's value: None (empty), text, :class:`Number`, bool, :class:`CellError` or
    :data:`NO_RESULT`."""
    kind = cell.get("t") or "n"
    value = formula = inline = None
    for child in cell:
        name = _local(child.tag)
        if name == "v":
            value = child.text
        elif name == "f":
            formula = True
        elif name == "is":
            inline = _text_of(child)
    if kind == "inlineStr":
        return inline if inline else None
    if value is None:
        return NO_RESULT if formula else None
    if kind == "s":
        try:
            return strings[int(value)]
        except (ValueError, IndexError):
            raise _Refused(f"单元格 {cell.get('r') or ''} 指向不存在的共享文字（{value}），工作簿已损坏") from None
    if kind == "b":
        return value.strip() == "1"
    if kind == "e":
        return CellError(value)
    if kind in ("str", "d"):
        return value
    return Number(value.strip())


def _sheet_cells(book: zipfile.ZipFile, name: str, strings: list[str], detail: bool = False) -> Iterator[tuple]:
    """(row, column, value) of every cell of a sheet that holds something, streamed; with
    ``detail``, (row, column, value, is a formula, style index)."""
    row_index = -1
    with book.open(name) as stream:
        for _, element in etree.iterparse(stream, events=("end",), resolve_entities=False, load_dtd=False, no_network=True, huge_tree=False):
            tag = _local(element.tag)
            if tag != "row":
                continue
            declared = element.get("r")
            row_index = int(declared) - 1 if declared and declared.isdigit() else row_index + 1
            column = -1
            for cell in element:
                if _local(cell.tag) != "c":
                    continue
                ref = _REF.fullmatch(cell.get("r") or "")
                if ref:
                    column = 0
                    for letter in ref.group(1):
                        column = column * 26 + ord(letter) - 64
                    column -= 1
                    row_index = int(ref.group(2)) - 1
                else:
                    column += 1
                value = _value(cell, strings)
                if value is not None and value != "":
                    if detail:
                        formula = any(_local(child.tag) == "f" for child in cell)
                        style = cell.get("s") or "0"
                        yield row_index, column, value, formula, int(style) if style.isdigit() else 0
                    else:
                        yield row_index, column, value
            element.clear()
            while element.getprevious() is not None:
                del element.getparent()[0]


def read_sheets(path: Path, where: str, problems: list[Problem]) -> Iterator[tuple[str, list[list]]]:
    """(sheet name, grid of its cells) for each sheet of the workbook that may hold a
    table, read within the limits above (a refused workbook or table is reported in
    ``problems``, located, and yields nothing).  A grid is as long as the last row holding
    something, each row as long as its last cell holding something."""
    try:
        book = _open(path)
    except _Refused as exc:
        problems.append(Problem(where, 0, 0, "E405" if "合理" in str(exc) else "E100", str(exc)))
        return
    with book:
        try:
            yield from _sheets(book, where, problems)
        except _Refused as exc:
            problems.append(Problem(where, 0, 0, "E405" if "合理" in str(exc) else "E100", str(exc)))
        except Exception as exc:  # noqa: BLE001 - a damaged or foreign zip raises many kinds; the file's problem
            # (a part that unpacks to more than it declares fails its CRC here: read no further)
            problems.append(Problem(where, 0, 0, "E100", f"工作簿已损坏，无法读取：{type(exc).__name__}: {exc}"))


def _workbook_part(book: zipfile.ZipFile):
    """(the workbook part's XML, its relations, relation id → worksheet part) of an
    .xlsx; refused when the workbook part is missing."""
    main = next((target for _, kind, target in _relations(book, "") if kind.endswith("/officeDocument")), "xl/workbook.xml")
    workbook = _xml(book, main)
    if workbook is None:
        raise _Refused("不是 .xlsx 工作簿（缺少 workbook.xml）")
    relations = _relations(book, main)
    targets = {rid: target for rid, kind, target in relations if kind.endswith("/worksheet")}
    return workbook, relations, targets


def _sheets(book: zipfile.ZipFile, where: str, problems: list[Problem]) -> Iterator[tuple[str, list[list]]]:
    workbook, relations, targets = _workbook_part(book)
    sheets = []
    for element in workbook.iter():
        if _local(element.tag) == "sheet":
            rid = next((v for k, v in element.attrib.items() if _local(k) == "id"), None)
            if rid in targets and targets[rid] in book.namelist():
                sheets.append((element.get("name") or targets[rid], targets[rid]))
    cells = sum(_count_cells(book, target) for _, target in sheets)
    if cells > MAX_CELLS:
        raise _Refused(f"工作簿有 {cells:,} 个单元格，超过预算表的合理数量（{MAX_CELLS:,}），未读取：请只保留预算表格后另存")
    strings_part = next((target for _, kind, target in relations if kind.endswith("/sharedStrings")), None)
    strings = _shared_strings(book, strings_part, [MAX_CELLS])
    for title, target in sheets:
        grid = _grid(book, target, strings, title, where, problems)
        if grid is not None:
            yield title, grid


def _grid(book: zipfile.ZipFile, target: str, strings: list[str], title: str, where: str, problems: list[Problem]) -> Optional[list[list]]:
    """A sheet's cells as rows, when it holds a table within bounds; None otherwise.  A
    sheet without a table title in its first rows is not read further."""
    rows: dict[int, dict[int, object]] = {}
    checked = False  # the first rows hold a table's title
    beyond: Optional[tuple[int, int, object]] = None  # the first cell outside the bounds

    def refused(r: int, c: int, value: object) -> None:
        problems.append(Problem(f"{where}!{title}!{_cell(r, c)}", r + 1, c + 1, "E405",
                                f"表格之外有内容（{str(value)[:20]}）：预算表最多 {MAX_ROWS:,} 行、{MAX_COLS} 列"
                                f"（到 {column_letter(MAX_COLS - 1)} 列），请删去这个单元格后再导入；此表未读取"))

    for r, c, value in _sheet_cells(book, target, strings):
        if r < 0 or c < 0:
            continue
        if not checked and r >= 8:
            if _kind(_dense(rows, 8)) is None:
                return None  # no table here: the rest of the sheet is not read
            checked = True
        if r >= MAX_ROWS or c >= MAX_COLS:
            beyond = beyond or (r, c, value)
            if checked:
                break
            continue
        rows.setdefault(r, {})[c] = value
    if not checked and _kind(_dense(rows, 8)) is None:
        return None
    if beyond is not None:
        refused(*beyond)
        return None
    return _dense(rows)


def _dense(rows: dict[int, dict[int, object]], limit: Optional[int] = None) -> list[list]:
    last = max(rows, default=-1) + 1
    if limit is not None:
        last = min(last, limit)
    grid: list[list] = []
    for r in range(last):
        row = rows.get(r)
        if not row:
            grid.append([])
            continue
        line = [None] * (max(row) + 1)
        for c, value in row.items():
            line[c] = value
        grid.append(line)
    return grid


@dataclass(frozen=True)
class CellValue:
    """One cell of :func:`read_cells`: its value (as :func:`_value` gives it), whether it is a
    formula, and its number format (``#,##0.00``, ``yyyy-mm-dd``; '' for General)."""

    value: object
    formula: bool = False
    number_format: str = ""


@dataclass
class SheetCells:
    """The cells of one sheet that hold something, by (row, column), 0-based."""

    name: str
    hidden: bool
    cells: dict[tuple[int, int], CellValue]


# Number formats Excel does not write out (ECMA-376 §18.8.30): the date ones, and text.
_BUILTIN_FORMATS = {14: "yyyy-mm-dd", 15: "d-mmm-yy", 16: "d-mmm", 17: "mmm-yy", 22: "yyyy-mm-dd h:mm", 49: "@"}


def _number_formats(book: zipfile.ZipFile, relations: list[tuple[str, str, str]]) -> list[str]:
    """The number format of each cell style (``s`` index), from the styles part."""
    part = next((target for _, kind, target in relations if kind.endswith("/styles")), None)
    root = _xml(book, part) if part and part in book.namelist() else None
    if root is None:
        return []
    custom = {}
    for element in root.iter():
        if _local(element.tag) == "numFmt" and (element.get("numFmtId") or "").isdigit():
            custom[int(element.get("numFmtId"))] = element.get("formatCode") or ""
    formats = []
    for element in root.iter():
        if _local(element.tag) == "cellXfs":
            for xf in element:
                if _local(xf.tag) == "xf":
                    number = int(xf.get("numFmtId") or 0) if (xf.get("numFmtId") or "0").isdigit() else 0
                    formats.append(custom.get(number, _BUILTIN_FORMATS.get(number, "")))
    return formats


def read_cells(path: Path, where: str, problems: list[Problem]) -> tuple[list[SheetCells], bool]:
    """Every sheet of a workbook as its cells with their formula flags and number formats,
    read within the same bounds as the budget tables (size packed and unpacked, number of
    cells; a cell beyond :data:`MAX_ROWS` × :data:`MAX_COLS` is reported and left out), and
    whether its dates count from 1904.  A refused workbook is reported in ``problems``
    and gives no sheet."""
    try:
        book = _open(path)
    except _Refused as exc:
        problems.append(Problem(where, 0, 0, "E405" if "合理" in str(exc) else "E100", str(exc)))
        return [], False
    sheets: list[SheetCells] = []
    with book:
        try:
            workbook, relations, targets = _workbook_part(book)
            listed = []
            date1904 = False
            for element in workbook.iter():
                if _local(element.tag) == "workbookPr":
                    date1904 = (element.get("date1904") or "").lower() in ("1", "true")
                if _local(element.tag) == "sheet":
                    rid = next((v for k, v in element.attrib.items() if _local(k) == "id"), None)
                    if rid in targets and targets[rid] in book.namelist():
                        listed.append((element.get("name") or targets[rid], targets[rid], element.get("state") in ("hidden", "veryHidden")))
            cells = sum(_count_cells(book, target) for _, target, _ in listed)
            if cells > MAX_CELLS:
                raise _Refused(f"工作簿有 {cells:,} 个单元格，超过合理数量（{MAX_CELLS:,}），未读取")
            strings_part = next((target for _, kind, target in relations if kind.endswith("/sharedStrings")), None)
            strings = _shared_strings(book, strings_part, [MAX_CELLS])
            formats = _number_formats(book, relations)
            for title, target, hidden in listed:
                found: dict[tuple[int, int], CellValue] = {}
                for r, c, value, formula, style in _sheet_cells(book, target, strings, detail=True):
                    if r < 0 or c < 0:
                        continue
                    if r >= MAX_ROWS or c >= MAX_COLS:
                        problems.append(Problem(f"{where}!{title}!{_cell(r, c)}", r + 1, c + 1, "E405",
                                                f"表格之外有内容（{str(value)[:20]}）：最多 {MAX_ROWS:,} 行、{MAX_COLS} 列，此单元格未读取"))
                        break
                    found[(r, c)] = CellValue(value, formula, formats[style] if style < len(formats) else "")
                sheets.append(SheetCells(title, hidden, found))
        except _Refused as exc:
            problems.append(Problem(where, 0, 0, "E405" if "合理" in str(exc) else "E100", str(exc)))
            return [], False
        except Exception as exc:  # noqa: BLE001 - a damaged or foreign zip raises many kinds; the file's problem
            problems.append(Problem(where, 0, 0, "E100", f"工作簿已损坏，无法读取：{type(exc).__name__}: {exc}"))
            return [], False
    return sheets, date1904


def sheet_names(path: Path) -> list[str]:
    """The names of a workbook's sheets, hidden ones too ([] when it cannot be opened as one)."""
    try:
        book = _open(path)
    except _Refused:
        return []
    with book:
        try:
            main = next((target for _, kind, target in _relations(book, "") if kind.endswith("/officeDocument")), "xl/workbook.xml")
            workbook = _xml(book, main)
        except Exception:  # noqa: BLE001 - not a workbook: the budget tables' reader says why
            return []
        return [e.get("name") or "" for e in (workbook.iter() if workbook is not None else ()) if _local(e.tag) == "sheet"]


def read_workbooks(paths: list[Path], root: Optional[Path] = None) -> Imported:
    """Read every budget table in the workbooks and derive the record's leaves."""
    result = Imported()
    totals: dict[str, dict[str, tuple[Decimal, str]]] = {}
    tables: dict[str, Table] = {}
    where_of: dict[str, str] = {}
    for path in paths:
        where = path.name
        for title, grid in read_sheets(path, where, result.problems):
            kind = _kind(grid)
            if kind is None:
                continue
            if kind == "three":
                found = _three_public(grid, title, where, result.problems)
                if found:
                    result.three_public, result.running_cost = found
                continue
            if kind in ("summary", "fiscal"):
                totals[kind] = _grand_totals(grid, title, where, result.problems)  # checked against the other tables below
                continue
            table = read_table(grid, kind, title, where, result.problems)
            if table is not None:
                _check_subtotals(table, where, result.problems)
                tables[kind] = table
                where_of[kind] = where
                classification = "经济分类" if kind == "economic" else "功能分类"
                for code, name in table.names.items():
                    result.names.setdefault(code, (classification, name))
    spending = tables.get("spending")
    if spending is None:
        if not any(p.code in ("E100", "E405") for p in result.problems):  # a workbook not read says why already
            result.problems.append(Problem(", ".join(p.name for p in paths), 0, 0, "E401", "找不到“支出预算总表”"))
        return result
    leaves = [c for c in spending.rows if len(c) == 7]
    for code in leaves:
        total, basic, project = spending.rows[code]
        entry: dict[str, dict[str, Decimal]] = {"基本支出": {}, "项目支出": {}}
        fiscal_basic = fiscal_project = ZERO
        for kind, source in FUND_TABLES.items():
            fund = tables.get(kind)
            if fund is None or code not in fund.rows:
                continue
            _t, b, p = fund.rows[code]
            if b:
                entry["基本支出"][source] = b
            if p:
                entry["项目支出"][source] = p
            fiscal_basic += b
            fiscal_project += p
        rest_basic, rest_project = basic - fiscal_basic, project - fiscal_project
        if rest_basic or rest_project:
            income = tables.get("income")
            others = [s for s in SOURCES[3:] if income is not None and code in income.rows
                      and income.rows[code][income.order.index(s)] if s in income.order]
            if len(others) != 1 or rest_basic < 0 or rest_project < 0:
                result.problems.append(Problem(f"{where_of['spending']}!{spending.sheet}!{spending.cells[code]}", 0, 0, "E403",
                                               f"{code} 的支出 {total:,} 与一般公共预算、政府性基金、国有资本经营各表之和不符，"
                                               "且无法从收入预算总表确定其余资金的来源"))
            else:
                if rest_basic:
                    entry["基本支出"][others[0]] = rest_basic
                if rest_project:
                    entry["项目支出"][others[0]] = rest_project
        result.spending[code] = entry
    for kind in FUND_TABLES:
        fund = tables.get(kind)
        for code in fund.rows if fund else ():
            if len(code) == 7 and code not in spending.rows:
                result.problems.append(Problem(f"{where_of[kind]}!{fund.sheet}!{fund.cells[code]}", 0, 0, "E403",
                                               f"{code} 在{fund.sheet}中有金额，但支出预算总表没有这一项"))
    spending_total = sum((v[0] for c, v in spending.rows.items() if len(c) == 7), ZERO)
    fiscal_total = sum(
        (v[0] for kind in FUND_TABLES if tables.get(kind) for c, v in tables[kind].rows.items() if len(c) == 7), ZERO
    )
    for kind, expected, what in (("summary", spending_total, "支出预算总表的合计"), ("fiscal", fiscal_total, "三张功能分类预算表的合计")):
        for label, (value, where_cell) in totals.get(kind, {}).items():
            if value != expected:
                result.problems.append(Problem(where_cell, 0, 0, "E402", f"{label} {value:,} 不等于{what} {expected:,}"))
    economic = tables.get("economic")
    if economic is not None:
        for code, (total, personnel, public) in economic.rows.items():
            if len(code) == 5:
                result.economic[code] = {k: v for k, v in (("人员经费", personnel), ("公用经费", public)) if v}
        basic_total = sum((v[1] for c, v in spending.rows.items() if len(c) == 7), ZERO)
        general = tables.get("general")
        general_basic = sum((v[1] for c, v in general.rows.items() if len(c) == 7), ZERO) if general else basic_total
        economic_total = sum((sum(v.values(), ZERO) for v in result.economic.values()), ZERO)
        if economic_total != general_basic:
            result.problems.append(Problem(f"{where_of['economic']}!{economic.sheet}", 0, 0, "E204",
                                           f"经济分类表合计 {economic_total:,} ≠ 一般公共预算基本支出 {general_basic:,}"))
    return result


# --------------------------------------------------------------------------- the record


def leaves_of(imported: Imported) -> dict:
    """The record keys the import writes, as plain data (amounts as Decimal)."""
    spending = []
    for code in sorted(imported.spending):
        entry: dict = {"科目": code}
        for side in ("基本支出", "项目支出"):
            money = {s: v.quantize(CENT) for s, v in imported.spending[code][side].items() if v}
            if money:
                entry[side] = money
        spending.append(entry)
    economic = [{"科目": code, **{k: v.quantize(CENT) for k, v in imported.economic[code].items()}} for code in sorted(imported.economic)]
    leaves: dict = {"支出": spending, "基本支出经济分类": economic}
    if imported.three_public is not None:
        leaves["三公经费.本年"] = {k: v.quantize(CENT) for k, v in imported.three_public.items()}
    if imported.running_cost is not None:
        leaves["机关运行经费.本年"] = imported.running_cost.quantize(CENT)
    return leaves


SIDES = ("基本支出", "人员经费", "公用经费", "项目支出")  # a 项's money, as a record writes it


def keep_split(leaves: dict, current: dict, shown: str) -> list[Problem]:
    """Carry the record's 人员经费/公用经费 split of each 项's 基本支出 into the imported
    leaves, where it still adds up to the 基本支出 the tables print (source by source).

    The tables print 基本支出 per 项 and the split only per 类 (a 单位预算's table 1), so
    the split is the record's to keep.  Where the imported 基本支出 differs from it, a 项
    that was all 人员经费 (or all 公用经费) stays so (E222 checks the sums against the
    经济分类); one split both ways is written with its 基本支出 and a warning (W240)
    asks for the split again."""
    problems: list[Problem] = []
    before = {e.get("科目"): e for e in current.get("支出") or [] if isinstance(e, dict)}
    for entry in leaves["支出"]:
        was = before.get(entry["科目"]) or {}
        if not (was.get("人员经费") or was.get("公用经费")):
            continue
        parts = {side: {s: Decimal(str(v)) for s, v in (was.get(side) or {}).items() if v} for side in ("人员经费", "公用经费")}
        summed: dict[str, Decimal] = {}
        for money in parts.values():
            for source, value in money.items():
                summed[source] = summed.get(source, Decimal(0)) + value
        basic = {s: v for s, v in (entry.get("基本支出") or {}).items() if v}
        only = [side for side, money in parts.items() if money]
        if summed == basic:
            entry.pop("基本支出", None)
            entry.update({side: money for side, money in parts.items() if money})
        elif len(only) == 1 and basic:  # all 人员经费 (or all 公用经费) before: so it stays
            entry.pop("基本支出")
            entry[only[0]] = basic
        else:
            problems.append(Problem(shown, 0, 0, "W240",
                                    f"科目 {entry['科目']} 的基本支出与记录中分写的人员经费、公用经费之和不再相等，"
                                    "已按表格写成“基本支出”：请重新分为人员经费和公用经费（单位预算的财务收支预算总表要用）",
                                    "warning"))
    return problems


def _flat(leaves: dict) -> dict[str, Decimal]:
    """Every amount of the leaves under a readable name: ``支出 2080150 基本支出.一般公共预算``."""
    flat: dict[str, Decimal] = {}
    for entry in leaves.get("支出") or []:
        for side in SIDES:
            for source, value in (entry.get(side) or {}).items():
                flat[f"支出 {entry['科目']} {side}.{source}"] = Decimal(str(value))
    for entry in leaves.get("基本支出经济分类") or []:
        for kind in ("人员经费", "公用经费"):
            if entry.get(kind):
                flat[f"基本支出经济分类 {entry['科目']} {kind}"] = Decimal(str(entry[kind]))
    for key, value in (leaves.get("三公经费.本年") or {}).items():
        flat[f"三公经费.本年.{key}"] = Decimal(str(value))
    if leaves.get("机关运行经费.本年") is not None:
        flat["机关运行经费.本年"] = Decimal(str(leaves["机关运行经费.本年"]))
    return {k: v for k, v in flat.items() if v}


def diff(old: dict, new: dict) -> list[str]:
    """What changes in the leaves, one line per amount: ``支出 2080150 基本支出.一般公共预算：1 → 2``."""
    before, after = _flat(old), _flat(new)
    lines = []
    for key in sorted(set(before) | set(after)):
        a, b = before.get(key), after.get(key)
        if a != b:
            lines.append(f"{key}：{'—' if a is None else f'{a:,}'} → {'—' if b is None else f'{b:,}'}")
    return lines


def current_leaves(data: dict) -> dict:
    """The leaves a budget record holds now (same shape as :func:`leaves_of`)."""
    return {
        "支出": data.get("支出") or [],
        "基本支出经济分类": data.get("基本支出经济分类") or [],
        "三公经费.本年": (data.get("三公经费") or {}).get("本年") or {},
        "机关运行经费.本年": (data.get("机关运行经费") or {}).get("本年"),
    }


SKELETON = """\
# {year}年 {name} {kind}预算 — 金额由 budgetdocs import 从 {files} 读入。
# 请补全文字部分（主要职能、机构设置、项说明、变动原因、国有资产等，见 docs/records.md），
# 然后运行 render --year {year} --unit {folder} 检查。
文档: {kind}
主要职能: []   # 请填写：每项一行
机构设置:
  说明: ""     # 请填写
"""


def _yaml_writer():
    from ruamel.yaml import YAML

    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.representer.add_representer(
        Decimal, lambda r, d: r.represent_scalar("tag:yaml.org,2002:float", f"{d.quantize(CENT):f}")
    )
    return yaml


def _flow(mapping: dict):
    from ruamel.yaml.comments import CommentedMap

    node = CommentedMap(mapping)
    node.fa.set_flow_style()
    return node


def record_text(existing: Optional[str], leaves: dict, skeleton: str) -> str:
    """The budget record with its leaves replaced (texts, comments and other keys kept)."""
    import io

    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    yaml = _yaml_writer()
    data = yaml.load(existing if existing is not None else skeleton) or CommentedMap()
    spending = CommentedSeq()
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString as quoted

    for entry in leaves["支出"]:
        item = CommentedMap({"科目": quoted(entry["科目"])})
        for side in SIDES:
            if side in entry:
                item[side] = _flow(entry[side])
        spending.append(item)
    data["支出"] = spending
    data["基本支出经济分类"] = CommentedSeq(_flow({**e, "科目": quoted(e["科目"])}) for e in leaves["基本支出经济分类"])
    if "三公经费.本年" in leaves:
        three = data.get("三公经费") or CommentedMap()
        three["本年"] = _flow(leaves["三公经费.本年"])
        data["三公经费"] = three
    if "机关运行经费.本年" in leaves:
        running = data.get("机关运行经费") or _flow({})
        running["本年"] = leaves["机关运行经费.本年"]
        data["机关运行经费"] = running
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue()
