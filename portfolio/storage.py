"""Saved scenarios, in a database through SQLAlchemy 2 (SQLite by default, PostgreSQL for a team server).

Where: the URL in ``PORTFOLIO_DB_URL`` (any SQLAlchemy URL), else a SQLite file at
``PORTFOLIO_DB_PATH``, else ``~/.investeringsportefolje/scenarier.sqlite``. The directory and the
schema are created on first use. A PostgreSQL URL without a driver (``postgresql://…`` or
``postgres://…``) uses psycopg 3 (``postgresql+psycopg://…``), the driver this project installs;
SQLAlchemy alone would pick psycopg2.

The schema is versioned: the table ``schema_version`` holds the number of migrations applied, and
`MIGRATIONS` is the ordered list of migration functions. Opening an older database applies the
missing ones (in one transaction); a database from a newer version is refused.

Several users may save at once without losing anything: every write is one short transaction that
takes the database's write lock up front, so a read-then-write (is the name free? then insert)
never races another writer and never fails half-way. On SQLite that is ``BEGIN IMMEDIATE`` (in WAL
mode, with a busy timeout); on PostgreSQL it is a transaction-level advisory lock
(``pg_advisory_xact_lock``) at READ COMMITTED, so each later statement sees what the previous lock
holder committed. Schema creation and migration are such write transactions too, so processes
that open a fresh database at once apply the migrations one after another. The UNIQUE constraint on
the name is the last line of defence, and its violation gives the same Danish message as the check.
An operation that meets a transient error ("database is locked", a serialization failure or a
deadlock) is retried with back-off. PostgreSQL connections come from a small pool (a few
connections, checked before use), enough for the dashboard's concurrent sessions.

A scenario is stored as its JSON (`Scenario.to_json`); an uploaded catalogue it was made with can
be stored beside it (the tables of string cells that `portfolio.upload.read_upload` returns).
"""

from __future__ import annotations

import json
import logging
import os
import random
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import (
    Column,
    Connection,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy import delete as sql_delete
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError
from sqlalchemy.pool import StaticPool

from . import fmt
from .model import DataSet
from .scenario import Scenario, ScenarioError
from .urlstate import fit_to_dataset, lenient_scenario

T = TypeVar("T")

LOG = logging.getLogger("investeringsportefolje.storage")
MAX_NAME_LENGTH = 200
MAX_NOTE_LENGTH = 20_000
BUSY_TIMEOUT_S = 2.0  # SQLite: how long one statement waits for another writer's lock
MAX_ATTEMPTS = 12
MAX_WAIT_S = 4.0  # all retries of one operation together; then a Danish "optaget" message
MAX_STORED_JSON = 5_000_000  # characters; a stored scenario or catalogue beyond this is not parsed
# PostgreSQL: the pool of one store (the dashboard shares one store between its sessions).
POOL_SIZE = 5
POOL_MAX_OVERFLOW = 5
POOL_TIMEOUT_S = 30.0
POOL_RECYCLE_S = 1800
CONNECT_TIMEOUT_S = 10
PG_WRITE_LOCK_KEY = 0x5343454E4152  # the advisory lock every write takes ("SCENAR")
# serialization failure, deadlock detected, lock not available (lock_timeout)
_PG_TRANSIENT_SQLSTATES = frozenset({"40001", "40P01", "55P03"})


class StorageError(Exception):
    """A saved-scenario operation failed; the message is meant for the user (Danish)."""


@dataclass(frozen=True)
class SavedScenario:
    id: int
    name: str
    note: str
    scenario: Scenario
    catalogue_tables: dict | None
    created: datetime  # timezone-aware (UTC)
    updated: datetime  # timezone-aware (UTC)
    warnings: tuple[str, ...] = ()  # fields of the stored JSON that could not be read (dropped)


def default_url() -> str:
    """The database URL: PORTFOLIO_DB_URL, else the SQLite file at PORTFOLIO_DB_PATH or in the home directory."""
    url = os.environ.get("PORTFOLIO_DB_URL")
    if url:
        return url
    path = os.environ.get("PORTFOLIO_DB_PATH")
    p = Path(path).expanduser() if path else Path.home() / ".investeringsportefolje" / "scenarier.sqlite"
    return f"sqlite:///{p}"


# --------------------------------------------------------------------------------------------
# Schema and migrations
# --------------------------------------------------------------------------------------------

_meta = MetaData()
schema_version = Table("schema_version", _meta, Column("version", Integer, nullable=False))
# The current shape of the scenarios table (after every migration); used for queries only.
scenarios = Table(
    "scenarios", MetaData(),
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(MAX_NAME_LENGTH), nullable=False, unique=True),
    Column("note", Text, nullable=False),
    Column("scenario_json", Text, nullable=False),
    Column("created", String(40), nullable=False),
    Column("updated", String(40)),
    Column("catalogue_tables", Text),
)


def _m1_create_scenarios(conn: Connection) -> None:
    """Version 1: scenarios with name, note, JSON and creation time."""
    v1 = Table(
        "scenarios", MetaData(),
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("name", String(MAX_NAME_LENGTH), nullable=False, unique=True),
        Column("note", Text, nullable=False),
        Column("scenario_json", Text, nullable=False),
        Column("created", String(40), nullable=False),
    )
    v1.create(conn)


def _m2_updated_and_catalogue(conn: Connection) -> None:
    """Version 2: time of the last change, and the uploaded catalogue a scenario was made with."""
    conn.execute(text("ALTER TABLE scenarios ADD COLUMN updated VARCHAR(40)"))
    conn.execute(text("ALTER TABLE scenarios ADD COLUMN catalogue_tables TEXT"))
    conn.execute(text("UPDATE scenarios SET updated = created"))


def _m3_ids_never_reused(conn: Connection) -> None:
    """Version 3: an id is never given to a second scenario, so an id a user saw names that
    scenario or none (a stale rename or delete is refused instead of hitting someone else's).
    SQLite reuses the largest id after a delete unless the key is AUTOINCREMENT, so the table is
    rebuilt with it; PostgreSQL's sequences never reuse ids."""
    if conn.dialect.name != "sqlite":
        return
    conn.execute(text(
        "CREATE TABLE scenarios_v3 (id INTEGER PRIMARY KEY AUTOINCREMENT, "
        f"name VARCHAR({MAX_NAME_LENGTH}) NOT NULL UNIQUE, note TEXT NOT NULL, scenario_json TEXT NOT NULL, "
        "created VARCHAR(40) NOT NULL, updated VARCHAR(40), catalogue_tables TEXT)"))
    conn.execute(text("INSERT INTO scenarios_v3 (id, name, note, scenario_json, created, updated, catalogue_tables) "
                      "SELECT id, name, note, scenario_json, created, updated, catalogue_tables FROM scenarios"))
    conn.execute(text("DROP TABLE scenarios"))
    conn.execute(text("ALTER TABLE scenarios_v3 RENAME TO scenarios"))


MIGRATIONS: tuple[Callable[[Connection], None], ...] = (_m1_create_scenarios, _m2_updated_and_catalogue,
                                                         _m3_ids_never_reused)
SCHEMA_VERSION = len(MIGRATIONS)


def _current_version(conn: Connection) -> int:
    schema_version.create(conn, checkfirst=True)
    v = conn.execute(select(func.max(schema_version.c.version))).scalar()
    return int(v or 0)


def migrate(conn: Connection, upto: int | None = None) -> int:
    """Apply the migrations the database lacks (inside the caller's transaction); returns the version.

    The caller's transaction should hold the write lock (``write=True`` on a `make_engine`
    connection); on PostgreSQL it is taken here as well, so processes that open a fresh database at
    once apply the migrations one after another instead of creating the tables twice."""
    _take_write_lock(conn)
    target = SCHEMA_VERSION if upto is None else upto
    have = _current_version(conn)
    if have > SCHEMA_VERSION:
        raise StorageError(f"Databasen med gemte scenarier er fra en nyere version af programmet "
                           f"(skemaversion {have}, denne version kender {SCHEMA_VERSION}).")
    for n in range(have, target):
        MIGRATIONS[n](conn)
    if target > have:
        conn.execute(sql_delete(schema_version))
        conn.execute(insert(schema_version).values(version=target))
    return max(have, target)


# --------------------------------------------------------------------------------------------
# Engine
# --------------------------------------------------------------------------------------------


def _normalised_url(url: str) -> URL:
    """`url` parsed; a PostgreSQL URL without a driver (``postgresql://``, ``postgres://``) gets psycopg 3."""
    u = make_url(url)
    backend, _, driver = u.drivername.partition("+")
    if backend in ("postgresql", "postgres"):
        u = u.set(drivername=f"postgresql+{driver or 'psycopg'}")
    return u


def _take_write_lock(conn: Connection) -> None:
    """On PostgreSQL, wait for the store's write lock (released when the transaction ends).

    SQLite takes its lock with ``BEGIN IMMEDIATE`` instead. Taking it twice in one transaction is
    harmless."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PG_WRITE_LOCK_KEY})


def make_engine(url: str) -> Engine:
    """An engine for `url`. A connection with the execution option ``write=True`` takes the write lock
    when its transaction begins. SQLite: WAL, a busy timeout and explicit (IMMEDIATE) transactions.
    PostgreSQL: psycopg 3 unless the URL names a driver, READ COMMITTED, a small pre-pinged pool."""
    u = _normalised_url(url)
    backend = u.get_backend_name()
    if backend == "postgresql":
        connect_args = {} if "connect_timeout" in u.query else {"connect_timeout": CONNECT_TIMEOUT_S}
        engine = create_engine(u, isolation_level="READ COMMITTED", pool_size=POOL_SIZE,
                               max_overflow=POOL_MAX_OVERFLOW, pool_timeout=POOL_TIMEOUT_S,
                               pool_recycle=POOL_RECYCLE_S, pool_pre_ping=True, connect_args=connect_args)

        @event.listens_for(engine, "begin")
        def _on_begin_pg(conn: Connection) -> None:
            if conn.get_execution_options().get("write"):
                _take_write_lock(conn)

        return engine
    if backend != "sqlite":
        return create_engine(u, pool_pre_ping=True)
    db = u.database or ""
    memory = db in ("", ":memory:") or "mode=memory" in db
    if not memory and not db.startswith("file:"):
        Path(db).expanduser().parent.mkdir(parents=True, exist_ok=True)
    kwargs: dict[str, Any] = {"connect_args": {"timeout": BUSY_TIMEOUT_S, "check_same_thread": False}}
    if memory:
        kwargs["poolclass"] = StaticPool
    engine = create_engine(u, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves (pysqlite's own handling is unreliable)
        cur = dbapi_conn.cursor()
        try:
            cur.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
            if not memory:
                cur.execute("PRAGMA journal_mode = WAL")
                cur.execute("PRAGMA synchronous = NORMAL")
        finally:
            cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("write") else "BEGIN")

    return engine


def _transient(e: OperationalError) -> bool:
    """Whether retrying may succeed: SQLite's "database is locked"/"busy", or PostgreSQL's
    serialization failure, deadlock or lock timeout."""
    orig = getattr(e, "orig", e)
    if getattr(orig, "sqlstate", None) in _PG_TRANSIENT_SQLSTATES:
        return True
    msg = str(orig).lower()
    return "locked" in msg or "busy" in msg


def _now() -> datetime:
    return datetime.now(UTC)


def _stored_json(text_value: Any) -> Any:
    """A stored JSON text parsed, or None when it is too long, too deep or not JSON."""
    if not isinstance(text_value, str) or len(text_value) > MAX_STORED_JSON:
        return None
    try:
        return json.loads(text_value)
    except (ValueError, RecursionError):
        return None


def _parse_time(value: str | None, fallback: datetime | None = None) -> datetime:
    if not value:
        return fallback or datetime.fromtimestamp(0, UTC)
    try:
        t = datetime.fromisoformat(str(value))
    except (ValueError, OverflowError):
        return fallback or datetime.fromtimestamp(0, UTC)
    return t if t.tzinfo is not None else t.replace(tzinfo=UTC)


def _where(url: str) -> str:
    """The database for a message: the SQLite file, or the server and database (no password)."""
    try:
        u = make_url(url)
    except Exception:  # noqa: BLE001
        return "databasen"
    if u.get_backend_name() == "sqlite":
        return f"filen {u.database}" if u.database else "databasen i hukommelsen"
    return f"databasen {u.database or ''} på {u.host or 'localhost'}{f':{u.port}' if u.port else ''}".strip()


def _danish_error(e: BaseException, url: str) -> str:
    """A database error in Danish words, naming the database and what the user can do (the
    library's English text goes to the log, not into the message)."""
    orig = getattr(e, "orig", e)
    text_ = str(orig).lower()
    where = _where(url)
    LOG.warning("Storage error on %s: %s", where, orig)
    if "locked" in text_ or "busy" in text_ or getattr(orig, "sqlstate", None) in _PG_TRANSIENT_SQLSTATES:
        return (f"De gemte scenarier er optaget af en anden bruger eller proces ({where}), også efter "
                f"{fmt.tal(MAX_WAIT_S)} sekunders venten. Prøv igen om lidt.")
    if "not a database" in text_ or "malformed" in text_ or "corrupt" in text_:
        return (f"Databasen med gemte scenarier er beskadiget ({where}). Flyt filen væk (gem den som "
                "sikkerhedskopi); så oprettes en ny, tom database.")
    if "readonly" in text_ or "read-only" in text_ or "permission" in text_ or "access" in text_:
        return f"Databasen med gemte scenarier kan ikke skrives ({where}): der er ikke skriveadgang."
    if "unable to open" in text_ or "no such file" in text_ or "is a directory" in text_:
        return f"Databasen med gemte scenarier kan ikke åbnes ({where})."
    if isinstance(e, OperationalError | OSError) or "connect" in text_ or "refused" in text_:
        return f"Databasen med gemte scenarier svarer ikke ({where}). Prøv igen, eller kontakt den, der driver serveren."
    return f"Databasen med gemte scenarier gav en fejl ({where}); se serverens log."


# --------------------------------------------------------------------------------------------
# The store
# --------------------------------------------------------------------------------------------


class ScenarioStore:
    """Saved scenarios. Safe to share between threads; several processes may use one database."""

    def __init__(self, url: str | None = None) -> None:
        self.url = url or default_url()
        self._engine: Engine | None = None
        self._lock = threading.Lock()

    # --- plumbing -----------------------------------------------------------------------------

    def _get_engine(self) -> Engine:
        with self._lock:
            if self._engine is None:
                try:
                    engine = make_engine(self.url)
                except (SQLAlchemyError, OSError, ValueError, ImportError) as e:
                    LOG.warning("Cannot open the scenario store %s: %s", _where(self.url), e)
                    raise StorageError(f"Databasen med gemte scenarier kan ikke åbnes ({_where(self.url)}): "
                                       "adressen eller filen kan ikke bruges.") from e
                try:
                    self._retry(lambda: self._migrate(engine))
                except BaseException:
                    engine.dispose()
                    raise
                self._engine = engine
            return self._engine

    @staticmethod
    def _migrate(engine: Engine) -> None:
        with engine.connect() as conn, conn.execution_options(write=True).begin():
            migrate(conn)

    def _retry(self, fn: Callable[[], T]) -> T:
        """Run `fn`, retrying transient lock errors with back-off for at most `MAX_WAIT_S`;
        every other database error becomes a `StorageError` in Danish (`_danish_error`). An
        IntegrityError passes through for the caller's own message."""
        delay = 0.01
        deadline = time.monotonic() + MAX_WAIT_S
        for attempt in range(MAX_ATTEMPTS):
            try:
                return fn()
            except IntegrityError:
                raise
            except OperationalError as e:
                if not _transient(e) or attempt == MAX_ATTEMPTS - 1 or time.monotonic() >= deadline:
                    raise StorageError(_danish_error(e, self.url)) from e
                time.sleep(min(delay * (1 + random.random()), max(0.0, deadline - time.monotonic())))
                delay = min(delay * 2, 1.0)
            except (SQLAlchemyError, OSError) as e:
                raise StorageError(_danish_error(e, self.url)) from e
        raise AssertionError("unreachable")  # pragma: no cover

    @contextmanager
    def _tx(self, write: bool) -> Iterator[Connection]:
        engine = self._get_engine()
        with engine.connect() as conn:
            c = conn.execution_options(write=True) if write else conn
            with c.begin():
                yield c

    def close(self) -> None:
        """Release the database connections (the store can be used again afterwards)."""
        with self._lock:
            if self._engine is not None:
                self._engine.dispose()
                self._engine = None

    # --- rows ---------------------------------------------------------------------------------

    @staticmethod
    def _row(row: Any) -> SavedScenario:
        """A stored row as a SavedScenario; whatever in it cannot be read becomes a warning (the
        defaults are used, an unreadable catalogue is left out), never an error, so one absurd
        row cannot hide the good ones."""
        warnings: list[str] = []
        data = _stored_json(row.scenario_json)
        if not isinstance(data, dict):
            data = {}
            warnings.append("Det gemte scenarie kunne ikke læses; standardindstillingerne bruges.")
        try:
            scenario = Scenario.from_json(data)
        except ScenarioError:
            try:
                scenario, notes = lenient_scenario(data)
                warnings += notes
            except Exception:  # noqa: BLE001 - an absurd stored value must not hide the row
                scenario = Scenario()
                warnings.append("Det gemte scenarie kunne ikke læses; standardindstillingerne bruges.")
        tables = None
        if row.catalogue_tables:
            tables = _stored_json(row.catalogue_tables)
            if not isinstance(tables, dict):
                tables = None
                warnings.append("Det gemte katalog kunne ikke læses og er udeladt.")
        created = _parse_time(row.created)
        return SavedScenario(id=int(row.id), name=str(row.name), note=str(row.note or ""), scenario=scenario,
                             catalogue_tables=tables, created=created, updated=_parse_time(row.updated, created),
                             warnings=tuple(warnings))

    @staticmethod
    def _clean_name(name: str) -> str:
        n = " ".join(str(name).split())
        if not n:
            raise StorageError("Giv scenariet et navn.")
        if len(n) > MAX_NAME_LENGTH:
            raise StorageError(f"Navnet er for langt (højst {MAX_NAME_LENGTH} tegn).")
        if "\x00" in n:  # PostgreSQL cannot store it; refused everywhere so both behave alike
            raise StorageError("Navnet må ikke indeholde tegnet NUL.")
        return n

    @staticmethod
    def _clean_note(note: str) -> str:
        n = str(note or "")
        if len(n) > MAX_NOTE_LENGTH:
            raise StorageError(f"Noten er for lang (højst {MAX_NOTE_LENGTH} tegn).")
        if "\x00" in n:
            raise StorageError("Noten må ikke indeholde tegnet NUL.")
        return n

    @staticmethod
    def _tables_json(tables: dict | None) -> str | None:
        if tables is None:
            return None
        try:
            return json.dumps(tables, ensure_ascii=False)
        except (TypeError, ValueError) as e:
            raise StorageError(f"Kataloget kan ikke gemmes sammen med scenariet: {e}") from e

    @staticmethod
    def _fetch(conn: Connection, id: int) -> Any:
        row = conn.execute(select(scenarios).where(scenarios.c.id == id)).first()
        if row is None:
            raise StorageError(f"Der findes intet gemt scenarie med nummer {id} (det kan være slettet).")
        return row

    # --- public API ---------------------------------------------------------------------------

    def save(self, name: str, note: str, scenario: Scenario, catalogue_tables: dict | None = None, *,
             overwrite: bool = False) -> SavedScenario:
        """Save a scenario under a unique name. An existing name is an error unless `overwrite`."""
        clean = self._clean_name(name)
        note = self._clean_note(note)
        payload = json.dumps(scenario.to_json(), ensure_ascii=False)
        tables = self._tables_json(catalogue_tables)

        def run() -> SavedScenario:
            now = _now().isoformat()
            with self._tx(write=True) as conn:
                existing = conn.execute(select(scenarios.c.id).where(scenarios.c.name == clean)).first()
                if existing is not None and not overwrite:
                    raise StorageError(f"Der findes allerede et gemt scenarie med navnet '{clean}'. "
                                       "Vælg et andet navn, eller vælg at overskrive det.")
                if existing is not None:
                    conn.execute(update(scenarios).where(scenarios.c.id == existing.id).values(
                        note=note, scenario_json=payload, catalogue_tables=tables, updated=now))
                    new_id = int(existing.id)
                else:
                    res = conn.execute(insert(scenarios).values(
                        name=clean, note=note, scenario_json=payload, catalogue_tables=tables,
                        created=now, updated=now))
                    new_id = int(res.inserted_primary_key[0])
                return self._row(self._fetch(conn, new_id))

        try:
            return self._retry(run)
        except IntegrityError as e:
            raise StorageError(f"Der findes allerede et gemt scenarie med navnet '{clean}'.") from e

    def list(self) -> list[SavedScenario]:
        """Every saved scenario, sorted by name."""

        def run() -> list[SavedScenario]:
            with self._tx(write=False) as conn:
                rows = conn.execute(select(scenarios)).all()
            return sorted((self._row(r) for r in rows), key=lambda s: (s.name.casefold(), s.id))

        return self._retry(run)

    def get(self, id: int) -> SavedScenario:
        def run() -> SavedScenario:
            with self._tx(write=False) as conn:
                return self._row(self._fetch(conn, id))

        return self._retry(run)

    def get_by_name(self, name: str) -> SavedScenario:
        clean = " ".join(str(name).split())
        if "\x00" in clean:  # no saved name has one (see _clean_name), and PostgreSQL cannot compare it
            raise StorageError(f"Der findes intet gemt scenarie med navnet '{clean}'.")

        def run() -> SavedScenario:
            with self._tx(write=False) as conn:
                row = conn.execute(select(scenarios).where(scenarios.c.name == clean)).first()
            if row is None:
                raise StorageError(f"Der findes intet gemt scenarie med navnet '{clean}'.")
            return self._row(row)

        return self._retry(run)

    def rename(self, id: int, new_name: str) -> SavedScenario:
        clean = self._clean_name(new_name)

        def run() -> SavedScenario:
            with self._tx(write=True) as conn:
                self._fetch(conn, id)
                other = conn.execute(select(scenarios.c.id).where(scenarios.c.name == clean)).first()
                if other is not None and int(other.id) != id:
                    raise StorageError(f"Der findes allerede et gemt scenarie med navnet '{clean}'.")
                conn.execute(update(scenarios).where(scenarios.c.id == id).values(
                    name=clean, updated=_now().isoformat()))
                return self._row(self._fetch(conn, id))

        try:
            return self._retry(run)
        except IntegrityError as e:
            raise StorageError(f"Der findes allerede et gemt scenarie med navnet '{clean}'.") from e

    def update_note(self, id: int, note: str) -> SavedScenario:
        clean = self._clean_note(note)

        def run() -> SavedScenario:
            with self._tx(write=True) as conn:
                self._fetch(conn, id)
                conn.execute(update(scenarios).where(scenarios.c.id == id).values(
                    note=clean, updated=_now().isoformat()))
                return self._row(self._fetch(conn, id))

        return self._retry(run)

    def delete(self, id: int) -> None:
        def run() -> None:
            with self._tx(write=True) as conn:
                self._fetch(conn, id)
                conn.execute(sql_delete(scenarios).where(scenarios.c.id == id))

        self._retry(run)


def check_against(saved: SavedScenario, ds: DataSet, *,
                  horizon_range: tuple[int, int] | None = None) -> tuple[Scenario, list[str]]:
    """The saved scenario fitted to `ds`: catalogues, proposals and variants the data no longer has
    are dropped, with a Danish warning for each (and a horizon outside `horizon_range` falls back
    to the default). Never raises."""
    try:
        scenario, notes = fit_to_dataset(saved.scenario, ds, horizon_range=horizon_range)
    except Exception:  # noqa: BLE001 - loading a saved scenario must not break the page
        return Scenario(), [*saved.warnings, "Det gemte scenarie kunne ikke tilpasses data; "
                                             "standardscenariet bruges."]
    return scenario, [*saved.warnings, *notes]
