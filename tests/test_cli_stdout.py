"""stdout belongs to the output: every `--json` command's stdout parses as JSON, run as a
subprocess, whatever the solvers print.

The locked highspy (1.16) prints a banner on stdout when its first `Highs` object is constructed;
`noisy` below goes further and makes every HiGHS construction and solve, and every CBC run, write
to file descriptor 1 at the C level, as a future library version might. Solver output appears on
stderr only with `--verbose`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

SCENARIO = {"pool": {"total": 20000, "per_year": {"2019": 8000}}, "max_risky_share": 0.6,
            "force_in": ["BU09"], "max_risk": "høj"}

COMMANDS = {
    "proposals": ["proposals", "--json"],
    "optimise": ["optimise", "--scenario", "{sc}", "--json"],
    "optimise-cbc": ["optimise", "--scenario", "{sc}", "--json", "--solver", "cbc"],
    "optimise-infeasible": ["optimise", "--scenario", "{sc}", "--json", "--pool", "100"],
    "frontier": ["frontier", "--scenario", "{sc}", "--points", "4", "--json"],
    "prices": ["prices", "--scenario", "{sc}", "--json"],
    "alternatives": ["alternatives", "--scenario", "{sc}", "--k", "2", "--json"],
    "simulate": ["simulate", "--scenario", "{sc}", "--n", "20", "--json"],
}

# Native writes to fd 1 from inside every solver call (os.write bypasses Python's sys.stdout).
NOISY_SITECUSTOMIZE = textwrap.dedent("""
    import os
    import highspy
    import pulp

    _init, _run = highspy.Highs.__init__, highspy.Highs.run

    def __init__(self, *a, **k):
        os.write(1, b"NOISE: Highs constructed\\n")
        _init(self, *a, **k)

    def run(self, *a, **k):
        os.write(1, b"NOISE: Highs run\\n")
        return _run(self, *a, **k)

    highspy.Highs.__init__, highspy.Highs.run = __init__, run
    _solve = pulp.LpProblem.solve

    def solve(self, *a, **k):
        os.write(1, b"NOISE: LpProblem.solve\\n")
        return _solve(self, *a, **k)

    pulp.LpProblem.solve = solve
""")


@pytest.fixture(scope="module")
def scenario_file(tmp_path_factory) -> Path:
    p = tmp_path_factory.mktemp("sc") / "scenario.json"
    p.write_text(json.dumps(SCENARIO), encoding="utf-8")
    return p


@pytest.fixture(scope="module")
def noisy_dir(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("noisy")
    (d / "sitecustomize.py").write_text(NOISY_SITECUSTOMIZE, encoding="utf-8")
    return d


def _run(args: list[str], sc: Path, extra_env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    argv = [a.replace("{sc}", str(sc)) for a in args]
    env = os.environ | (extra_env or {})
    return subprocess.run([sys.executable, "-m", "portfolio", *argv], capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=300)


def _json(run: subprocess.CompletedProcess) -> dict:
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)  # the whole of stdout: nothing before or after the document


@pytest.mark.parametrize("name", list(COMMANDS))
def test_json_stdout_parses_and_stderr_is_quiet(name, scenario_file):
    run = _run(COMMANDS[name], scenario_file)
    out = _json(run)
    assert isinstance(out, dict) and out
    # without --verbose the solvers say nothing at all, not even on stderr
    assert "HiGHS" not in run.stderr and "Cbc" not in run.stderr and "Welcome" not in run.stderr


@pytest.mark.parametrize("name", list(COMMANDS))
def test_json_stdout_survives_a_library_writing_to_fd1(name, scenario_file, noisy_dir):
    run = _run(COMMANDS[name], scenario_file, {"PYTHONPATH": str(noisy_dir)})
    out = _json(run)
    assert isinstance(out, dict) and out
    assert "NOISE" not in run.stdout


def test_library_noise_goes_to_stderr_only_with_verbose(scenario_file, noisy_dir):
    env = {"PYTHONPATH": str(noisy_dir)}
    quiet = _run(COMMANDS["optimise"], scenario_file, env)
    loud = _run([*COMMANDS["optimise"], "--verbose"], scenario_file, env)
    assert _json(quiet)["objective"] == _json(loud)["objective"]
    assert "NOISE" not in quiet.stdout + quiet.stderr
    assert "NOISE: Highs constructed" in loud.stderr and "NOISE" not in loud.stdout


def test_optimise_json_values_unchanged_by_verbose(scenario_file):
    quiet = _json(_run(COMMANDS["optimise"], scenario_file))
    loud_run = _run([*COMMANDS["optimise"], "--verbose"], scenario_file)
    loud = _json(loud_run)
    assert quiet["status"] == loud["status"] == "optimal"
    assert quiet["objective"] == loud["objective"]
    assert quiet["selected"] == loud["selected"]
    # the solver log went to stderr: HiGHS's own log lines
    assert "HiGHS" in loud_run.stderr
    assert "Solving MIP" in loud_run.stderr or "MIP" in loud_run.stderr


def test_verbose_before_the_command_and_for_cbc(scenario_file):
    run = _run(["--verbose", "optimise", "--scenario", "{sc}", "--json", "--solver", "cbc"], scenario_file)
    out = _json(run)
    assert out["status"] == "optimal"
    assert "Cbc" in run.stderr or "CBC" in run.stderr


def test_highs_construction_in_a_fresh_process_prints_nothing():
    """The dashboard's case (no reserve_stdout): the first HiGHS object of a process, whose
    construction prints a banner with highspy 1.16, writes nothing to stdout or stderr."""
    code = "from portfolio.solverlog import new_highs; h = new_highs(); new_highs(); print('VERSION', h.version())"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("VERSION"), run.stdout
    assert "HiGHS" not in run.stdout and "HiGHS" not in run.stderr


def test_the_data_commands_do_not_import_the_optimiser():
    """`proposals` and `register` need neither the optimiser nor the scenario model: the command line
    imports PuLP, HiGHS, numpy and pydantic only for the commands that use them."""
    code = ("import sys, io, contextlib\n"
            "from portfolio.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            "    assert main(['proposals', '--json']) == 0\n"
            "    main(['register', '--check'])\n"
            "heavy = sorted(m for m in ('pulp', 'highspy', 'numpy', 'pandas', 'pydantic', 'portfolio.optimiser') "
            "if m in sys.modules)\n"
            "print(','.join(heavy))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == ""


def test_frontier_names_the_enumeration_method_in_danish(tmp_path):
    """Under per-year pools and a risky share (the issue's rules) the frontier comes from the list
    of admissible portfolios sorted by pool use; the text report says so in Danish, and the JSON
    names the method."""
    sc = tmp_path / "sc.json"
    sc.write_text(json.dumps({"pool": {"per_year": {str(y): 6000 for y in range(2019, 2025)}},
                              "max_risky_share": 0.5}), encoding="utf-8")
    run = _run(["frontier", "--scenario", "{sc}"], sc)
    assert run.returncode == 0, run.stderr
    assert "Metode: eksakt gennemgang af de tilladte porteføljer efter puljeforbrug" in run.stdout
    assert _json(_run(["frontier", "--scenario", "{sc}", "--json"], sc))["method"] == "enumeration"
