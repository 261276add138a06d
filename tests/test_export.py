"""Export: the workbook checked cell by cell against the optimiser and the key figures (amounts in
mio. kr., savings negative), print set-up and no internal codes on every sheet (issue 10: "ready
to forward"), formula neutralisation, the CSV files, the scenario JSON round trip; and the
scenario comparison."""

from __future__ import annotations

import copy
import csv
import io
import json
import math
import re
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from portfolio.compare import FIGURE_LABELS, compare
from portfolio.data import build_dataset, default_data_dir, load_dataset, read_csv_dir
from portfolio.effects import MEASURE_LABELS
from portfolio.export import (
    NO_PRICE,
    OBJECTIVE_VALUE_LABEL,
    PRICE_HEADER,
    SHEETS,
    SOURCE_TITLES,
    csv_number,
    economy_csv,
    looks_like_formula,
    safe_text,
    scenario_from_workbook,
    scenario_json,
    selected_csv,
    workbook_bytes,
)
from portfolio.flows import variant_flows
from portfolio.keyfigures import scenario_key_figures
from portfolio.model import Styring
from portfolio.optimiser import CODE_LABELS, Code, optimise
from portfolio.register import compute_register
from portfolio.scenario import Scenario, flow_settings
from portfolio.tables import tabel1

ROOT = Path(__file__).resolve().parent.parent
EVIL_TITLE = '=HYPERLINK("http://example.invalid/x","klik")'
EVIL_LABEL = "+cmd|' /C calc'!A0"
EVIL_DESC = "@SUM(1+1)*cmd|' /C calc'!A0"
CREATED = datetime(2025, 3, 14, 9, 30)


@pytest.fixture(scope="module")
def ds():
    return load_dataset()


@pytest.fixture(scope="module")
def scenario():
    return Scenario.from_json({"catalogues": ["KK2020", "BC2017", "BC2018"], "pool": {"total": 20000,
                               "per_year": {"2019": 12000}}, "max_risky_share": 0.6, "force_in": ["BU09"]})


@pytest.fixture(scope="module")
def result(ds, scenario):
    res = optimise(ds, scenario)
    assert res.status == "optimal" and len(res.selected) > 3
    return res


@pytest.fixture(scope="module")
def kf(ds, scenario, result):
    return scenario_key_figures(ds, scenario, result.selected)


@dataclass(frozen=True)
class FakePrice:  # the shape of portfolio.toggles.TogglePrice the dashboard passes
    delta: float | None
    action: str


@pytest.fixture(scope="module")
def prices():
    return {"BU01": -1234.5, "TV01": "Koster 56,5 mio. kr. at tage med", "HA02": FakePrice(-250.0, "force_in"),
            "HA08": FakePrice(None, "force_in")}


@pytest.fixture(scope="module")
def wb(ds, scenario, result, prices):
    data = workbook_bytes(ds, scenario, result, prices=prices, created=CREATED)
    return load_workbook(io.BytesIO(data))


def R(x):
    """What the workbook stores for an amount in 1.000 kr.: mio. kr., rounded to 9 decimals."""
    if isinstance(x, dict):
        return {k: R(v) for k, v in x.items()}
    return round(x / 1000, 9)


def CSV_M(x):
    """An amount in 1.000 kr. as a CSV cell gives it back: mio. kr."""
    return pytest.approx(x / 1000, abs=1e-6)


def find_row(ws, *labels, start=1):
    for row in ws.iter_rows(min_row=start):
        texts = [c.value for c in row[: len(labels)]]
        if texts == list(labels):
            return row
    raise AssertionError(f"no row {labels} in {ws.title}")


def year_columns(ws, header_row=3):
    out = {}
    for c in ws[header_row]:
        if isinstance(c.value, str) and c.value.isdigit():
            out[int(c.value)] = c.column - 1
        if c.value == "I alt":
            out["total"] = c.column - 1
    return out


# --- safe_text ---------------------------------------------------------------------------------


@pytest.mark.parametrize("text,expected", [
    ("=1+1", "'=1+1"), ("+45 1234", "'+45 1234"), ("-1+cmd", "'-1+cmd"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\tx", "'\tx"), ("\rx", "'\rx"), ("\uff1d1+1", "'\uff1d1+1"), ("-1300", "-1300"), ("-12,5", "-12,5"),
    ("+7", "+7"), ("Plain", "Plain"), ("", ""), ("a=1", "a=1"), ("'=x", "'=x"),
])
def test_safe_text(text, expected):
    assert safe_text(text) == expected
    assert looks_like_formula(text) == (expected != text)


def test_csv_number_is_danish_excel_friendly():
    assert [csv_number(x) for x in (0.0, -0.0, -1300.0, 1274.5149, 1e-9, None, math.nan, 12.0)] == [
        "0", "0", "-1300", "1274,515", "0", "", "", "12"]


# --- the workbook --------------------------------------------------------------------------------


def test_workbook_sheets_frozen_headers_widths(wb):
    assert wb.sheetnames == list(SHEETS)
    for ws in wb:
        assert ws.freeze_panes is not None and ws.freeze_panes.endswith("4"), ws.title
        assert ws["A1"].value == ws.title and ws["A1"].font.b
        # the unit is stated in a title row: mio. kr., but the register keeps the documents' 1.000 kr.
        unit = "1.000 kr." if ws.title == "Afvigelser" else "mio. kr., 2020 p/l"
        assert unit in ws["A2"].value, ws.title
        assert all(c.font.b for c in ws[3] if c.value is not None)  # header row bold
        widths = [d.width for d in ws.column_dimensions.values() if d.width]
        assert widths and min(widths) >= 8, ws.title
    assert wb["Valgte forslag"].freeze_panes == "D4"


def test_every_sheet_is_ready_to_print(wb):
    """Landscape, fitted to the page width (any number of pages down), A4, the title, unit and
    header rows repeated on every page, page numbers in the footer."""
    for ws in wb:
        ps = ws.page_setup
        assert ps.orientation == "landscape", ws.title
        assert int(ps.fitToWidth) == 1 and int(ps.fitToHeight) == 0, ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage is True, ws.title
        assert ws.print_title_rows == "$1:$3", ws.title
        assert int(ps.paperSize) == int(ws.PAPERSIZE_A4)
        assert ws.oddFooter.right.text == "Side &P af &N"


# Internal codes that must never reach a reader: status and enum codes, solver ids, objective
# codes, Python reprs, the file names of the source documents. A cell may not BE one of them, and
# the distinctive ones may not occur in any text.
CODES = {c.value for c in Code} | {"optimal", "infeasible", "time_limit", "highs", "cbc", "HIGHS", "pareto", "milp",
                                   "None", "True", "False", "nan", "net", "npv", "annual", "permanent", "forskudt",
                                   "kalender", "Service,Anlæg"}
IN_TEXT = re.compile(r"\b(?:highs|cbc|HIGHS|time_limit|infeasible|optimal|None|True|False)\b|[a-zæøå]_[a-zæøå]"
                     r"|\d{3}_[0-9a-f]{16}\.txt|\{['\"]|\b(?:Code|Styring|Risk|Status)\.|<[a-z]+[ >]")


def internal_codes(wb):
    """(sheet, cell, text) of every cell that holds an internal code."""
    return [(ws.title, c.coordinate, c.value) for ws in wb for row in ws.iter_rows() for c in row
            if isinstance(c.value, str) and (c.value.strip() in CODES or IN_TEXT.search(c.value))]


def test_no_internal_code_anywhere(wb, ds, scenario):
    assert internal_codes(wb) == []
    # with CBC as the solver and an infeasible result too
    s = Scenario.from_json({"force_in": ["TV01"], "pool": {"total": 5000}, "solver": "cbc"})
    res = optimise(ds, s)
    assert res.status == "infeasible"
    bad = load_workbook(io.BytesIO(workbook_bytes(ds, s, res, created=CREATED)))
    assert internal_codes(bad) == []
    assert find_row(bad["Forudsætninger"], "Løser")[1].value == "CBC"
    assert find_row(wb["Forudsætninger"], "Løser")[1].value == "HiGHS"


def test_sources_are_named_not_file_names(wb, ds):
    ws = wb["Forudsætninger"]
    head = find_row(ws, "Id", "Navn")
    col = {c.value: c.column - 1 for c in head}
    texts = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert not any(re.search(r"\d{3}_[0-9a-f]{16}\.txt", t) for t in texts)
    for cat in ds.catalogues:
        row = find_row(ws, cat.id, cat.name)
        assert row[col["Kildedokument"]].value == SOURCE_TITLES[cat.source_document]
    assert find_row(ws, "KK2020")[col["Kildedokument"]].value == "Investeringskatalog (offentlig version)"
    note = find_row(ws, "BC2018")[col["Note"]].value
    assert "«Løsningsbeskrivelse \"Helhedsorienteret indsats for udsatte familier\"»" in note
    assert "«Orientering til Socialudvalget" in note


def test_no_formula_anywhere_and_text_stays_text(wb):
    for ws in wb:
        for row in ws.iter_rows():
            for c in row:
                assert c.data_type != "f", (ws.title, c.coordinate, c.value)
                if isinstance(c.value, str):
                    assert c.data_type in ("s", "inlineStr"), (ws.title, c.coordinate)


def test_key_figures_sheet_matches_keyfigures_and_result(wb, kf, result):
    ws = wb["Nøgletal"]

    def value(label):
        return find_row(ws, label)[1].value

    assert value("Nettoeffekt over horisonten (mio. kr.)") == R(kf.net_total)
    assert value("Varig årlig effekt (mio. kr.; besparelse negativ)") == R(kf.annual_effect)
    assert value("Investering i alt (mio. kr.)") == R(sum(kf.investment_by_year.values()))
    assert value("Puljeforbrug (mio. kr.)") == R(kf.pool.total_used)
    assert value("Pulje i alt (mio. kr.)") == 20
    assert value("Antal forslag") == len(result.selected) == kf.n_proposals
    assert value("Tilbagebetalingstid (år)") == kf.payback
    # the objective in the product's sign: savings negative (the optimiser maximises -net)
    assert OBJECTIVE_VALUE_LABEL == "Målværdi (mio. kr.; besparelse negativ)"
    assert value(OBJECTIVE_VALUE_LABEL) == R(-result.objective) < 0
    assert value(OBJECTIVE_VALUE_LABEL) == pytest.approx(value("Nettoeffekt over horisonten (mio. kr.)"))
    assert value("Status") == "Optimal løsning fundet"
    # the result and the key figures agree (the dashboard shows both)
    assert kf.net_total == pytest.approx(sum(result.net_by_year.values()), abs=1e-6)
    assert kf.pool.total_used == pytest.approx(result.pool_use_total, abs=1e-6)
    assert find_row(ws, "Nettoeffekt over horisonten (mio. kr.)")[1].number_format == "#,##0.00"
    for risk, n in kf.risk_mix.items():
        row = find_row(ws, risk)
        assert row[1].value == n and row[2].value == R(kf.risk_investment[risk])
    total = find_row(ws, "I alt")
    assert total[0].font.b and total[1].value == len(result.selected)
    # per year
    head = find_row(ws, "Pr. år (mio. kr., 2020 p/l)")
    cols = {int(c.value): c.column - 1 for c in head if isinstance(c.value, str) and c.value.isdigit()}
    assert sorted(cols) == list(kf.years)
    start = head[0].row
    for label, series in (("Investering", kf.investment_by_year), ("Puljeforbrug", kf.pool.per_year_used),
                          ("Varige ændringer (besparelse negativ)", kf.permanent_by_year),
                          ("Nettoeffekt", kf.net_by_year),
                          ("Akkumuleret nettoeffekt", kf.cumulative_net)):
        row = find_row(ws, label, start=start)
        assert {y: row[i].value for y, i in cols.items()} == R(series)
    assert find_row(ws, "Nettoeffekt", start=start)[0].font.b
    limit = find_row(ws, "Puljeramme", start=start)
    assert limit[cols[2019]].value == 12 and limit[cols[2020]].value is None


def test_economy_sheet_reconciles(wb, kf, result):
    ws = wb["Økonomi pr. år"]
    cols = year_columns(ws)
    assert [y for y in cols if y != "total"] == list(kf.years)

    def series(*labels):
        row = find_row(ws, *labels)
        return {y: row[i].value for y, i in cols.items() if y != "total"}, row[cols["total"]].value, row

    for st in Styring:
        inv, tot, _ = series("Investeringer", st.value)
        assert inv == R(kf.investment_by_styring.get(st.value, dict.fromkeys(kf.years, 0.0)))
        assert tot == pytest.approx(sum(inv.values()), abs=1e-8)
    inv, tot, row = series("Investeringer i alt")
    assert inv == R(kf.investment_by_year) and row[0].font.b
    for y in kf.years:
        assert inv[y] == pytest.approx(result.investment_by_year[y] / 1000, abs=1e-9)
    perm, _, row = series("Varige ændringer i alt")
    assert perm == R(kf.permanent_by_year) and row[0].font.b
    net, tot, row = series("Nettoeffekt (samlet økonomisk påvirkning)")
    assert net == R(kf.net_by_year) and tot == R(kf.net_total) and row[0].font.b
    for y in kf.years:
        assert net[y] == pytest.approx(result.net_by_year[y] / 1000, abs=1e-9)
    cum, tot, _ = series("Akkumuleret nettoeffekt")
    assert cum == R(kf.cumulative_net) and tot is None
    pool, tot, _ = series("Puljeforbrug")
    assert pool == R(kf.pool.per_year_used) and tot == R(kf.pool.total_used)
    for y in kf.years:
        assert pool[y] == pytest.approx(result.pool_use_by_year[y] / 1000, abs=1e-9)
    assert find_row(ws, "Pulje i alt")[cols["total"]].value == 20
    assert find_row(ws, "Tilbage i puljen i alt")[cols["total"]].value == pytest.approx(20 - kf.pool.total_used / 1000)
    # numbers are numbers, in mio. kr. with two decimals
    assert all(isinstance(row[i].value, float) and row[i].number_format == "#,##0.00" for i in cols.values())


def test_selected_sheet_is_tabel1_of_each_choice(wb, ds, scenario, result, kf):
    ws = wb["Valgte forslag"]
    cols = year_columns(ws)
    settings = flow_settings(ds, scenario)
    rows = list(ws.iter_rows(min_row=4))
    for key, name in result.selected:
        v = next(x for x in ds.proposal(key).variants if x.name == name)
        t = tabel1(ds, v, settings)
        mine = [r for r in rows if r[0].value == key]
        head = mine[0]
        assert head[1].value == f"{v.label}: {v.proposal.title}" and head[0].font.b
        body = [r for r in mine[1:] if r[1].value is not None]
        assert [r[1].value for r in body] == [tr.label for tr in t.rows]
        for r, tr in zip(body, t.rows, strict=True):
            if tr.kind in ("line", "total"):
                assert {y: r[i].value for y, i in cols.items() if y != "total"} == R({y: tr.values[y] for y in t.years})
                assert r[cols["total"]].value == R(sum(tr.values[y] for y in t.years))
                assert bool(r[1].font.b) == (tr.kind == "total")
                if tr.kind == "line":
                    assert r[2].value == tr.styring
            elif tr.kind == "payback":
                assert r[2].value.endswith("år") or r[2].value.startswith("ikke")
    totals = [r for r in rows if r[0].value == "I alt"]
    by_label = {(r[1].value, r[2].value): r for r in totals}
    for label, series in (("Samlet varig ændring", kf.permanent_by_year),
                          ("Samlede implementeringsomkostninger", kf.investment_by_year),
                          ("Samlet økonomisk påvirkning", kf.net_by_year)):
        r = by_label[(label, None)]
        assert {y: r[i].value for y, i in cols.items() if y != "total"} == R(series)
        assert r[1].font.b
    for st in Styring:
        r = by_label[("Varige ændringer", st.value)]
        assert r[cols[2020]].value == R(kf.permanent_by_styring.get(st.value, {}).get(2020, 0.0))
    # the chosen proposals' own net rows add up to the portfolio's
    nets = [r for r in rows if r[0].value not in (None, "I alt") and r[1].value == "Samlet økonomisk påvirkning"]
    assert len(nets) == len(result.selected)
    for y, i in cols.items():
        if y != "total":
            assert sum(r[i].value for r in nets) == pytest.approx(kf.net_by_year[y] / 1000, abs=1e-8)


def test_maaltal_sheet(wb, kf):
    ws = wb["Måltal pr. udvalg"]
    cols = year_columns(ws)
    for measure in ("maaltal", "bevilling_service", "investering"):
        label = MEASURE_LABELS[measure]
        for udvalg, series in kf.effects.table(measure).items():
            row = find_row(ws, label, udvalg)
            assert {y: row[i].value for y, i in cols.items() if y != "total"} == R(series)
        total = find_row(ws, label, "I alt")
        assert total[0].font.b
        assert {y: total[i].value for y, i in cols.items() if y != "total"} == R(kf.effects.total(measure))


def test_all_proposals_sheet(wb, ds, scenario, result):
    ws = wb["Alle forslag"]
    head = [c.value for c in ws[3]]
    col = {h: i for i, h in enumerate(head)}
    assert "Statuskode" not in head
    rows = [r for r in ws.iter_rows(min_row=4) if r[0].value]
    assert len(rows) == len(result.statuses) == sum(len(p.variants) for c in ds.catalogues for p in c.proposals)
    settings = flow_settings(ds, scenario)
    statuses = {(s.key, s.variant): s for s in result.statuses}
    for r in rows:
        key, variant = r[0].value, r[1].value
        st = statuses[(key, variant)]
        assert r[col["Status"]].value == CODE_LABELS[st.code]
        assert r[col["Begrundelse"]].value == st.reason
        assert r[col["Katalog"]].value == next(c.name for c in ds.catalogues if c.id == v_catalogue(ds, key))
        assert bool(r[0].font.b) == st.chosen
        v = next(x for x in ds.proposal(key).variants if x.name == variant)
        fl = variant_flows(v, settings)
        inv = sum(a for f in fl.lines if f.line.block.value == "impl" for a in f.amounts.values())
        assert r[col["Investering i alt (mio. kr.)"]].value == pytest.approx(inv / 1000, abs=1e-9)
        assert r[col["Risiko"]].value == v.proposal.risk.value
    # the toggle price as the change in net effect (-delta): negative = a larger saving
    assert PRICE_HEADER == "Ændring i nettoeffekt ved skift (mio. kr.; negativ = større besparelse)"
    price = col[PRICE_HEADER]
    by_key = {r[0].value: r for r in rows}
    assert by_key["BU01"][price].value == 1.2345  # delta -1.234,5 (1.000 kr.): the net effect rises 1,2345 mio.
    assert by_key["BU01"][price].number_format == "#,##0.00"
    assert by_key["TV01"][price].value == "Koster 56,5 mio. kr. at tage med"
    assert by_key["HA02"][price].value == 0.25  # an object with a delta gives the same as the number
    assert by_key["HA08"][price].value == NO_PRICE
    assert by_key["BU02"][price].value is None
    assert by_key["BU01"][col["Tilbagebetalingstid (år, forslagets egen tabel)"]].value == 3
    assert by_key["BU01"][col["Beskrivelse"]].value == ds.proposal("BU01").description
    assert by_key["BU01"][col["Risikobegrundelse"]].value == ds.proposal("BU01").risk_reason


def v_catalogue(ds, key):
    return ds.proposal(key).catalogue


def test_assumptions_and_register_sheets(wb, ds, scenario):
    ws = wb["Forudsætninger"]
    assert find_row(ws, "Oprettet")[1].value == "14.03.2025 kl. 09:30"
    assert find_row(ws, "Investeringspulje i alt")[1].value == 20
    assert find_row(ws, "Investeringspulje i alt")[1].number_format == "#,##0.00####"  # typed: every decimal
    assert "mio. kr., 2020 p/l" in find_row(ws, "Investeringspulje i alt")[2].value
    assert find_row(ws, "Investeringspulje 2019")[1].value == 12
    assert find_row(ws, "Tvunget med")[1].value.startswith("BU09 (")
    assert find_row(ws, "Højeste andel til middel og høj risiko")[1].value == 0.6
    # the scenario as JSON is in the document properties, not in a cell
    props = {p.name: p.value for p in wb.custom_doc_props.props}
    assert len(props) >= 2 and all(len(v) <= 255 for v in props.values())  # Excel keeps 255 characters
    assert Scenario.from_json("".join(props[f"Scenarie (JSON) {n}"] for n in range(1, len(props) + 1))) == scenario
    assert scenario_from_workbook(workbook_bytes(ds, scenario, optimise(ds, scenario), created=CREATED)) == scenario
    idx = {e.year: e for e in ds.price_index}
    for year in (2017, 2018, 2020):
        row = find_row(ws, year)
        assert row[1].value == idx[year].index and row[2].value == idx[year].source
        assert row[3].value == ("ja" if idx[year].assumption else "nej")
    for cat in ds.catalogues:
        row = find_row(ws, cat.id, cat.name)
        assert row[5].value == len(cat.proposals) and row[6].value == "ja"
    reg = wb["Afvigelser"]
    assert [c.value for c in reg[3]][5:8] == ["Angivet (1.000 kr.)", "Beregnet (1.000 kr.)", "Forskel (1.000 kr.)"]
    rows = [r for r in reg.iter_rows(min_row=4) if r[0].value]
    items = compute_register(ds)
    assert len(rows) == len(items)
    for r, d in zip(rows, items, strict=True):
        assert r[0].value == d.proposal_key and r[8].value[0].isupper() and "_" not in r[8].value
        if isinstance(d.stated, int | float):
            assert r[5].value == d.stated
        if d.difference is not None:
            assert r[7].value == d.difference
        if d.year.isdigit():
            assert r[4].value == int(d.year)


# --- formula neutralisation with hostile data --------------------------------------------------------


@pytest.fixture(scope="module")
def evil():
    tables = copy.deepcopy(read_csv_dir(default_data_dir()))
    for r in tables["proposals.csv"]:
        if r["key"] == "BU06":
            r["title"] = EVIL_TITLE
            r["description"] = EVIL_DESC
    for r in tables["cashflows.csv"]:
        if r["proposal_key"] == "BU06" and r["line_id"] == "V1":
            r["label"] = EVIL_LABEL
    for r in tables["catalogues.csv"]:
        if r["id"] == "KK2020":
            r["name"] = "=1+2"
    ds = build_dataset(tables)
    scenario = Scenario.from_json({"force_in": ["BU06"], "pool": {"total": 10000}})
    res = optimise(ds, scenario)
    assert ("BU06", None) in res.selected
    return ds, scenario, res


def test_hostile_titles_are_text_in_the_workbook(evil):
    ds, scenario, res = evil
    data = workbook_bytes(ds, scenario, res, created=CREATED)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in z.read(name) and b"<f " not in z.read(name)
    wb = load_workbook(io.BytesIO(data))
    seen = set()
    for ws in wb:
        for row in ws.iter_rows():
            for c in row:
                assert c.data_type != "f"
                if isinstance(c.value, str) and looks_like_formula(c.value):
                    # the rule: text a spreadsheet would take for a formula is stored as text, quote-prefixed
                    assert c.data_type == "s" and c.quotePrefix, (ws.title, c.coordinate, c.value)
                    seen.add(c.value)
    assert {EVIL_TITLE, EVIL_LABEL, EVIL_DESC, "=1+2"} <= seen
    row = find_row(wb["Alle forslag"], "BU06")
    assert row[2].value == EVIL_TITLE  # exactly the data's text, not a formula, no added apostrophe
    assert any(c.value == f"BU06: {EVIL_TITLE}" for c in wb["Valgte forslag"]["B"])


def test_hostile_titles_are_neutralised_in_csv(evil):
    ds, scenario, res = evil
    text = selected_csv(ds, scenario, res)
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff")), delimiter=";"))
    bu06 = next(r for r in rows if r[0] == "BU06")
    assert bu06[2] == "'" + EVIL_TITLE
    assert bu06[3] == "'=1+2"  # the catalogue by its (hostile) name, neutralised
    for r in rows:
        for cell in r:
            assert not looks_like_formula(cell), cell
    eco = economy_csv(ds, scenario, res)
    for r in csv.reader(io.StringIO(eco.removeprefix("\ufeff")), delimiter=";"):
        for cell in r:
            assert not looks_like_formula(cell)


# --- CSV -------------------------------------------------------------------------------------------


def test_selected_csv(ds, scenario, result, kf):
    text = selected_csv(ds, scenario, result)
    assert text.startswith("\ufeff") and "\r\n" in text
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff")), delimiter=";"))
    head, body = rows[0], rows[1:]
    years = kf.years
    assert head[:5] == ["Nøgle", "Variant", "Titel", "Katalog", "Risiko"]
    assert head[5:5 + len(years)] == [f"Investering {y} (mio. kr.)" for y in years]
    assert head[5 + len(years)] == "Investering i alt (mio. kr.)"
    assert all("(mio. kr.)" in h for h in head[5:-1])  # the unit in every amount column's header
    assert head[-1] == "Enhed"
    assert [(r[0], r[1] or None) for r in body] == list(result.selected)
    assert {r[3] for r in body} <= {c.name for c in ds.catalogues}  # catalogues by name, not id

    def num(s):
        return float(s.replace(",", "."))

    for y_i, y in enumerate(years):
        inv = sum(num(r[5 + y_i]) for r in body)
        net = sum(num(r[5 + 2 * (len(years) + 1) + y_i]) for r in body)
        assert inv == pytest.approx(kf.investment_by_year[y] / 1000, abs=1e-6 * len(body))
        assert net == pytest.approx(kf.net_by_year[y] / 1000, abs=1e-6 * len(body))
    assert all("." not in c for r in body for c in r[5:-1])  # decimal comma, no thousands separator
    assert body[0][-1] == "mio. kr., 2020 p/l"
    bu09 = next(r for r in body if r[0] == "BU09")
    assert bu09[5 + len(years) + 1 + len(years)] == "-15"  # BU09's permanent change: -15 mio. kr. (savings negative)


def test_economy_csv(ds, scenario, result, kf):
    rows = list(csv.reader(io.StringIO(economy_csv(ds, scenario, result).removeprefix("\ufeff")), delimiter=";"))
    assert rows[0] == ["Post", "Styringsområde", *[f"{y} (mio. kr.)" for y in kf.years], "I alt (mio. kr.)", "Enhed"]
    net = next(r for r in rows if r[0].startswith("Nettoeffekt"))
    assert [float(x.replace(",", ".")) for x in net[2:2 + len(kf.years)]] == [CSV_M(kf.net_by_year[y])
                                                                             for y in kf.years]
    assert float(net[2 + len(kf.years)].replace(",", ".")) == CSV_M(kf.net_total) and kf.net_total < 0
    assert net[-1] == "mio. kr., 2020 p/l"


# --- JSON ------------------------------------------------------------------------------------------


def test_scenario_json_round_trip_gives_the_same_portfolio(ds, scenario, result, tmp_path):
    text = scenario_json(scenario)
    assert json.loads(text) == scenario.to_json() and "\n  " in text
    again = Scenario.from_json(text)
    assert again == scenario
    res = optimise(ds, again)
    assert res.selected == result.selected and res.objective == pytest.approx(result.objective, abs=1e-9)
    # and the CLI reads exactly this file
    f = tmp_path / "scenarie.json"
    f.write_text(text, encoding="utf-8")
    out = subprocess.run([sys.executable, "-m", "portfolio", "optimise", "--scenario", str(f), "--json"],
                         capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert [(s["key"], s["variant"]) for s in doc["selected"]] == list(result.selected)
    assert doc["objective"] == pytest.approx(result.objective, abs=1e-6)


# --- infeasible and empty results export too ------------------------------------------------------------


def test_infeasible_result_exports(ds):
    s = Scenario.from_json({"force_in": ["TV01"], "pool": {"total": 5000}})
    res = optimise(ds, s)
    assert res.status == "infeasible"
    wb = load_workbook(io.BytesIO(workbook_bytes(ds, s, res)))
    assert find_row(wb["Nøgletal"], "Status")[1].value.startswith("Ingen løsning")
    assert find_row(wb["Nøgletal"], "Status")[2].value == res.explanation
    assert find_row(wb["Nøgletal"], "Antal forslag")[1].value == 0
    assert any(c.value == "Ingen forslag er valgt" for c in wb["Valgte forslag"]["B"])
    assert len(list(csv.reader(io.StringIO(selected_csv(ds, s, res))))) == 1


# --- comparison ----------------------------------------------------------------------------------------


def test_compare_two_scenarios(ds, scenario, result, kf):
    b = Scenario.from_json({"pool": {"total": 40000}, "force_out": ["BU09"], "variants": {"SI05": "Model 2"}})
    rb = optimise(ds, b)
    kfb = scenario_key_figures(ds, b, rb.selected)
    c = compare(ds, scenario, result, b, rb)

    def label(k, v):
        return f"{k} ({v})" if v else k

    la = [label(k, v) for k, v in result.selected]
    lb = [label(k, v) for k, v in rb.selected]
    assert set(c.only_a) == set(la) - set(lb) and set(c.only_b) == set(lb) - set(la)
    assert set(c.both) == set(la) & set(lb)
    assert "BU09" in c.only_a and "SI05 (Model 2)" in c.only_b
    assert [f[0] for f in c.figures] == list(FIGURE_LABELS)
    figs = {f[0]: (f[1], f[2]) for f in c.figures}
    assert figs["Nettoeffekt over horisonten"] == (kf.net_total, kfb.net_total)
    assert figs["Varig årlig effekt (besparelse negativ)"] == (kf.annual_effect, kfb.annual_effect)
    assert figs["Investering i alt"] == (pytest.approx(sum(kf.investment_by_year.values())),
                                         pytest.approx(sum(kfb.investment_by_year.values())))
    assert figs["Puljeforbrug"] == (kf.pool.total_used, kfb.pool.total_used)
    assert figs["Antal forslag"] == (len(result.selected), len(rb.selected))
    assert figs["Tilbagebetalingstid (år)"] == (kf.payback, kfb.payback)
    ma, mb = kf.effects.table("maaltal"), kfb.effects.table("maaltal")
    assert set(c.maaltal) == set(ma) | set(mb)
    for u, per_year in c.maaltal.items():
        for y, (a, bb) in per_year.items():
            assert a == ma.get(u, {}).get(y, 0.0) and bb == mb.get(u, {}).get(y, 0.0)
    assert c.same_unit
    # against an empty (infeasible) portfolio
    s_bad = Scenario.from_json({"force_in": ["TV01"], "pool": {"total": 5000}})
    c2 = compare(ds, scenario, result, s_bad, optimise(ds, s_bad))
    assert c2.only_b == () and c2.both == () and len(c2.only_a) == len(result.selected)
    assert math.isnan(dict((f[0], f[2]) for f in c2.figures)["Tilbagebetalingstid (år)"])


def test_every_by_year_table_has_an_i_alt_column(wb):
    """Every header row with year columns ends with "I alt" (Nøgletal, Valgte forslag, Økonomi pr.
    år, Måltal pr. udvalg); the register is not a by-year table."""
    seen = 0
    for ws in wb:
        for row in ws.iter_rows():
            texts = [c.value for c in row if c.value is not None]
            years = [t for t in texts if isinstance(t, str) and re.fullmatch(r"20\d\d", t)]
            if len(years) >= 2:
                seen += 1
                assert texts[-1] == "I alt", (ws.title, texts)
    assert seen == 4


def test_the_dashboard_and_the_cli_write_the_same_price_cells(ds, scenario, result):
    """The dashboard passes {key: delta}, `optimise --export` the TogglePrice objects: the same
    cells, the change in net effect (-delta / 1000), and 'Ingen løsning ved skiftet' without one."""
    from portfolio.toggles import toggle_prices

    tps = toggle_prices(ds, scenario, result)
    cells = []
    for prices in (tps, {k: tp.delta for k, tp in tps.items()}):
        wb = load_workbook(io.BytesIO(workbook_bytes(ds, scenario, result, prices=prices, created=CREATED)))
        ws = wb["Alle forslag"]
        col = [c.value for c in ws[3]].index(PRICE_HEADER)
        cells.append([(r[0].value, r[1].value, r[col].value) for r in ws.iter_rows(min_row=4) if r[0].value])
    assert cells[0] == cells[1]
    by_key = {k: v for k, variant, v in cells[0] if variant in (None, "Model 1")}
    for key, tp in tps.items():
        want = NO_PRICE if tp.delta is None else pytest.approx(-tp.delta / 1000, abs=1e-9)
        assert by_key[key] == want, key
    assert any(isinstance(v, float) and v > 0 for v in by_key.values())  # a toggle that costs raises the net


def test_an_uploaded_source_keeps_its_own_words(ds):
    from portfolio.export import readable_sources, source_title

    assert source_title(ds, "Navnet på jeres dokument") == "Navnet på jeres dokument"
    assert source_title(ds, "002_2c93b4891c97f09c.txt") == "Investeringskatalog (offentlig version)"
    assert readable_sources(ds, "Se ukendt_fil.pdf og 003_f46e4a4487877893.txt.") == (
        "Se ukendt_fil.pdf og «Orientering til Socialudvalget vedr. pilotprojekt om en helhedsorienteret indsats "
        "for udsatte familier».")


# --- the investeringsmodel's rules (issue 12) in the settings ------------------------------------------

RULES = {"objective": "min_pool",
         "pools": [{"name": "drift", "covers": ["Service", "Anlæg"], "total": 12000, "per_year": {"2020": 5000}},
                   {"name": "anlæg", "covers": ["Anlæg"], "total": 3000.5},
                   {"name": "innovation", "covers": ["Innovationspulje"]}],
         "savings_targets": [{"year": 2021, "min": 20000, "measure": "maaltal", "udvalg": "Socialudvalget"},
                             {"year": 2022, "min": 5000.25, "measure": "varig"}],
         "no_maaltal_increase": True, "self_financing_by": 2023}


def test_the_new_rules_are_rows_of_the_assumptions_sheet(ds):
    s = Scenario.from_json(RULES)
    res = optimise(ds, s)
    assert res.status == "optimal"
    ws = load_workbook(io.BytesIO(workbook_bytes(ds, s, res, created=CREATED)))["Forudsætninger"]

    def cells(label):
        row = find_row(ws, label)
        return row[1].value, row[2].value

    assert cells("Pulje 'drift' dækker") == ("Service, Anlæg",
                                             "Investeringer i disse styringsområder tæller i puljen")
    assert cells("Pulje 'drift' i alt") == (12, "Loft over puljens investeringer over horisonten (mio. kr., 2020 p/l)")
    assert find_row(ws, "Pulje 'drift' i alt")[1].number_format == "#,##0.00####"  # typed: exact
    assert cells("Pulje 'drift' 2020") == (5, "Loft over puljens investeringer i 2020 (mio. kr., 2020 p/l)")
    assert cells("Pulje 'anlæg' dækker")[0] == "Anlæg" and cells("Pulje 'anlæg' i alt")[0] == 3.0005
    assert cells("Pulje 'innovation' i alt")[0] == "Ingen grænse"
    assert cells("Pulje 'innovation' dækker") == (
        "Innovationspulje", "Investeringer i disse styringsområder tæller i puljen (Innovationspulje: de "
        "investeringslinjer, som forslagene selv henfører til innovationspuljen)")
    explained = "Mindst så stor besparelse i året (mio. kr., 2020 p/l), dokumenternes tal uden risikofradrag"
    assert cells("Besparelseskrav 2021 (besparelse på måltallet, Socialudvalget)") == (20, explained)
    assert cells("Besparelseskrav 2022 (varig besparelse, alle udvalg)") == (5.00025, explained)
    assert cells("Intet udvalgs måltal må stige")[0] == "ja"
    assert cells("Selvfinansierende senest")[0] == 2023
    assert find_row(ws, "Selvfinansierende senest")[1].number_format == "0"
    assert cells("Mål") == ("Mindst mulig investering fra puljerne",
                            "Det, optimeringen gør så gunstigt som muligt: den mindste samlede investering i "
                            "Service, Anlæg og Innovationspulje (puljernes styringsområder; uden pulje Service og "
                            "Anlæg), mens alle reglerne, fx besparelseskravene, overholdes")
    plain = load_workbook(io.BytesIO(workbook_bytes(ds, Scenario(), optimise(ds, Scenario()), created=CREATED)))
    ws0 = plain["Forudsætninger"]
    assert find_row(ws0, "Intet udvalgs måltal må stige")[1].value == "nej"
    assert find_row(ws0, "Selvfinansierende senest")[1].value == "Intet krav"
    assert find_row(ws0, "Mål")[2].value == ("Det, optimeringen gør så gunstigt som muligt: den største samlede "
                                             "besparelse over horisonten (varige ændringer og investeringer)")
    assert not [r for r in ws0.iter_rows() if str(r[0].value).startswith(("Pulje '", "Besparelseskrav"))]


@pytest.mark.parametrize("objective, words", [
    ("net", "den største samlede besparelse over horisonten"),
    ("permanent", "de største varige besparelser over horisonten"),
    ("annual", "den største varige besparelse i horisontens sidste år"),
    ("npv", "den største nutidsværdi af besparelsen"),
    ("min_pool", "den mindste samlede investering i Service og Anlæg"),
])
def test_the_objective_row_explains_its_own_objective(ds, objective, words):
    from portfolio.export import assumption_rows

    rows = {label: expl for label, _, expl in assumption_rows(ds, Scenario.from_json({"objective": objective}), "u")}
    assert words in rows["Mål"]
    if objective == "min_pool":
        assert "største" not in rows["Mål"] and "mindste" in rows["Mål"]


def test_the_new_rules_in_the_comparison_of_settings(ds):
    from portfolio.compare import settings_differences

    diff = {label: (a, b) for label, a, b in settings_differences(ds, Scenario(), Scenario.from_json(RULES))}
    assert diff["Pulje 'drift' dækker"] == ("–", "Service, Anlæg")
    assert diff["Pulje 'drift' i alt"] == ("–", "12,0 mio. kr.")
    assert diff["Pulje 'drift' 2020"] == ("–", "5,0 mio. kr.")
    assert diff["Pulje 'anlæg' i alt"] == ("–", "3,0005 mio. kr.")
    assert diff["Besparelseskrav 2021 (besparelse på måltallet, Socialudvalget)"] == ("–", "20,0 mio. kr.")
    assert diff["Besparelseskrav 2022 (varig besparelse, alle udvalg)"] == ("–", "5,00025 mio. kr.")
    assert diff["Intet udvalgs måltal må stige"] == ("nej", "ja")
    assert diff["Selvfinansierende senest"] == ("Intet krav", "2023")
    assert diff["Mål"] == ("Samlet nettoeffekt over horisonten", "Mindst mulig investering fra puljerne")
