"""How a command stops when it is asked to: Ctrl-C (SIGINT), ``kill`` (SIGTERM) or a
closed terminal (SIGHUP) become an exception in the command's process, so that every
``finally`` runs (temporary files removed, worker processes ended) and the command
exits with 128 + the signal's number (130 for Ctrl-C).  While the outputs are renamed
into place those signals wait (:func:`deferred`): a set of outputs is moved whole.

Standard library only: the entry points install it before anything else is imported.
"""

from __future__ import annotations

import signal
from contextlib import contextmanager
from typing import Iterator

SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
NAMES = {signal.SIGINT: "Ctrl-C", signal.SIGTERM: "SIGTERM", signal.SIGHUP: "SIGHUP"}


class Interrupted(KeyboardInterrupt):
    """The command was asked to stop by ``signum``.  A KeyboardInterrupt, so that code
    which stops cleanly on Ctrl-C stops cleanly on the others too."""

    def __init__(self, signum: int = signal.SIGINT):
        super().__init__(signum)
        self.signum = signum
        self.written: list = []  # outputs already in place when it arrived (a finished commit)

    @property
    def exit_code(self) -> int:
        return 128 + int(self.signum)

    @property
    def name(self) -> str:
        return NAMES.get(self.signum, f"信号{int(self.signum)}")


def exit_code(exc: BaseException) -> int:
    """128 + the signal's number; a plain KeyboardInterrupt is a Ctrl-C (130)."""
    return exc.exit_code if isinstance(exc, Interrupted) else 128 + signal.SIGINT


def _raise(signum, _frame) -> None:
    raise Interrupted(signum)


def install() -> None:
    """Turn the stopping signals into :class:`Interrupted` in this (the main) thread.
    A signal the caller ignores stays ignored (``nohup``, a background job's SIGINT)."""
    for signum in SIGNALS:
        if signal.getsignal(signum) is not signal.SIG_IGN:
            signal.signal(signum, _raise)


def worker_defaults() -> None:
    """In a worker process: Ctrl-C at the terminal reaches the whole process group, but
    only the command decides what stops (it ends its workers); SIGTERM ends a worker."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGHUP, signal.SIG_DFL)


@contextmanager
def deferred() -> Iterator[None]:
    """Within this block the stopping signals wait; they are delivered when it ends."""
    old = signal.pthread_sigmask(signal.SIG_BLOCK, SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)
