"""Take a validated record and a template name; give the document's HTML layout.

The HTML is the single layout of a document: the PDF writer hands it to
WeasyPrint as is, and :mod:`budgetdocs.writers.tree` parses it for the DOCX and XLSX
writers.  Templates run in a sandbox with autoescaping and ``StrictUndefined``:
record text is data, and a missing field is an error rather than a blank on an
official form.
"""

from __future__ import annotations

import os
import stat
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any, Optional, Sequence

from jinja2 import (
    ChoiceLoader,
    FileSystemLoader,
    StrictUndefined,
    TemplateError,
    TemplateSyntaxError,
)
from jinja2.exceptions import SecurityError
from jinja2.loaders import split_template_path
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup, escape

from ..errors import RenderError
from ..records.budget import change, chinese_number, wan, wan1
from ..records.model import paragraphs
from .narrative import numbered


def _builtin_templates() -> Path:
    """The built-in templates: shipped in the package (a wheel install), or the
    repository's top-level ``templates/`` (a source checkout or editable install)."""
    package = Path(__file__).resolve().parents[1]
    packaged = package / "templates"
    if packaged.is_dir():
        return packaged
    return package.parents[1] / "templates"


BUILTIN_TEMPLATES = _builtin_templates()

# Money styles: how an amount is printed, and the Excel number format that
# prints it the same way.  Cents are shown only where the amount has them,
# except in the "cents" style that always shows two decimals (2023 forms, the modern
# disclosure's tables) and the "whole" style that rounds to whole 元 (设置.表格金额: 元整数).
MONEY_STYLES = ("plain", "grouped", "cents", "plaincents", "tenth", "whole")


def format_money(value: Optional[Decimal], style: str = "grouped") -> tuple[str, str]:
    """Printed text and Excel number format of an amount (blank for ``None``)."""
    if style not in MONEY_STYLES:
        raise ValueError(f"unknown money style {style!r}")
    if value is None:
        return "", ""
    if style == "tenth":  # 万元 with one decimal (“三公” table)
        return f"{value.quantize(Decimal('0.1'), rounding=ROUND_HALF_UP):f}", "0.0"
    if style == "plaincents":  # two decimals, no separators (设置.三公表格式: 4614.00)
        return f"{value.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):f}", "0.00"
    if style == "whole":
        return f"{value.quantize(Decimal('1'), rounding=ROUND_HALF_UP):,f}", "#,##0"
    has_cents = value != value.to_integral_value()
    if style == "cents" or has_cents:
        quantized = value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        if style == "plain":
            return f"{quantized:f}", "0.00"
        return f"{quantized:,.2f}", "#,##0.00"
    whole = value.to_integral_value()
    if style == "plain":
        return f"{whole:f}", "0"
    return f"{whole:,f}", "#,##0"


def merge_spans(rows: Sequence[Sequence[str]], merge_depth: int) -> list[list[Optional[int]]]:
    """Rowspans for a grid whose first ``merge_depth`` columns merge equal neighbours.

    Column *k* merges a run of equal, non-empty consecutive cells only within a
    run of its column *k-1* (a 二级 never merges across two 一级 blocks).
    Returns, per row and column, the rowspan of an anchor cell or ``None``
    for a cell covered by the anchor above it.
    """
    count = len(rows)
    spans: list[list[Optional[int]]] = [[1] * len(r) for r in rows]
    # block[i] identifies the run row i belongs to in the previous column.
    block = [0] * count
    for col in range(merge_depth):
        new_block = [0] * count
        start = 0
        run_id = 0
        for i in range(1, count + 1):
            ends = (
                i == count
                or block[i] != block[start]
                or rows[i][col] != rows[start][col]
                or not rows[start][col]
            )
            if ends:
                spans[start][col] = i - start
                for j in range(start + 1, i):
                    spans[j][col] = None
                for j in range(start, i):
                    new_block[j] = run_id
                run_id += 1
                start = i
        block = new_block
    return spans


def _paras(text: Any) -> list[str]:
    return paragraphs(str(text or ""))


def keep_tail(text: Any) -> Markup:
    """Text whose last two characters wrap together: a title or label never leaves one
    character alone on its last line (``…况说/明``, ``政府性基金预/算``)."""
    plain = text.unescape() if isinstance(text, Markup) else str(text)
    if len(plain) < 4:
        return escape(plain)
    return Markup(f'{escape(plain[:-2])}<span class="nb">{escape(plain[-2:])}</span>')


class FolderLoader(FileSystemLoader):
    """Templates from one folder only: a name or a symbolic link that leads outside
    it is refused (the same rule as the PDF writer's asset fetcher), and so is anything
    that is not a regular file (a named pipe would be waited on forever)."""

    def get_source(self, environment, template):
        pieces = split_template_path(template)  # refuses ".." as Jinja does
        for folder in self.searchpath:
            candidate = os.path.join(folder, *pieces)
            try:
                mode = os.stat(candidate).st_mode
            except OSError:
                continue
            if not stat.S_ISREG(mode) and not stat.S_ISDIR(mode):
                raise RenderError(f"模板“{template}”不是普通文件（{candidate}），不予读取")
            break
        source, filename, uptodate = super().get_source(environment, template)
        real = Path(filename).resolve()
        if not any(real.is_relative_to(Path(folder).resolve()) for folder in self.searchpath):
            raise RenderError(f"模板“{template}”指向模板目录之外的文件（{real}），不予读取")
        return source, filename, uptodate


PHRASE_LIMIT = 16  # characters of a cover title's line (26 pt on a portrait page: 17)


def phrases(parts, limit: int = PHRASE_LIMIT) -> Markup:
    """A title that may break only between its phrases (a unit's name is never cut); a
    phrase longer than a line (``limit`` characters) may break inside, or it would run
    off the page (上海市人力资源和社会保障局咨询服务中心 is 19 characters)."""
    return Markup("").join(
        Markup('<span class="nb">{}</span>').format(part) if len(str(part)) <= limit else escape(part) for part in parts
    )


def _template_line(tb) -> str:
    """``file:line: `` of the innermost template frame of a traceback ('' if none)."""
    where = ""
    while tb is not None:
        name = tb.tb_frame.f_code.co_filename
        if name.endswith((".j2", ".html", ".css")):
            where = f"{name}:{tb.tb_lineno}: "
        tb = tb.tb_next
    return where


_ENVIRONMENTS: dict[tuple, ImmutableSandboxedEnvironment] = {}


def make_environment(user_templates: Optional[Path] = None) -> ImmutableSandboxedEnvironment:
    """Sandboxed Jinja environment: user templates first, built-in second.

    Templates are compiled in memory, never loaded compiled from disk (a cache folder
    holds data, not code).  The environment is kept for the life of the process, so
    ``--watch`` compiles a template again only when its file changed (Jinja checks); a
    template added to or removed from the user's folder gives a new environment."""
    names: tuple = ()
    if user_templates is not None and user_templates.is_dir():
        names = tuple(sorted(str(p.relative_to(user_templates)) for p in user_templates.rglob("*")))
    key = (str(user_templates), user_templates is not None and user_templates.is_dir(), names)
    if key not in _ENVIRONMENTS:
        _ENVIRONMENTS.clear()  # one project per process; never grows
        _ENVIRONMENTS[key] = _environment(user_templates)
    return _ENVIRONMENTS[key]


def _environment(user_templates: Optional[Path]) -> ImmutableSandboxedEnvironment:
    search: list[Any] = []
    if user_templates is not None and user_templates.is_dir():
        search.append(FolderLoader(str(user_templates)))
    search.append(FolderLoader(str(BUILTIN_TEMPLATES)))
    env = ImmutableSandboxedEnvironment(
        loader=ChoiceLoader(search),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["paras"] = _paras
    env.filters["keep_tail"] = keep_tail
    env.globals["format_money"] = format_money
    env.globals["merge_spans"] = merge_spans
    env.globals["cn"] = chinese_number
    env.globals["wan"] = wan
    env.globals["wan1"] = wan1
    env.globals["change"] = change
    env.globals["numbered"] = numbered
    env.globals["phrases"] = phrases
    return env


def render_html(env: ImmutableSandboxedEnvironment, template: str, **context: Any) -> str:
    """Render one template to an HTML string; a template's mistake is a located RenderError."""
    try:
        return env.get_template(template).render(**context)
    except TemplateSyntaxError as exc:
        raise RenderError(f"{exc.filename or exc.name}:{exc.lineno}: 模板语法错误：{exc.message}") from None
    except SecurityError as exc:
        raise RenderError(f"{_template_line(exc.__traceback__)}模板做了不允许的操作（沙箱）：{exc}") from None
    except TemplateError as exc:
        raise RenderError(f"{_template_line(exc.__traceback__)}模板错误：{exc}") from None
