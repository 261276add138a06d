"""Where solver output goes: to the solver log, never to the program's standard output.

Native solver libraries write to the process's file descriptor 1 behind Python's back: HiGHS
1.16 prints a two-line banner ("Running HiGHS 1.16.0 … Copyright …") when the first
``highspy.Highs`` object of a process is constructed, HiGHS writes its log there when its
``output_flag`` is on, and CBC (a subprocess) inherits it. Standard output belongs to the
program's own output (the CLI's JSON and tables), so every call into a solver that may print
runs inside :func:`solver_output`, which points file descriptor 1 at the solver log for as long as
the call lasts:

* the solver log is the logger ``portfolio.solver``; when it is enabled for INFO (the CLI's
  ``--verbose``), solver output goes to standard error and the solvers' own logging is switched
  on (:func:`verbose`);
* otherwise it goes to the null device and the solvers are told to be quiet.

:func:`reserve_stdout` is the second line of defence for command-line programs: for the whole run
it points file descriptor 1 at the null device and gives ``sys.stdout`` a private descriptor of
the real standard output, so that whatever any library writes at the C level, outside the solver
calls too, can never interleave with the output (inside :func:`solver_output` it still reaches
standard error with ``--verbose``).

File descriptors belong to the process, so redirections are serialised by one lock; they last
microseconds except in verbose mode (then for the whole solve).
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
import threading
from collections.abc import Iterator
from typing import Any

LOGGER = logging.getLogger("portfolio.solver")

# File descriptor 1 is process-wide state; this lock only serialises changes to it.
_FD_LOCK = threading.RLock()


def verbose() -> bool:
    """Whether the solver log is wanted (the logger ``portfolio.solver`` is enabled for INFO)."""
    return LOGGER.isEnabledFor(logging.INFO)


def _flush_stdout() -> None:
    with contextlib.suppress(Exception):
        sys.stdout.flush()


@contextlib.contextmanager
def solver_output() -> Iterator[None]:
    """While the block runs, native writes to file descriptor 1 go to the solver log: standard
    error when :func:`verbose`, else the null device. Python's own ``print`` is unaffected when
    ``sys.stdout`` does not use descriptor 1 (see :func:`reserve_stdout`)."""
    with _FD_LOCK:
        try:
            saved = os.dup(1)
        except OSError:  # no descriptor 1 at all (a detached process): nothing can leak
            yield
            return
        _flush_stdout()
        target = os.dup(2) if verbose() else os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(target, 1)
            yield
        finally:
            _flush_stdout()
            os.dup2(saved, 1)
            os.close(saved)
            os.close(target)


def maybe_solver_output() -> contextlib.AbstractContextManager[None]:
    """:func:`solver_output` when the solver log is wanted (a solve that logs), else nothing:
    quiet solves need no redirection and then run concurrently."""
    return solver_output() if verbose() else contextlib.nullcontext()


def new_highs() -> Any:
    """A ``highspy.Highs`` object, constructed with its banner sent to the solver log, and its
    own logging on exactly when :func:`verbose`."""
    import highspy  # noqa: PLC0415 - loaded on the first solve, not at start-up

    with solver_output():
        h = highspy.Highs()
    h.setOptionValue("output_flag", verbose())
    return h


@contextlib.contextmanager
def reserve_stdout() -> Iterator[None]:
    """For a command-line run: ``sys.stdout`` writes to a private copy of the real standard
    output, and file descriptor 1 itself points at the null device until the block ends."""
    _flush_stdout()
    try:
        out_fd = os.dup(1)
    except OSError:
        yield
        return
    old_stdout = sys.stdout
    encoding = getattr(old_stdout, "encoding", None) or "utf-8"
    stream = open(out_fd, "w", encoding=encoding, errors="strict", closefd=True)  # noqa: SIM115
    null = os.open(os.devnull, os.O_WRONLY)
    with _FD_LOCK:
        os.dup2(null, 1)
    os.close(null)
    sys.stdout = stream
    try:
        yield
    finally:
        with contextlib.suppress(Exception):
            stream.flush()
        sys.stdout = old_stdout
        with _FD_LOCK:
            os.dup2(out_fd, 1)
        with contextlib.suppress(Exception):
            stream.close()


def add_verbose_argument(parser: argparse.ArgumentParser, *, top_level: bool = False) -> None:
    """The CLI's ``-v/--verbose``: before the command (``top_level``) or after it; a command's
    own flag leaves the top-level value alone unless given (``SUPPRESS``)."""
    parser.add_argument("-v", "--verbose", action="store_true",
                        default=False if top_level else argparse.SUPPRESS,
                        help="write the solvers' own log to stderr (stdout carries only the output)")


def configure_logging(verbose_log: bool) -> None:
    """Log records go to stderr: INFO and up (the solver log among them) with ``--verbose``,
    else warnings only."""
    logging.basicConfig(level=logging.INFO if verbose_log else logging.WARNING, stream=sys.stderr,
                        format="%(name)s: %(message)s", force=True)
