"""The loader rejects malformed files with a message naming file, row and column."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portfolio.data import DataError, build_dataset, default_data_dir, load_dataset, read_csv_dir


@pytest.fixture()
def data_copy(tmp_path: Path) -> Path:
    dst = tmp_path / "data"
    shutil.copytree(default_data_dir(), dst)
    return dst


def _rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as f:
        r = csv.DictReader(f)
        return list(r.fieldnames or []), list(r)


def _write(path: Path, cols: list[str], rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=cols, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


def _edit(d: Path, name: str, index: int, **changes: str) -> None:
    cols, rows = _rows(d / name)
    rows[index].update(changes)
    _write(d / name, cols, rows)


def _problems(d: Path):
    with pytest.raises(DataError) as e:
        load_dataset(d)
    return e.value.problems


def test_unknown_styringsomraade(data_copy):
    _edit(data_copy, "cashflows.csv", 4, styringsomraade="Drift")
    p = _problems(data_copy)[0]
    assert (p.file, p.row, p.column) == ("cashflows.csv", 6, "styringsomraade")
    assert "ukendt styringsområde 'Drift'" in p.message


def test_non_numeric_amount(data_copy):
    _edit(data_copy, "cashflows.csv", 0, amount="mange")
    (p,) = _problems(data_copy)
    assert (p.file, p.row, p.column) == ("cashflows.csv", 2, "amount")
    assert "'mange' er ikke et tal" in p.message


def test_duplicate_key(data_copy):
    cols, rows = _rows(data_copy / "proposals.csv")
    rows.append(dict(rows[0]))
    _write(data_copy / "proposals.csv", cols, rows)
    (p,) = _problems(data_copy)
    assert (p.file, p.row, p.column) == ("proposals.csv", len(rows) + 1, "key")
    assert "'BU01' er brugt to gange" in p.message


def test_variant_referenced_but_not_defined(data_copy):
    _edit(data_copy, "cashflows.csv", 0, variant="Model 9")
    probs = _problems(data_copy)
    assert any(p.column == "variant" and p.row == 2 and "'Model 9' er ikke defineret for BU01" in p.message
               for p in probs)


def test_dependency_on_missing_key(data_copy):
    _edit(data_copy, "dependencies.csv", 0, other_key="XX99")
    (p,) = _problems(data_copy)
    assert (p.file, p.row, p.column) == ("dependencies.csv", 2, "other_key")
    assert "'XX99'" in p.message


def test_year_outside_table(data_copy):
    _edit(data_copy, "cashflows.csv", 0, year="2031")
    (p,) = _problems(data_copy)
    assert (p.file, p.row, p.column) == ("cashflows.csv", 2, "year")
    assert "2031 ligger uden for forslagets tabel (2019-2024)" in p.message


def test_unknown_risk(data_copy):
    _edit(data_copy, "proposals.csv", 2, risk="ekstrem")
    (p,) = _problems(data_copy)
    assert (p.file, p.row, p.column) == ("proposals.csv", 4, "risk")


def test_missing_column_and_file(data_copy):
    cols, rows = _rows(data_copy / "cashflows.csv")
    cols.remove("amount")
    for r in rows:
        r.pop("amount")
    _write(data_copy / "cashflows.csv", cols, rows)
    (p,) = _problems(data_copy)
    assert (p.file, p.row, p.column) == ("cashflows.csv", 1, "amount")
    (data_copy / "proposals.csv").unlink()
    assert any(p.file == "proposals.csv" and "mangler" in p.message for p in _problems(data_copy))


def test_line_contradicting_itself(data_copy):
    _edit(data_copy, "cashflows.csv", 3, label="Noget andet")
    (p,) = _problems(data_copy)
    assert (p.row, p.column) == (5, "label") and "BU01/V1" in p.message


def test_unknown_line_in_selector(data_copy):
    _edit(data_copy, "stated_figures.csv", 0, selector="lines=V99")
    (p,) = _problems(data_copy)
    assert (p.file, p.column) == ("stated_figures.csv", "selector") and "'V99'" in p.message


def test_problem_text_names_everything(data_copy):
    _edit(data_copy, "cashflows.csv", 0, amount="x")
    with pytest.raises(DataError) as e:
        load_dataset(data_copy)
    assert "cashflows.csv, række 2, kolonne 'amount'" in str(e.value)


def test_missing_directory(tmp_path):
    with pytest.raises(DataError):
        load_dataset(tmp_path / "nowhere")


BASE_TABLES = read_csv_dir(default_data_dir())
BROKEN = {
    "styringsomraade": st.sampled_from(["Drift", "service ", "", "Anlægs", "42"]),
    "amount": st.sampled_from(["1.300,5", "abc", "--1", "1e", "NaN?"]),
    "year": st.sampled_from(["", "2018", "2031", "tyve", "2019.5"]),
    "block": st.sampled_from(["", "varige", "investering", "X"]),
    "variant": st.sampled_from(["Model 3", "model 1", "X"]),
}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(row=st.integers(min_value=0, max_value=len(BASE_TABLES["cashflows.csv"]) - 1),
       data=st.data())
def test_broken_cashflow_rows_are_reported_where_they_are(row, data):
    col = data.draw(st.sampled_from(sorted(BROKEN)))
    value = data.draw(BROKEN[col])
    base = BASE_TABLES["cashflows.csv"][row]
    if col == "styringsomraade" and value.strip().lower() == base["styringsomraade"].lower():
        return  # 'service ' is a harmless spelling of Service
    if col == "variant" and base["proposal_key"] == "SI05" and value in ("Model 1", "Model 2"):
        return
    if col == "year" and value == "2018" and base["proposal_key"] in ("BC17-FIT", "BC18-FAM"):
        return
    tables = dict(BASE_TABLES)
    rows = [dict(r) for r in BASE_TABLES["cashflows.csv"]]
    rows[row][col] = value
    tables["cashflows.csv"] = rows
    with pytest.raises(DataError) as e:
        build_dataset(tables)
    assert any(p.file == "cashflows.csv" and p.row == row + 2 and p.column in (col, "label", "year")
               for p in e.value.problems), e.value.problems


def test_the_odd_row_of_a_line_is_the_one_reported():
    """A line's first row changed (its other rows agree): the error is at the changed row."""
    rows = [dict(r) for r in BASE_TABLES["cashflows.csv"]]
    first = next(i for i, r in enumerate(rows) if (r["proposal_key"], r["line_id"]) == ("BU06", "I1"))
    same_line = [i for i, r in enumerate(rows) if (r["proposal_key"], r["line_id"]) == ("BU06", "I1")]
    assert len(same_line) > 2
    rows[first]["styringsomraade"] = "Service" if rows[first]["styringsomraade"] != "Service" else "Anlæg"
    with pytest.raises(DataError) as e:
        build_dataset(dict(BASE_TABLES) | {"cashflows.csv": rows})
    at = [p for p in e.value.problems if p.column == "styringsomraade"]
    assert [p.row for p in at] == [first + 2]
    assert f"række {same_line[1] + 2}" in at[0].message
