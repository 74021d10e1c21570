"""Take ``data/units.yaml``; give the registered units and resolve what a user typed."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal, Optional

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from ..errors import DataError, UsageError
from .loader import read_mapping, validation_problems


# A short name is also a folder name under data/ and output/: nothing that
# could leave the folder (/, \\, ..) or that a file system rejects.
def _safe_name(name: str) -> str:
    if name in (".", "..") or _UNSAFE.search(name):
        raise ValueError(f"简称“{name}”不能用作文件夹名（不能含 / \\ : * ? \" < > | 或控制字符，也不能是 . 或 ..）")
    return name


_UNSAFE = re.compile(r'[/\\:*?"<>|\x00-\x1f]')
SafeName = Annotated[str, Field(min_length=1, max_length=40), AfterValidator(_safe_name)]


class Unit(BaseModel):
    """A 部门 or 预算单位: full name, short names (the first is its folder name)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    full_name: str = Field(alias="全称", min_length=2)
    short_names: tuple[SafeName, ...] = Field(alias="简称", min_length=1)
    kind: Literal["部门", "单位"] = Field(alias="类型")

    @property
    def folder(self) -> str:
        """Folder name under ``data/<year>/`` and ``output/<year>/``."""
        return self.short_names[0]

    @property
    def names(self) -> tuple[str, ...]:
        """Every name a user may type for this unit."""
        return (self.full_name, *self.short_names)


class _RegistryFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    units: list[Unit] = Field(alias="单位", min_length=1)


@dataclass(frozen=True)
class Registry:
    """All registered units, in registry order."""

    units: tuple[Unit, ...]

    def by_folder(self, folder: str) -> Optional[Unit]:
        """The unit whose folder is ``folder``, if any."""
        return next((u for u in self.units if u.folder == folder), None)

    def resolve(self, name: str) -> Unit:
        """The one unit called ``name`` (exactly, else by unique substring); else a usage error."""
        name = name.strip()
        exact = [u for u in self.units if name in u.names]
        if len(exact) == 1:
            return exact[0]
        partial = [u for u in self.units if any(name in n for n in u.names)] if name else []
        if len(partial) == 1:
            return partial[0]
        if len(partial) > 1:
            listed = "、".join(u.folder for u in partial)
            raise UsageError(f"单位“{name}”不唯一，可能是：{listed}。请写全称或简称。")
        every = [n for u in self.units for n in u.names]
        close = difflib.get_close_matches(name, every, n=3, cutoff=0.3)
        hint = f"最接近的有：{'、'.join(close)}" if close else "已登记的单位见 data/units.yaml"
        raise UsageError(f"没有名为“{name}”的单位。{hint}")


def load_registry(path: Path, root: Optional[Path] = None) -> Registry:
    """Read and validate ``units.yaml``; every bad entry is a located problem."""
    data, source = read_mapping(path, root)
    try:
        parsed = _RegistryFile.model_validate(data)
    except ValidationError as exc:
        raise DataError(validation_problems(exc, source)) from None
    return Registry(tuple(parsed.units))
