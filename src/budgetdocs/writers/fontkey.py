"""Take the stylesheets of the template folders; give a digest of the font files fontconfig resolves their families to.

A laid-out part depends on the faces WeasyPrint draws it with, and those are not in
the templates: fontconfig picks them from the fonts installed and its configuration.
Installing the official 仿宋_GB2312 after a first render, or a render that ran before
the CJK fonts were installed, must therefore give another key, or the layout cache
would keep parts set in faces the machine no longer chooses.  Each family a
stylesheet names (and the generic ones) is matched as WeasyPrint asks for it —
Chinese text (``lang=zh-cn``), regular and bold — and the file it resolves to enters
the digest with its identity (path, face index, size, modification time, inode).
A family list is matched whole, as the stylesheet gives it: fontconfig takes its first
family it has (an unknown official name falls through to the next, not to the default).

fontconfig is asked directly (``libfontconfig`` through ctypes) with a configuration
loaded afresh for each digest, so a change of ``FONTCONFIG_FILE`` or of the fonts is
seen by the next run, without a subprocess per family.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import hashlib
import os
import re
from pathlib import Path
from typing import Iterable, Optional, Sequence

_FAMILY_DECL = re.compile(r"font-family\s*:\s*([^;{}]+)", re.IGNORECASE)
GENERIC = ("serif", "sans-serif", "monospace")
STYLES = (":lang=zh-cn", ":lang=zh-cn:weight=bold")
_MATCH = 0  # FcResultMatch
_MATCH_PATTERN = 0  # FcMatchPattern


def stacks(stylesheets: Iterable[str]) -> list[tuple[str, ...]]:
    """Every font-family list the stylesheets declare (as written, in order), sorted,
    with the generic families alone."""
    found = {(name,) for name in GENERIC}
    for css in stylesheets:
        for declaration in _FAMILY_DECL.findall(css):
            names = tuple(n.strip().strip("\"'").strip() for n in declaration.split(","))
            if any(names):
                found.add(tuple(n for n in names if n))
    return sorted(found)


def _pattern(stack: Sequence[str], style: str) -> bytes:
    """A fontconfig pattern naming the families in order (``-``, ``,``, ``:`` escaped)."""
    escaped = [re.sub(r"([\\,:-])", r"\\\1", name) for name in stack]
    return (",".join(escaped) + style).encode("utf-8")


def _library() -> Optional[ctypes.CDLL]:
    name = ctypes.util.find_library("fontconfig") or "libfontconfig.so.1"
    try:
        lib = ctypes.CDLL(name)
    except OSError:
        return None
    lib.FcInitLoadConfigAndFonts.restype = ctypes.c_void_p
    lib.FcNameParse.restype = ctypes.c_void_p
    lib.FcNameParse.argtypes = [ctypes.c_char_p]
    lib.FcConfigSubstitute.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int]
    lib.FcDefaultSubstitute.argtypes = [ctypes.c_void_p]
    lib.FcFontMatch.restype = ctypes.c_void_p
    lib.FcFontMatch.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.POINTER(ctypes.c_int)]
    lib.FcPatternGetString.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int, ctypes.POINTER(ctypes.c_char_p)]
    lib.FcPatternGetInteger.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int, ctypes.POINTER(ctypes.c_int)]
    lib.FcPatternDestroy.argtypes = [ctypes.c_void_p]
    lib.FcConfigDestroy.argtypes = [ctypes.c_void_p]
    return lib


def resolved(families: Sequence[Sequence[str]]) -> list[tuple[str, str, str, int]]:
    """(family list, style, font file, face index) for each family list and style, as
    fontconfig matches them now (the first family it has, or its default); an empty list
    when fontconfig cannot be loaded."""
    lib = _library()
    if lib is None:
        return []
    config = lib.FcInitLoadConfigAndFonts()
    if not config:
        return []
    out = []
    try:
        for stack in families:
            name = ", ".join(stack)
            for style in STYLES:
                pattern = lib.FcNameParse(_pattern(stack, style))
                if not pattern:
                    continue
                lib.FcConfigSubstitute(config, pattern, _MATCH_PATTERN)
                lib.FcDefaultSubstitute(pattern)
                result = ctypes.c_int()
                match = lib.FcFontMatch(config, pattern, ctypes.byref(result))
                lib.FcPatternDestroy(pattern)
                if not match:
                    out.append((name, style, "", -1))
                    continue
                path, index = ctypes.c_char_p(), ctypes.c_int()
                has_file = lib.FcPatternGetString(match, b"file", 0, ctypes.byref(path)) == _MATCH
                has_index = lib.FcPatternGetInteger(match, b"index", 0, ctypes.byref(index)) == _MATCH
                file = os.fsdecode(path.value) if has_file and path.value else ""
                out.append((name, style, file, index.value if has_index else 0))
                lib.FcPatternDestroy(match)
    finally:
        lib.FcConfigDestroy(config)
    return out


def _identity(file: str) -> str:
    try:
        st = os.stat(file)
    except OSError:
        return "missing"
    return f"{st.st_size}:{st.st_mtime_ns}:{st.st_ino}"


def fonts_digest(stylesheets: Iterable[str]) -> str:
    """Digest of the font files the stylesheets' families resolve to, and their identity."""
    digest = hashlib.sha256(b"fonts\0")
    matches = resolved(stacks(stylesheets))
    if not matches:
        digest.update(b"no fontconfig")
    for name, style, file, index in matches:
        digest.update(f"{name}\0{style}\0{file}\0{index}\0{_identity(file) if file else ''}\n".encode("utf-8"))
    return digest.hexdigest()


def stylesheets(folders: Sequence[Path]) -> list[str]:
    """The text of every stylesheet in the template folders (a user's and the built-in)."""
    texts = []
    for folder in folders:
        folder = Path(folder)
        if folder.is_dir():
            texts.extend(p.read_text(encoding="utf-8", errors="replace") for p in sorted(folder.rglob("*.css")) if p.is_file())
    return texts
