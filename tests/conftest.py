"""Fixtures shared by the analysis tests."""

from __future__ import annotations

import pytest

from portfolio.data import load_dataset
from portfolio.model import DataSet
from portfolio.optimiser import InstanceCache


@pytest.fixture(scope="module")
def ds() -> DataSet:
    return load_dataset()


@pytest.fixture(scope="module")
def cache(ds: DataSet) -> InstanceCache:
    return InstanceCache(ds)
