"""The discrepancy register: every place where a document's own figures disagree with its rows.

Computed, never typed in: stated totals and detail rows (stated_figures.csv), per-udvalg tables
(udvalg_tables.csv) and stated paybacks are compared with what the cash-flow lines give. Lines
whose styringsområde had to be inferred are listed too.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass

from .effects import udvalg_effects
from .figures import net as net_of
from .figures import payback_years, service_payback_years
from .flows import variant_flows
from .model import DataSet, Proposal, StatedFigure

TOLERANCE = 0.5  # amounts are whole thousands; anything above half a thousand is a real difference

KIND_TOTAL = "total"
KIND_ROW = "detaljerække"
KIND_UDVALG = "udvalgstabel"
KIND_PAYBACK = "tilbagebetalingstid"
KIND_STYRING = "styringsområde"

COLUMNS = ("proposal_key", "variant", "table", "row", "year", "stated", "computed", "difference", "kind", "note")


@dataclass(frozen=True)
class Discrepancy:
    proposal_key: str
    variant: str | None
    table: str
    row: str
    year: str  # a year, 'I alt', or '' when not tied to a year
    stated: float | str | None
    computed: float | str | None
    kind: str
    note: str = ""

    @property
    def difference(self) -> float | None:
        if isinstance(self.stated, int | float) and isinstance(self.computed, int | float):
            return self.stated - self.computed
        return None


def stated_value(prop: Proposal, fig: StatedFigure, years: tuple[int, ...]) -> float:
    """What our rows give for a stated figure, in the proposal's own p/l and years."""
    lines = prop.lines_for(fig.variant) if fig.variant else prop.lines
    total = 0.0
    for ln in lines:
        if not fig.selector.matches(ln):
            continue
        for y in years:
            total += ln.amounts.get(y, 0.0)
    return total


def _fmt_num(x: float) -> float | int:
    return int(round(x)) if abs(x - round(x)) < 1e-9 else round(x, 3)


def compute_register(ds: DataSet) -> list[Discrepancy]:
    out: list[Discrepancy] = []
    # years of each stated row, for its 'I alt' column
    row_years: dict[tuple, list[int]] = defaultdict(list)
    for fig in ds.stated:
        if fig.year is not None:
            row_years[(fig.proposal_key, fig.variant, fig.table, fig.row)].append(fig.year)
    stated_by_key: dict[str, list[StatedFigure]] = defaultdict(list)
    for fig in ds.stated:
        stated_by_key[fig.proposal_key].append(fig)
    udv_by_key = defaultdict(list)
    for u in ds.udvalg_tables:
        udv_by_key[u.proposal_key].append(u)

    for prop in ds.proposals:
        for fig in stated_by_key[prop.key]:
            years = (fig.year,) if fig.year is not None else tuple(row_years[(prop.key, fig.variant, fig.table, fig.row)])
            got = stated_value(prop, fig, years)
            if abs(got - fig.value) > TOLERANCE:
                kind = KIND_ROW if fig.selector.line_ids else KIND_TOTAL
                out.append(Discrepancy(prop.key, fig.variant, fig.table, fig.row,
                                       str(fig.year) if fig.year is not None else "I alt",
                                       _fmt_num(fig.value), _fmt_num(got), kind, fig.note))
        for v in prop.variants:
            fl = variant_flows(v)
            checks = (("Tilbagebetalingstid baseret på serviceeffektivisering", prop.stated_payback_service,
                       service_payback_years(fl)),
                      ("Tilbagebetalingstid baseret på totaløkonomi", prop.stated_payback_total,
                       payback_years(net_of(fl))))
            for label, stated, computed in checks:
                if stated is not None and stated != computed:
                    out.append(Discrepancy(prop.key, v.name, "Tabel 1", label, "", stated,
                                           computed if computed is not None else "aldrig", KIND_PAYBACK,
                                           "Beregnet som det første år, hvor den akkumulerede nettoeffekt er negativ "
                                           "(tabellens første år tæller som år 1)."))
        if udv_by_key[prop.key] and not prop.has_variants:
            fl = variant_flows(prop.variants[0])
            years = tuple(sorted({u.year for u in udv_by_key[prop.key]}))
            eff = udvalg_effects([fl], years)
            for u in udv_by_key[prop.key]:
                got = eff.total(u.measure)[u.year] if u.udvalg == "Total" else eff.table(u.measure).get(u.udvalg, {}).get(u.year, 0.0)
                if abs(got - u.value) > TOLERANCE:
                    note = ""
                    if u.year not in prop.years:
                        note = f"{u.year} ligger uden for forslagets Tabel 1 ({prop.years[0]}-{prop.years[-1]})."
                    out.append(Discrepancy(prop.key, None, u.table, f"{u.udvalg} ({u.measure})", str(u.year),
                                           _fmt_num(u.value), _fmt_num(got), KIND_UDVALG, note))
        for ln in prop.lines:
            if ln.styring_inferred:
                out.append(Discrepancy(prop.key, ln.variant, "Tabel 1", ln.label, "", "(tomt)", ln.styring.value,
                                       KIND_STYRING, ln.note or "Styringsområdet er udledt, ikke angivet."))
    return out


def register_csv(items: list[Discrepancy]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(COLUMNS)
    for d in items:
        diff = d.difference
        w.writerow([d.proposal_key, d.variant or "", d.table, d.row, d.year,
                    "" if d.stated is None else d.stated, "" if d.computed is None else d.computed,
                    "" if diff is None else _fmt_num(diff), d.kind, d.note])
    return buf.getvalue()

