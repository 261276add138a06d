"""The harness of the hostile-input suite: run one case under a memory and a time limit.

`bounded(fn, *args)` runs ``fn(*args)`` in a forked child process whose address space may grow by
at most `MEMORY_LIMIT_BYTES` beyond the parent's (``resource.setrlimit(RLIMIT_AS)``) and which is
killed after `TIME_LIMIT_S` seconds. It returns an `Outcome`: the value `fn` returned or the
exception it raised (type name and message, as text), the seconds it took, and whether the limit
was hit. A case that hangs or exhausts memory therefore fails its test with a clear reason instead
of taking the machine down, and the parent's state (the dataset, a scenario store) is untouched by
whatever the case did in the child.

`run_cli(args, stdin=None)` runs ``python -m portfolio`` as a subprocess under the same limits
(``prlimit`` semantics through ``preexec_fn``) and returns the completed process.

Everything a case returns must be picklable (plain data: strings, numbers, tuples, dicts).
"""

from __future__ import annotations

import multiprocessing
import os
import resource
import subprocess
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
MEMORY_LIMIT_BYTES = 1536 * 1024 * 1024  # growth allowed beyond the parent's address space
TIME_LIMIT_S = 20.0  # wall clock; every case is expected to answer within a few seconds
FAST_S = 5.0  # what "a clear message within a few seconds" means in the assertions


@dataclass(frozen=True)
class Outcome:
    value: Any = None
    error_type: str | None = None  # the exception's class name, when fn raised
    message: str = ""  # str(exception), when fn raised
    seconds: float = 0.0
    timed_out: bool = False
    out_of_memory: bool = False
    detail: str = ""  # traceback or exit status, for failing assertions

    @property
    def raised(self) -> bool:
        return self.error_type is not None


def _vm_size() -> int:
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def _limit_memory(extra: int) -> None:
    limit = _vm_size() + extra
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _child(conn: Any, fn: Callable[..., Any], args: tuple[Any, ...], extra: int) -> None:
    _limit_memory(extra)
    t0 = time.perf_counter()
    try:
        value = fn(*args)
        conn.send(("ok", value, None, "", time.perf_counter() - t0, ""))
    except MemoryError as e:
        conn.send(("oom", None, type(e).__name__, str(e), time.perf_counter() - t0, traceback.format_exc()))
    except BaseException as e:  # noqa: BLE001 - reported to the parent as data
        conn.send(("raised", None, type(e).__name__, str(e), time.perf_counter() - t0, traceback.format_exc()))
    finally:
        conn.close()


def bounded(fn: Callable[..., Any], *args: Any, memory: int = MEMORY_LIMIT_BYTES,
            seconds: float = TIME_LIMIT_S) -> Outcome:
    """Run ``fn(*args)`` in a forked child under the limits (see the module docstring)."""
    ctx = multiprocessing.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(child, fn, args, memory), daemon=True)
    t0 = time.perf_counter()
    proc.start()
    child.close()
    try:
        if not parent.poll(seconds):
            proc.kill()
            proc.join(5)
            return Outcome(seconds=time.perf_counter() - t0, timed_out=True,
                           detail=f"no answer within {seconds:.0f} s")
        try:
            kind, value, etype, msg, took, tb = parent.recv()
        except EOFError:  # the child died without answering (killed by the memory limit, say)
            proc.join(5)
            return Outcome(seconds=time.perf_counter() - t0, out_of_memory=True,
                           detail=f"child exited with status {proc.exitcode}")
    finally:
        parent.close()
    proc.join(5)
    return Outcome(value=value, error_type=etype, message=msg, seconds=took,
                   out_of_memory=(kind == "oom"), detail=tb)


def _preexec(extra: int) -> Callable[[], None]:
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (extra, extra))

    return limit


def run_cli(args: Sequence[str], *, stdin: bytes | None = None, memory: int = 3 * 1024 ** 3,
            seconds: float = TIME_LIMIT_S, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    """``python -m portfolio ARGS`` under an address-space limit (absolute: a fresh interpreter
    with this project's imports needs about 1 GB of address space) and a time limit; a run that
    exceeds the time raises `subprocess.TimeoutExpired`. stdout and stderr are decoded as UTF-8."""
    run = subprocess.run([sys.executable, "-m", "portfolio", *args], input=stdin, capture_output=True,
                         cwd=cwd, timeout=seconds, preexec_fn=_preexec(memory),  # noqa: PLW1509
                         env=os.environ | {"PYTHONIOENCODING": "utf-8"}, check=False)
    return _decode(run)


def _decode(run: subprocess.CompletedProcess[bytes]) -> subprocess.CompletedProcess[str]:
    return subprocess.CompletedProcess(run.args, run.returncode, run.stdout.decode("utf-8", "replace"),
                                       run.stderr.decode("utf-8", "replace"))
