"""Take a published 部门/单位预算 (a PDF with a text layer); give the unit's budget record, marked for review.

``budgetdocs import PUBLISHED.pdf [--year Y --unit U] [--force] [--verify]``: a unit's
first year with the toolkit starts from its last published disclosure instead of
typing it again.  The stages, one module each:

- :mod:`.pages` — the PDF as pages in parts (titles by their meaning), text lines and
  ruled tables; a file that is not a modern disclosure is refused with a located reason;
- :mod:`.tables` — the nine tables as the record's leaves, checked against each other;
- :mod:`.texts` — 主要职能, 机构设置, 名词解释, 项目经费情况说明;
- :mod:`.sentences` — the 编制说明 and 其他相关情况说明: purposes, reasons, the prior
  year's figures they state, the figures of the five parts, the wording settings;
- :mod:`.record` — the record's YAML, marked ``导入待核`` (W123 until removed);
- :mod:`.verify` — the record rendered again and compared with the PDF.

A new unit is added to ``data/units.yaml``; codes the year's classification lacks are
added to it marked ``# 未核对`` (as the workbook import does).  Nothing is written when
the file is refused or a table cannot be read, nor over an existing record without
``--force``.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Optional

import click
from pydantic import ValidationError

from ...errors import DataError, Problem, UsageError
from .pages import Document, Refused, read_cover, read_document
from .record import record_data, record_text, settings_of
from .sentences import Sentences, read_sentences
from .tables import Tables, read_tables
from .texts import Texts, read_texts

__all__ = ["Imported", "read_published", "import_published", "short_name"]


@dataclass
class Imported:
    """Everything read from one disclosure, and every problem found reading it."""

    document: Document
    tables: Tables
    texts: Texts
    sentences: Sentences
    settings: dict
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        """The problems that stop the import (a table that cannot be read)."""
        return [p for p in self.problems if p.severity == "error"]

    def record(self, prior_record: Optional[str] = None, forms: bool = False) -> str:
        """The budget record's YAML (``prior_record``: last year's record, when the project has
        one; ``forms``: the unit's project forms of the year are in the records)."""
        data = record_data(self.document, self.tables, self.texts, self.sentences, self.settings, prior_record, forms)
        return record_text(data, self.document, self.tables, prior_record)


def read_published(path: Path) -> Imported:
    """Read a published disclosure; :class:`~.pages.Refused` when it is not one that can be read."""
    document = read_document(path)
    tables = read_tables(document)
    texts = read_texts(document)
    sentences = read_sentences(document, tables)
    settings, notes = settings_of(document, tables, texts, sentences)
    problems = tables.problems + texts.problems + sentences.problems + notes
    problems.sort(key=lambda p: (p.line, p.severity != "error"))
    return Imported(document, tables, texts, sentences, settings, problems)


def located(problem: Problem) -> str:
    """A problem of a PDF as printed: ``file 第12页: CODE message``."""
    where = f"{problem.file} 第{problem.line}页" if problem.line else problem.file
    return f"{where}: {problem.code} {problem.message}"


def short_name(full: str, region: str) -> str:
    """A folder name for a new unit from its full name: the region and 人民政府 left out
    (上海市普陀区人民政府办公室 → 区政府办公室, …人民政府万里街道办事处 → 万里街道)."""
    name = full
    for prefix in (region, "上海市"):
        if prefix and name.startswith(prefix) and len(name) > len(prefix) + 1:
            name = name[len(prefix):]
    office = re.fullmatch(r"(?:人民政府)?(.+?(?:街道|镇|乡))办事处", name)
    if office:
        return office[1][:40]
    if name.startswith("人民政府") and len(name) > 4:
        name = ("区政府" if region not in ("", "上海市") else "市政府") + name[4:]
    return re.sub(r'[/\\:*?"<>|\s]', "", name)[:40] or "单位"


def _unit(project, document: Document, wanted: Optional[str]):
    """(the registry's unit or None, its folder, the registry file's new text or None)."""
    from ..units import Unit

    path = project.data / "units.yaml"
    registry = project.registry() if os.path.lexists(path) else None
    units = registry.units if registry else ()
    if wanted:
        try:
            unit = registry.resolve(wanted) if registry else None
        except UsageError:
            unit = None
        if unit is not None:
            if unit.full_name != document.name:
                raise UsageError(f"--unit {wanted} 是{unit.full_name}，但这份PDF是{document.name}的{document.kind}预算")
            return unit, unit.folder, None
        folder = wanted.strip()
    else:
        unit = next((u for u in units if u.full_name == document.name), None)
        if unit is not None:
            return unit, unit.folder, None
        folder = short_name(document.name, document.region)
        if any(folder in u.short_names for u in units):
            raise UsageError(f"简称“{folder}”已是别的单位的简称：请用 --unit 给{document.name}另取一个简称")
    try:
        Unit.model_validate({"全称": document.name, "简称": [folder], "类型": document.kind})  # a folder name that is safe
    except ValidationError as exc:
        raise UsageError(str(exc.errors()[0]["msg"]).removeprefix("Value error, ")) from None
    return None, folder, _registry_text(path, document, folder)


def _registry_text(path: Path, document: Document, folder: str) -> str:
    import io

    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    from ..importer import _yaml_writer

    yaml = _yaml_writer()
    entry = CommentedMap({"全称": document.name, "简称": CommentedSeq([folder]), "类型": document.kind})
    entry["简称"].fa.set_flow_style()
    if path.is_file():
        data = yaml.load(path.read_text(encoding="utf-8"))
        data["单位"].append(entry)
    else:
        data = CommentedMap({"单位": CommentedSeq([entry])})
        data.yaml_set_start_comment("单位登记：全称、简称（第一个简称是 data/<年度>/ 下的文件夹名）、类型（部门或单位）")
    data["单位"].yaml_set_comment_before_after_key(len(data["单位"]) - 1, before=f"由 budgetdocs import 从 {document.shown} 登记", indent=2)
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue()


def _classifications(project, year: int, names: dict, path: Path) -> list:
    """Add the codes the tables print that the year's classification lacks (marked 未核对),
    through the workbook import's own function; a project without any classification for
    the year gets one of the codes the document prints, every line marked."""
    from ...build import Output
    from ...cli import _check_names
    from ..budget import classification_year

    folder = project.data / "classifications"
    try:
        classification_year(folder, year)
    except DataError:
        outputs = []
        for kind in ("功能分类", "经济分类"):
            lines = [f"# {year}年{kind}科目：由 budgetdocs import 从 {path.name} 读入，名称均未核对"]
            lines += [f'"{code}": {_scalar(name)}   # 未核对' for code, (k, name) in sorted(names.items()) if k == kind and name]
            outputs.append(Output(folder / str(year) / f"{kind}.yaml", ("\n".join(lines) + "\n").encode("utf-8")))
        return outputs
    _check_names(project, year, SimpleNamespace(names=names), (path,))
    return []


def _target(project, document: Document, year: Optional[int], unit: Optional[str], force: bool) -> tuple:
    """(the unit's folder, the registry's new text or None, the record's path); ``()`` when the
    record exists and ``--force`` was not given (said on stderr).  A ``--year`` that is not the
    document's, or a ``--unit`` that is another unit, is a usage error."""
    from ...cli import _shown

    if year is not None and year != document.year:
        raise UsageError(f"这份PDF是{document.year}年的预算，--year 写的是{year}")
    _, folder, registry_text = _unit(project, document, unit)
    record_path = project.data / str(document.year) / folder / "budget.yaml"
    if record_path.exists() and not force:
        click.echo(f"{_shown(record_path)} 已存在：加 --force 按这份PDF重写整份记录（文字和金额）。未写入任何文件。", err=True)
        return ()
    return folder, registry_text, record_path


def _scalar(text: str) -> str:
    """A name as a YAML value: plain, or double-quoted where YAML would read it otherwise."""
    return json.dumps(text, ensure_ascii=False) if re.search(r"[:#\[\]{},&*!|>'\"%@`]|^[-?\s]", text) else text


def import_published(files: tuple[Path, ...], year: Optional[int], unit: Optional[str], data_dir: Optional[Path],
                     force: bool, verify: bool) -> int:
    """The ``import`` command for a published PDF: read, check, write, verify; the exit code."""
    from ...build import Output, WriteError, record_files
    from ...cli import _fail_internal, _interrupted, _project, _recovered, _shown
    from ...commit import write_all

    written = None
    try:
        if len(files) != 1:
            others = "，不能与表格文件一起导入" if any(f.suffix.lower() != ".pdf" for f in files) else ""
            raise UsageError(f"一次导入一份公开的预算PDF{others}")
        path = files[0]
        project = _project(data_dir, None)
        if not _recovered(project.data, False):
            return 2
        try:
            cover = read_cover(path)  # a wrong --year or an existing record is said before the whole file is read
            target = _target(project, cover, year, unit, force) if cover.year and cover.name else None
            if target == ():
                return 1
            imported = read_published(path)
        except Refused as refused:
            click.echo(located(refused.problem), err=True)
            click.echo("未写入任何文件。", err=True)
            return 1
        document = imported.document
        for problem in imported.problems:
            click.echo(("" if problem.severity == "error" else "警告 ") + located(problem), err=True)
        if imported.errors:
            click.echo(f"发现 {len(imported.errors)} 个问题（表格读不出的金额不会猜测），未写入任何文件。", err=True)
            return 1
        target = target or _target(project, document, year, unit, force)
        if target == ():
            return 1
        folder, registry_text, record_path = target
        prior_path = project.data / str(document.year - 1) / folder / "budget.yaml"
        prior = _shown(prior_path) if prior_path.is_file() else None
        forms = record_path.parent.is_dir() and bool(record_files(record_path.parent))
        outputs = [Output(record_path, imported.record(prior, forms).encode("utf-8"))]
        if registry_text is not None:
            outputs.append(Output(project.data / "units.yaml", registry_text.encode("utf-8")))
        outputs += _classifications(project, document.year, imported.tables.names, path)
        written = write_all(outputs, project.data)
        _summary(imported, prior)
        if registry_text is not None:
            click.echo(f"已登记新单位 {folder}（{document.name}，{document.kind}）：{_shown(project.data / 'units.yaml')}")
        click.echo(f"已写入 {_shown(record_path)}（标为“导入待核”：对照PDF核对后删去）。")
        if not verify:
            return 0
        from .verify import verify as verify_record

        click.echo("核对：按导入的记录重新生成PDF，与原PDF比较……")
        result, _warnings = verify_record(project, document, document.year, folder)  # one document: in this process
        for line in result.lines():
            click.echo(line)
        click.echo("核对通过。" if result.passed else "核对未通过：见上面列出的差别（记录已写入，请对照PDF修改）。")
        return 0 if result.passed else 1
    except KeyboardInterrupt as exc:
        return _interrupted(exc, written)
    except UsageError as exc:
        click.echo(f"用法错误：{exc}", err=True)
        return 2
    except DataError as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        return 1
    except WriteError as exc:
        click.echo(f"无法写入文件：{exc}", err=True)
        return 2
    except OSError as exc:
        where = f"{exc.filename}：" if exc.filename else ""
        click.echo(f"无法访问文件：{where}{exc.strerror or exc}。", err=True)
        return 2
    except Exception as exc:  # noqa: BLE001 - one line and a log, as render does
        return _fail_internal(exc)


def _setting(value) -> str:
    """A setting as the record writes it: ``true``, ``{绩效目标: 4614}``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {v}" for k, v in value.items()) + "}"
    return str(value)


def _summary(imported: Imported, prior: Optional[str]) -> None:
    """What was read, in a few lines."""
    document, tables, texts, sentences = imported.document, imported.tables, imported.texts, imported.sentences
    checks = sum(1 for p in imported.problems if p.code == "W411")
    click.echo(f"读取 {document.shown}：{document.year}年 {document.name} {document.kind}预算，{len(document.pages)} 页。")
    click.echo(f"  表格：{len(tables.spending)} 个功能分类项、{len(tables.economic)} 个经济分类款、“三公”经费和机关运行经费；"
               + ("表格之间、说明与表格之间的核对全部相符。" if not checks else f"有 {checks} 处文件自身不一致（见上）。"))
    organisation = texts.organisation
    org = (f"{len(organisation['内设机构'])} 个内设机构" if "内设机构" in organisation else f"{len(organisation.get('单位', []))} 个单位")
    terms = "标准文字" if texts.terms is None else f"{len(texts.terms)} 条（与标准文字不同，照原文写入）"
    click.echo(f"  文字：主要职能 {len(texts.functions)} 条，机构设置 {org}，名词解释 {terms}，编制说明 {len(sentences.purposes)} 项，"
               f"项目经费情况说明 {len(texts.project_notes)} 个。")
    said = [w for w, v in (("收入", sentences.prior_income), ("各项", sentences.prior_items), ("“三公”经费", sentences.three_prior),
                           ("机关运行经费", sentences.running.get("上年"))) if v]
    if prior:
        click.echo(f"  上年：由 {prior} 算出。")
    elif said:
        click.echo(f"  上年（{document.year - 1}年）：{'、'.join(said)}，由说明中的增减推出（精确到100元）。")
    shown = "，".join(f"{k}: {_setting(v)}" for k, v in imported.settings.items())
    click.echo(f"  设置：{shown or '全部按默认'}。")

