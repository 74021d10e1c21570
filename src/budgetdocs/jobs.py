"""Take the documents of a run; give their files, laying out only what changed, in parallel.

Work is cut into independent jobs — one per PDF part (a ``<section>``), one
per DOCX and per XLSX — each keyed by a hash of its HTML, the template
assets and the toolkit version.  Jobs whose key is in the cache are reused;
the rest run in a pool of worker processes (``--jobs``).  Assembly (page
numbers, contents, bookmarks) is cheap and always runs, so a reused part
still lands on the right page.  The same input gives the same bytes whether
parts come from the cache, a pool or one process.

A part is laid out once in the common case, its merged labels cut at breaks
predicted by a quick pass (:func:`budgetdocs.writers.pdfparts.layout_part`).
"""

from __future__ import annotations

import gc
import hashlib
import json
import multiprocessing
import os
import re
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Callable, Optional, Sequence

from .errors import RenderError
from .interrupt import worker_defaults
from .store import keep_file, private_folder, read_private, sealed, unsealed
from .version import CODE_DIGEST
from .writers.fontkey import fonts_digest, stylesheets
from .writers.paginate import body_of
from .writers.pdfparts import (
    Part,
    RenderedPart,
    assemble,
    front_pages,
    overlay_html,
    printed_numbers,
    split,
    toc_html,
    toc_part,
)


@dataclass
class DocumentJob:
    """One document to write in some formats."""

    stem: str
    folder: Path
    html: str
    title: str
    author: str
    date: datetime


@dataclass
class Stats:
    """What a run did: parts laid out and reused."""

    laid_out: int = 0
    reused: int = 0
    files: int = 0


class Cache:
    """Rendered parts and files on disk, by content key: data only (PDF, DOCX/XLSX, font
    programs, JSON), never code; nothing is unpickled.

    The folder must be private to the user (:func:`budgetdocs.store.private_folder`;
    otherwise there is no cache).  Every entry has a sealed description (its key, the
    SHA-256 of its bytes, and for a part its bookmarks and anchors, all under one
    digest); an entry that does not match (damaged, truncated, another entry's file
    moved in its place, a file of another user or a link) is a miss and is removed,
    never published.
    """

    def __init__(self, folder: Optional[Path]):
        self.folder = private_folder(folder)[0] if folder is not None else None

    def _path(self, key: str, suffix: str) -> Optional[Path]:
        return self.folder / key[:2] / f"{key}{suffix}" if self.folder else None

    def _verified(self, key: str, data_suffix: str, meta_suffix: str) -> Optional[tuple[bytes, dict]]:
        data_path, meta_path = self._path(key, data_suffix), self._path(key, meta_suffix)
        if not data_path or not os.path.lexists(meta_path):
            return None
        meta = unsealed(read_private(meta_path, 16 * 1024 * 1024))
        data = read_private(data_path) if isinstance(meta, dict) else None
        if data is not None and meta.get("key") == key and meta.get("sha256") == hashlib.sha256(data).hexdigest():
            return data, meta
        for path in (data_path, meta_path):  # damaged: drop it, lay out again
            try:
                path.unlink()
            except OSError:
                pass
        return None

    def get_part(self, key: str) -> Optional[RenderedPart]:
        """A cached rendered part, if present and intact."""
        found = self._verified(key, ".pdf", ".json")
        if found is None:
            return None
        pdf, info = found
        try:
            return RenderedPart(pdf, info["landscape"], _tuples(info["bookmarks"]), info["anchors"], info["sections"])
        except (KeyError, TypeError, ValueError):
            return None

    def put_part(self, key: str, part: RenderedPart) -> None:
        """Store a rendered part."""
        meta = sealed(
            {
                "key": key,
                "sha256": hashlib.sha256(part.pdf).hexdigest(),
                "landscape": part.landscape,
                "bookmarks": part.bookmarks,
                "anchors": part.anchors,
                "sections": part.sections,
            }
        )
        self._write(key, ".pdf", part.pdf)
        self._write(key, ".json", meta)

    def get_file(self, key: str) -> Optional[bytes]:
        """A cached DOCX/XLSX, if present and intact."""
        found = self._verified(key, ".bin", ".bin.json")
        return found[0] if found else None

    def put_file(self, key: str, data: bytes) -> None:
        """Store a DOCX/XLSX."""
        self._write(key, ".bin", data)
        self._write(key, ".bin.json", sealed({"key": key, "sha256": hashlib.sha256(data).hexdigest()}))

    def _write(self, key: str, suffix: str, data: bytes) -> None:
        path = self._path(key, suffix)
        if path is not None:
            keep_file(path, data)


def _tuples(items) -> list:
    """JSON lists back into WeasyPrint's bookmark tuples."""
    return [(label, tuple(pos), _tuples(children), state) for label, pos, children, state in items]


def assets_digest(folders: Sequence[Path]) -> str:
    """Hash of the toolkit's code, every template asset a part may read (user folder and
    built-in) and the font files their families resolve to (:mod:`.writers.fontkey`).

    A template folder holding something that is neither a folder nor a regular file (a
    named pipe, a device, a link to one) is refused here, before anything reads it:
    reading it could wait forever or never end."""
    digest = hashlib.sha256(CODE_DIGEST)
    for folder in folders:
        if Path(folder).is_dir():
            for path in sorted(Path(folder).rglob("*")):
                if path.is_dir():
                    continue
                if not path.is_file():
                    raise RenderError(f"{path}：模板目录中的这个文件不是普通文件（命名管道、设备或失效的链接），不予读取；请删除或换成普通文件")
                digest.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes())
    # the faces fontconfig resolves the stylesheets' families to (installing a font re-renders)
    digest.update(fonts_digest(stylesheets(folders)).encode("ascii"))
    return digest.hexdigest()


def _key(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()


@contextmanager
def _collected_after():
    """The task runs with the cyclic garbage collector off; the garbage it left is
    collected once at its end.  A part allocates a few hundred thousand objects (boxes,
    styles) that are mostly gone when it ends; collecting while they live walked them
    again and again (a fifth of a render's CPU).  Everything the task made is still in
    the youngest generation at its end, so one collection of it finds its cycles."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()
            gc.collect(0)


# Worker entry point: module level so that it pickles.
def _work(task: tuple):
    with _collected_after():
        return _task(task)


def _task(task: tuple):
    kind = task[0]
    if kind == "part":
        _, key, html, folders, base = task
        return key, _render_part(html, folders, base)
    _, key, html, date, pages = task
    from .writers.tree import parse

    tree = parse(html)
    if kind == "docx":
        from .writers.docx import write_docx

        return key, write_docx(tree, date, pages)
    from .writers.xlsx import write_xlsx

    return key, write_xlsx(tree, date)


def _render_part(html: str, folders, base: Path) -> RenderedPart:
    from .writers.pdfparts import render_part  # imports WeasyPrint

    return render_part(html, folders, base)


WARM_UP = '<html lang="zh-CN"><head><link rel="stylesheet" href="style.css"></head><body><section><h1>预热</h1><table class="grid"><tr><td>一</td></tr></table></section></body></html>'


MAX_JOBS = 64  # --jobs beyond this is refused; the pool is further bounded by the work and the cores


def worker_count(jobs: int, tasks: int) -> int:
    """Workers worth starting: never more than the tasks, nor twice the cores."""
    return max(1, min(jobs, tasks, 2 * (os.cpu_count() or 1)))


def _die_with_parent() -> None:
    """Worker initializer: the kernel ends a worker whose parent died (kill -9 included);
    Ctrl-C is the command's to handle (it ends its workers), SIGTERM ends a worker."""
    worker_defaults()
    try:
        import ctypes
        import signal

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        if os.getppid() == 1:  # the parent died before the call
            os._exit(1)
    except (OSError, AttributeError):  # not Linux: workers end when their pipe closes
        pass


def _pool(workers: int) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork"), initializer=_die_with_parent)


def stop_pool(pool: ProcessPoolExecutor, now: bool = False) -> None:
    """Shut a pool down; ``now`` (the command was interrupted): its workers end at once,
    their unfinished work dropped, rather than being waited for."""
    if now:
        for process in list((getattr(pool, "_processes", None) or {}).values()):
            try:
                process.kill()
            except (OSError, AttributeError):
                pass
    pool.shutdown(wait=not now, cancel_futures=True)


def start_pool(jobs: int, folders: Sequence[Path], base: Path) -> ProcessPoolExecutor:
    """A pool of worker processes kept by ``--watch``: forked from a parent that has
    already loaded the writers and laid out one page, so that fontconfig, Pango and
    the CJK fonts are warm in every worker from the first save on."""
    from .writers import docx, xlsx  # noqa: F401
    from .writers.pdfparts import render_part

    render_part(WARM_UP, folders, base)
    return _pool(worker_count(jobs, MAX_JOBS))


def early_pool(jobs: int, folders: Sequence[Path], base: Path) -> Optional[ProcessPoolExecutor]:
    """A pool for one render, started before its records are read: while the command
    reads the records and fills the templates, its workers import the writers
    (WeasyPrint's import alone is half a second) and lay out one page (the fonts).
    None with one worker (``--jobs 1``, one core), or when the machine gives no process."""
    workers = worker_count(jobs, MAX_JOBS)
    if workers < 2:
        return None
    try:
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork"),
                                   initializer=_warm_worker, initargs=(list(folders), base))
        pool.submit(int)  # forks every worker now (a fork pool starts them all at once)
    except (BlockingIOError, OSError, RuntimeError):
        return None
    return pool


def _warm_worker(folders: list, base: Path) -> None:
    """Initializer of :func:`early_pool`'s workers.  They run a little below the command
    (nice 5): while they warm up, the command reading the records comes first; when the
    cache holds everything, they cost the command next to nothing."""
    _die_with_parent()
    try:
        os.nice(5)
    except OSError:
        pass
    from .writers import docx, xlsx  # noqa: F401
    from .writers.pdfparts import render_part

    try:
        render_part(WARM_UP, folders, base)
    except Exception:  # noqa: BLE001 - a template folder the real work will report on
        pass


class _Runner:
    """Runs the tasks of one render: in the ``--watch`` pool when there is one, else in a
    pool forked once for the whole run (both phases), else here, one after another.

    ``submit`` starts tasks and returns at once, so that the caller can work (assemble a
    PDF) while the workers write the DOCX and XLSX; ``collect`` waits for them.  A
    machine that will not give us processes (a process limit) gets the work done here.
    """

    def __init__(self, jobs: int, pool: Optional[ProcessPoolExecutor]):
        self.jobs = jobs
        self.pool = pool
        self.own: Optional[ProcessPoolExecutor] = None

    def __enter__(self) -> "_Runner":
        return self

    def __exit__(self, kind, *exc) -> None:
        if self.own is not None:
            # Interrupted (Ctrl-C, SIGTERM): the workers end now, not after their task.
            stop_pool(self.own, now=kind is not None and not issubclass(kind, Exception))

    def _executor(self, count: int) -> Optional[ProcessPoolExecutor]:
        if self.pool is not None:  # warm already (``--watch``, or started early): use it for any work
            return self.pool
        if self.own is None and worker_count(self.jobs, count) > 1:
            # Load the writers before forking so that workers share them.
            from .writers import docx, xlsx  # noqa: F401
            from .writers.pdfparts import render_part  # noqa: F401

            self.own = _pool(worker_count(self.jobs, MAX_JOBS))
        return self.own

    def submit(self, tasks: dict[str, tuple]) -> list:
        """Start ``tasks`` (longest first, so the pool stays busy): handles for ``collect``."""
        ordered = sorted(tasks.values(), key=lambda t: -len(t[2]))
        executor = self._executor(len(ordered)) if len(ordered) > 1 or (ordered and self.pool is not None) else None
        if executor is not None:
            try:
                return [(task, executor.submit(_work, task)) for task in ordered]
            except (BlockingIOError, BrokenProcessPool, RuntimeError):
                pass
        return [(task, None) for task in ordered]

    def collect(self, handles: list, tick: Callable[[], None]) -> dict:
        """The results of submitted tasks, by key (a task whose worker failed runs here)."""
        results = {}
        futures = {future: task for task, future in handles if future is not None}
        try:
            for future in as_completed(futures):
                key, value = future.result()
                results[key] = value
                tick()
        except (BlockingIOError, BrokenProcessPool):
            pass
        for task, _ in handles:
            if task[1] not in results:
                key, value = _work(task)
                results[key] = value
                tick()
        return results


def run(
    documents: Sequence[DocumentJob],
    formats: Sequence[str],
    folders: Sequence[Path],
    base: Path,
    cache: Cache,
    jobs: int = 1,
    progress: Optional[Callable[[int, int], None]] = None,
    pool: Optional[ProcessPoolExecutor] = None,
) -> tuple[list[tuple[Path, bytes]], Stats]:
    """Every file of every document: (path, bytes), plus what was laid out or reused."""
    stats = Stats()
    assets = assets_digest(folders)
    plans = []
    tasks: dict[str, tuple] = {}
    found: dict[str, object] = {}
    # The DOCX and XLSX are written from the PDF's layout: its merges cut at the
    # rows that start a page, those rows marked (so all three break there), and
    # the page numbers of the contents.  So the parts come first (cached).
    for doc in documents:
        entry = {"doc": doc, "parts": None, "head": None}
        head, parts = split(doc.html)
        entry["head"], entry["parts"] = head, parts
        for part in parts:
            key = _key("part", assets, part.html)
            cached = cache.get_part(key)
            if cached is not None:
                found[key] = cached
                stats.reused += 1
                continue
            tasks.setdefault(key, ("part", key, part.html, list(folders), base))
        plans.append(entry)
    files = [fmt for fmt in ("docx", "xlsx") if fmt in formats]
    done = [0]
    total = [len(tasks) + len(files) * len(plans)]

    def tick() -> None:
        done[0] += 1
        if progress:
            progress(done[0], total[0])

    with _Runner(jobs, pool) as runner:
        _store(runner.collect(runner.submit(tasks), tick), cache, found, stats)
        second: dict[str, tuple] = {}
        for entry in plans:
            doc = entry["doc"]
            rendered = [found[_key("part", assets, p.html)] for p in entry["parts"]]
            laid_out = paginated_html(doc.html, entry["parts"], rendered)
            pages = printed_numbers(entry["parts"], rendered) if _has_contents(doc.html) else None
            if "pdf" in formats:
                # The contents with its real numbers and the footer overlay are laid
                # out beside the DOCX and XLSX, not after them.
                for html in _pdf_extras(entry, rendered):
                    key = _key("part", assets, html)
                    cached = cache.get_part(key)
                    if cached is not None:
                        found[key] = cached
                        stats.reused += 1
                    elif key not in second:
                        second[key] = ("part", key, html, list(folders), base)
                        total[0] += 1
            for fmt in files:
                key = _key(fmt, assets, laid_out, doc.date.isoformat(), json.dumps(pages, sort_keys=True))
                entry[fmt] = key
                if not _queue(second, found, cache, stats, key, (fmt, key, laid_out, doc.date, pages)):
                    tick()
        # The contents and overlays go first: the PDFs wait for them, the DOCX and XLSX do not.
        extras = {k: t for k, t in second.items() if t[0] == "part"}
        extra_handles = runner.submit(extras)
        handles = runner.submit({k: t for k, t in second.items() if k not in extras})
        _store(runner.collect(extra_handles, tick), cache, found, stats)
        # While the workers write the DOCX and XLSX, assemble the PDFs.
        pdfs = {index: _pdf(entry, assets, found, cache) for index, entry in enumerate(plans)} if "pdf" in formats else {}
        _store(runner.collect(handles, tick), cache, found, stats)

    outputs: list[tuple[Path, bytes]] = []
    for index, entry in enumerate(plans):
        doc = entry["doc"]
        for fmt in formats:
            if fmt == "pdf":
                outputs.append((doc.folder / f"{doc.stem}.pdf", pdfs[index]))
            else:
                outputs.append((doc.folder / f"{doc.stem}.{fmt}", found[entry[fmt]]))
    stats.files = len(outputs)
    return outputs, stats


def paginated_html(html: str, parts: list[Part], rendered: list[RenderedPart]) -> str:
    """The document's layout as the PDF laid it out: each part's sections after
    pagination (the contents part as it was, its numbers come separately)."""
    head = html[: html.index("<body>") + len("<body>")] if "<body>" in html else html
    body = "".join(done.sections if not part.is_toc and done.sections else body_of(part.html) for part, done in zip(parts, rendered))
    return f"{head}{body}</body></html>"


def _has_contents(html: str) -> bool:
    """True when the layout has a contents section (its DOCX needs page numbers)."""
    return re.search(r'<section class="[^"]*\btoc\b', html) is not None


def _queue(tasks: dict, found: dict, cache: Cache, stats: Stats, key: str, task: tuple) -> bool:
    """Queue a file task unless the cache has it; True when queued."""
    cached_file = cache.get_file(key)
    if cached_file is not None:
        found[key] = cached_file
        stats.reused += 1
        return False
    tasks.setdefault(key, task)
    return True


def _store(results: dict, cache: Cache, found: dict, stats: Stats) -> None:
    """Keep finished tasks' results: in the cache and in ``found``."""
    stats.laid_out += len(results)
    for key, value in results.items():
        if isinstance(value, RenderedPart):
            cache.put_part(key, value)
        else:
            cache.put_file(key, value)
    found.update(results)


def _parts_of(entry: dict, assets: str, found: dict) -> list[RenderedPart]:
    return [found[_key("part", assets, p.html)] for p in entry["parts"]]


def _pdf_extras(entry: dict, rendered: list[RenderedPart]) -> list[str]:
    """HTML of the document's contents part with its real page numbers (when it has
    contents) and of its footer overlay, from the parts as laid out."""
    parts: list[Part] = entry["parts"]
    toc = toc_part(parts)
    extras = [toc_html(toc, printed_numbers(parts, rendered))] if toc is not None else []
    landscape = [l for part in rendered for l in part.landscape]
    return extras + overlay_html(entry["head"], landscape, front_pages(parts, rendered))


def _pdf(entry: dict, assets: str, found: dict, cache: Cache) -> bytes:
    """The document's PDF from its laid-out parts, contents and overlay (all in ``found``)."""
    doc: DocumentJob = entry["doc"]
    parts: list[Part] = entry["parts"]
    rendered = _parts_of(entry, assets, found)
    extras = [found[_key("part", assets, html)] for html in _pdf_extras(entry, rendered)]
    toc = toc_part(parts)
    numbered, overlay = (extras[:1], extras[1:]) if toc is not None else ([], extras)
    if toc is not None:
        # Placeholder numbers told us the contents' length; the numbered one replaces it.
        rendered[toc.index] = numbered[0]
    return assemble(entry["head"], parts, rendered, overlay, doc.title, doc.author, cache)
