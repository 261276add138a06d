import os
import sys

from .cli import main
from .solverlog import reserve_stdout

try:
    # stdout carries only the command's output: anything a native library writes to file
    # descriptor 1 goes to stderr instead (solver output itself only with --verbose).
    with reserve_stdout():
        code = main()
    sys.exit(code)
except BrokenPipeError:  # e.g. `python -m portfolio proposals --json | head`
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    sys.exit(0)
