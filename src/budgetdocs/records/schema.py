"""Take the record models; give their JSON Schemas (``python -m budgetdocs.records.schema``).

Editors use these files to check records while typing; a test keeps them in
step with the models.
"""

from __future__ import annotations

import json
from pathlib import Path

from .budget_model import Budget
from .model import FORM_MODELS

SCHEMA_DIR = Path(__file__).parent / "schemas"
BUDGET_SCHEMA = "budget"  # schemas/budget.json: the 部门/单位预算 record (data/<year>/<unit>/budget.yaml)


def _text(model, title: str) -> str:
    schema = model.model_json_schema(by_alias=True, mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = title
    return json.dumps(schema, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def schema_text(edition: str) -> str:
    """The JSON Schema of one form edition (or ``budget``), as stable, readable JSON."""
    if edition == BUDGET_SCHEMA:
        return _text(Budget, "部门预算/单位预算记录（budget.yaml）")
    return _text(FORM_MODELS[edition], f"绩效目标申报表记录（{edition}版）")


def schema_names() -> list[str]:
    """Every schema this package ships: one per form edition, and the budget record's."""
    return [*FORM_MODELS, BUDGET_SCHEMA]


def schema_file(name: str) -> Path:
    """Where a schema is kept: ``schemas/form-<edition>.json`` or ``schemas/budget.json``."""
    return SCHEMA_DIR / (f"{name}.json" if name == BUDGET_SCHEMA else f"form-{name}.json")


def write_schemas(folder: Path = SCHEMA_DIR) -> list[Path]:
    """Write every schema file."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name in schema_names():
        path = folder / schema_file(name).name
        path.write_text(schema_text(name), encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    for written_path in write_schemas():
        print(written_path)
