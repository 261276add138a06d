"""Saved scenarios: CRUD with Danish errors, default location, schema migration, concurrent saves
from threads and processes, and fitting a saved scenario to a changed dataset."""

from __future__ import annotations

import json
import multiprocessing
import sqlite3
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest

from portfolio.data import load_dataset
from portfolio.scenario import Scenario
from portfolio.storage import (
    MIGRATIONS,
    SCHEMA_VERSION,
    SavedScenario,
    ScenarioStore,
    StorageError,
    check_against,
    default_url,
    make_engine,
    migrate,
)

PROCESSES, PER_PROCESS = 4, 25
THREADS, PER_THREAD = 8, 25


@pytest.fixture(scope="module")
def ds():
    return load_dataset()


@pytest.fixture
def store(tmp_path):
    s = ScenarioStore(f"sqlite:///{tmp_path / 'scenarier.sqlite'}")
    yield s
    s.close()


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


def test_default_location_and_environment(tmp_path, monkeypatch):
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


def test_wal_mode(store, tmp_path):
    store.save("x", "", Scenario())
    con = sqlite3.connect(tmp_path / "scenarier.sqlite")
    try:
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert con.execute("SELECT version FROM schema_version").fetchall() == [(SCHEMA_VERSION,)]
    finally:
        con.close()


# --- migrations --------------------------------------------------------------------------------------


def test_old_version_database_is_upgraded(tmp_path):
    path = tmp_path / "gammel.sqlite"
    old = Scenario.from_json({"pool": {"total": 5000}, "force_out": ["TV01"]})
    con = sqlite3.connect(path)
    con.executescript("""
        CREATE TABLE schema_version (version INTEGER NOT NULL);
        INSERT INTO schema_version VALUES (1);
        CREATE TABLE scenarios (id INTEGER PRIMARY KEY AUTOINCREMENT, name VARCHAR(200) NOT NULL UNIQUE,
                                note TEXT NOT NULL, scenario_json TEXT NOT NULL, created VARCHAR(40) NOT NULL);
    """)
    con.execute("INSERT INTO scenarios (name, note, scenario_json, created) VALUES (?, ?, ?, ?)",
                ("Gammel", "fra version 1", json.dumps(old.to_json()), "2024-05-01T10:00:00+00:00"))
    con.commit()
    con.close()
    store = ScenarioStore(f"sqlite:///{path}")
    (saved,) = store.list()
    assert saved.name == "Gammel" and saved.scenario == old and saved.note == "fra version 1"
    assert saved.created == datetime(2024, 5, 1, 10, tzinfo=UTC) == saved.updated
    assert saved.catalogue_tables is None
    new = store.save("Ny", "", Scenario(), catalogue_tables={"proposals.csv": []})
    assert new.catalogue_tables == {"proposals.csv": []}
    store.close()
    con = sqlite3.connect(path)
    try:
        assert con.execute("SELECT version FROM schema_version").fetchall() == [(SCHEMA_VERSION,)]
        cols = [r[1] for r in con.execute("PRAGMA table_info(scenarios)")]
        assert {"updated", "catalogue_tables"} <= set(cols)
    finally:
        con.close()


def test_each_migration_step_upgrades_a_database_made_by_the_previous_ones(tmp_path):
    assert SCHEMA_VERSION == len(MIGRATIONS) >= 2
    for start in range(SCHEMA_VERSION):
        url = f"sqlite:///{tmp_path / f'v{start}.sqlite'}"
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
        con = sqlite3.connect(tmp_path / f"v{start}.sqlite")
        assert con.execute("SELECT version FROM schema_version").fetchall() == [(SCHEMA_VERSION,)]
        con.close()


def test_newer_version_database_is_refused(tmp_path):
    path = tmp_path / "ny.sqlite"
    con = sqlite3.connect(path)
    con.executescript(f"CREATE TABLE schema_version (version INTEGER NOT NULL); "
                      f"INSERT INTO schema_version VALUES ({SCHEMA_VERSION + 1});")
    con.close()
    with pytest.raises(StorageError, match="nyere version"):
        ScenarioStore(f"sqlite:///{path}").list()


def test_unreadable_stored_scenario_gives_warnings_not_errors(store, tmp_path, ds):
    store.save("ok", "", Scenario())
    con = sqlite3.connect(tmp_path / "scenarier.sqlite")
    bad = Scenario.from_json({"pool": {"total": 100}}).to_json() | {"pool": {"total": -5}, "ny_indstilling": 1,
                                                                    "force_in": ["BU01"]}
    con.execute("UPDATE scenarios SET scenario_json = ?", (json.dumps(bad),))
    con.commit()
    con.close()
    (saved,) = store.list()
    assert saved.scenario.force_in == ("BU01",) and saved.scenario.pool is None
    assert any("ny_indstilling" in w for w in saved.warnings) and any("pool" in w for w in saved.warnings)
    scenario, warnings = check_against(saved, ds)
    assert scenario.force_in == ("BU01",) and warnings[: len(saved.warnings)] == list(saved.warnings)


# --- concurrency ------------------------------------------------------------------------------------------


def _process_worker(url: str, worker: int, barrier) -> None:  # runs in a child process
    store = ScenarioStore(url)
    barrier.wait(timeout=60)
    for n in range(PER_PROCESS):
        store.save(f"proces {worker} nr. {n}", note_for(f"proces {worker}", n), scenario_for(f"p{worker}", n))
    store.close()


def test_concurrent_saves_from_threads_and_processes_lose_nothing(tmp_path):
    url = f"sqlite:///{tmp_path / 'delt.sqlite'}"
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(PROCESSES + 1)
    procs = [ctx.Process(target=_process_worker, args=(url, w, barrier)) for w in range(PROCESSES)]
    for p in procs:
        p.start()
    store = ScenarioStore(url)  # one store shared by the threads, as in the dashboard
    errors: list[BaseException] = []
    start = threading.Barrier(THREADS)

    def thread_worker(t: int) -> None:
        try:
            start.wait(timeout=60)
            for n in range(PER_THREAD):
                store.save(f"tråd {t} nr. {n}", note_for(f"tråd {t}", n), scenario_for(f"t{t}", n))
        except BaseException as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=thread_worker, args=(t,)) for t in range(THREADS)]
    barrier.wait(timeout=60)  # release the processes as the threads start
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    for p in procs:
        p.join(timeout=120)
    assert not errors, errors
    assert all(p.exitcode == 0 for p in procs), [p.exitcode for p in procs]

    saved = {s.name: s for s in ScenarioStore(url).list()}
    assert len(saved) == PROCESSES * PER_PROCESS + THREADS * PER_THREAD
    expected = [(f"proces {w} nr. {n}", f"proces {w}", n) for w in range(PROCESSES) for n in range(PER_PROCESS)]
    expected += [(f"tråd {t} nr. {n}", f"tråd {t}", n) for t in range(THREADS) for n in range(PER_THREAD)]
    for name, worker, n in expected:
        s = saved[name]
        assert s.note == note_for(worker, n)
        assert s.scenario == scenario_for(worker, n)
        assert json.dumps(s.scenario.to_json()) == json.dumps(scenario_for(worker, n).to_json())
    assert len({s.id for s in saved.values()}) == len(saved)
    store.close()


def test_concurrent_saves_of_one_name_keep_exactly_one(tmp_path):
    store = ScenarioStore(f"sqlite:///{tmp_path / 'samme.sqlite'}")
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


def test_store_path_with_unicode_directory(tmp_path):
    d = tmp_path / "Økonomi æøå"
    s = ScenarioStore(f"sqlite:///{d / 'x.sqlite'}")
    s.save("ø", "", Scenario())
    assert Path(d / "x.sqlite").is_file()
    s.close()
