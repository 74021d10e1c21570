"""Take the record models; give their JSON Schemas (``python -m budgetdocs.schema``).

Editors use these files to check records while typing; a test keeps them in
step with the models.
"""

from __future__ import annotations

import json
from pathlib import Path

from .model import FORM_MODELS

SCHEMA_DIR = Path(__file__).parent / "schema"


def schema_text(edition: str) -> str:
    """The JSON Schema of one form edition, as stable, readable JSON."""
    schema = FORM_MODELS[edition].model_json_schema(by_alias=True, mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = f"绩效目标申报表记录（{edition}版）"
    return json.dumps(schema, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def write_schemas(folder: Path = SCHEMA_DIR) -> list[Path]:
    """Write ``form-<edition>.json`` for every edition."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for edition in FORM_MODELS:
        path = folder / f"form-{edition}.json"
        path.write_text(schema_text(edition), encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    for written_path in write_schemas():
        print(written_path)
