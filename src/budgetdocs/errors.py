"""One error shape for every problem found in the user's files.

Every problem carries where it is (file, line, column), a stable code and a
message in plain Chinese.  Library code collects problems and raises
:class:`DataError` with all of them; only the command line prints and exits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Optional


@dataclass(frozen=True, order=True)
class Problem:
    """One located problem: ``file:line:col: CODE message``."""

    file: str
    line: int = 0
    column: int = 0
    code: str = "E000"
    message: str = field(default="", compare=False)
    severity: str = field(default="error", compare=False)

    def __str__(self) -> str:
        where = self.file
        if self.line:
            where += f":{self.line}"
            if self.column:
                where += f":{self.column}"
        return f"{where}: {self.code} {self.message}"

    def as_dict(self) -> dict:
        """JSON-ready form, for ``--json``."""
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
        }


class DataError(Exception):
    """Raised with every problem found; the CLI prints them and exits 1."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = sorted(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class UsageError(Exception):
    """A bad command line (unknown unit, year without data): exit 2."""


class RenderError(Exception):
    """A document could not be written faithfully (e.g. a glyph is missing)."""


def display_path(path: Path, root: Optional[Path] = None) -> str:
    """Path as the user typed it: relative to the project folder when possible."""
    root = root or Path.cwd()
    try:
        return str(Path(path).resolve().relative_to(root.resolve()))
    except ValueError:
        return str(path)
