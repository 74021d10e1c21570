"""Take record files (YAML or JSON); give validated records that remember their source.

Parsing keeps the line and column of every key, so that a pydantic error on
``子项目[2].金额`` is reported at the line where that amount is written.
Dates and decimals stay exactly as typed: ``2019.1.1`` is text, ``39900834.66``
is a ``Decimal``.
"""

from __future__ import annotations

import copy
import dataclasses
import difflib
import hashlib
import json
import re
import types
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, Any, Iterator, Literal, Optional, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo
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
from ..store import keep_file, read_private, sealed, unsealed
from .model import FORM_MODELS, FormBase, edition_for_year

Position = tuple[int, int]

# Invisible characters that change what a reader sees: C0 controls, zero-width
# characters, bidirectional overrides and isolates (U+202E prints a name backwards).
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
# Records are plain data: only the standard scalar and collection tags, no anchors
# or aliases (a few KB of nested aliases expand to gigabytes), and a bounded depth.
_PLAIN_TAGS = {f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float", "bool", "null", "map", "seq", "timestamp")}
MAX_DEPTH = 32
MAX_RECORD = 16 * 1024 * 1024  # bytes: a record, a registry or a classification is far smaller
_SURROGATE = re.compile("[\ud800-\udfff]")


def _whole_text(text: str) -> Optional[str]:
    """``text`` with each UTF-16 surrogate pair written as escapes (``"\\ud83d\\ude00"``,
    as json.dumps writes 😀) joined into its character; None when a half of a pair
    stands alone (it is no character: it cannot be printed nor saved)."""
    if not _SURROGATE.search(text):
        return text
    try:
        return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le")
    except UnicodeDecodeError:
        return None


def _lone_surrogate(text: str) -> str:
    """The message for a text holding half a surrogate pair."""
    found = _SURROGATE.search(text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass"))
    code = f"U+{ord(found.group()):04X}" if found else "U+D800–U+DFFF"
    return (f"文本中含有无效的字符（单独的UTF-16代理项 {code}，常见于被截断的表情符号或由程序写出的JSON）："
            "请删除它，或写出完整的字符")


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
            name = _whole_text(str(key))
            if name is None:
                problems.append(Problem(source, line + 1, col + 1, "E106", _lone_surrogate(str(key))))
                name = str(key)
            positions[path + (name,)] = (line + 1, col + 1)
            result[name] = _plain(node[key], path + (key,), positions, source, problems)
        return result
    if isinstance(node, CommentedSeq):
        result_list = []
        for index, item in enumerate(node):
            line, col = node.lc.item(index)
            positions[path + (index,)] = (line + 1, col + 1)
            result_list.append(_plain(item, path + (index,), positions, source, problems))
        return result_list
    if isinstance(node, str):
        text = _whole_text(str(node))
        if text is None:
            line, col = positions.get(path, (0, 0))
            problems.append(Problem(source, line, col, "E106", _lone_surrogate(str(node))))
            return str(node)
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
    """A record parsed by an earlier run from the same bytes, if kept and intact (a
    sealed JSON entry of this user's private cache; anything else is a miss)."""
    kept = _kept_file(raw, shown)
    try:
        entry = unsealed(read_private(kept, MAX_RECORD * 8)) if kept is not None else None
        if not isinstance(entry, dict):
            return None
        positions = {tuple(loc): (line, col) for loc, line, col in entry["positions"]}
        warnings = tuple(Problem(**w) for w in entry["warnings"])
        return _from_json(entry["data"]), Source(Path(path), shown, positions, warnings)
    except (OSError, ValueError, KeyError, TypeError, ArithmeticError):
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
    keep_file(kept, sealed(entry))


def _read_record(path: Path, shown: str) -> bytes:
    """The bytes of a record file: only a regular file (a link to one is followed) of at
    most MAX_RECORD bytes.  A named pipe, a device (a link to /dev/zero) or a socket is
    refused at once, never waited on nor read without end."""
    import os
    import stat

    if os.path.realpath(path).startswith(("/proc/", "/sys/", "/dev/")):
        raise DataError([Problem(shown, 0, 0, "E100", "是系统的伪文件（/proc、/sys 或 /dev 中的文件），不予读取：记录必须是普通的YAML/JSON文件")])
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            kind = "命名管道（FIFO）" if stat.S_ISFIFO(info.st_mode) else "设备文件" if stat.S_ISCHR(info.st_mode) or stat.S_ISBLK(info.st_mode) else "套接字或其他特殊文件"
            raise DataError([Problem(shown, 0, 0, "E100", f"不是普通文件（是{kind}），不予读取：记录必须是普通的YAML/JSON文件")])
        if info.st_size > MAX_RECORD:
            raise DataError([Problem(shown, 0, 0, "E100", f"文件太大（{info.st_size / 1048576:.1f} MB，记录最多 {MAX_RECORD // 1048576} MB），不予读取")])
        chunks, size = [], 0
        while chunk := os.read(fd, 1 << 20):
            size += len(chunk)
            if size > MAX_RECORD:
                raise DataError([Problem(shown, 0, 0, "E100", f"文件太大（超过 {MAX_RECORD // 1048576} MB），不予读取")])
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def read_mapping(path: Path, root: Optional[Path] = None) -> tuple[dict, Source]:
    """Parse one YAML/JSON file into a plain mapping and its key positions."""
    shown = display_path(path, root)
    if _SURROGATE.search(shown):  # a name of bytes that are not UTF-8: it could not be printed
        shown = shown.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
        raise DataError([Problem(shown, 0, 0, "E101", "文件名不是UTF-8编码（显示为�的字节），请用UTF-8的名字重命名")])
    try:
        raw = _read_record(Path(path), shown)
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


# --------------------------------------------------------------------------- pydantic's errors in Chinese

# The kinds of value a record can hold, as a finance officer names them.
_WHAT = {dict: "“键: 值”的映射", list: "列表", bool: "是/否（true/false）", str: "文字"}


def _shown_input(value: Any) -> str:
    """A typed value as a message quotes it: short texts and numbers as they are, else their kind."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, Decimal, float)):
        text = str(value)
        return f"“{text[:30]}{'…' if len(text) > 30 else ''}”"
    for kind, name in _WHAT.items():
        if isinstance(value, kind):
            return name
    return "空值" if value is None else "这个值"


def _written(value: Any) -> str:
    """``，写的是“…”`` for a message that names what was typed ('' when nothing was)."""
    return "" if value is None else f"，写的是{_shown_input(value)}"


def _choices(expected: str) -> str:
    """pydantic's ``'a', 'b' or 'c'`` as ``a、b、c``."""
    found = re.findall(r"'((?:[^'\\]|\\.)*)'", expected)
    return "、".join(found) if found else expected


def _pattern(pattern: str, value: Any) -> str:
    r"""What a pattern asks for, in words: ``^\d{7}$`` is 7 digits."""
    digits = re.fullmatch(r"\^\\d\{(\d+)\}\$", pattern or "")
    if digits:
        n = int(digits.group(1))
        typed = str(value) if isinstance(value, str) else ""
        count = f"（{len(typed)}位）" if typed.isdigit() else ""
        return f"应为{n}位数字{_written(value)}{count}"
    return f"格式不对{_written(value)}"


def _sibling_names(model: Optional[type], loc: tuple) -> list[str]:
    """The keys the model accepts beside ``loc`` (for a suggestion after a typo)."""
    holder, _ = _walk(model, loc[:-1]) if model is not None else (None, None)
    holder = _unwrap(holder) if holder is not None else None
    if isinstance(holder, type) and issubclass(holder, BaseModel):
        return [f.alias or name for name, f in holder.model_fields.items()]
    return []


def _translate(error: dict, loc: tuple, model: Optional[type]) -> tuple[str, str]:
    """(code, message in plain Chinese) of one pydantic error; never pydantic's English."""
    kind = error["type"]
    ctx = error.get("ctx") or {}
    value = error.get("input")
    key_error = "[key]" in error["loc"]
    if kind == "missing":
        return "E111", "缺少必填项"
    if kind == "extra_forbidden":
        message = "未知的字段（是否拼写错误？）"
        close = difflib.get_close_matches(str(loc[-1]) if loc else "", _sibling_names(model, loc), n=1, cutoff=0.5)
        if close:
            message = f"未知的字段（是否拼写错误？可能是“{close[0]}”）"
        if loc and str(loc[-1]).isdigit():
            # {一般公共预算: 1,500,000} splits at the commas: "500" and "000" become keys
            message += "。在 { } 里逗号是分隔符：金额请不写千位逗号（1500000），或加引号（\"1,500,000\"）"
        return "E112", message
    if kind == "value_error":
        message = str(ctx.get("error", "取值不符合要求"))
        return ("E113" if "金额" in message else "E110"), message
    if kind in ("decimal_parsing", "decimal_type", "finite_number", "decimal_max_places", "decimal_max_digits", "decimal_whole_digits"):
        return "E113", f"应为金额（数字）{_written(value)}"
    if kind == "string_type":
        if loc and loc[-1] == "科目" and isinstance(value, int) and not isinstance(value, bool):
            return "E110", f"科目编码请加引号，如 \"{value}\"（不加引号会被当成数字）"
        hint = "（冒号后面的文字含有“: ”时请整体加引号）" if isinstance(value, dict) else ""
        return "E110", f"应为文字{_written(value) if not isinstance(value, (dict, list, bool)) else '，写成了' + _shown_input(value)}{hint}"
    if kind == "string_pattern_mismatch":
        return "E110", _pattern(str(ctx.get("pattern", "")), value)
    if kind in ("string_too_short", "too_short") and isinstance(value, str):
        least = ctx.get("min_length", 1)
        return "E110", "不能为空" if least <= 1 else f"至少要写{least}个字"
    if kind in ("string_too_long", "too_long") and isinstance(value, str):
        limit = ctx.get("max_length")
        return "E118", f"内容太长（{len(value)}字，此栏最多{limit}字），请精简"
    if kind in ("too_short", "too_long"):
        # a row of an indicator grid counts its columns; any other list its items
        unit = "列" if len(loc) >= 2 and isinstance(loc[-1], int) and loc[-2] == "绩效指标" else "项"
        actual = ctx.get("actual_length", 0)
        if kind == "too_long":
            return "E110", f"最多{ctx.get('max_length')}{unit}，现在有{actual}{unit}"
        return "E110", f"至少要有{ctx.get('min_length', 1)}{unit}，" + ("现在是空的" if not actual else f"现在只有{actual}{unit}")
    if kind == "literal_error":
        what = "键" if key_error else "取值"
        return ("E112" if key_error else "E110"), f"{what}{_shown_input(value)}不在允许的范围内，可选：{_choices(str(ctx.get('expected', '')))}"
    if kind in ("list_type", "tuple_type", "set_type", "iterable_type"):
        return "E110", f"应为列表（每项一行，以“- ”开头），写成了{_shown_input(value)}"
    if kind in ("dict_type", "model_type", "model_attributes_type", "mapping_type", "dataclass_type"):
        return "E110", f"应为“键: 值”的映射（下一行缩进写各项），写成了{_shown_input(value)}"
    if kind in ("int_type", "int_parsing", "int_from_float", "int_parsing_size"):
        return "E110", f"应为整数（个数）{_written(value)}"
    if kind in ("bool_type", "bool_parsing"):
        return "E110", f"应为 true 或 false{_written(value)}"
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        bound = next(iter(ctx.values()), "")
        said = {
            "greater_than_equal": "不能为负数" if str(bound) == "0" else f"不能小于{bound}",
            "greater_than": f"应大于{bound}",
            "less_than_equal": f"不能大于{bound}",
            "less_than": f"应小于{bound}",
        }[kind]
        return ("E113" if isinstance(value, Decimal) else "E110"), f"{said}{_written(value)}"
    if kind in ("none_required",):
        return "E110", "这里不应填写内容"
    return "E110", f"取值不符合要求{_written(value)}"


def field_name(loc: tuple) -> str:
    """A location as a message names it: ``支出[3].科目``, ``项说明.2080150``."""
    parts = []
    for part in loc:
        if isinstance(part, int):
            parts.append(f"[{part + 1}]")
        else:
            parts.append(("." if parts else "") + str(part))
    return "".join(parts) or "记录"


def _clean_loc(loc: tuple) -> tuple:
    """pydantic's location without its validator tags (``function-after[…]``, ``[key]``)."""
    return tuple(p for p in loc if not (isinstance(p, str) and (p.startswith("function-") or p == "[key]")))


def error_problems(errors: list[dict], source: Source, model: Optional[type] = None) -> list[Problem]:
    """pydantic's errors as located problems in plain Chinese (``model``: for suggestions after a typo)."""
    problems = []
    for error in errors:
        loc = _clean_loc(error["loc"])
        code, message = _translate(error, loc, model)
        problems.append(source.problem(loc, code, f"{field_name(loc)}：{message}"))
    return problems


def validation_problems(exc: ValidationError, source: Source, model: Optional[type] = None) -> list[Problem]:
    """Translate pydantic's errors into located problems in plain Chinese."""
    return error_problems(exc.errors(include_url=False), source, model)


# --------------------------------------------------------------------------- validating what can be

def _unwrap(tp: Any) -> Any:
    """The type inside ``Annotated[…]`` and ``Optional[…]``."""
    while True:
        origin = get_origin(tp)
        if origin is Annotated:
            tp = get_args(tp)[0]
        elif origin in (Union, types.UnionType):
            args = [a for a in get_args(tp) if a is not type(None)]
            if len(args) != 1:
                return tp
            tp = args[0]
        else:
            return tp


def _walk(model: type, loc: tuple) -> tuple[Any, Optional[FieldInfo]]:
    """(the type at ``loc`` in ``model``, the field when ``loc`` ends at a model's key)."""
    tp: Any = model
    field: Optional[FieldInfo] = None
    for part in loc:
        tp = _unwrap(tp)
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            field = next((f for name, f in tp.model_fields.items() if (f.alias or name) == part), None)
            if field is None:
                return None, None
            tp = field.annotation
        elif get_origin(tp) in (list, dict):
            tp, field = get_args(tp)[-1], None
        else:
            return None, None
    return tp, field


def _min_length(field: Optional[FieldInfo]) -> int:
    return next((m.min_length for m in (field.metadata if field else ()) if getattr(m, "min_length", None)), 0)


def _annotated_min_length(metadata: tuple) -> int:
    """The least length ``Annotated[…, Field(min_length=4)]`` (or ``MinLen(4)``) asks for."""
    for m in metadata:
        if isinstance(m, FieldInfo):
            return _min_length(m)
        if getattr(m, "min_length", None):
            return m.min_length
    return 0


def _pattern_of(field: FieldInfo) -> str:
    return next((str(m.pattern) for m in field.metadata if getattr(m, "pattern", None)), "")


def _stand_in(tp: Any, least: int = 0, pattern: str = "") -> Any:
    """A value of type ``tp`` that validates and says nothing: it stands for a broken
    required part, so that the rest of the record can still be checked."""
    origin = get_origin(tp)
    if origin is Annotated:
        args = get_args(tp)
        return _stand_in(args[0], _annotated_min_length(args[1:]) or least, pattern)
    if origin in (Union, types.UnionType) and type(None) in get_args(tp):
        return None
    if origin is Literal:
        return get_args(tp)[0]
    if origin is list:
        return [_stand_in(get_args(tp)[0]) for _ in range(least)]
    if origin is dict:
        return {}
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        fields = tp.model_fields.items()
        raw = {f.alias or name: _stand_in(f.annotation, _min_length(f), _pattern_of(f)) for name, f in fields if f.is_required()}
        try:
            tp.model_validate(raw)
        except ValidationError:  # a check of the whole part (机构设置 needs some text): fill its texts
            raw.update({f.alias or name: "·" for name, f in fields if not f.is_required() and f.annotation is str})
        return raw
    if tp is Decimal:
        return Decimal(0)
    if tp in (int, bool):
        return tp(0)
    digits = re.fullmatch(r"\^\\d\{(\d+)\}\$", pattern)
    return "0" * int(digits.group(1)) if digits else "·" * least


def _holder(data: Any, loc: tuple) -> Any:
    for part in loc:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def _repair(model: type, data: dict, loc: tuple, kind: str) -> Optional[tuple]:
    """Take the broken part at ``loc`` out of ``data``: a key with a default is removed, a
    required key or a list item gets a stand-in (so that no later item changes its index,
    and every location stays the file's).  Returns the location changed, or None when
    nothing can be done (a problem of the whole record)."""
    if not loc:
        return None
    holder = _holder(data, loc[:-1])
    if kind == "extra_forbidden":
        if isinstance(holder, dict):
            holder.pop(loc[-1], None)
        return loc
    _, field = _walk(model, loc)
    if field is None or field.is_required():
        items = [i for i, p in enumerate(loc) if isinstance(p, int)]
        if field is not None and field.is_required() and items:
            loc = loc[: items[-1] + 1]  # a list item without one of its required keys: the whole item
        elif field is None and not (items and items[-1] == len(loc) - 1):
            if isinstance(holder, dict) and loc[-1] in holder:  # a value of a mapping such as 项说明
                del holder[loc[-1]]
                return loc
            return None
        holder = _holder(data, loc[:-1])
        tp, field = _walk(model, loc)
        if tp is None or not isinstance(holder, (dict, list)):
            return None
        holder[loc[-1]] = _stand_in(tp, _min_length(field), _pattern_of(field) if field else "")
        return loc
    if isinstance(holder, dict):
        holder.pop(loc[-1], None)
    return loc


@dataclass(frozen=True)
class Damage:
    """Where a record had schema problems.  What was there is left out or stood in for,
    so a check that reads it (a text, a sum, a count) waits for the next run instead of
    being misled."""

    locs: frozenset[tuple] = frozenset()

    def intact(self, loc: tuple) -> bool:
        """Whether nothing at, above or under ``loc`` was broken."""
        return not any(b[: len(loc)] == loc or loc[: len(b)] == b for b in self.locs)

    @property
    def keys(self) -> frozenset[str]:
        """The top-level keys with a problem (every key for a problem of the whole record)."""
        return frozenset(str(b[0]) if b else "" for b in self.locs)


@dataclass(frozen=True)
class Validated:
    """A record validated as far as it can be: ``record`` (None when nothing could be
    built), the problems found, and where (``damage``)."""

    record: Optional[BaseModel]
    problems: list[Problem]
    damage: Damage = Damage()


def validate_record(model: type, data: dict, source: Source, rounds: int = 12) -> Validated:
    """Validate ``data`` as ``model``, reporting every problem pydantic finds, then take the
    broken parts out (a key with a default) or put a stand-in there (a required key, an
    item of a list) and validate again, so that the rest of the record is still checked:
    one run lists every problem.  Problems the repairs themselves cause (a check of a
    whole part above a removed key) are not reported."""
    data = copy.deepcopy(data)
    problems: list[Problem] = []
    repaired: list[tuple] = []
    broken: set[tuple] = set()
    for _ in range(rounds):
        try:
            return Validated(model.model_validate(data), problems, Damage(frozenset(broken)))
        except ValidationError as exc:
            errors = exc.errors(include_url=False)
        fresh = []
        for error in errors:
            loc = _clean_loc(error["loc"])
            broken.add(loc)
            if not any(loc[: len(r)] == r or r[: len(loc)] == loc for r in repaired):
                fresh.append(error)
        problems += error_problems(fresh, source, model)
        changes: list[tuple] = []
        for error in errors:
            loc = _clean_loc(error["loc"])
            if any(loc[: len(c)] == c for c in changes):
                continue  # inside a part stood in for already
            changed = None if loc in repaired else _repair(model, data, loc, error["type"])
            if changed is None:  # nothing to take out, or repaired once already: give up
                return Validated(None, problems, Damage(frozenset(broken)))
            changes.append(changed)
            broken.add(changed)
        repaired += changes
    return Validated(None, problems, Damage(frozenset(broken)))


@dataclass(frozen=True)
class LoadedForm:
    """A validated 绩效目标申报表 record with its year, unit folder and source.

    ``damage`` says where the record had schema problems (checks reading there wait)."""

    form: FormBase
    year: int
    unit_folder: str
    edition: str
    source: Source
    damage: Damage = Damage()

    @property
    def stem(self) -> str:
        """File name without extension, e.g. ``01-劳动人事争议仲裁工作专项``."""
        return self.source.path.stem


def read_form(path: Path, year: int, unit_folder: str, root: Optional[Path] = None) -> tuple[Optional[LoadedForm], list[Problem]]:
    """Read and validate one project record as far as it can be: (the form, or None when
    it cannot be built; every problem found).  The edition follows the year unless pinned."""
    try:
        data, source = read_mapping(path, root)
    except DataError as exc:
        return None, list(exc.problems)
    problems: list[Problem] = []
    pinned = data.get("版式")
    unknown_edition = pinned is not None and str(pinned) not in FORM_MODELS
    if unknown_edition:
        problems.append(source.problem(("版式",), "E114", f"版式：没有“{pinned}”版式，可选：{'、'.join(FORM_MODELS)}"))
        data = {k: v for k, v in data.items() if k != "版式"}  # check the rest as the year's edition
        pinned = None
    try:
        edition = str(pinned) if pinned is not None else edition_for_year(year)
    except ValueError as exc:
        return None, problems + [source.problem((), "E301", str(exc))]
    if pinned is not None:
        data["版式"] = str(pinned)
    validated = validate_record(FORM_MODELS[edition], data, source)
    problems += validated.problems
    if validated.record is None:
        return None, problems
    damage = Damage(validated.damage.locs | ({("版式",)} if unknown_edition else set()))
    return LoadedForm(validated.record, year, unit_folder, edition, source, damage), problems  # type: ignore[arg-type]


def load_form(path: Path, year: int, unit_folder: str, root: Optional[Path] = None) -> LoadedForm:
    """Read and validate one project record; every problem of its schema raises at once."""
    loaded, problems = read_form(path, year, unit_folder, root)
    if loaded is None or any(p.severity == "error" for p in problems):
        raise DataError(problems)
    return loaded


def main(argv: Optional[list[str]] = None) -> int:
    """Validate record files named on the command line: ``python -m budgetdocs.records.loader FILE…``."""
    import sys

    from .budget_model import Budget

    problems: list[Problem] = []
    for name in argv if argv is not None else sys.argv[1:]:
        path = Path(name)
        year = next((int(p) for p in path.parts if p.isdigit() and len(p) == 4), 2023)
        if path.stem == "budget":  # a 部门/单位预算 record: its own model (the tables need `render --check`)
            try:
                data, source = read_mapping(path)
            except DataError as exc:
                problems.extend(exc.problems)
                continue
            problems.extend(validate_record(Budget, data, source).problems)
        else:
            problems.extend(p for p in read_form(path, year, path.parent.name)[1] if p.severity == "error")
    for problem in sorted(problems):
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
