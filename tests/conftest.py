"""Fixtures shared by the analysis tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from portfolio.data import load_dataset
from portfolio.model import DataSet
from portfolio.optimiser import InstanceCache
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
