"""Shared fixtures: the repository's data, a scratch project, helpers to render one record."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from budgetdocs.build import Project, form_documents, plan
from budgetdocs.layout.html import make_environment, render_html
from budgetdocs.writers.tree import parse

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "data"
FIXTURES = Path(__file__).parent / "fixtures"
GOLDEN = Path(__file__).parent / "golden"


@pytest.fixture(autouse=True, scope="session")
def _private_cache(tmp_path_factory):
    """Tests never touch the user's layout cache."""
    old = os.environ.get("BUDGETDOCS_CACHE")
    os.environ["BUDGETDOCS_CACHE"] = str(tmp_path_factory.mktemp("cache"))
    yield
    if old is None:
        os.environ.pop("BUDGETDOCS_CACHE", None)
    else:
        os.environ["BUDGETDOCS_CACHE"] = old


@pytest.fixture(scope="session")
def seed_years(tmp_path_factory) -> Path:
    """Every year the seeds come from (tests/test_seeds.py's CASES), every unit, rendered
    once a session as PDF, DOCX and XLSX: the output folder (shared by the seed and the
    DOCX-text tests, which rendered the same documents each on its own)."""
    from click.testing import CliRunner

    from budgetdocs.cli import main
    from test_seeds import CASES

    out = tmp_path_factory.mktemp("seed-years")
    for year in sorted({year for _, year, _ in CASES}):
        result = CliRunner().invoke(main, ["--year", str(year), "--all", "--data", str(DATA), "--out", str(out)])
        assert result.exit_code == 0, result.output
    return out


@pytest.fixture
def project(tmp_path: Path) -> Project:
    """A scratch project folder with a copy of the unit registry and no records."""
    (tmp_path / "data").mkdir()
    shutil.copy(DATA / "units.yaml", tmp_path / "data" / "units.yaml")
    return Project.at(tmp_path)


def write_record(project: Project, year: int, unit: str, name: str, text: str) -> Path:
    """Write one record file into a scratch project."""
    folder = project.data / str(year) / unit
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def layout_html(year: int, unit: str, data: Path = DATA, root: Path = REPO) -> str:
    """The layout HTML of one unit's forms in the repository data."""
    proj = Project(root, data, root / "output")
    the_plan = plan(proj, year, [unit], False)
    unit_obj, forms = the_plan.units[0]
    (_, context), = form_documents(year, unit_obj, forms)
    return render_html(make_environment(None), "forms.html.j2", **context)


def layout_tree(year: int, unit: str):
    """The document tree of one unit's forms in the repository data."""
    return parse(layout_html(year, unit))
