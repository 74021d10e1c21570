"""Take record files (YAML or JSON); give validated records that remember their source.

Parsing keeps the line and column of every key, so that a pydantic error on
``子项目[2].金额`` is reported at the line where that amount is written.
Dates and decimals stay exactly as typed: ``2019.1.1`` is text, ``39900834.66``
is a ``Decimal``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Iterator, Optional

from pydantic import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError
from ruamel.yaml.events import (
    AliasEvent,
    CollectionEndEvent,
    CollectionStartEvent,
    ScalarEvent,
)
from ruamel.yaml.parser import RoundTripParser

from ..errors import DataError, Problem, display_path
from ..store import keep_file
from .model import FORM_MODELS, FormBase, edition_for_year

Position = tuple[int, int]

# Invisible characters that change what a reader sees: C0 controls, zero-width
# characters, bidirectional overrides and isolates (U+202E prints a name backwards).
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
# Records are plain data: only the standard scalar and collection tags, no anchors
# or aliases (a few KB of nested aliases expand to gigabytes), and a bounded depth.
_PLAIN_TAGS = {f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float", "bool", "null", "map", "seq", "timestamp")}
MAX_DEPTH = 32


class _Constructor(RoundTripConstructor):
    """Round-trip constructor that keeps dates as text and floats as Decimal."""


def _decimal(constructor: RoundTripConstructor, node: Any) -> Any:
    text = node.value.replace("_", "")
    try:
        return Decimal(text)
    except InvalidOperation:  # .inf / .nan: let the model reject it
        return text


def _plain_text(constructor: RoundTripConstructor, node: Any) -> str:
    return node.value


_Constructor.add_constructor("tag:yaml.org,2002:float", _decimal)
_Constructor.add_constructor("tag:yaml.org,2002:timestamp", _plain_text)


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.Constructor = _Constructor
    yaml.allow_duplicate_keys = False
    return yaml


@dataclass(frozen=True)
class Source:
    """Where a record came from, and the position of each of its keys."""

    path: Path
    shown: str
    positions: dict[tuple, Position]
    warnings: tuple[Problem, ...] = ()  # found while reading (e.g. a text folded over lines)

    def locate(self, loc: tuple) -> Position:
        """Line/column of the deepest known key on ``loc``."""
        loc = tuple(loc)
        while loc:
            if loc in self.positions:
                return self.positions[loc]
            loc = loc[:-1]
        return self.positions.get((), (1, 1))

    def problem(self, loc: tuple, code: str, message: str, severity: str = "error") -> Problem:
        """A problem located at ``loc`` in this source."""
        line, col = self.locate(loc)
        return Problem(self.shown, line, col, code, message, severity)


def _plain(node: Any, path: tuple, positions: dict, source: str, problems: list) -> Any:
    """Turn ruamel's commented containers into plain data, recording positions."""
    if isinstance(node, CommentedMap):
        result = {}
        for key in node:
            line, col = node.lc.key(key)
            positions[path + (str(key),)] = (line + 1, col + 1)
            result[str(key)] = _plain(node[key], path + (key,), positions, source, problems)
        return result
    if isinstance(node, CommentedSeq):
        result_list = []
        for index, item in enumerate(node):
            line, col = node.lc.item(index)
            positions[path + (index,)] = (line + 1, col + 1)
            result_list.append(_plain(item, path + (index,), positions, source, problems))
        return result_list
    if isinstance(node, str):
        text = str(node)
        if _CONTROL.search(text):
            line, col = positions.get(path, (0, 0))
            problems.append(Problem(source, line, col, "E105", "文本中含有控制字符（不可见字符），请删除"))
        return text
    if isinstance(node, bool):
        return bool(node)
    if isinstance(node, int):
        return int(node)
    return node


class _Checks:
    """What :class:`_CheckedParser` found in one file: where to point, how deep it is,
    the texts folded over lines."""

    def __init__(self, shown: str) -> None:
        self.shown = shown
        self.depth = 0
        self.warnings: list[Problem] = []


class _CheckedParser(RoundTripParser):
    """ruamel's round-trip parser, stopping at the first anchor, alias, foreign tag or
    over-deep nesting as the composer takes the event, before anything is built from
    it (so an alias bomb costs the length of the file), and noting unquoted texts
    folded over several lines.  One pass: the file is parsed once."""

    def get_event(self):
        event = super().get_event()
        _check_event(event, self.loader.checks)
        return event


def _check_event(event, checks: _Checks) -> None:
    mark = event.start_mark
    line, column = (mark.line + 1, mark.column + 1) if mark else (0, 0)
    shown = checks.shown
    if isinstance(event, AliasEvent) or getattr(event, "anchor", None):
        raise DataError([Problem(shown, line, column, "E102", "记录中不能使用YAML锚点和别名（& 和 *），请把内容直接写出")])
    tag = getattr(event, "tag", None)
    if tag and tag != "!" and tag not in _PLAIN_TAGS:
        raise DataError([Problem(shown, line, column, "E110", f"不支持的YAML标签“{tag}”：记录只能写文字、数字、列表和“键: 值”")])
    if isinstance(event, CollectionStartEvent):
        checks.depth += 1
        if checks.depth > MAX_DEPTH:
            raise DataError([Problem(shown, line, column, "E102", f"YAML/JSON格式错误：嵌套超过{MAX_DEPTH}层")])
    elif isinstance(event, CollectionEndEvent):
        checks.depth -= 1
    elif isinstance(event, ScalarEvent) and not event.style and event.end_mark.line > mark.line:
        # A line indented under a text joins it, with a space: often a key or a
        # paragraph that was meant to stand on its own.
        checks.warnings.append(
            Problem(
                shown,
                event.end_mark.line + 1,
                1,
                "W106",
                f"第{mark.line + 1}行的文字延续到了第{event.end_mark.line + 1}行，各行被连成一行（中间加了空格）："
                "若要分段请写成“键: |”，若这一行属于别的键请检查缩进",
                "warning",
            )
        )


# The parser's words for the usual slips, said as a finance officer would understand them
# (matched on the parser's own message; its English stays after it, for whoever helps).
_YAML_SLIPS = (
    ("found unexpected end of stream", "引号没有配对：某处开始的引号（\"或'）缺少结束的引号"),
    ("while scanning a quoted scalar", "引号没有配对：某处开始的引号（\"或'）缺少结束的引号"),
    ("could not find expected ':'", "缺少冒号，或冒号后面没有空格（应写成“键: 值”）"),
    ("cannot start any token", "含有制表符（Tab）或不能出现的字符，请改用空格缩进"),
    ("found duplicate key", "同一个键写了两次"),
    ("mapping values are not allowed here", "这里不能出现“键: 值”：上一行的冒号后可能缺少空格，或这一行的值里有“: ”需整体加引号"),
    ("expected ',' or ']'", "方括号 [ ] 没有配对"),
    ("expected ',' or '}'", "花括号 { } 没有配对"),
    ("expected <block end>", "缩进不一致，或前面有引号没有配对、引号之后还有文字"),
)


def _plain_yaml_error(exc: MarkedYAMLError) -> str:
    """The parser's complaint in plain Chinese where it is a usual slip, else as it is."""
    said = " ".join(str(p) for p in (exc.context, exc.problem) if p)
    for words, meaning in _YAML_SLIPS:
        if words in said:
            return f"{meaning}（{exc.problem or exc.context}）"
    return exc.problem or exc.context or "格式错误"


def _load(text: str, shown: str) -> tuple[Any, list[Problem]]:
    """(the parsed document, the warnings found reading it); refused constructs raise."""
    yaml = _yaml()
    yaml.Parser = _CheckedParser
    yaml.checks = _Checks(shown)
    data = yaml.load(text)
    return data, yaml.checks.warnings


# Where parsed records are kept between runs (see ``parsed_records_kept_in``); None: nowhere.
_KEPT: list[Path] = []
_DECIMAL = "\x00decimal"  # marks a Decimal in the kept JSON (records cannot hold \x00)


@contextmanager
def parsed_records_kept_in(folder: Optional[Path]) -> Iterator[None]:
    """Within this block, ``read_mapping`` keeps what it parsed in ``folder`` (JSON, keyed
    by the file's bytes, its shown name and the toolkit's code) and reuses it: a render
    after one changed number parses one record, not all of them.  ``None``: no keeping."""
    if folder is not None:
        _KEPT.append(folder)
    try:
        yield
    finally:
        if folder is not None:
            _KEPT.pop()


def _to_json(value: Any) -> Any:
    if isinstance(value, Decimal):
        return [_DECIMAL, str(value)]
    if isinstance(value, dict):
        return {k: _to_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_to_json(v) for v in value]
    return value


def _from_json(value: Any) -> Any:
    if isinstance(value, list):
        if len(value) == 2 and value[0] == _DECIMAL:
            return Decimal(value[1])
        return [_from_json(v) for v in value]
    if isinstance(value, dict):
        return {k: _from_json(v) for k, v in value.items()}
    return value


def _kept_file(raw: bytes, shown: str) -> Optional[Path]:
    if not _KEPT:
        return None
    from ..version import CODE_DIGEST

    key = hashlib.sha256(CODE_DIGEST + shown.encode() + b"\0" + raw).hexdigest()
    return _KEPT[-1] / "records" / key[:2] / f"{key}.json"


def _kept(raw: bytes, shown: str, path: Path) -> Optional[tuple[dict, Source]]:
    """A record parsed by an earlier run from the same bytes, if kept and intact."""
    kept = _kept_file(raw, shown)
    try:
        entry = json.loads(kept.read_text(encoding="utf-8")) if kept is not None and kept.is_file() else None
        if entry is None:
            return None
        positions = {tuple(loc): (line, col) for loc, line, col in entry["positions"]}
        warnings = tuple(Problem(**w) for w in entry["warnings"])
        return _from_json(entry["data"]), Source(Path(path), shown, positions, warnings)
    except (OSError, ValueError, KeyError, TypeError):
        return None  # damaged: parsed again, and written anew


def _keep(raw: bytes, shown: str, data: dict, source: Source) -> None:
    kept = _kept_file(raw, shown)
    if kept is None:
        return
    entry = {
        "data": _to_json(data),
        "positions": [[list(loc), line, col] for loc, (line, col) in source.positions.items()],
        "warnings": [dataclasses.asdict(w) for w in source.warnings],
    }
    keep_file(kept, json.dumps(entry, ensure_ascii=False).encode("utf-8"))


def read_mapping(path: Path, root: Optional[Path] = None) -> tuple[dict, Source]:
    """Parse one YAML/JSON file into a plain mapping and its key positions."""
    shown = display_path(path, root)
    try:
        raw = Path(path).read_bytes()
        kept = _kept(raw, shown, path)
        if kept is not None:
            return kept
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DataError([Problem(shown, line, 0, "E101", "文件不是UTF-8编码，请用UTF-8保存")]) from None
    except OSError as exc:
        raise DataError([Problem(shown, 0, 0, "E100", f"无法读取文件：{exc.strerror}")]) from None
    control = _CONTROL.search(text)
    if control:
        line = text.count("\n", 0, control.start()) + 1
        column = control.start() - (text.rfind("\n", 0, control.start()) + 1) + 1
        code = f"U+{ord(control.group()):04X}"
        raise DataError([Problem(shown, line, column, "E105", f"文本中含有控制字符或不可见的格式字符（{code}），请删除")])
    if not text.strip():
        raise DataError([Problem(shown, 1, 1, "E104", "文件是空的")])
    if Path(path).suffix.lower() == ".json":
        # ruamel reads JSON as YAML and would forgive JSON's syntax errors.
        try:
            json.loads(text)
        except json.JSONDecodeError as exc:
            raise DataError([Problem(shown, exc.lineno, exc.colno, "E102", f"JSON格式错误：{exc.msg}")]) from None
    try:
        data, folded = _load(text, shown)
    except DataError:
        raise
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        if exc.context == "while scanning a quoted scalar" and exc.context_mark:
            mark = exc.context_mark  # where the quote that never closes was opened
        line, col = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        raise DataError([Problem(shown, line, col, "E102", f"YAML/JSON格式错误：{_plain_yaml_error(exc)}")]) from None
    except Exception as exc:  # ruamel raises several unrelated types for bad input
        raise DataError([Problem(shown, 0, 0, "E102", f"YAML/JSON格式错误：{exc}")]) from None
    positions: dict[tuple, Position] = {(): (1, 1)}
    problems: list[Problem] = []
    if data is None:
        data = CommentedMap()
    if not isinstance(data, CommentedMap):
        raise DataError([Problem(shown, 1, 1, "E103", "记录文件的顶层应是“键: 值”的映射")])
    plain = _plain(data, (), positions, shown, problems)
    if problems:
        raise DataError(problems)
    source = Source(Path(path), shown, positions, tuple(folded))
    _keep(raw, shown, plain, source)
    return plain, source


_PYDANTIC_MESSAGES = {
    "missing": "缺少必填项",
    "extra_forbidden": "未知的字段（是否拼写错误？）",
    "decimal_parsing": "应为金额（数字）",
    "decimal_type": "应为金额（数字）",
    "string_type": "应为文字",
    "list_type": "应为列表",
    "bool_type": "应为 true 或 false",
    "bool_parsing": "应为 true 或 false",
    "literal_error": "取值不在允许的范围内",
    "too_short": "内容太少",
    "too_long": "内容太多",
    "model_type": "应为“键: 值”的映射",
    "dict_type": "应为“键: 值”的映射",
    "finite_number": "金额必须是有限的数字",
}


def _field_name(loc: tuple) -> str:
    parts = []
    for part in loc:
        if isinstance(part, int):
            parts.append(f"[{part + 1}]")
        else:
            parts.append(("." if parts else "") + str(part))
    return "".join(parts) or "记录"


def validation_problems(exc: ValidationError, source: Source) -> list[Problem]:
    """Translate pydantic's errors into located problems in plain Chinese."""
    problems = []
    for error in exc.errors(include_url=False):
        loc = tuple(p for p in error["loc"] if not (isinstance(p, str) and p.startswith("function-")))
        kind = error["type"]
        if kind == "value_error":
            message = str(error.get("ctx", {}).get("error", error["msg"]))
        else:
            message = _PYDANTIC_MESSAGES.get(kind, error["msg"])
        if kind in ("string_too_long", "too_long") and isinstance(error.get("input"), str):
            kind = "string_too_long"
            limit = error.get("ctx", {}).get("max_length")
            message = f"内容太长（{len(str(error.get('input', '')))}字，此栏最多{limit}字），请精简"
        if kind == "literal_error":
            expected = error.get("ctx", {}).get("expected", "")
            message += f"，可选：{expected}"
        code = {"missing": "E111", "extra_forbidden": "E112", "string_too_long": "E118"}.get(kind, "E110")
        if kind in ("decimal_parsing", "decimal_type", "finite_number") or "金额" in message:
            code = "E113"
        last = str(loc[-1]) if loc else ""
        if kind == "extra_forbidden" and last.isdigit():
            # {一般公共预算: 1,500,000} splits at the commas: "500" and "000" become keys
            message += "。在 { } 里逗号是分隔符：金额请不写千位逗号（1500000），或加引号（\"1,500,000\"）"
        if last == "科目" and kind in ("string_type", "string_pattern_mismatch") and isinstance(error.get("input"), int):
            message = f"科目编码请加引号，如 \"{error.get('input')}\"（不加引号会被当成数字）"
        problems.append(source.problem(loc, code, f"{_field_name(loc)}：{message}"))
    return problems


@dataclass(frozen=True)
class LoadedForm:
    """A validated 绩效目标申报表 record with its year, unit folder and source."""

    form: FormBase
    year: int
    unit_folder: str
    edition: str
    source: Source

    @property
    def stem(self) -> str:
        """File name without extension, e.g. ``01-劳动人事争议仲裁工作专项``."""
        return self.source.path.stem


def load_form(path: Path, year: int, unit_folder: str, root: Optional[Path] = None) -> LoadedForm:
    """Read and validate one project record; the edition follows the year unless pinned."""
    data, source = read_mapping(path, root)
    pinned = data.get("版式")
    if pinned is not None and str(pinned) not in FORM_MODELS:
        raise DataError([source.problem(("版式",), "E114", f"版式：没有“{pinned}”版式，可选：{'、'.join(FORM_MODELS)}")])
    try:
        edition = str(pinned) if pinned is not None else edition_for_year(year)
    except ValueError as exc:
        raise DataError([source.problem((), "E301", str(exc))]) from None
    if pinned is not None:
        data["版式"] = str(pinned)
    model = FORM_MODELS[edition]
    try:
        form = model.model_validate(data)
    except ValidationError as exc:
        raise DataError(validation_problems(exc, source)) from None
    return LoadedForm(form, year, unit_folder, edition, source)


def main(argv: Optional[list[str]] = None) -> int:
    """Validate record files named on the command line: ``python -m budgetdocs.records.loader FILE…``."""
    import sys

    from .budget_model import Budget

    problems: list[Problem] = []
    for name in argv if argv is not None else sys.argv[1:]:
        path = Path(name)
        year = next((int(p) for p in path.parts if p.isdigit() and len(p) == 4), 2023)
        try:
            if path.stem == "budget":  # a 部门/单位预算 record: its own model (the tables need `render --check`)
                data, source = read_mapping(path)
                try:
                    Budget.model_validate(data)
                except ValidationError as exc:
                    raise DataError(validation_problems(exc, source)) from None
            else:
                load_form(path, year, path.parent.name)
        except DataError as exc:
            problems.extend(exc.problems)
    for problem in sorted(problems):
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
