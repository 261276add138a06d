"""Saved scenarios: CRUD with Danish errors, default location, schema migration, concurrent saves,
renames and deletes from threads and processes, and fitting a saved scenario to a changed dataset.

Every test that is not about SQLite itself runs on both backends: a SQLite file, and a fresh
database on the throwaway PostgreSQL server of the session fixture `pg_server` (tests/pg.py; those
runs are marked ``postgres``). Tests about SQLite only (WAL, the default file location, a file in
a Unicode directory) say so."""

from __future__ import annotations

import json
import multiprocessing
import queue
import sqlite3
import threading
import time
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, inspect
from sqlalchemy.engine import make_url

from portfolio.scenario import Scenario
from portfolio.storage import (
    MIGRATIONS,
    POOL_SIZE,
    SCHEMA_VERSION,
    SavedScenario,
    ScenarioStore,
    StorageError,
    check_against,
    default_url,
    make_engine,
    migrate,
)
from tests.conftest import execute
from tests.pg import free_port

PROCESSES, PER_PROCESS = 4, 25
THREADS, PER_THREAD = 8, 25


def columns(url: str, table: str) -> set[str]:
    engine = create_engine(url)
    try:
        return {c["name"] for c in inspect(engine).get_columns(table)}
    finally:
        engine.dispose()


def make_schema(url: str, version: int) -> None:
    """The schema as the program at `version` made it (migrations 1..version)."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn, conn.execution_options(write=True).begin():
            assert migrate(conn, upto=version) == version
    finally:
        engine.dispose()


def scenario_for(worker: str, n: int) -> Scenario:
    """A distinct, valid scenario per (worker, n)."""
    keys = ["BU01", "BU02", "BU03", "HA01", "HA02", "TV01", "TV02", "SI01"]
    return Scenario.from_json({"pool": {"total": 1000 + 37 * n, "per_year": {"2019": 100 + n}},
                               "force_in": [keys[n % len(keys)]], "max_risky_share": (n % 10) / 10,
                               "variants": {"SI05": "Model 2"} if n % 2 else {}})


def note_for(worker: str, n: int) -> str:
    return f"Note fra {worker} nr. {n}: æøå \"citat\" ; , = +"


# --- basic operations ------------------------------------------------------------------------------


def test_save_get_list_rename_note_delete(store):
    s1 = Scenario.from_json({"pool": {"total": 20000}, "force_in": ["BU09"]})
    a = store.save("Plan A", "Første udkast", s1)
    assert isinstance(a, SavedScenario) and a.id > 0 and a.name == "Plan A" and a.note == "Første udkast"
    assert a.scenario == s1 and a.catalogue_tables is None and a.warnings == ()
    assert a.created.tzinfo is not None and a.created == a.updated
    assert store.get(a.id) == a and store.get_by_name("Plan A") == a
    with pytest.raises(StorageError, match="findes allerede et gemt scenarie med navnet 'Plan A'"):
        store.save("Plan A", "igen", Scenario())
    with pytest.raises(StorageError, match="findes allerede"):
        store.save("  Plan   A ", "igen", Scenario())  # whitespace is normalised
    b = store.save("Plan A", "Overskrevet", Scenario(), overwrite=True)
    assert b.id == a.id and b.note == "Overskrevet" and b.scenario == Scenario() and b.created == a.created
    assert b.updated >= a.updated
    c = store.save("Plan B", "", s1, catalogue_tables={"catalogues.csv": [{"id": "NY", "name": "Nyt"}]})
    assert c.catalogue_tables == {"catalogues.csv": [{"id": "NY", "name": "Nyt"}]}
    assert [x.name for x in store.list()] == ["Plan A", "Plan B"]
    with pytest.raises(StorageError, match="findes allerede"):
        store.rename(c.id, "Plan A")
    r = store.rename(c.id, "plan c")
    assert r.name == "plan c" and store.get(c.id).name == "plan c"
    assert store.rename(c.id, "plan c").name == "plan c"  # renaming to itself is fine
    assert store.update_note(c.id, "Ny note").note == "Ny note"
    assert store.get(c.id).note == "Ny note"
    store.delete(a.id)
    assert [x.name for x in store.list()] == ["plan c"]
    with pytest.raises(StorageError, match="intet gemt scenarie med nummer"):
        store.get(a.id)
    with pytest.raises(StorageError, match="intet gemt scenarie med nummer"):
        store.delete(a.id)
    with pytest.raises(StorageError, match="navnet 'findes ikke'"):
        store.get_by_name("findes ikke")
    with pytest.raises(StorageError, match="Giv scenariet et navn"):
        store.save("   ", "", Scenario())
    with pytest.raises(StorageError, match="for langt"):
        store.save("x" * 201, "", Scenario())
    with pytest.raises(StorageError, match="kan ikke gemmes"):
        store.save("Ugyldigt katalog", "", Scenario(), catalogue_tables={"x": object()})


def test_nul_character_is_refused_on_every_backend(store):
    # PostgreSQL cannot store U+0000 in text; SQLite could, but both refuse it alike.
    with pytest.raises(StorageError, match="Navnet må ikke indeholde tegnet NUL"):
        store.save("a\x00b", "", Scenario())
    with pytest.raises(StorageError, match="Noten må ikke indeholde tegnet NUL"):
        store.save("a", "x\x00", Scenario())
    s = store.save("a", "", Scenario())
    with pytest.raises(StorageError, match="Navnet må ikke indeholde tegnet NUL"):
        store.rename(s.id, "b\x00")
    with pytest.raises(StorageError, match="Noten må ikke indeholde tegnet NUL"):
        store.update_note(s.id, "\x00")
    with pytest.raises(StorageError, match="intet gemt scenarie med navnet"):
        store.get_by_name("a\x00")
    assert [(x.name, x.note) for x in store.list()] == [("a", "")]


def test_default_location_and_environment(tmp_path, monkeypatch):  # SQLite only: the default file
    monkeypatch.delenv("PORTFOLIO_DB_URL", raising=False)
    monkeypatch.delenv("PORTFOLIO_DB_PATH", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_url() == f"sqlite:///{tmp_path / 'home' / '.investeringsportefolje' / 'scenarier.sqlite'}"
    store = ScenarioStore()
    assert not (tmp_path / "home").exists()  # nothing happens before first use
    store.save("Hjemme", "", Scenario())
    assert (tmp_path / "home" / ".investeringsportefolje" / "scenarier.sqlite").is_file()
    store.close()
    path = tmp_path / "a" / "b" / "mine.sqlite"
    monkeypatch.setenv("PORTFOLIO_DB_PATH", str(path))
    assert ScenarioStore().url == f"sqlite:///{path}"
    other = tmp_path / "url.sqlite"
    monkeypatch.setenv("PORTFOLIO_DB_URL", f"sqlite:///{other}")
    s2 = ScenarioStore()
    s2.save("Fra URL", "", Scenario())
    assert other.is_file() and not path.exists()
    s2.close()


def test_postgres_url_without_driver_uses_psycopg_3():  # no server needed: nothing connects yet
    for url in ("postgresql://portfolio@localhost/db", "postgres://portfolio@localhost/db",
                "postgresql+psycopg://portfolio@localhost/db"):
        engine = make_engine(url)
        assert (engine.dialect.name, engine.dialect.driver) == ("postgresql", "psycopg"), url
        assert engine.pool.size() == POOL_SIZE
        engine.dispose()


@pytest.mark.postgres
def test_postgres_url_in_the_environment(pg_server, monkeypatch):
    url = pg_server.create_database("miljø")
    try:
        plain = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        assert plain.startswith("postgresql://")
        monkeypatch.setenv("PORTFOLIO_DB_URL", plain)
        assert default_url() == plain
        s = ScenarioStore()
        saved = s.save("Fra miljøet", "delt server", Scenario())
        s.close()
        other = ScenarioStore(plain.replace("postgresql://", "postgres://", 1))
        assert other.get_by_name("Fra miljøet") == saved
        other.close()
    finally:
        pg_server.drop_database(url)


def test_unreachable_postgres_server_gives_a_danish_error():  # no server needed
    store = ScenarioStore(f"postgresql://portfolio@127.0.0.1:{free_port()}/findes_ikke")
    with pytest.raises(StorageError, match="svarer ikke"):
        store.list()
    store.close()


def test_wal_mode(tmp_path):  # SQLite only: WAL is SQLite's journal mode
    store = ScenarioStore(f"sqlite:///{tmp_path / 'scenarier.sqlite'}")
    store.save("x", "", Scenario())
    con = sqlite3.connect(tmp_path / "scenarier.sqlite")
    try:
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert con.execute("SELECT version FROM schema_version").fetchall() == [(SCHEMA_VERSION,)]
    finally:
        con.close()
        store.close()


# --- migrations --------------------------------------------------------------------------------------


def test_old_version_database_is_upgraded(backend, new_url):
    url = new_url("gammel")
    old = Scenario.from_json({"pool": {"total": 5000}, "force_out": ["TV01"]})
    if backend == "sqlite":  # a version-1 file exactly as version 1 of the program wrote it
        con = sqlite3.connect(make_url(url).database)
        con.executescript("""
            CREATE TABLE schema_version (version INTEGER NOT NULL);
            INSERT INTO schema_version VALUES (1);
            CREATE TABLE scenarios (id INTEGER PRIMARY KEY AUTOINCREMENT, name VARCHAR(200) NOT NULL UNIQUE,
                                    note TEXT NOT NULL, scenario_json TEXT NOT NULL, created VARCHAR(40) NOT NULL);
        """)
        con.close()
    else:
        make_schema(url, 1)
    execute(url, "INSERT INTO scenarios (name, note, scenario_json, created) VALUES (:n, :note, :j, :c)",
            n="Gammel", note="fra version 1", j=json.dumps(old.to_json()), c="2024-05-01T10:00:00+00:00")
    store = ScenarioStore(url)
    (saved,) = store.list()
    assert saved.name == "Gammel" and saved.scenario == old and saved.note == "fra version 1"
    assert saved.created == datetime(2024, 5, 1, 10, tzinfo=UTC) == saved.updated
    assert saved.catalogue_tables is None
    new = store.save("Ny", "", Scenario(), catalogue_tables={"proposals.csv": []})
    assert new.catalogue_tables == {"proposals.csv": []}
    store.close()
    assert execute(url, "SELECT version FROM schema_version") == [(SCHEMA_VERSION,)]
    assert {"updated", "catalogue_tables"} <= columns(url, "scenarios")


def test_each_migration_step_upgrades_a_database_made_by_the_previous_ones(new_url):
    assert SCHEMA_VERSION == len(MIGRATIONS) >= 2
    for start in range(SCHEMA_VERSION):
        url = new_url(f"v{start}")
        engine = make_engine(url)
        with engine.connect() as conn, conn.execution_options(write=True).begin():
            assert migrate(conn, upto=start) == start
            if start >= 1:
                conn.exec_driver_sql("INSERT INTO scenarios (name, note, scenario_json, created) VALUES "
                                     "('gammel', '', '{}', '2024-01-01T00:00:00+00:00')")
        engine.dispose()
        store = ScenarioStore(url)
        names = [s.name for s in store.list()]
        assert names == (["gammel"] if start >= 1 else [])
        store.save("ny", "", Scenario())
        store.close()
        assert execute(url, "SELECT version FROM schema_version") == [(SCHEMA_VERSION,)]


def test_newer_version_database_is_refused(url):
    execute(url, "CREATE TABLE schema_version (version INTEGER NOT NULL)")
    execute(url, "INSERT INTO schema_version VALUES (:v)", v=SCHEMA_VERSION + 1)
    store = ScenarioStore(url)
    with pytest.raises(StorageError, match="nyere version"):
        store.list()
    store.close()


def test_unreadable_stored_scenario_gives_warnings_not_errors(store, url, ds):
    store.save("ok", "", Scenario())
    bad = Scenario.from_json({"pool": {"total": 100}}).to_json() | {"pool": {"total": -5}, "ny_indstilling": 1,
                                                                    "force_in": ["BU01"]}
    execute(url, "UPDATE scenarios SET scenario_json = :j", j=json.dumps(bad))
    (saved,) = store.list()
    assert saved.scenario.force_in == ("BU01",) and saved.scenario.pool is None
    assert any("ny_indstilling" in w for w in saved.warnings) and any("pool" in w for w in saved.warnings)
    scenario, warnings = check_against(saved, ds)
    assert scenario.force_in == ("BU01",) and warnings[: len(saved.warnings)] == list(saved.warnings)


# --- concurrency ------------------------------------------------------------------------------------------

Work = Callable[[ScenarioStore, str, int], Any]  # (store, worker name, count) -> the worker's result


def _in_process(url: str, worker: int, barrier: Any, results: Any, work: Work) -> None:  # a child process
    store = ScenarioStore(url)
    try:
        barrier.wait(timeout=60)
        results.put((worker, "ok", work(store, f"proces {worker}", PER_PROCESS)))
    except BaseException:
        results.put((worker, "fejl", traceback.format_exc()))
        raise
    finally:
        store.close()


def run_everywhere(url: str, work: Work) -> dict[str, Any]:
    """Run `work` at once in PROCESSES processes ("spawn", a store each) and THREADS threads (one
    shared store, as in the dashboard); returns each worker's result by worker name."""
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(PROCESSES + 1)
    results = ctx.Queue()
    procs = [ctx.Process(target=_in_process, args=(url, w, barrier, results, work)) for w in range(PROCESSES)]
    for p in procs:
        p.start()
    store = ScenarioStore(url)  # one store shared by the threads, as in the dashboard
    errors: list[BaseException] = []
    out: dict[str, Any] = {}
    start = threading.Barrier(THREADS)

    def thread_worker(t: int) -> None:
        try:
            start.wait(timeout=60)
            out[f"tråd {t}"] = work(store, f"tråd {t}", PER_THREAD)
        except BaseException as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=thread_worker, args=(t,)) for t in range(THREADS)]
    barrier.wait(timeout=60)  # release the processes as the threads start
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    failed: list[str] = []
    received = 0
    deadline = time.monotonic() + 120
    while received < PROCESSES and time.monotonic() < deadline:
        try:
            worker, status, result = results.get(timeout=1)
        except queue.Empty:
            if any(p.is_alive() for p in procs):
                continue
            break  # every process has ended and all they sent has arrived
        received += 1
        if status == "ok":
            out[f"proces {worker}"] = result
        else:
            failed.append(result)
    for p in procs:
        p.join(timeout=120)
    store.close()
    assert not errors, errors
    assert not failed, "\n".join(failed)
    assert all(p.exitcode == 0 for p in procs), [p.exitcode for p in procs]
    assert len(out) == THREADS + PROCESSES, sorted(out)
    return out


def save_all(store: ScenarioStore, worker: str, count: int) -> None:
    for n in range(count):
        store.save(f"{worker} nr. {n}", note_for(worker, n), scenario_for(worker, n))


def test_concurrent_saves_from_threads_and_processes_lose_nothing(new_url):
    url = new_url("delt")
    run_everywhere(url, save_all)
    reader = ScenarioStore(url)
    saved = {s.name: s for s in reader.list()}
    reader.close()
    assert len(saved) == PROCESSES * PER_PROCESS + THREADS * PER_THREAD
    expected = [(f"proces {w} nr. {n}", f"proces {w}", n) for w in range(PROCESSES) for n in range(PER_PROCESS)]
    expected += [(f"tråd {t} nr. {n}", f"tråd {t}", n) for t in range(THREADS) for n in range(PER_THREAD)]
    for name, worker, n in expected:
        s = saved[name]
        assert s.note == note_for(worker, n)
        assert s.scenario == scenario_for(worker, n)
        assert json.dumps(s.scenario.to_json()) == json.dumps(scenario_for(worker, n).to_json())
    assert len({s.id for s in saved.values()}) == len(saved)


def renamed(worker: str, n: int) -> str:
    return f"{worker} nr. {n} (omdøbt)"


def save_rename_delete(store: ScenarioStore, worker: str, count: int) -> dict[str, int]:
    """Save `count` scenarios; keep every third, rename every third and delete every third, with
    refused operations in between (a rename to a taken name, a second save of a name). Returns
    name -> id of what must remain."""
    kept: dict[str, int] = {}
    for n in range(count):
        s = store.save(f"{worker} nr. {n}", note_for(worker, n), scenario_for(worker, n))
        if n % 3 == 0:
            kept[s.name] = s.id
        elif n % 3 == 1:
            r = store.rename(s.id, renamed(worker, n))
            assert (r.id, r.name, r.note, r.scenario) == (s.id, renamed(worker, n), s.note, s.scenario)
            kept[r.name] = r.id
        else:
            with pytest.raises(StorageError, match="findes allerede"):
                store.rename(s.id, f"{worker} nr. 0")  # taken (and never renamed or deleted)
            with pytest.raises(StorageError, match="findes allerede"):
                store.save(f"{worker} nr. {n}", "igen", Scenario())
            store.delete(s.id)
            # (not delete(s.id) again: SQLite may already have given the id to another worker's save)
            with pytest.raises(StorageError, match="intet gemt scenarie med navnet"):
                store.get_by_name(f"{worker} nr. {n}")
    return kept


def test_concurrent_saves_renames_and_deletes_from_threads_and_processes(new_url):
    url = new_url("blandet")
    kept = run_everywhere(url, save_rename_delete)
    reader = ScenarioStore(url)
    saved = reader.list()
    reader.close()
    by_name = {s.name: s for s in saved}
    assert len(by_name) == len(saved)  # no duplicate names
    assert len({s.id for s in saved}) == len(saved)  # ids unique
    expected_ids = {name: id for result in kept.values() for name, id in result.items()}
    assert {s.name: s.id for s in saved} == expected_ids  # nothing lost, nothing extra, ids kept
    workers = [(f"proces {w}", PER_PROCESS) for w in range(PROCESSES)]
    workers += [(f"tråd {t}", PER_THREAD) for t in range(THREADS)]
    for worker, count in workers:
        for n in range(count):
            name = f"{worker} nr. {n}"
            if n % 3 == 2:  # deleted
                assert name not in by_name and renamed(worker, n) not in by_name
                continue
            if n % 3 == 1:  # renamed: only the new name, with its note and scenario
                assert name not in by_name
                name = renamed(worker, n)
            s = by_name[name]
            assert s.note == note_for(worker, n) and s.scenario == scenario_for(worker, n)
    assert len(saved) == sum(len(range(0, count, 3)) + len(range(1, count, 3)) for _, count in workers)


def test_concurrent_saves_of_one_name_keep_exactly_one(new_url):
    store = ScenarioStore(new_url("samme"))
    outcomes: list[str] = []
    lock = threading.Lock()

    def go(i: int) -> None:
        try:
            store.save("Fælles", f"fra {i}", Scenario())
            res = "gemt"
        except StorageError:
            res = "afvist"
        with lock:
            outcomes.append(res)

    threads = [threading.Thread(target=go, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["afvist"] * 7 + ["gemt"]
    assert len(store.list()) == 1
    store.close()


# --- fitting to a changed dataset -------------------------------------------------------------------------


def test_check_against_drops_what_the_data_no_longer_has(ds):
    s = Scenario.from_json({"catalogues": ["KK2020", "GAMMELT"], "force_in": ["BU09", "XX01"],
                            "force_out": ["BC17-FIT", "TV01"], "variants": {"SI05": "Model 9", "YY": "Model 1"},
                            "pool": {"total": 10000}})
    saved = SavedScenario(1, "gammel", "", s, None, datetime.now(UTC), datetime.now(UTC))
    fitted, warnings = check_against(saved, ds)
    assert fitted.catalogues == ("KK2020",)
    assert fitted.force_in == ("BU09",) and fitted.force_out == ("TV01",) and fitted.variants == {}
    assert fitted.pool == s.pool
    text = "\n".join(warnings)
    for word in ("GAMMELT", "XX01", "BC17-FIT", "Model 9", "YY"):
        assert word in text
    fitted.validate_for(ds)  # it can be optimised
    # a valid scenario passes unchanged, with no warnings
    ok = Scenario.from_json({"force_in": ["BU09"], "variants": {"SI05": "Model 2"}})
    assert check_against(SavedScenario(2, "ok", "", ok, None, datetime.now(UTC), datetime.now(UTC)), ds) == (ok, [])


def test_check_against_with_no_known_catalogue_falls_back(ds):
    s = Scenario.from_json({"catalogues": ["FORSVUNDET"], "force_in": ["BU01"]})
    fitted, warnings = check_against(SavedScenario(1, "x", "", s, None, datetime.now(UTC), datetime.now(UTC)), ds)
    assert fitted.catalogues == ("KK2020",) and fitted.force_in == ("BU01",)
    assert any("FORSVUNDET" in w for w in warnings)


def test_store_is_reusable_after_close(store):
    store.save("a", "", Scenario())
    store.close()
    assert [s.name for s in store.list()] == ["a"]


def test_unicode_database_and_scenario_names(new_url):
    store = ScenarioStore(new_url("Økonomi æøå"))
    names = ["ø", "Æbler & pærer – “citat” 🚀", "Ärger ß ĳ", "Ω≈ç√"]
    for i, name in enumerate(names):
        store.save(name, f"note {name} {i}", Scenario())
    assert sorted(s.name for s in store.list()) == sorted(names)
    for i, name in enumerate(names):
        assert store.get_by_name(name).note == f"note {name} {i}"
    assert store.rename(store.get_by_name("ø").id, "å").name == "å"
    with pytest.raises(StorageError, match="navnet 'ø'"):
        store.get_by_name("ø")
    store.close()


def test_store_path_with_unicode_directory(tmp_path):  # SQLite only: a file in a Unicode directory
    d = tmp_path / "Økonomi æøå"
    s = ScenarioStore(f"sqlite:///{d / 'x.sqlite'}")
    s.save("ø", "", Scenario())
    assert Path(d / "x.sqlite").is_file()
    s.close()
