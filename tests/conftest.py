"""Fixtures shared by the tests: the dataset and instance cache of the analysis tests, and the
scenario-store backends (a SQLite file, or a fresh database on the session's throwaway PostgreSQL
server; runs on PostgreSQL are marked ``postgres``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import sync_playwright
from sqlalchemy import create_engine, text

from portfolio.data import load_dataset
from portfolio.model import DataSet
from portfolio.optimiser import InstanceCache
from portfolio.storage import ScenarioStore
from tests.browser import CHROMIUM_ARGS, chromium_path, streamlit_server
from tests.pg import PgServer, throwaway_server


@pytest.fixture(scope="module")
def ds() -> DataSet:
    return load_dataset()


@pytest.fixture(scope="module")
def cache(ds: DataSet) -> InstanceCache:
    return InstanceCache(ds)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """One throwaway PostgreSQL server for the whole session (tests/pg.py); tests make their own
    databases on it. It fails, never skips, when PostgreSQL cannot be started."""
    with throwaway_server() as server:
        yield server


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def new_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Callable[[str], str]]:
    """Gives the URL of a fresh, empty database named after its argument, on the test's backend."""
    if backend == "sqlite":
        yield lambda name: f"sqlite:///{tmp_path / f'{name}.sqlite'}"
        return
    server: PgServer = request.getfixturevalue("pg_server")  # only the PostgreSQL runs start it
    made: list[str] = []

    def make(name: str) -> str:
        made.append(server.create_database(name))
        return made[-1]

    yield make
    for url in made:
        server.drop_database(url)


@pytest.fixture
def url(new_url: Callable[[str], str]) -> str:
    return new_url("scenarier")


@pytest.fixture
def store(url: str) -> Iterator[ScenarioStore]:
    s = ScenarioStore(url)
    yield s
    s.close()


def execute(url: str, statement: str, **params: Any) -> list[tuple]:
    """Run one SQL statement on the database behind the store's back (as another program would)."""
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            res = conn.execute(text(statement), params)
            return [tuple(r) for r in res] if res.returns_rows else []
    finally:
        engine.dispose()


# --- the real browser (tests marked `browser`; a module may override either fixture) ------------


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """The dashboard served by a real Streamlit server on a free port, for one test module."""
    with streamlit_server() as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's chromium, driven by Playwright, for one test module."""
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield b
        b.close()


# --- the dashboard's saved-scenario store, one per test ------------------------------------------


@pytest.fixture
def own_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A fresh SQLite store for the dashboard (`ui.share.store`) in the test's own folder."""
    monkeypatch.setenv("PORTFOLIO_DB_PATH", str(tmp_path / "scenarier.sqlite"))
    monkeypatch.delenv("PORTFOLIO_DB_URL", raising=False)
    from ui import share  # noqa: PLC0415 - Streamlit only for the tests that use the store

    share.store.clear()
    yield
    share.store.clear()
