"""The ``render`` and ``budgetdocs`` commands as installed (the entry points).

Every command runs in its own process, as the user who typed it, with that user's
folder, environment, umask, limits and terminal: nothing is handed to another process
and nothing is read back from one.  (Until issue 19 a resident render process served
the commands over a socket; README, "Speed", says why it went and what it saved.)

Before the toolkit is imported, the stopping signals become an exception
(:mod:`budgetdocs.interrupt`: Ctrl-C exits 130, SIGTERM 143, leaving no temporary
file), messages that cannot be encoded for the terminal are escaped rather than
fatal, a working folder that has been deleted is said in one line, and folders the
environment names for caches and configuration (``$XDG_CACHE_HOME`` …) are dropped
when another user could change them (:func:`private_environment`).
"""

from __future__ import annotations

import os
import sys

from . import interrupt

GONE = "当前文件夹已不存在（已被删除或移走）：请先进入项目文件夹（cd 项目文件夹）再运行。\n"


# Folders the libraries below us read caches and configuration from (fontconfig: its
# cache in $XDG_CACHE_HOME/fontconfig, its user configuration in $XDG_CONFIG_HOME, fonts in
# $XDG_DATA_HOME/fonts).  After a plain `su` they may still name another user's folders.
FOREIGN = ("XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "HOME")


def private_environment() -> None:
    """Drop from the environment each folder of FOREIGN another user could change (HOME
    becomes this user's own, when it has one): nothing is read from, or written to, a
    folder of someone else's, whoever runs the command."""
    from .store import foreign_folder

    for name in FOREIGN:
        value = os.environ.get(name)
        if not value or not (why := foreign_folder(value)):
            continue
        del os.environ[name]
        if name == "HOME":
            try:
                import pwd

                own = pwd.getpwuid(os.geteuid()).pw_dir
                if own and own.startswith("/") and os.path.isdir(own) and not foreign_folder(own):
                    os.environ["HOME"] = own
            except (KeyError, ImportError):
                pass
        sys.stderr.write(f"警告 环境变量 {name}={value} 不安全：{why}；本次不使用它（改用本用户自己的位置）。\n")


def prepare() -> None:
    """What every command needs from its process before it starts (see the module)."""
    interrupt.install()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(errors="backslashreplace")
        except (AttributeError, ValueError):
            pass
    try:
        os.getcwd()
    except OSError:
        sys.stderr.write(GONE)
        sys.exit(2)
    private_environment()


def _run(name: str) -> None:
    prepare()
    try:
        from . import cli

        command = cli.main if name == "render" else cli.budgetdocs
        command(prog_name=name)
    except KeyboardInterrupt as exc:  # before the command's own handling took over
        sys.stderr.write(f"已中断（{exc.name if isinstance(exc, interrupt.Interrupted) else 'Ctrl-C'}），未写出任何文件。\n")
        sys.exit(interrupt.exit_code(exc))


def render() -> None:
    """Entry point of ``render``."""
    _run("render")


def budgetdocs() -> None:
    """Entry point of ``budgetdocs``."""
    _run("budgetdocs")
