"""The layout cache follows the fonts: a family that resolves to another face re-renders.

A part laid out before the CJK fonts were installed (or before the official 仿宋_GB2312)
must not be reused after: the key of every cached part includes the font files
fontconfig resolves the stylesheets' families to.  The test swaps the face a family
resolves to (a fontconfig file that puts Noto Sans CJK SC before 仿宋_GB2312) and renders
again in a new process with the same cache.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from budgetdocs.writers.fontkey import fonts_digest, resolved, stacks, stylesheets
from conftest import DATA, REPO

SANS_FIRST = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>
  <match target="pattern">
    <test qual="any" name="family"><string>仿宋_GB2312</string></test>
    <edit name="family" mode="prepend_first" binding="strong"><string>Noto Sans CJK SC</string></edit>
  </match>
</fontconfig>
"""

RENDER = "import sys; from budgetdocs.cli import main; sys.argv[0] = 'render'; main()"


def _swapped(tmp_path: Path) -> dict:
    conf = tmp_path / "fonts.conf"
    conf.write_text(SANS_FIRST, encoding="utf-8")
    return {**os.environ, "FONTCONFIG_FILE": str(conf)}


def test_stacks_are_read_as_written():
    css = 'h1 { font-family: "方正小标宋简体", "FZXiaoBiaoSong-B05S", serif; } p{font-family:仿宋_GB2312,serif}'
    assert ("方正小标宋简体", "FZXiaoBiaoSong-B05S", "serif") in stacks([css])
    assert ("仿宋_GB2312", "serif") in stacks([css]) and ("sans-serif",) in stacks([css])


def test_digest_follows_the_face_a_family_resolves_to(tmp_path, monkeypatch):
    sheets = stylesheets([REPO / "templates"])
    before = fonts_digest(sheets)
    assert before == fonts_digest(sheets)  # stable
    body = [r for r in resolved(stacks(sheets)) if r[0].startswith("仿宋_GB2312")]
    assert body and "Serif" in body[0][2]
    monkeypatch.setenv("FONTCONFIG_FILE", str(tmp_path / "fonts.conf"))
    (tmp_path / "fonts.conf").write_text(SANS_FIRST, encoding="utf-8")
    swapped = [r for r in resolved(stacks(sheets)) if r[0].startswith("仿宋_GB2312")]
    assert "Sans" in swapped[0][2]
    assert fonts_digest(sheets) != before


def _render(out: Path, cache: Path, env: dict, *extra: str) -> bytes:
    env = {**env, "BUDGETDOCS_CACHE": str(cache)}
    args = ["--year", "2020", "--unit", "咨询服务中心", "--format", "pdf", "--data", str(DATA), "--out", str(out), *extra]
    done = subprocess.run([sys.executable, "-c", RENDER, *args], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return next(out.rglob("*.pdf")).read_bytes()


def test_a_new_face_renders_again(tmp_path):
    """Same cache, the face of 仿宋_GB2312 swapped: the next render is the swapped one's,
    byte for byte what a render without the cache gives."""
    cache = tmp_path / "cache"
    cache.mkdir(mode=0o700)
    plain = _render(tmp_path / "a", cache, dict(os.environ))
    swapped_env = _swapped(tmp_path)
    swapped = _render(tmp_path / "b", cache, swapped_env)
    assert swapped != plain
    assert swapped == _render(tmp_path / "c", cache, swapped_env, "--no-cache")
    fonts = subprocess.run(["pdffonts", str(next((tmp_path / "b").rglob("*.pdf")))], capture_output=True, text=True).stdout
    assert "Noto-Sans-CJK" in fonts
    assert _render(tmp_path / "d", cache, dict(os.environ)) == plain  # and back
