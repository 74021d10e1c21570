"""Take a record's text and the values a workbook holds for it; give the record's new text.

The values go in at the paths the workbook holds: an equal value keeps the record's own
text and style (a number written ``1732000.00``, a paragraph as a ``|`` block, a date
quoted), a changed one is replaced, a blank removes what the record had (an empty text
stays as it was), and every other key — and every comment — is left where it was.  A list
keeps its items that did not change, with their comments; an item of the same 科目 (or
name) is updated in place.  New keys take the record model's order, new values the
records' style (amounts by source as ``{一般公共预算: 1000}``, codes quoted).
"""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any, Optional

from . import workbook_spec as spec
from .loader import _unwrap, _walk
from .workbook_spec import MISSING, value_at


def _yaml():
    from ruamel.yaml import YAML

    from .loader import _Constructor  # dates stay text, amounts Decimal, as the loader reads them

    yaml = YAML(typ="rt")
    yaml.Constructor = _Constructor
    yaml.preserve_quotes = True
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)

    def decimal(representer, value: Decimal):  # as written in the workbook: 4780000.00 stays so, 624.3 too
        text = f"{value:f}"
        return representer.represent_scalar("tag:yaml.org,2002:float" if "." in text else "tag:yaml.org,2002:int", text)

    yaml.representer.add_representer(Decimal, decimal)
    return yaml


def same(old: Any, new: Any) -> bool:
    """Whether a record's value and the workbook's mean the same (numbers by value, a text
    without its final line break, a number typed as text)."""
    if isinstance(old, bool) or isinstance(new, bool):
        return isinstance(old, bool) and isinstance(new, bool) and old == new
    if isinstance(old, (int, Decimal)) and isinstance(new, (int, Decimal)):
        return Decimal(old) == Decimal(new)
    if isinstance(old, (str, int, Decimal)) and isinstance(new, (str, int, Decimal)):
        return str(old).rstrip("\n") == str(new).rstrip("\n")
    if isinstance(old, dict) and isinstance(new, dict):
        return set(map(str, old)) == set(map(str, new)) and all(same(old[k], _by_str(new, k)) for k in old)
    if isinstance(old, list) and isinstance(new, list):
        return len(old) == len(new) and all(same(a, b) for a, b in zip(old, new))
    return old == new


def _by_str(mapping: dict, key: Any) -> Any:
    return mapping[key] if key in mapping else mapping.get(str(key))


FLOW = {("支出", "*", side) for side in ("基本支出", "人员经费", "公用经费", "项目支出")} | {
    ("基本支出经济分类", "*"), ("绩效指标", "*"), ("三公经费", "本年"), ("三公经费", "上年"), ("国有资产", "车辆"),
    ("国有资产", "拟购车辆"), ("上年", "收入"), ("机关运行经费",), ("政府采购",), ("绩效目标管理",)}
CODE_KEYS = {("项说明",), ("项变动原因",), ("类说明",), ("上年", "项")}


def _pattern(path: tuple) -> tuple:
    return tuple("*" if isinstance(p, int) else p for p in path)


def _node(path: tuple, value: Any) -> Any:
    """A new YAML node for ``value`` at ``path``, in the style the records use."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString, LiteralScalarString

    if isinstance(value, dict):
        node = CommentedMap()
        for key, item in value.items():
            name = DoubleQuotedScalarString(key) if _pattern(path) in CODE_KEYS else key
            node[name] = _node(path + (key,), item)
        if _pattern(path) in FLOW:
            node.fa.set_flow_style()
        return node
    if isinstance(value, list):
        node = CommentedSeq(_node(path + (i,), item) for i, item in enumerate(value))
        if _pattern(path) in FLOW:
            node.fa.set_flow_style()
        return node
    if isinstance(value, str):
        if path and path[-1] == "科目":
            return DoubleQuotedScalarString(value)
        if "\n" in value.rstrip("\n"):
            return LiteralScalarString(value if value.endswith("\n") else value + "\n")
    return value


def _order(model: Optional[type], path: tuple) -> list[str]:
    """The keys of the mapping at ``path`` in the order the record model lists them."""
    if model is None:
        return []
    from pydantic import BaseModel

    tp = _unwrap(_walk(model, path)[0] if path else model)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return [f.alias or n for n, f in tp.model_fields.items()]
    return []


def _insert(holder, key: Any, node: Any, order: list[str]) -> None:
    if key in holder:
        holder[key] = node
        return
    if key in order:
        rank = order.index(key)
        position = 0
        for i, existing in enumerate(holder):
            if existing in order and order.index(existing) < rank:
                position = i + 1
        holder.insert(position, key, node)
    else:
        holder[key] = node


def _key(path: tuple, key: Any) -> Any:
    """A new key of the mapping at ``path``: a classification code is written quoted."""
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString

    return DoubleQuotedScalarString(key) if _pattern(path) in CODE_KEYS else key


def _identity(item: Any) -> Any:
    """What names a list item across edits: its 科目 (or 名称, 名词), else nothing."""
    if isinstance(item, dict):
        for key in ("科目", "名称", "名词", "项目名称", "项目"):
            if item.get(key):
                return (key, str(item[key]))
    return None


def _merge_list(old, new: list, path: tuple, model: Optional[type]):
    """The list ``new``, reusing the record's items (with their comments): an equal item as
    it is, an item of the same 科目 (or name) updated in place."""
    from ruamel.yaml.comments import CommentedSeq

    node = CommentedSeq()
    used: set[int] = set()
    for index, item in enumerate(new):
        match = next((i for i, o in enumerate(old) if i not in used and same(o, item)), None)
        if match is None and _identity(item) is not None:
            match = next((i for i, o in enumerate(old) if i not in used and _identity(o) == _identity(item)), None)
        if match is None and isinstance(item, dict) and index < len(old) and index not in used and isinstance(old[index], dict):
            match = index
        if match is not None and (same(old[match], item) or (isinstance(item, dict) and hasattr(old[match], "ca"))):
            used.add(match)
            kept = old[match]
            if not same(kept, item):
                for sub in [k for k in kept if str(k) not in {str(v) for v in item}]:
                    del kept[sub]
                for sub, value in item.items():
                    _put(kept, sub, value, path + (index, sub), model)
            node.append(kept)
            if match in old.ca.items:
                node.ca.items[index] = old.ca.items[match]
        else:
            node.append(_node(path + (index,), item))
    if old.fa.flow_style():
        node.fa.set_flow_style()
    return node


def _put(holder, key: Any, value: Any, path: tuple, model: Optional[type]) -> None:
    """Set ``holder[key]`` (at ``path``) to ``value``, keeping what is equal as it was written."""
    existing = next((k for k in holder if str(k) == str(key)), MISSING)
    old = holder[existing] if existing is not MISSING else MISSING
    if old is not MISSING and same(old, value):
        return
    if isinstance(old, dict) and isinstance(value, dict) and hasattr(old, "ca"):
        for sub in [k for k in old if str(k) not in {str(v) for v in value}]:
            del old[sub]
        for sub, item in value.items():
            _put(old, sub, item, path + (sub,), model)
        return
    if isinstance(old, list) and isinstance(value, list) and hasattr(old, "ca"):
        holder[existing] = _merge_list(old, value, path, model)
        return
    if existing is not MISSING:
        holder[existing] = _node(path, value)
    else:
        _insert(holder, _key(path[:-1], key), _node(path, value), _order(model, path[:-1]))


def merge(doc, new: dict, held: list[tuple], model: Optional[type]) -> None:
    """Put the workbook's values at the ``held`` paths into the record ``doc`` (ruamel's
    round-trip data): equal values keep the record's text and style, changed ones are
    replaced, blanks remove what the record had (an empty text stays as it was); every
    key the workbook does not hold is left as it is."""
    from ruamel.yaml.comments import CommentedMap

    for path in held:
        value = value_at(new, path)
        holder = doc
        for depth, key in enumerate(path[:-1]):
            current = holder.get(key) if isinstance(holder, dict) else None
            if not isinstance(current, dict):
                if value is MISSING:
                    holder = None
                    break
                current = CommentedMap()
                _insert(holder, key, current, _order(model, path[:depth]))
            holder = current
        if holder is None:
            continue
        key = path[-1]
        old = holder.get(key, MISSING)
        if value is MISSING:
            if old is MISSING or old is None or old == "":
                continue
            del holder[key]
            _prune(doc, path[:-1])
            continue
        _put(holder, key, value, path, model)


def _prune(doc, path: tuple) -> None:
    """Remove mappings left empty by a removal, up from ``path`` (not those the record must write)."""
    while path and path not in spec.ALWAYS:
        holder = value_at(doc, path[:-1]) if len(path) > 1 else doc
        if not isinstance(holder, dict) or holder.get(path[-1], None) != {}:
            return
        del holder[path[-1]]
        path = path[:-1]


def record_text(existing: Optional[str], data: dict, held: list[tuple], model: Optional[type], header: str = "") -> str:
    """The record's new text: ``existing`` (None for a new record) with the workbook's values."""
    from ruamel.yaml.comments import CommentedMap

    yaml = _yaml()
    doc = yaml.load(existing) if existing is not None else None
    if not isinstance(doc, CommentedMap):
        doc = CommentedMap()
        if header:
            doc.yaml_set_start_comment(header)
    held = list(dict.fromkeys(held))
    if existing is None:  # a new record: keys in the model's order
        rank = _order(model, ())
        held.sort(key=lambda p: rank.index(p[0]) if p and p[0] in rank else len(rank))
    merge(doc, data, held, model)
    out = io.StringIO()
    yaml.dump(doc, out)
    return out.getvalue()
