"""The agreement export (issue 14): the workbook's sheet "Aftale" and the print view
`export.agreement_html`, checked cell by cell against the core (`optimise` is the common ground,
`negotiate` prices every demand and party), in the product's sign and mio. kr.; the parties' rows of
the exported settings."""

from __future__ import annotations

import io
import re
from datetime import datetime
from html.parser import HTMLParser

import pytest
from openpyxl import load_workbook

from portfolio import fmt
from portfolio.data import load_dataset
from portfolio.export import (
    AGREEMENT_SHEET,
    SHEETS,
    agreement_html,
    assumption_rows,
    workbook_bytes,
)
from portfolio.negotiation import negotiate
from portfolio.optimiser import optimise
from portfolio.scenario import Scenario
from tests.test_export import find_row, internal_codes

CREATED = datetime(2025, 3, 14, 9, 30)
TWO_PARTIES = {"pool": {"total": 20000}, "parties": [
    {"name": "A", "colour": "#1f77b4", "must": ["BU09"]},
    {"name": "B", "never": ["TV02"], "max_pool": 15000,
     "savings_targets": [{"year": 2021, "min": 5000, "measure": "maaltal"}]}]}
CLASH = {"pool": {"total": 20000}, "parties": [
    {"name": "A", "must": ["TV01", "TV02"]}, {"name": "B", "never": ["TV02"], "max_pool": 15000}]}
PRICE_HEADER = "Ændring i nettoeffekten, hvis kravet droppes (mio. kr.; negativ = større besparelse)"


@pytest.fixture(scope="module")
def ds():
    return load_dataset()


def _run(ds, data):
    s = Scenario.from_json(data)
    res, neg = optimise(ds, s), negotiate(ds, s)
    wb = load_workbook(io.BytesIO(workbook_bytes(ds, s, res, negotiation=neg, created=CREATED)))
    return s, res, neg, wb


@pytest.fixture(scope="module")
def two(ds):
    return _run(ds, TWO_PARTIES)


@pytest.fixture(scope="module")
def clash(ds):
    return _run(ds, CLASH)


def rows(ws):
    return [tuple(c.value for c in r) for r in ws.iter_rows()]


def after(ws, *labels):
    """The rows after the one that starts with `labels`, up to the next blank row."""
    out, on = [], False
    for r in rows(ws):
        if on:
            if all(v is None for v in r):
                break
            out.append(r)
        elif list(r[:len(labels)]) == list(labels):
            on = True
    assert on, labels
    return out


def M(x):
    """An amount in 1.000 kr. as a cell stores it: mio. kr."""
    return pytest.approx(x / 1000, abs=1e-9)


# --- the sheet ---------------------------------------------------------------------------------------


def test_the_sheet_comes_first_and_only_with_parties(ds, two):
    s, res, _, wb = two
    assert wb.sheetnames == [AGREEMENT_SHEET, *SHEETS] and AGREEMENT_SHEET == "Aftale"
    plain = Scenario.from_json({"pool": {"total": 20000}})
    wb0 = load_workbook(io.BytesIO(workbook_bytes(ds, plain, optimise(ds, plain), created=CREATED)))
    assert wb0.sheetnames == list(SHEETS)


def test_the_sheet_prints_like_the_others_and_has_no_code_or_formula(two, clash):
    for _, _, _, wb in (two, clash):
        ws = wb[AGREEMENT_SHEET]
        assert ws["A1"].value == "Aftale" and ws["A1"].font.b
        assert "mio. kr., 2020 p/l" in ws["A2"].value and "Besparelser er negative" in ws["A2"].value
        assert [c.value for c in ws[3]][:3] == ["Punkt", "Værdi", "Forklaring"] and ws.freeze_panes == "A4"
        ps = ws.page_setup
        assert ps.orientation == "landscape" and int(ps.paperSize) == int(ws.PAPERSIZE_A4)
        assert int(ps.fitToWidth) == 1 and int(ps.fitToHeight) == 0 and ws.print_title_rows == "$1:$3"
        assert ws.oddFooter.right.text == "Side &P af &N"
        assert all(c.data_type != "f" for r in ws.iter_rows() for c in r)
        assert [x for x in internal_codes(wb) if x[0] == AGREEMENT_SHEET] == []


def test_the_common_ground_and_the_agreed_portfolio_are_the_optimisers(ds, two):
    s, res, neg, wb = two
    ws = wb[AGREEMENT_SHEET]
    assert res.status == "optimal" and neg.result.selected == res.selected
    assert find_row(ws, "Partier ved bordet")[1].value == "Parti A, Parti B"
    assert find_row(ws, "Fælles grundlag")[1].value.startswith("Der er en aftale")
    assert find_row(ws, "Mål")[1].value == "Samlet nettoeffekt over horisonten"
    # the objective in the product's sign: a saving of 111,315 mio. kr. is -111,315
    assert res.objective == pytest.approx(111315)
    assert find_row(ws, "Målværdi (mio. kr.; besparelse negativ)")[1].value == M(-111315) == -111.315
    assert find_row(ws, "Nettoeffekt over horisonten (mio. kr.)")[1].value == M(sum(res.net_by_year.values()))
    assert find_row(ws, "Puljeforbrug (mio. kr.)")[1].value == M(res.pool_use_total) == 14.88
    assert find_row(ws, "Antal forslag")[1].value == len(res.selected) == 9
    portfolio = after(ws, "Nøgle", "Titel", "Variant")
    assert [(r[0], r[2]) for r in portfolio] == list(res.selected)
    assert [r[0] for r in portfolio] == ["BU09", "SI05", "UD03", "HA01", "HA02", "HA03", "HA06", "HA07", "HA08"]
    assert portfolio[0][1] == ds.proposal("BU09").title and portfolio[1][2] == "Model 1"
    assert sum(r[3] for r in portfolio) == pytest.approx(-111.315, abs=1e-9)
    assert "TV02" not in [r[0] for r in portfolio]


def test_each_demand_is_checked_and_priced_as_the_core_says(ds, two):
    s, res, neg, wb = two
    ws = wb[AGREEMENT_SHEET]
    prices = {(d.party, d.demand): d.delta for d in neg.price_of_demand}
    assert prices == {("A", "must:BU09"): 0, ("B", "never:TV02"): 53900, ("B", "max_pool"): 13685,
                      ("B", "savings_target:2021:maaltal"): 0}
    a = after(ws, "Parti A", "Farve #1f77b4")
    assert a[0][:6] == ("Krav", "Opfyldt", "Kravets beløb (mio. kr.)", "Porteføljen",
                        "Porteføljens tal (mio. kr.; besparelse negativ)", PRICE_HEADER)
    assert a[1][:6] == (f"Kræver BU09 med ({ds.proposal('BU09').title})", "Opfyldt", None, "BU09 er med", None, 0)
    assert a[2][0] == "Prisen for partiet i alt (alle partiets krav droppet)" and a[2][5] == 0
    b = after(ws, "Parti B")
    cap = next(f for f in res.rule_figures if f.rule.kind == "party_max_pool")
    target = next(f for f in res.rule_figures if f.rule.kind == "party_target")
    assert (cap.value, cap.limit, target.limit) == (pytest.approx(14880), 15000, 5000) and target.value >= 5000
    assert b[1][:6] == (f"Afviser TV02 ({ds.proposal('TV02').title})", "Opfyldt", None, "TV02 er ikke med", None,
                        M(fmt.shown_objective(53900)))
    assert b[1][5] == -53.9  # dropping the demand would save 53,9 mio. kr. more
    assert b[2][:6] == ("Puljeloft: højst 15,0 mio. kr. af puljerne over horisonten", "Opfyldt", 15,
                        "brugt af puljerne", M(cap.value), -13.685)
    assert b[2][2] == 15 and ws.cell(row=next(i for i, r in enumerate(rows(ws), 1) if r[0] == b[2][0]),
                                     column=3).number_format == "#,##0.00####"
    assert b[3][:6] == ("Besparelseskrav 2021: mindst 5,0 mio. kr. i besparelse på måltallet, alle udvalg",
                        "Opfyldt", 5, "besparelse", M(-target.value), 0)
    assert b[3][4] < -5  # the saving toward the target, negative
    assert b[4][0] == "Prisen for partiet i alt (alle partiets krav droppet)"
    assert b[4][5] == M(-neg.price_of_party["B"]) == -73.715
    # every demand is met: the portfolio holds BU09, not TV02, uses at most 15 mio. kr., saves at least 5
    keys = {k for k, _ in res.selected}
    assert "BU09" in keys and "TV02" not in keys


def test_a_demand_the_portfolio_does_not_meet_says_so(ds):
    """The common ground's result is what the sheet checks: given another portfolio (here the
    scenario without parties), a demand it breaks is "Ikke opfyldt"."""
    s = Scenario.from_json(TWO_PARTIES)
    other = optimise(ds, s.replace(parties=[]))
    assert "TV02" in {k for k, _ in other.selected} and "BU09" in {k for k, _ in other.selected}
    ws = load_workbook(io.BytesIO(workbook_bytes(ds, s, other, negotiation=negotiate(ds, s),
                                                 created=CREATED)))[AGREEMENT_SHEET]
    b = after(ws, "Parti B")
    assert b[1][1] == "Ikke opfyldt" and b[1][3] == "TV02 er med"
    a = after(ws, "Parti A", "Farve #1f77b4")
    assert a[1][1] == "Opfyldt"


def test_without_an_agreement_the_explanation_and_the_concessions(ds, clash):
    s, res, neg, wb = clash
    ws = wb[AGREEMENT_SHEET]
    assert res.status == "infeasible" and res.selected == ()
    assert find_row(ws, "Fælles grundlag")[1].value == "Ingen aftale: partiernes krav kan ikke opfyldes samtidig"
    assert find_row(ws, "Forklaring")[1].value == res.explanation
    assert "Parti A kræver TV02 med. Parti B vil ikke have TV02." in res.explanation
    texts = [r[0] for r in rows(ws)]
    assert "Aftalt portefølje" not in texts and "Målværdi (mio. kr.; besparelse negativ)" not in texts
    a = after(ws, "Parti A")
    assert [r[1] for r in a[1:3]] == ["Ingen aftale", "Ingen aftale"] and a[1][5] == "Kan ikke beregnes"
    con = after(ws, "Indrømmelse", "Målværdi (mio. kr.; besparelse negativ)", "Porteføljen")
    assert [c.text for c in neg.concessions] == ["Parti A opgiver TV01 og parti B accepterer TV02",
                                                 "Parti A opgiver TV01 og TV02"]
    for row, c in zip(con, neg.concessions, strict=False):
        assert row[:3] == (c.text, M(-c.objective), ", ".join(k if v is None else f"{k} ({v})" for k, v in c.selected))
    assert con[0][1] == -165.215 and con[1][1] == -111.315
    assert con[2][0] == neg.summary


def test_min_pool_shows_the_pool_investment_positive_and_prices_as_its_change(ds):
    data = {"objective": "min_pool", "parties": [
        {"name": "A", "savings_targets": [{"year": 2021, "min": 20000, "measure": "maaltal"}]},
        {"name": "B", "must": ["HA03"]}]}
    s, res, neg, wb = _run(ds, data)
    ws = wb[AGREEMENT_SHEET]
    assert res.status == "optimal" and neg.minimised
    row = find_row(ws, "Investering fra puljerne (mio. kr.)")
    assert row[1].value == M(res.reported_objective) and row[1].value > 0
    prices = {(d.party, d.demand): d.delta for d in neg.price_of_demand}
    head = "Ændring i investeringen fra puljerne, hvis kravet droppes (mio. kr.; negativ = mindre investering)"
    a = after(ws, "Parti A")
    assert a[0][5] == head and a[1][5] == M(prices[("A", "savings_target:2021:maaltal")]) and a[1][5] < 0


# --- the print view ----------------------------------------------------------------------------------


class _Doc(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []
        self.cells: list[str] = []
        self.text: list[str] = []
        self._cell: list[str] | None = None
        self.lang = None

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs += attrs
        if tag == "html":
            self.lang = dict(attrs).get("lang")
        if tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.cells.append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data):
        self.text.append(data)
        if self._cell is not None:
            self._cell.append(data)


def parse(text: str) -> _Doc:
    doc = _Doc()
    doc.feed(text)
    doc.close()
    return doc


def test_the_print_view_is_a_self_contained_danish_a4_document(ds, two):
    s, res, neg, _ = two
    page = agreement_html(ds, s, neg, created=CREATED)
    assert page.startswith("<!DOCTYPE html>") and '<meta charset="utf-8">' in page
    doc = parse(page)
    assert doc.lang == "da" and "script" not in doc.tags and "<script" not in page.lower()
    assert "@page { size: A4; margin: 18mm }" in page
    assert not re.search(r"(?:src|href)\s*=|@import|url\(", page)  # nothing loaded from anywhere
    assert {"link", "img", "iframe", "object"}.isdisjoint(doc.tags)
    assert "Oprettet 14.03.2025 kl. 09:30" in "".join(doc.text)


def test_the_print_view_has_the_sheets_figures(ds, two):
    s, res, neg, wb = two
    doc = parse(agreement_html(ds, s, neg, created=CREATED))
    cells = doc.cells
    text = " ".join(doc.text)

    def value(label):
        return cells[cells.index(label) + 1]

    assert value("Målværdi (mio. kr.; besparelse negativ)") == fmt.tal(fmt.shown_objective(res.objective) / 1000, 2)
    assert value("Nettoeffekt over horisonten (mio. kr.)") == fmt.tal(sum(res.net_by_year.values()) / 1000, 2)
    assert value("Puljeforbrug (mio. kr.)") == "14,88" and value("Antal forslag") == "9"
    for key, variant in res.selected:
        i = cells.index(key)
        assert cells[i + 1] == ds.proposal(key).title and cells[i + 2] == (variant or "")
    # the demands, met, with the same prices as the sheet (mio. kr., 2 decimals)
    sheet = {r[0]: r for r in rows(wb[AGREEMENT_SHEET]) if r[0]}
    for label in (f"Afviser TV02 ({ds.proposal('TV02').title})",
                  "Puljeloft: højst 15,0 mio. kr. af puljerne over horisonten",
                  "Besparelseskrav 2021: mindst 5,0 mio. kr. i besparelse på måltallet, alle udvalg"):
        i = cells.index(label)
        assert cells[i + 1] == sheet[label][1] == "Opfyldt"
        assert cells[i + 4] == fmt.tal(sheet[label][5], 2)
    assert cells[cells.index(f"Afviser TV02 ({ds.proposal('TV02').title})") + 4] == "-53,90"
    assert cells[cells.index("Puljeloft: højst 15,0 mio. kr. af puljerne over horisonten") + 2] == "15,00"
    assert cells[cells.index("Puljeloft: højst 15,0 mio. kr. af puljerne over horisonten") + 3] == \
        "brugt af puljerne 14,88"
    party_prices = [cells[i + 4] for i, c in enumerate(cells) if c == "Prisen for partiet i alt (alle partiets krav "
                                                                        "droppet)"]
    assert party_prices == ["0,00", "-73,72"]  # -73,715 mio. kr.
    assert PRICE_HEADER in cells and "Parti A" in text and "Parti B" in text


def test_the_print_view_without_an_agreement(ds, clash):
    s, res, neg, _ = clash
    doc = parse(agreement_html(ds, s, neg, created=CREATED))
    text = "".join(doc.text)
    assert "Ingen aftale: partiernes krav kan ikke opfyldes samtidig" in doc.cells
    assert res.explanation in text
    for c in neg.concessions:
        i = doc.cells.index(c.text)
        assert doc.cells[i + 1] == fmt.tal(-c.objective / 1000, 2)
    assert neg.summary in text and "Aftalt portefølje" not in text


def test_every_text_from_users_is_escaped(ds):
    s = Scenario.from_json({"pool": {"total": 20000}, "parties": [
        {"name": "<b>x</b>", "must": ["BU09"]},
        {"name": "<script>alert(1)</script> & co", "colour": "#ff0000", "never": ["TV02"]}]})
    neg = negotiate(ds, s)
    page = agreement_html(ds, s, neg, created=CREATED)
    assert "<b>x</b>" not in page and "&lt;b&gt;x&lt;/b&gt;" in page
    assert "<script" not in page.lower() and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in page
    doc = parse(page)
    assert "b" not in doc.tags and "script" not in doc.tags
    assert "Parti <b>x</b>" in doc.text and "Parti <script>alert(1)</script> & co" in doc.text
    # the workbook keeps the name as plain text
    ws = load_workbook(io.BytesIO(workbook_bytes(ds, s, optimise(ds, s), negotiation=neg,
                                                 created=CREATED)))[AGREEMENT_SHEET]
    assert find_row(ws, "Parti <b>x</b>")[0].data_type == "s"


# --- the parties in the exported settings ------------------------------------------------------------------


def test_the_parties_are_rows_of_the_settings(ds, two):
    s = Scenario.from_json({**TWO_PARTIES, "parties": [
        *TWO_PARTIES["parties"], {"name": "C", "must": ["HA02", "TV01"], "max_pool": 2500.5,
                                  "savings_targets": [{"year": 2022, "min": 1234.5, "measure": "varig",
                                                       "udvalg": "Socialudvalget"}]}]})
    rows_ = {label: (value, expl) for label, value, expl in assumption_rows(ds, s, "mio. kr., 2020 p/l")}
    assert rows_["Parti A: kræver"][0] == f"BU09 ({ds.proposal('BU09').title})"
    assert rows_["Parti A: afviser"][0] == "Ingen" and rows_["Parti A: puljeloft"][0] == "Intet loft"
    assert rows_["Parti A: farve"][0] == "#1f77b4" and "Parti B: farve" not in rows_
    assert rows_["Parti B: afviser"][0] == f"TV02 ({ds.proposal('TV02').title})"
    assert rows_["Parti B: puljeloft"][0].amount == 15000
    assert rows_["Parti B: besparelseskrav 2021 (besparelse på måltallet, alle udvalg)"][0].amount == 5000
    assert rows_["Parti C: kræver"][0] == (f"HA02 ({ds.proposal('HA02').title}); "
                                           f"TV01 ({ds.proposal('TV01').title})")
    assert rows_["Parti C: besparelseskrav 2022 (varig besparelse, Socialudvalget)"][0].amount == 1234.5
    ws = two[3]["Forudsætninger"]
    assert find_row(ws, "Parti B: puljeloft")[1].value == 15
    assert find_row(ws, "Parti B: puljeloft")[1].number_format == "#,##0.00####"
    assert find_row(ws, "Parti B: besparelseskrav 2021 (besparelse på måltallet, alle udvalg)")[1].value == 5
    # a typed cap keeps every decimal in the comparison of settings
    from portfolio.compare import settings_differences

    diff = {label: (a, b) for label, a, b in settings_differences(ds, Scenario(), s)}
    assert diff["Parti C: puljeloft"] == ("–", "2,5005 mio. kr.")
    assert diff["Parti B: besparelseskrav 2021 (besparelse på måltallet, alle udvalg)"] == ("–", "5,0 mio. kr.")
    assert diff["Parti A: farve"] == ("–", "#1f77b4")
