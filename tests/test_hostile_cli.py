"""Hostile scenario files, flags and data folders for the CLI: every case finishes within a few
seconds under the memory and time limits of tests/hostile.py, a malformed scenario or flag exits 2
with ONE Danish line on stderr that names the field, the limit or the file, unloadable data exits
3, and nothing prints a traceback or pydantic's English. Most scenario cases run in-process
(`load_scenario`, `Scenario.from_json`, `validate_for` in a forked child); the subprocess cases
check the exit codes and stderr of ``python -m portfolio``."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portfolio.cli_commands import MAX_ALTERNATIVES, MAX_FRONTIER_POINTS, MAX_WORLDS
from portfolio.cli_optimise import load_scenario
from portfolio.data import load_dataset
from portfolio.scenario import (
    MAX_KEYS,
    MAX_NESTING_DEPTH,
    MAX_SCENARIO_BYTES,
    MAX_YEAR,
    MIN_YEAR,
    Scenario,
    ScenarioError,
)
from tests.hostile import FAST_S, ROOT, Outcome, bounded, run_cli

DS = load_dataset()
CLI_S = 3 * FAST_S  # a subprocess run: the case plus the interpreter's start
ENGLISH = ("Input should", "validation error", "field required", "Field required", "Value error",
           "Traceback", "Expecting", "Errno", "codec can't", "invalid choice", "unrecognized")
VALID = {"pool": {"total": 10000}}  # optimum 137.975 (tests/test_scenario_cli.py)


def _load(path: str) -> tuple[str, Any]:
    try:
        return "ok", load_scenario(Path(path)).to_json()
    except ScenarioError as e:
        return "error", str(e)


def _parse(data: Any) -> tuple[str, Any]:
    try:
        return "ok", Scenario.from_json(data).to_json()
    except ScenarioError as e:
        return "error", str(e)


def _validate(data: Any) -> tuple[str, Any]:
    try:
        Scenario.from_json(data).validate_for(DS)
        return "ok", None
    except ScenarioError as e:
        return "error", str(e)


def _finished(out: Outcome, limit: float = FAST_S) -> Any:
    assert not out.timed_out and not out.out_of_memory, out.detail
    assert not out.raised, f"{out.error_type}: {out.message}\n{out.detail}"
    assert out.seconds < limit, out.seconds
    return out.value


def danish_line(message: str, *needles: str) -> None:
    """One line, no English library text, every needle in it."""
    assert message.strip() and len(message.strip().splitlines()) == 1, message
    assert not any(e in message for e in ENGLISH), message
    assert "\x1b" not in message and "\x00" not in message, message
    for needle in needles:
        assert needle in message, message


def refused(out: Outcome, *needles: str) -> str:
    kind, message = _finished(out)
    assert kind == "error", message
    danish_line(message, *needles)
    return message


def load_file(tmp_path: Path, content: bytes) -> Outcome:
    path = tmp_path / "scenario.json"
    path.write_bytes(content)
    return bounded(_load, str(path))


# --- nesting, duplicate keys, non-finite and long numbers ---------------------------------------

DEPTH_OK = '{"x": ' + "[" * (MAX_NESTING_DEPTH - 1) + "]" * (MAX_NESTING_DEPTH - 1) + "}"
DEPTH_BAD = '{"x": ' + "[" * MAX_NESTING_DEPTH + "]" * MAX_NESTING_DEPTH + "}"


@pytest.mark.parametrize("text, needles", [
    ("[" * 100_000, ["indlejret for dybt", f"{MAX_NESTING_DEPTH} niveauer", "linje 1"]),
    ('{"a": ' * 100_000, ["indlejret for dybt"]),
    ('{"pool": {"per_year": ' + "[" * 30 + "]" * 30 + "}}", ["indlejret for dybt"]),
    ("{\n\"pool\":\n" + "[" * 25, ["indlejret for dybt", "linje 3"]),
    (DEPTH_BAD, ["indlejret for dybt"]),
    (DEPTH_OK, ["'x': ukendt felt"]),  # exactly the limit: parsed, then refused for its content
    ('{"pool": {"total": 1}, "pool": {"total": 2}}', ["nøglen 'pool' to gange"]),
    ('{"pool": {"total": 1, "total": 2}}', ["nøglen 'total' to gange"]),
    ('{"risk_haircut": {"høj": 0.1, "høj": 0.2}}', ["nøglen 'høj' to gange"]),
    ('{"pool": {"total": NaN}}', ["'NaN'", "endeligt tal"]),
    ('{"pool": {"total": Infinity}}', ["'Infinity'", "endeligt tal"]),
    ('{"discount_rate": -Infinity}', ["'-Infinity'", "endeligt tal"]),
    ('{"pool": {"total": 1e999}}', ["'1e999'", "endeligt tal"]),
    ('{"time_limit": -1E400}', ["'-1E400'", "endeligt tal"]),
    ('{"unknown_field": NaN}', ["'NaN'"]),  # anywhere in the file
    ('{"pool": {"total": ' + "9" * 5000 + "}}", ["5000 cifre", "højst 30"]),
])
def test_structure_and_numbers_are_refused_before_parsing(tmp_path, text, needles):
    msg = refused(load_file(tmp_path, text.encode()), *needles)
    assert "scenario.json" in msg  # the message says where


def test_brackets_inside_strings_do_not_count():
    kind, data = _finished(bounded(_parse, '{"force_in": ["' + "[{" * 5000 + '"]}'))
    assert kind == "ok" and data["force_in"] == ["[{" * 5000]


# --- not an object, empty, too large, encodings ---------------------------------------------------


@pytest.mark.parametrize("content, needles", [
    (b"", ["tomt", "JSON-objekt"]),
    (b"  \n\t  ", ["tomt"]),
    (b"[]", ["JSON-objekt", "ikke en liste"]),
    (b"42", ["JSON-objekt", "ikke et tal"]),
    (b"null", ["JSON-objekt", "ikke null"]),
    (b'"pool"', ["JSON-objekt", "ikke en tekst"]),
    (b"true", ["JSON-objekt", "ikke true/false"]),
    (b" " * MAX_SCENARIO_BYTES + b"{}", ["for stor", f"{MAX_SCENARIO_BYTES} byte"]),
    ('{"pool": {"total": 1}}'.encode("utf-16-le"), ["NUL-tegn", "UTF-16 uden BOM", "UTF-8"]),
    ('{"pool": {"total": 1}}'.encode("utf-32"), ["UTF-32", "UTF-8"]),
    ('{"force_in": ["Æble"]}'.encode("latin-1"), ["ikke kodet som UTF-8", "0xc6", "Latin-1"]),
    ('{"force_in": ["€"]}'.encode("cp1252"), ["ikke kodet som UTF-8", "0x80"]),
    (b"\x89PNG\r\n\x1a\n\x00\x00", ["UTF-8"]),
    (b'{"pool": ', ["ikke gyldig JSON", "forventede en værdi", "linje 1"]),
    (b"{'pool': 1}", ["ikke gyldig JSON", "dobbelte anførselstegn"]),
    (b"{}{}", ["ikke gyldig JSON", "mere efter JSON-objektet"]),
    (b'{"force_in": ["a\x01"]}', ["ikke gyldig JSON", "kontroltegn"]),
    (b'{"force_in": ["a\\q"]}', ["ikke gyldig JSON", "\\-sekvens"]),
])
def test_unreadable_files_are_refused(tmp_path, content, needles):
    refused(load_file(tmp_path, content), *needles)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-8-sig"])
def test_utf16_with_bom_and_utf8_with_bom_are_read(tmp_path, encoding):
    text = json.dumps({"pool": {"total": 20000}, "force_in": ["BU09"], "variants": {"SI05": "Model 2"}},
                      ensure_ascii=False)
    content = text.encode(encoding)
    if encoding == "utf-16-be":
        content = b"\xfe\xff" + content
    kind, data = _finished(load_file(tmp_path, content))
    assert kind == "ok" and data["pool"]["total"] == 20000 and data["variants"] == {"SI05": "Model 2"}


def test_a_directory_a_device_and_a_missing_file(tmp_path):
    refused(bounded(_load, str(tmp_path)), "er en mappe, ikke en fil", str(tmp_path))
    refused(bounded(_load, "/dev/zero"), "/dev/zero er for stor", f"{MAX_SCENARIO_BYTES} byte")
    refused(bounded(_load, str(tmp_path / "nope.json")), "findes ikke")
    refused(bounded(_load, str(tmp_path / "nope" / "x.json")), "findes ikke")


def test_a_named_pipe_without_a_writer_does_not_hang(tmp_path):
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    refused(bounded(_load, str(fifo)), "tomt")


# --- years ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fields, needles", [
    ({"base_year": 1800}, ["'base_year'", f"1800 ligger uden for {MIN_YEAR}-{MAX_YEAR}"]),
    ({"base_year": 10**9}, ["'base_year'", "ligger uden for 1990-2100"]),
    ({"horizon": [2095, 2105]}, ["'horizon.1'", "2105 ligger uden for"]),
    ({"horizon": [-5, 0]}, ["'horizon.0'", "-5 ligger uden for"]),
    ({"price_index": {"1850": 100}}, ["'price_index'", "1850 ligger uden for"]),
    ({"pool": {"per_year": {"3000": 5}}}, ["'pool.per_year'", "3000 ligger uden for"]),
    ({"pool": {"per_year": {"²": 5}}}, ["'²' er ikke et årstal"]),
    ({"pool": {"per_year": {"٣": 5}}}, ["er ikke et årstal"]),
    ({"pool": {"per_year": {"2019": 1, " 2019": 2}}}, ["året 2019 står flere gange"]),
    ({"horizon": [1990, 2100]}, ["længere end 50 år"]),
])
def test_implausible_years_are_refused(fields, needles):
    refused(bounded(_parse, json.dumps(fields)), *needles)


# --- counts -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("field, value", [
    ("force_in", [f"K{i}" for i in range(100_000)]),
    ("force_out", [f"K{i}" for i in range(100_000)]),
    ("variants", {f"K{i}": "Model 1" for i in range(100_000)}),
    ("catalogues", ["KK2020"] * 100_000),
    ("pool_covers", ["Service"] * 100_000),
    ("force_in", list(range(100_000))),
])
def test_100000_keys_are_refused_at_once(field, value):
    text = json.dumps({field: value})
    data = text if len(text) <= MAX_SCENARIO_BYTES else {field: value}  # a file, or the dashboard's dict
    refused(bounded(_parse, data), f"'{field}' har 100000 elementer", f"højst {MAX_KEYS}")


def test_the_most_keys_validate_in_linear_time():
    keys = [f"K{i}" for i in range(MAX_KEYS)]
    msg = refused(bounded(_validate, {"force_in": keys[:500], "force_out": keys[500:]}),
                  "ukendt forslag 'K0'", "og 990 fejl mere")
    assert len(msg) < 2000


def test_many_wrong_entries_give_a_short_message():
    msg = refused(bounded(_parse, {"force_in": list(range(MAX_KEYS))}), "'force_in.0': skal være en tekst",
                  "og 990 fejl mere")
    assert len(msg) < 2000


@pytest.mark.parametrize("field, keys, needle", [
    ("force_in", ["BU09", "TV01", "BU09"], "BU09 står flere gange"),
    ("force_out", ["HA02", "HA02", "TV01", "TV01"], "HA02, TV01 står flere gange"),
])
def test_duplicate_keys_are_refused_by_name(field, keys, needle):
    refused(bounded(_parse, {field: keys}), f"'{field}'", needle)


# --- the pool against the data ----------------------------------------------------------------------


@pytest.mark.parametrize("pool, needles", [
    ({"total": 1e12}, ["puljen i alt på 1.000.000.000.000 (1.000 kr.) er for stor", "højst 7.214.500 (1.000 kr.)", "100 gange"]),
    ({"total": 7214501}, ["puljen i alt på 7.214.501 (1.000 kr.)"]),
    ({"per_year": {"2019": 1e9}}, ["puljen for 2019 på 1.000.000.000 (1.000 kr.)", "højst 7.214.500 (1.000 kr.)"]),
    ({"total": 1e300, "per_year": {"2020": 1e300}}, ["1e+300", "puljen for 2020"]),
])
def test_a_huge_pool_is_refused_against_the_data(pool, needles):
    refused(bounded(_validate, {"pool": pool}), *needles)


def test_a_pool_at_the_limit_is_valid():
    assert _finished(bounded(_validate, {"pool": {"total": 7214500, "per_year": {"2019": 7214500}}})) == ("ok", None)
    # the limit follows the chosen catalogues (BC2017: 100 x 1.920 at 2020 p/l, but at least 100.000)
    kind, msg = _finished(bounded(_validate, {"catalogues": ["BC2017"], "pool": {"total": 300_000}}))
    assert kind == "error" and "højst 20" in msg and "mindst 100.000" in msg


# --- pydantic's errors in Danish ------------------------------------------------------------------


@pytest.mark.parametrize("fields, needles", [
    ({"base_year": "2020"}, ["'base_year': skal være et heltal", "(fik \"2020\")"]),
    ({"horizon": [2019]}, ["'horizon.1': mangler"]),
    ({"horizon": "2019-2024"}, ["'horizon': skal være en liste"]),
    ({"time_limit": 0}, ["'time_limit': skal være større end 0"]),
    ({"time_limit": 1e5}, ["'time_limit': må højst være 3600"]),
    ({"dependencies": "ja"}, ["'dependencies': skal være true eller false"]),
    ({"objective": "max"}, ["'objective': ugyldig værdi, brug 'net', 'permanent', 'annual', 'npv' eller 'min_pool'"]),
    ({"pool_covers": ["Drift"]}, ["'pool_covers.0': ugyldig værdi, brug"]),
    ({"variants": {"SI05": 1}}, ["'variants.SI05': skal være en tekst"]),
    ({"variants": {"": "Model 1"}}, ["må ikke være tom"]),
    ({"force_in": [""]}, ["'force_in.0': må ikke være tom"]),
    ({"pool": "many"}, ["'pool': skal være et objekt"]),
    ({"pool": {"per_year": []}}, ["'pool.per_year': skal være et objekt"]),
    ({"max_payback_years": 0}, ["'max_payback_years': skal være mindst 1"]),
    ({"npv_extra_years": -1}, ["'npv_extra_years': må ikke være negativ"]),
    ({"max_risky_share": 1.5}, ["'max_risky_share': må højst være 1"]),
    ({"catalogues": []}, ["vælg mindst ét katalog"]),
    ({"pool": {"total": float("nan")}}, ["'pool.total': skal være et endeligt tal"]),
    ({"discount_rate": float("inf")}, ["'discount_rate': skal være et endeligt tal"]),
    ({"bad\nkey\x1b[2J": 1}, ["ukendt felt", "bad?key?"]),
    ({"\ud800": 1}, ["skal være en gyldig tekst"]),
    ({"force_in": ["\ud800"]}, ["'force_in.0': skal være en gyldig tekst", "(fik \"?\")"]),
])
def test_pydantic_errors_are_danish(fields, needles):
    refused(bounded(_parse, fields), "Ugyldigt scenarie", *needles)


# --- properties ----------------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=12)
fields = st.sampled_from([*Scenario.model_fields, "total", "per_year", "høj", "x"])
scenario_like = st.dictionaries(fields, json_values | st.dictionaries(fields | st.text(max_size=4), json_values),
                                max_size=6)


def _is_answer(data: Any) -> None:
    kind, value = _parse(data)
    if kind == "error":
        danish_line(value)
        assert value.startswith(("Scenariet", "Ugyldigt scenarie")), value


@settings(max_examples=300, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(scenario_like | json_values)
def _random_objects(data: Any) -> None:
    _is_answer(data)
    try:
        text = json.dumps(data, ensure_ascii=False)
    except ValueError:  # an integer longer than Python prints (4300 digits)
        return
    _is_answer(text)
    _is_answer(text.encode("utf-8"))


@settings(max_examples=300, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(st.text(alphabet=st.sampled_from('{}[]",:0123456789.eE-+ ntrufalsNaIiy\\"\nx'), max_size=80)
       | st.binary(max_size=80) | st.text(max_size=40))
def _random_text(data: str | bytes) -> None:
    _is_answer(data)


@pytest.mark.parametrize("prop", [_random_objects, _random_text], ids=["objects", "text"])
def test_random_scenario_files_never_crash(prop):
    """Random JSON objects, JSON-ish text and bytes: always a Scenario or a ScenarioError with a
    one-line Danish message; the whole property runs in a limited child."""
    out = bounded(prop)
    assert not out.timed_out and not out.out_of_memory, out.detail
    assert not out.raised, f"{out.error_type}: {out.message}\n{out.detail}"


def test_a_valid_scenario_is_unchanged_after_hostile_ones(tmp_path):
    before = _finished(bounded(_parse, json.dumps(VALID)))
    for hostile in ("[" * 100_000, '{"pool": {"total": NaN}}', json.dumps({"force_in": ["x"] * 100_000})):
        _finished(bounded(_parse, hostile))
        with pytest.raises(ScenarioError):
            Scenario.from_json(hostile)  # in this process too
    assert _finished(bounded(_parse, json.dumps(VALID))) == before == ("ok", Scenario.from_json(VALID).to_json())


# --- the command line (subprocesses) ------------------------------------------------------------


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return run_cli(list(args), seconds=CLI_S)


def usage_error(run: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert run.returncode == 2, (run.returncode, run.stderr)
    assert run.stdout == ""
    danish_line(run.stderr, *needles)


def write(tmp_path: Path, content: bytes | str, name: str = "s.json") -> str:
    path = tmp_path / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return str(path)


@pytest.mark.parametrize("content, needles", [
    ("[" * 100_000, ["indlejret for dybt"]),
    ('{"pool": {"total": 1}}'.encode("utf-16-le"), ["NUL-tegn"]),
    ('{"force_in": ["Æ"]}'.encode("latin-1"), ["ikke kodet som UTF-8"]),
    (b"", ["tomt"]),
    (b"[1, 2]", ["JSON-objekt", "en liste"]),
    (b"3.5", ["JSON-objekt", "et tal"]),
    (b"null", ["JSON-objekt", "null"]),
    ('{"pool": {"total": 1}, "pool": {"total": 2}}', ["nøglen 'pool' to gange"]),
    ('{"pool": {"total": NaN}}', ["'NaN'", "endeligt tal"]),
    ('{"pool": {"total": 1e999}}', ["'1e999'"]),
    (b" " * (MAX_SCENARIO_BYTES + 1), ["for stor", "1000000 byte"]),
    (json.dumps({"force_in": [f"K{i}" for i in range(100_000)]}), ["'force_in' har 100000 elementer", "højst 1000"]),
    ('{"pool": {"total": 1000000000000}}', ["puljen i alt på 1.000.000.000.000 (1.000 kr.) er for stor", "højst 7.214.500 (1.000 kr.)"]),
    ('{"pool": {"per_year": {"2019": 1e10}}}', ["puljen for 2019", "højst 7.214.500 (1.000 kr.)"]),
    ('{"base_year": 1800}', ["'base_year'", "1800 ligger uden for 1990-2100"]),
    ('{"time_limit": "x"}', ["'time_limit': skal være et tal"]),
])
def test_cli_malformed_scenario_files_exit_2_with_one_danish_line(tmp_path, content, needles):
    path = write(tmp_path, content)
    run = cli("optimise", "--scenario", path, "--json")
    usage_error(run, "Fejl i scenariet", *needles)


@pytest.mark.parametrize("where, needles", [
    ("dir", ["er en mappe, ikke en fil"]),
    ("/dev/zero", ["/dev/zero er for stor"]),
    ("missing", ["findes ikke"]),
    ("fifo", ["tomt"]),
])
def test_cli_scenario_paths_that_are_not_files(tmp_path, where, needles):
    path = {"dir": str(tmp_path), "/dev/zero": "/dev/zero", "missing": str(tmp_path / "nope.json"),
            "fifo": str(tmp_path / "pipe.json")}[where]
    if where == "fifo":
        os.mkfifo(path)
    usage_error(cli("frontier", "--scenario", path), "Fejl i scenariet", *needles)


@pytest.mark.parametrize("args, needles", [
    (["simulate", "--n", "100000000"], ["--n", f"må højst være {MAX_WORLDS}", "100000000"]),
    (["frontier", "--points", "10000000"], ["--points", f"må højst være {MAX_FRONTIER_POINTS}"]),
    (["alternatives", "--k", "1000000"], ["--k", f"må højst være {MAX_ALTERNATIVES}"]),
    (["frontier", "--points", "1"], ["--points", "skal være mindst 2"]),
    (["simulate", "--n", "1e9"], ["--n", "'1e9' er ikke et heltal"]),
    (["optimise", "--pool", "nan"], ["--pool", "'nan' er ikke et endeligt tal"]),
    (["optimise", "--time-limit", "inf"], ["--time-limit", "endeligt tal"]),
    (["optimise", "--pool", "1e12"], ["puljen i alt på 1.000.000.000.000 (1.000 kr.) er for stor"]),
    (["optimise", "--max-risk", "ekstrem"], ["--max-risk", "ugyldigt valg: 'ekstrem'", "vælg mellem"]),
    (["optimise", "--bogus", "1"], ["ukendte argumenter: --bogus"]),
])
def test_cli_counts_and_flags_are_bounded_before_work(args, needles):
    usage_error(cli(*args), *needles)


def _data_dir(tmp_path: Path, case: str) -> str:
    if case in ("/dev/zero",):
        return case
    if case == "a file":
        return write(tmp_path, "x", "data.csv")
    folder = tmp_path / "data"
    shutil.copytree(ROOT / "data", folder)
    if case == "latin-1":
        text = (folder / "proposals.csv").read_text(encoding="utf-8")
        (folder / "proposals.csv").write_bytes(text.encode("latin-1", "replace"))
    elif case == "a directory":
        (folder / "cashflows.csv").unlink()
        (folder / "cashflows.csv").mkdir()
    elif case == "/dev/zero inside":
        (folder / "cashflows.csv").unlink()
        (folder / "cashflows.csv").symlink_to("/dev/zero")
    elif case == "a huge cell":
        (folder / "catalogues.csv").write_text("id,name\n" + "x" * 200_000 + ",y\n", encoding="utf-8")
    elif case == "empty":
        for f in folder.iterdir():
            f.unlink()
    return str(folder)


@pytest.mark.parametrize("case, needles", [
    ("/dev/zero", ["/dev/zero", "mappe"]),
    ("a file", ["data.csv", "mappe"]),
    ("latin-1", ["proposals.csv", "UTF-8", "0x"]),
    ("a directory", ["cashflows.csv", "mappe"]),
    ("/dev/zero inside", ["cashflows.csv"]),
    ("a huge cell", ["catalogues.csv", "kan ikke læses"]),
    ("empty", ["catalogues.csv", "filen mangler"]),
])
def test_cli_unloadable_data_exits_3(tmp_path, case, needles):
    """The wording is portfolio.data's; here: exit 3, in time, Danish, naming the file."""
    run = cli("--data", _data_dir(tmp_path, case), "optimise", "--pool", "1000")
    assert run.returncode == 3, (run.returncode, run.stderr)
    assert run.stdout == "" and "Data kunne ikke indlæses" in run.stderr
    assert not any(e in run.stderr for e in ENGLISH), run.stderr
    for needle in needles:
        assert needle in run.stderr, run.stderr


def test_cli_utf16_scenario_gives_the_same_result_as_utf8_after_hostile_runs(tmp_path):
    utf8 = cli("optimise", "--scenario", write(tmp_path, json.dumps(VALID), "a.json"), "--json")
    utf16 = cli("optimise", "--scenario", write(tmp_path, json.dumps(VALID).encode("utf-16"), "b.json"), "--json")
    assert utf8.returncode == utf16.returncode == 0, utf8.stderr + utf16.stderr
    a, b = json.loads(utf8.stdout), json.loads(utf16.stdout)
    a.pop("solve_seconds"), b.pop("solve_seconds")
    assert a == b and a["objective"] == 137975 and a["status"] == "optimal"
