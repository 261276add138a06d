"""Saved scenarios and their comparison in the dashboard (AppTest; issue 10, points 2 and 3): every
amount carries its unit (mio. kr.), savings are negative, and upload messages are Danish."""

from __future__ import annotations

import io
import zipfile

import pytest
from streamlit.testing.v1 import AppTest

from portfolio import fmt
from portfolio.data import load_dataset
from portfolio.keyfigures import scenario_key_figures
from portfolio.optimiser import optimise
from portfolio.scenario import Scenario
from tests.test_app import APP

TIGHT = {"pool": {"total": 15000}}
WIDE = {"pool": {"total": 40000, "per_year": {"2019": 12500.5}}}
OPEN = {"pool": None, "max_risk": "middel"}


pytestmark = pytest.mark.usefixtures("own_db")  # a saved-scenario store of its own per test


def _save(*specs: tuple[str, dict]) -> dict[str, int]:
    from portfolio.storage import ScenarioStore

    store = ScenarioStore()
    try:
        for name, spec in specs:
            store.save(name, "", Scenario.from_json(spec))
        return {s.name: s.id for s in store.list()}
    finally:
        store.close()


def _share_view(state: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    for k, v in (state or {}).items():
        at.session_state[k] = v
    at.radio(key="view").set_value("Del, gem, eksportér").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _frame(at: AppTest, *columns: str):
    for d in at.dataframe:
        if all(c in d.value.columns for c in columns):
            return d.value
    raise AssertionError(f"no table with {columns}: {[list(d.value.columns) for d in at.dataframe]}")


def test_the_saved_list_shows_every_pool_with_its_unit():
    _save(("Stram", TIGHT), ("Bred", WIDE), ("Uden pulje", OPEN))
    at = _share_view()
    rows = {r["Navn"]: r for r in _frame(at, "Navn", "Pulje").to_dict("records")}
    assert rows["Stram"]["Pulje"] == "15,0 mio. kr."  # was "15.000": a bare number in 1.000 kr.
    assert rows["Bred"]["Pulje"] == "40,0 mio. kr. (og pr. år)"
    assert rows["Uden pulje"]["Pulje"] == "Ingen pulje"


def _figures(spec: dict):
    ds = load_dataset()
    sc = Scenario.from_json(spec)
    return scenario_key_figures(ds, sc, optimise(ds, sc).selected)


def test_the_comparison_is_in_mio_kr_with_savings_negative():
    ids = _save(("Stram", TIGHT), ("Bred", WIDE))
    at = _share_view({"cmp_a": ids["Stram"], "cmp_b": ids["Bred"]})
    assert at.selectbox(key="cmp_a").value == ids["Stram"] and at.selectbox(key="cmp_b").value == ids["Bred"]
    ka, kb = _figures(TIGHT), _figures(WIDE)
    figs = {r["Nøgletal"]: r for r in _frame(at, "Nøgletal", "A", "B", "B − A").to_dict("records")}
    net = figs["Nettoeffekt over horisonten"]
    assert (net["A"], net["B"]) == (fmt.mio(ka.net_total, 2), fmt.mio(kb.net_total, 2))
    assert net["A"].startswith("-") and net["A"].endswith(" mio. kr.")  # savings negative, with the unit
    assert net["B − A"] == fmt.mio(kb.net_total - ka.net_total, 2) and net["B − A"].startswith("-")
    annual = figs["Varig årlig effekt (besparelse negativ)"]
    assert annual["A"] == fmt.mio(ka.annual_effect, 2)
    assert figs["Puljeforbrug"]["B"] == fmt.mio(kb.pool.total_used, 2)
    assert figs["Antal forslag"]["A"] == str(ka.n_proposals)
    assert figs["Tilbagebetalingstid (år)"]["A"] == fmt.years_text(ka.payback)
    maal = _frame(at, "Udvalg", "År", "Måltal A (mio. kr.)", "Måltal B (mio. kr.)", "B − A (mio. kr.)")
    row = maal[(maal["Udvalg"] == "Socialudvalget") & (maal["År"] == "2024")].iloc[0]
    assert row["Måltal A (mio. kr.)"] == fmt.tal(ka.effects.table("maaltal")["Socialudvalget"][2024] / 1000, 2)
    assert row["Måltal A (mio. kr.)"].startswith("-")
    diff = {r["Indstilling"]: r for r in _frame(at, "Indstilling", "A", "B").to_dict("records")}
    assert (diff["Investeringspulje i alt"]["A"], diff["Investeringspulje i alt"]["B"]) == (
        "15,0 mio. kr.", "40,0 mio. kr.")
    assert diff["Investeringspulje 2019"]["B"] == "12,5005 mio. kr."  # a typed amount: every decimal
    captions = " ".join(c.value for c in at.caption)
    assert "Beløb i mio. kr., 2020 p/l; besparelser er negative" in captions
    assert "1.000 kr." not in captions


def test_a_broken_upload_is_told_in_danish():
    at = _share_view()
    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w") as z:
        z.writestr("catalogues.csv", "id;name\n")
    for name, data in (("katalog.xlsx", b"PK\x03\x04 not a workbook"), ("katalog.zip", b"not a zip"),
                       ("katalog.zip", zipped.getvalue()[:-30])):
        at.file_uploader(key="upload_files").set_value((name, data, "application/octet-stream")).run()
        at.button(key="upload_go").click().run()
        assert not at.exception, [e.value for e in at.exception]
        errors = " ".join(e.value for e in at.error)
        assert "kan ikke åbnes" in errors, errors
        for english in ("BadZipFile", "Error", "error", "File is not", "Traceback", "zipfile"):
            assert english not in errors, errors
