"""The agreement of a negotiation, as people forward it: the agreed portfolio, each party's demands
(met or not, and what each costs) and the figures; or, when the parties' demands cannot all be met,
the explanation and the verified concessions.

`agreement(ds, scenario, negotiation)` gathers the content once (`Agreement`); the Excel sheet
"Aftale" (`portfolio.export.workbook_bytes`) and the print view `agreement_html` (a self-contained
HTML document, A4, to print or save as PDF from the browser) show the same content.

Sign and units as everywhere people read figures (README, "Units, sign and typed numbers"): amounts in
mio. kr. at the scenario's p/l, savings negative; the objective through `fmt.shown_objective` (for
min_pool the pool investment, positive). A demand's price is the change in the objective as shown
if that demand alone were dropped (`negotiation.DemandPrice.delta` in the product's sign: ``-delta``,
and for min_pool ``delta``, the change in the pool investment), so a price of -53,9 mio. kr. means
the agreement would save 53,9 mio. kr. more without the demand.

Every text from data or users (party names, titles, udvalg) is HTML-escaped in the print view; the
document has no script and loads nothing.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass
from datetime import datetime

from . import fmt
from .figures import net
from .flows import variant_flows
from .keyfigures import scenario_key_figures
from .model import DataSet
from .negotiation import Negotiation
from .optimiser import Result
from .optimiser.rules import MEASURE_TEXT, capitalised, party_name
from .scenario import MINIMISED_OBJECTIVES, OBJECTIVE_LABELS, Party, Scenario, flow_settings

TOLERANCE = 1e-6  # 1.000 kr.: a figure within this of its limit meets it
MET, NOT_MET, NO_AGREEMENT = "Opfyldt", "Ikke opfyldt", "Ingen aftale"
STATUS_TEXT = {
    "optimal": "Der er en aftale: alle partiernes krav kan opfyldes samtidig (den bedste portefølje er fundet)",
    "infeasible": "Ingen aftale: partiernes krav kan ikke opfyldes samtidig",
    "time_limit": "Tidsgrænsen blev nået: den bedste portefølje, der blev fundet, er ikke bevist den bedste",
    "within_gap": "Der er en aftale: alle partiernes krav kan opfyldes samtidig (porteføljen er inden for den "
                  "tilladte afstand til den bedste, ikke bevist den bedste)",
}
NO_SOLUTION_TIME = "Tidsgrænsen blev nået, før en portefølje blev fundet"
SIGN_TEXT = "Besparelser er negative, udgifter og investeringer positive (dokumenternes fortegn)."
NO_PRICE = "Kan ikke beregnes"


@dataclass(frozen=True)
class DemandLine:
    """One demand of one party, checked against the agreed portfolio."""

    demand: str  # as `negotiation.demand_id` names it: "must:BU09", "max_pool", "savings_target:2021:maaltal"
    text: str  # "Kræver BU09 med (its title)"
    met: bool | None  # None: there is no agreed portfolio
    limit: float | None  # the demand's amount (1.000 kr., as typed, positive): a pool cap or a target's size
    value: float | None  # the portfolio's figure (1.000 kr., product's sign): pool used, or the saving (negative)
    value_text: str  # what the figure is ("BU09 er med", "brugt af puljen", "besparelse")
    price: float | None  # the change in the objective as shown if the demand were dropped (1.000 kr.)

    @property
    def status(self) -> str:
        return NO_AGREEMENT if self.met is None else (MET if self.met else NOT_MET)


@dataclass(frozen=True)
class PartyLines:
    name: str  # the party's own name
    title: str  # "Parti A" (or the name itself when it says so)
    colour: str | None
    demands: tuple[DemandLine, ...]
    price: float | None  # all the party's demands dropped (1.000 kr., as a demand's price)


@dataclass(frozen=True)
class ProposalLine:
    key: str
    title: str
    variant: str | None
    net_total: float  # net effect over the horizon, 1.000 kr., savings negative


@dataclass(frozen=True)
class ConcessionLine:
    text: str
    objective: float  # the objective as shown (1.000 kr.)
    selected: tuple[str, ...]  # proposal labels


@dataclass(frozen=True)
class Agreement:
    status: str
    status_text: str
    explanation: str | None  # why there is no agreement (the optimiser's explanation)
    summary: str | None  # the concessions in one sentence
    objective_name: str  # "Samlet nettoeffekt over horisonten"
    objective_label: str  # "Målværdi (mio. kr.; besparelse negativ)"
    objective: float | None  # as shown (1.000 kr.)
    figures: tuple[tuple[str, float, str], ...]  # (label with unit, amount in 1.000 kr., explanation)
    n_proposals: int
    portfolio: tuple[ProposalLine, ...]
    parties: tuple[PartyLines, ...]
    concessions: tuple[ConcessionLine, ...]
    price_header: str  # the prices' column header (with unit and sign)
    party_price_label: str
    unit: str  # "mio. kr., 2020 p/l"
    horizon: tuple[int, int]

    @property
    def solved(self) -> bool:
        return self.objective is not None


def price_header(objective: str) -> str:
    """The header of the prices' column: what a price is a change of, its unit and its sign."""
    if objective in MINIMISED_OBJECTIVES:
        return "Ændring i investeringen fra puljerne, hvis kravet droppes (mio. kr.; negativ = mindre investering)"
    if objective == "net":
        return "Ændring i nettoeffekten, hvis kravet droppes (mio. kr.; negativ = større besparelse)"
    return "Ændring i målværdien, hvis kravet droppes (mio. kr.; besparelse negativ, negativ = større besparelse)"


def objective_label(objective: str) -> str:
    if objective in MINIMISED_OBJECTIVES:
        return "Investering fra puljerne (mio. kr.)"
    return "Målværdi (mio. kr.; besparelse negativ)"


def _shown_change(delta: float | None, minimised: bool) -> float | None:
    """A price (`DemandPrice.delta`, reported sign) in the product's sign."""
    if delta is None or not math.isfinite(delta):
        return None
    return (delta if minimised else -delta) + 0.0


def _demand_lines(ds: DataSet, party: Party, res: Result, prices: dict[str, float | None],
                  minimised: bool) -> tuple[DemandLine, ...]:
    solved = res.objective is not None
    keys = {k for k, _ in res.selected}
    figures = {(f.rule.kind, f.rule.key, f.rule.year): f for f in res.rule_figures if f.rule.other == party.name}

    def title(key: str) -> str:
        return f" ({ds.proposal(key).title})" if ds.has(key) else ""

    out = []
    for key in party.must:
        out.append(DemandLine(f"must:{key}", f"Kræver {key} med{title(key)}", (key in keys) if solved else None, None,
                              None, (f"{key} er med" if key in keys else f"{key} er ikke med") if solved else "",
                              prices.get(f"must:{key}")))
    for key in party.never:
        out.append(DemandLine(f"never:{key}", f"Afviser {key}{title(key)}", (key not in keys) if solved else None, None,
                              None, (f"{key} er med" if key in keys else f"{key} er ikke med") if solved else "",
                              prices.get(f"never:{key}")))
    if party.max_pool is not None:
        f = figures.get(("party_max_pool", "", 0))
        out.append(DemandLine(
            "max_pool", f"Puljeloft: højst {fmt.mio_exact(party.max_pool)} af puljerne over horisonten",
            None if f is None or not solved else f.value <= party.max_pool + TOLERANCE, party.max_pool,
            None if f is None or not solved else f.value, "brugt af puljerne" if f is not None and solved else "",
            prices.get("max_pool")))
    for t in party.savings_targets:
        demand = f"savings_target:{t.year}:{t.measure}" + (f":{t.udvalg}" if t.udvalg else "")
        f = figures.get(("party_target", f"{t.measure}:{t.udvalg or ''}", t.year))
        out.append(DemandLine(
            demand, f"Besparelseskrav {t.year}: mindst {fmt.mio_exact(t.min)} i {MEASURE_TEXT[t.measure]}, "
                    f"{t.udvalg or 'alle udvalg'}",
            None if f is None or not solved else f.value >= t.min - TOLERANCE, t.min,
            None if f is None or not solved else -f.value + 0.0, "besparelse" if f is not None and solved else "",
            prices.get(demand)))
    return tuple(out)


def agreement(ds: DataSet, scenario: Scenario, negotiation: Negotiation, result: Result | None = None) -> Agreement:
    """The agreement's content: the common ground (`result`, by default the negotiation's own) with
    its figures and portfolio, each party's demands checked against it and priced, and the
    concessions when there is no agreement."""
    res = result or negotiation.result
    minimised = scenario.objective in MINIMISED_OBJECTIVES
    solved = res.objective is not None
    unit = fmt.mio_unit(scenario.base_year)
    y0, y1 = scenario.horizon
    kf = scenario_key_figures(ds, scenario, res.selected)
    settings = flow_settings(ds, scenario)
    portfolio = []
    for key, name in res.selected:
        v = next(v for v in ds.proposal(key).variants if v.name == name)
        fl = variant_flows(v, settings)
        portfolio.append(ProposalLine(key, v.proposal.title, name, math.fsum(net(fl)[y] for y in scenario.years)))
    figures: tuple[tuple[str, float, str], ...] = ()
    if solved:
        figures = (
            ("Nettoeffekt over horisonten (mio. kr.)", kf.net_total, f"Sum af nettoeffekten {y0}-{y1}; besparelse "
             "negativ"),
            ("Varig årlig effekt (mio. kr.; besparelse negativ)", kf.annual_effect,
             f"Den varige ændring i {y1} (fuld indfasning)"),
            ("Investering i alt (mio. kr.)", math.fsum(kf.investment_by_year.values()),
             "Implementeringsomkostninger i alle styringsområder"),
            ("Puljeforbrug (mio. kr.)", kf.pool.total_used,
             "Investeringer i " + (", ".join(x.value for x in scenario.pool_covers) or "ingen styringsområder")),
        )
    by_party: dict[str, dict[str, float | None]] = {}
    for d in negotiation.price_of_demand:
        by_party.setdefault(d.party, {})[d.demand] = _shown_change(d.delta, minimised)
    parties = tuple(
        PartyLines(p.name, capitalised(party_name(p.name)), p.colour,
                   _demand_lines(ds, p, res, by_party.get(p.name, {}), minimised),
                   _shown_change(negotiation.price_of_party.get(p.name), minimised))
        for p in scenario.parties)
    concessions = tuple(
        ConcessionLine(c.text, (c.objective if minimised else -c.objective) + 0.0,
                       tuple(k if v is None else f"{k} ({v})" for k, v in c.selected))
        for c in negotiation.concessions) if not solved else ()
    status_text = STATUS_TEXT.get(res.status, "Ukendt status")
    if res.status == "time_limit" and not solved:
        status_text = NO_SOLUTION_TIME
    return Agreement(
        status=res.status, status_text=status_text, explanation=res.explanation,
        summary=negotiation.summary if not solved else None,
        objective_name=OBJECTIVE_LABELS[scenario.objective], objective_label=objective_label(scenario.objective),
        objective=fmt.shown_objective(res.objective) if solved else None, figures=figures,
        n_proposals=len(res.selected) if solved else 0, portfolio=tuple(portfolio) if solved else (),
        parties=parties, concessions=concessions, price_header=price_header(scenario.objective),
        party_price_label="Prisen for partiet i alt (alle partiets krav droppet)", unit=unit, horizon=(y0, y1))


# --------------------------------------------------------------------------------------------
# The print view
# --------------------------------------------------------------------------------------------

CSS = """@page { size: A4; margin: 18mm }
body { font-family: "Helvetica Neue", Arial, sans-serif; font-size: 10pt; color: #000; margin: 0 }
h1 { font-size: 16pt; margin: 0 0 4pt }
h2 { font-size: 12pt; margin: 14pt 0 4pt; page-break-after: avoid; break-after: avoid }
p { margin: 2pt 0 6pt }
table { border-collapse: collapse; width: 100%; margin-bottom: 6pt }
thead { display: table-header-group }
tr { page-break-inside: avoid; break-inside: avoid }
th, td { border: 0.5pt solid #888; padding: 2pt 4pt; text-align: left; vertical-align: top }
th { background: #eee }
td.tal { text-align: right; white-space: nowrap }
.opfyldt { font-weight: bold }
.ikke-opfyldt { font-weight: bold; text-decoration: underline }
.forklaring { white-space: pre-line }
.farve { display: inline-block; width: 10pt; height: 10pt; margin-right: 4pt; border: 0.5pt solid #000 }
@media screen { body { margin: 18mm; max-width: 260mm } }"""


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _amount(x: float | None) -> str:
    """An amount in 1.000 kr. as a table cell reads it: mio. kr., 2 decimals."""
    return "–" if x is None else fmt.tal(x / 1000, 2)


def _typed(x: float | None) -> str:
    """A typed amount in 1.000 kr.: mio. kr., every decimal it has (at least 2)."""
    return "–" if x is None else fmt.tal_exact(x / 1000, 6, 2)


def _row(cells: list[tuple[str, bool]], tag: str = "td") -> str:
    return "<tr>" + "".join(f'<{tag} class="tal">{text}</{tag}>' if num else f"<{tag}>{text}</{tag}>"
                            for text, num in cells) + "</tr>"


def _table(head: list[str], rows: list[str]) -> str:
    th = "<tr>" + "".join(f"<th>{_e(h)}</th>" for h in head) + "</tr>"
    return f"<table><thead>{th}</thead><tbody>{''.join(rows)}</tbody></table>"


def agreement_html(ds: DataSet, scenario: Scenario, negotiation: Negotiation, *,
                   created: datetime | None = None) -> str:
    """The agreement as a complete, self-contained HTML document (UTF-8, Danish, A4 print CSS, no
    scripts, no external resources), with the content of the workbook's sheet "Aftale"."""
    a = agreement(ds, scenario, negotiation)
    created = created or datetime.now()
    parts: list[str] = []
    names = ", ".join(p.title for p in a.parties) or "ingen partier"
    parts.append(f"<h1>Aftale</h1><p>Partier ved bordet: {_e(names)}. Beløb i {_e(a.unit)}. {_e(SIGN_TEXT)} "
                 f"Oprettet {_e(created.strftime('%d.%m.%Y kl. %H:%M'))}.</p>")
    rows = [_row([(_e("Fælles grundlag"), False), (_e(a.status_text), False)]),
            _row([(_e("Mål"), False), (_e(a.objective_name), False)])]
    if a.solved:
        rows.append(_row([(_e(a.objective_label), False), (_amount(a.objective), True)]))
        rows += [_row([(_e(label), False), (_amount(x), True)]) for label, x, _ in a.figures]
        rows.append(_row([(_e("Antal forslag"), False), (str(a.n_proposals), True)]))
    parts.append("<h2>Fælles grundlag</h2>" + _table(["Punkt", "Værdi"], rows))
    if a.explanation:
        parts.append(f'<p class="forklaring">{_e(a.explanation)}</p>')
    if a.solved:
        rows = [_row([(_e(p.key), False), (_e(p.title), False), (_e(p.variant or ""), False),
                      (_amount(p.net_total), True)]) for p in a.portfolio]
        if not rows:
            rows = [_row([("", False), (_e("Ingen forslag er valgt"), False), ("", False), ("", False)])]
        parts.append("<h2>Aftalt portefølje</h2>"
                     + _table(["Nøgle", "Titel", "Variant", "Nettoeffekt over horisonten (mio. kr.)"], rows))
    for p in a.parties:
        swatch = f'<span class="farve" style="background: {_e(p.colour)}"></span>' if p.colour else ""
        rows = []
        for d in p.demands:
            cls = "" if d.met is None else (' class="opfyldt"' if d.met else ' class="ikke-opfyldt"')
            figure = "" if d.value is None else f"{_e(d.value_text)} {_amount(d.value)}"
            rows.append("<tr>" + f"<td>{_e(d.text)}</td><td{cls}>{_e(d.status)}</td>"
                        f'<td class="tal">{"" if d.limit is None else _typed(d.limit)}</td>'
                        f"<td>{figure or _e(d.value_text)}</td>"
                        f'<td class="tal">{_amount(d.price) if d.price is not None else _e(NO_PRICE)}</td></tr>')
        if not rows:
            rows.append(_row([(_e("Ingen krav"), False), ("", False), ("", False), ("", False), ("", False)]))
        rows.append("<tr>" + f"<td><strong>{_e(a.party_price_label)}</strong></td><td></td><td></td><td></td>"
                    f'<td class="tal"><strong>{_amount(p.price) if p.price is not None else _e(NO_PRICE)}'
                    "</strong></td></tr>")
        parts.append(f"<h2>{swatch}{_e(p.title)}</h2>"
                     + _table(["Krav", "Opfyldt", "Kravets beløb (mio. kr.)",
                               "Porteføljen (mio. kr.; besparelse negativ)", a.price_header], rows))
    if a.concessions:
        rows = [_row([(_e(c.text), False), (_amount(c.objective), True), (_e(", ".join(c.selected)), False)])
                for c in a.concessions]
        parts.append("<h2>Indrømmelser, der giver en aftale</h2>"
                     "<p>Hver er afprøvet: med den findes der en portefølje, som opfylder de øvrige krav.</p>"
                     + _table(["Indrømmelse", a.objective_label, "Porteføljen"], rows))
        if a.summary:
            parts.append(f"<p>{_e(a.summary)}</p>")
    title = f"Aftale: {names}"
    return ("<!DOCTYPE html>\n<html lang=\"da\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<title>{_e(title)}</title>\n<style>\n{CSS}\n</style>\n</head>\n<body>\n"
            + "\n".join(parts) + "\n</body>\n</html>\n")
