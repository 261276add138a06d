"""Hostile input and faults in the scenario store: every fault gives a Danish `StorageError` within
bounded time (under the memory and time limits of tests/hostile.py), one absurd stored row never
hides the good ones, and an id a user saw can only ever name that scenario.

Classes: damaged database files (garbage, truncated, a valid header with garbage, empty, a
directory), a read-only database, a lock held by another process, an unreachable or unusable
URL, absurd stored rows (each column), and stale ids after deletes.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from portfolio.scenario import Scenario
from portfolio.storage import MAX_STORED_JSON, MAX_WAIT_S, ScenarioStore, StorageError
from tests.conftest import execute
from tests.hostile import FAST_S, bounded

ENGLISH = ("sqlite3.", "sqlalchemy", "Background on this error", "OperationalError", "DatabaseError",
           "is not a database", "Traceback", "connection failed")


def _list_names(url: str) -> list[str]:
    """In the child: the names in the store, or the StorageError raised."""
    store = ScenarioStore(url)
    try:
        return [s.name for s in store.list()]
    finally:
        store.close()


def _save(url: str, name: str) -> str:
    store = ScenarioStore(url)
    try:
        return store.save(name, "note", Scenario()).name
    finally:
        store.close()


def _assert_danish_error(outcome, *needles: str, limit: float = FAST_S) -> None:
    assert not outcome.timed_out and not outcome.out_of_memory, outcome.detail
    assert outcome.seconds < limit, outcome.seconds
    assert outcome.error_type == "StorageError", (outcome.error_type, outcome.message, outcome.detail)
    for needle in needles:
        assert needle in outcome.message, outcome.message
    for english in ENGLISH:
        assert english not in outcome.message, outcome.message


def _good_file(path: Path, n: int = 30) -> None:
    store = ScenarioStore(f"sqlite:///{path}")
    for i in range(n):
        store.save(f"s{i}", "x" * 2000, Scenario())
    store.close()
    for ext in ("-wal", "-shm"):
        Path(f"{path}{ext}").unlink(missing_ok=True)


# --- damaged files -------------------------------------------------------------------------------

DAMAGE: dict[str, Callable[[Path], None]] = {
    "garbage": lambda p: p.write_bytes(os.urandom(4096)),
    "header then garbage": lambda p: p.write_bytes(b"SQLite format 3\x00" + os.urandom(5000)),
    "text file": lambda p: p.write_text("Dette er ikke en database\n" * 50, encoding="utf-8"),
    "truncated to half": lambda p: (_good_file(p), p.write_bytes(p.read_bytes()[: p.stat().st_size // 2])),
    "truncated to 100 bytes": lambda p: (_good_file(p), p.write_bytes(p.read_bytes()[:100])),
    "page 2 overwritten": lambda p: (_good_file(p), _overwrite(p, 4096, os.urandom(4096))),
}


def _overwrite(path: Path, offset: int, data: bytes) -> None:
    with open(path, "r+b") as f:
        f.seek(offset)
        f.write(data)


@pytest.mark.parametrize("damage", list(DAMAGE))
@pytest.mark.parametrize("operation", ["list", "save"])
def test_a_damaged_file_gives_a_danish_message(tmp_path, damage, operation):
    path = tmp_path / "scenarier.sqlite"
    DAMAGE[damage](path)
    url = f"sqlite:///{path}"
    out = bounded(_list_names, url) if operation == "list" else bounded(_save, url, "ny")
    if not out.raised:  # SQLite may still read a file whose damage lies in unused pages
        assert damage in ("page 2 overwritten", "truncated to half"), out
        return
    _assert_danish_error(out, "Databasen med gemte scenarier", str(path))


def test_an_empty_file_is_a_new_database(tmp_path):
    path = tmp_path / "tom.sqlite"
    path.write_bytes(b"")
    out = bounded(_save, f"sqlite:///{path}", "første")
    assert out.value == "første", out


def test_a_directory_instead_of_a_file(tmp_path):
    out = bounded(_list_names, f"sqlite:///{tmp_path}")
    _assert_danish_error(out, "kan ikke åbnes", str(tmp_path))


def test_a_read_only_database_refuses_saves_but_lists(tmp_path):
    path = tmp_path / "laast.sqlite"
    _good_file(path, 3)
    url = f"sqlite:///file:{path}?mode=ro&uri=true"
    assert bounded(_list_names, url).value == ["s0", "s1", "s2"]
    out = bounded(_save, url, "ny")
    _assert_danish_error(out, "kan ikke skrives", "skriveadgang")


# --- a lock held by another process --------------------------------------------------------------

HOLDER = """
import sqlite3, sys, time
con = sqlite3.connect(sys.argv[1], isolation_level=None)
con.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
con.execute("ROLLBACK")
"""


@pytest.mark.parametrize("operation", ["save", "list"])
def test_a_lock_held_by_another_process_gives_a_message_in_bounded_time(tmp_path, operation):
    path = tmp_path / "optaget.sqlite"
    _good_file(path, 2)
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(path), "60"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        url = f"sqlite:///{path}"
        out = bounded(_save, url, "ny") if operation == "save" else bounded(_list_names, url)
        _assert_danish_error(out, "optaget af en anden bruger eller proces", limit=MAX_WAIT_S + FAST_S)
    finally:
        holder.kill()
        holder.wait()
    # once the lock is gone, nothing was lost and the store works again
    assert bounded(_save, f"sqlite:///{path}", "ny").value == "ny"
    assert bounded(_list_names, f"sqlite:///{path}").value == ["ny", "s0", "s1"]


def test_a_short_lock_is_waited_for(tmp_path):
    path = tmp_path / "kort.sqlite"
    _good_file(path, 1)
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(path), "0.5"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        out = bounded(_save, f"sqlite:///{path}", "efter låsen")
        assert out.value == "efter låsen", out
    finally:
        holder.wait(10)


# --- unusable addresses --------------------------------------------------------------------------

@pytest.mark.parametrize(("url", "needle"), [
    ("postgresql://x@127.0.0.1:1/x", "svarer ikke"),
    ("postgres://x@127.0.0.1:1/x", "svarer ikke"),
    ("postgresql+psycopg://x@127.0.0.1:1/x?connect_timeout=2", "svarer ikke"),
    ("mysql://x@127.0.0.1:1/x", "kan ikke åbnes"),  # no driver installed
    ("ikke en adresse", "kan ikke åbnes"),
    ("sqlite:////proc/1/nope/x.sqlite", "kan ikke åbnes"),
])
def test_an_unusable_address_gives_a_danish_message(url, needle):
    out = bounded(_list_names, url)
    _assert_danish_error(out, needle)
    assert "HEMMELIGT" not in out.message


def test_a_password_is_never_shown():
    out = bounded(_list_names, "postgresql://bruger:HEMMELIGT@127.0.0.1:1/db")
    _assert_danish_error(out, "svarer ikke", "127.0.0.1")
    assert "HEMMELIGT" not in out.message


# --- absurd stored rows --------------------------------------------------------------------------

ABSURD_ROWS: dict[str, dict[str, object]] = {
    "deeply nested JSON": {"scenario_json": "[" * 100_000 + "]" * 100_000},
    "deeply nested object": {"scenario_json": '{"a":' * 50_000 + "1" + "}" * 50_000},
    "JSON too long": {"scenario_json": json.dumps({"note": "x" * (MAX_STORED_JSON + 10)})},
    "not JSON": {"scenario_json": "{ikke json"},
    "JSON list": {"scenario_json": "[1, 2, 3]"},
    "JSON null": {"scenario_json": "null"},
    "wrong types": {"scenario_json": json.dumps({"pool": "tyve", "horizon": "altid", "max_risk": 7})},
    "huge numbers": {"scenario_json": json.dumps({"pool": {"total": 1e308}, "base_year": 10 ** 30})},
    "unknown fields": {"scenario_json": json.dumps({"ny": {"x": [1] * 1000}, "force_in": ["XX99"] * 500})},
    "garbage date": {"created": "i går", "updated": "9999999-99-99"},
    "broken catalogue": {"catalogue_tables": "{broken"},
    "catalogue list": {"catalogue_tables": "[1]"},
    "catalogue deep": {"catalogue_tables": "[" * 100_000},
    "markup in name": {"name": "<img src=x onerror=alert(1)> [link](http://evil.example/) :red[x]"},
}


@pytest.mark.parametrize("kind", list(ABSURD_ROWS))
def test_one_absurd_row_does_not_hide_the_good_ones(url, kind):
    store = ScenarioStore(url)
    store.save("god", "bevares", Scenario.from_json({"pool": {"total": 5000}}))
    store.close()
    row = {"name": "absurd", "note": "", "scenario_json": "{}", "created": "2024-01-01T00:00:00+00:00",
           "updated": None, "catalogue_tables": None} | ABSURD_ROWS[kind]
    execute(url, "INSERT INTO scenarios (name, note, scenario_json, created, updated, catalogue_tables) "
                 "VALUES (:name, :note, :scenario_json, :created, :updated, :catalogue_tables)", **row)

    def read(u: str) -> list[tuple[str, int, bool, float | None]]:
        s = ScenarioStore(u)
        try:
            return [(x.name, len(x.warnings), x.catalogue_tables is None, x.scenario.pool.total if x.scenario.pool
                     else None) for x in s.list()]
        finally:
            s.close()

    out = bounded(read, url)
    assert not out.raised and not out.timed_out and not out.out_of_memory, out.detail
    assert out.seconds < FAST_S
    rows = {name: rest for name, *rest in out.value}
    assert rows["god"] == [0, True, 5000.0]  # the good scenario, intact
    assert len(rows) == 2  # and the absurd one is listed (with warnings where it was unreadable)


# --- an id a user saw names that scenario or none --------------------------------------------------

def test_a_deleted_newest_id_is_never_given_again(url):
    store = ScenarioStore(url)
    a = store.save("A", "", Scenario())
    b = store.save("B", "", Scenario())
    store.delete(b.id)  # the newest
    c = store.save("C", "", Scenario())
    assert c.id not in (a.id, b.id)
    with pytest.raises(StorageError, match="intet gemt scenarie med nummer"):
        store.delete(b.id)  # a stale delete from a user who still sees B
    with pytest.raises(StorageError, match="intet gemt scenarie med nummer"):
        store.rename(b.id, "B2")
    assert sorted(s.name for s in store.list()) == ["A", "C"]
    store.close()


def test_an_old_sqlite_database_is_migrated_to_ids_that_are_never_reused(tmp_path):
    path = tmp_path / "v2.sqlite"
    con = sqlite3.connect(path)
    con.executescript("""
        CREATE TABLE schema_version (version INTEGER NOT NULL);
        INSERT INTO schema_version VALUES (2);
        CREATE TABLE scenarios (id INTEGER NOT NULL PRIMARY KEY, name VARCHAR(200) NOT NULL UNIQUE,
                                note TEXT NOT NULL, scenario_json TEXT NOT NULL, created VARCHAR(40) NOT NULL,
                                updated VARCHAR(40), catalogue_tables TEXT);
        INSERT INTO scenarios VALUES (1, 'A', '', '{}', '2024-01-01T00:00:00+00:00', NULL, NULL);
        INSERT INTO scenarios VALUES (2, 'B', 'note', '{}', '2024-01-02T00:00:00+00:00', NULL, NULL);
    """)
    con.close()
    store = ScenarioStore(f"sqlite:///{path}")
    assert [(s.id, s.name, s.note) for s in store.list()] == [(1, "A", ""), (2, "B", "note")]
    store.delete(2)
    assert store.save("C", "", Scenario()).id == 3
    store.close()


def test_the_store_answers_fast_after_hostile_rows(url):
    """The state before a hostile case is intact: saving and reading still take milliseconds."""
    store = ScenarioStore(url)
    t0 = time.perf_counter()
    for i in range(20):
        store.save(f"n{i}", "", Scenario())
    assert len(store.list()) == 20
    assert time.perf_counter() - t0 < FAST_S
    store.close()
