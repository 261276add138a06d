"""Comparison of two scenarios' portfolios: which proposals differ, the key figures side by side and
the måltal per udvalg and year.

Amounts are each scenario's own (1.000 kr. at its base p/l, see `Comparison.units`; the dashboard
shows them in mio. kr., `Comparison.mio_units`), with the documents' sign convention: savings
negative. A payback that never happens is NaN (`fmt.tal` shows it as '–'). `FIGURE_UNITS` says
which figures are amounts.

The settings that differ (`settings_differences`) are worded as people read them: amounts in mio.
kr. with every decimal typed ('15,0 mio. kr.'), shares in %, names instead of codes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from . import fmt
from .keyfigures import KeyFigures, scenario_key_figures
from .model import DataSet, variant_label
from .optimiser import Result
from .scenario import Scenario

FIGURE_LABELS: tuple[str, ...] = (
    "Nettoeffekt over horisonten",
    "Varig årlig effekt (besparelse negativ)",
    "Investering i alt",
    "Puljeforbrug",
    "Antal forslag",
    "Tilbagebetalingstid (år)",
)
FIGURE_UNITS: tuple[str, ...] = ("amount", "amount", "amount", "amount", "count", "years")


@dataclass(frozen=True)
class Comparison:
    only_a: tuple[str, ...]  # proposal labels, e.g. 'SI05 (Model 1)'
    only_b: tuple[str, ...]
    both: tuple[str, ...]
    figures: tuple[tuple[str, float, float], ...]  # (Danish label, a, b), labels as FIGURE_LABELS
    maaltal: dict[str, dict[int, tuple[float, float]]]  # udvalg -> year -> (a, b)
    units: tuple[str, str] = ("", "")  # the unit of a's and b's amounts

    @property
    def same_unit(self) -> bool:
        return self.units[0] == self.units[1]

    @property
    def mio_units(self) -> tuple[str, str]:
        """The units as people read the amounts: 'mio. kr., 2020 p/l'."""
        a, b = self.units
        return a.replace("1.000 kr.", "mio. kr."), b.replace("1.000 kr.", "mio. kr.")


def amount_text(amount_1000kr: float, decimals: int = 2) -> str:
    """An amount of a comparison as people read it: '-185,03 mio. kr.'."""
    return fmt.mio(amount_1000kr, decimals)


def _figures(kf: KeyFigures) -> tuple[float, ...]:
    return (kf.net_total, kf.annual_effect, math.fsum(kf.investment_by_year.values()), kf.pool.total_used,
            float(kf.n_proposals), float(kf.payback) if kf.payback is not None else math.nan)


def compare(ds: DataSet, a: Scenario, ra: Result, b: Scenario, rb: Result) -> Comparison:
    """Compare the portfolios `ra` (of scenario `a`) and `rb` (of `b`) on the dataset `ds`."""
    kfa = scenario_key_figures(ds, a, ra.selected)
    kfb = scenario_key_figures(ds, b, rb.selected)
    la = [variant_label(k, v) for k, v in ra.selected]
    lb = [variant_label(k, v) for k, v in rb.selected]
    sa, sb = set(la), set(lb)
    figures = tuple((label, x, y) for label, x, y in zip(FIGURE_LABELS, _figures(kfa), _figures(kfb), strict=True))
    ma, mb = kfa.effects.table("maaltal"), kfb.effects.table("maaltal")
    years = sorted(set(a.years) | set(b.years))
    maaltal: dict[str, dict[int, tuple[float, float]]] = {}
    for u in sorted(set(ma) | set(mb)):
        maaltal[u] = {y: (ma.get(u, {}).get(y, 0.0), mb.get(u, {}).get(y, 0.0)) for y in years}
    return Comparison(
        only_a=tuple(x for x in la if x not in sb),
        only_b=tuple(x for x in lb if x not in sa),
        both=tuple(x for x in la if x in sb),
        figures=figures,
        maaltal=maaltal,
        units=(fmt.unit(a.base_year), fmt.unit(b.base_year)),
    )


def _setting_text(value: object) -> str:
    """A setting's value as the dashboard shows it (Danish numbers, ja/nej)."""
    from .export import INT_FORMAT, PCT_FORMAT, Mio, Num  # noqa: PLC0415 - the labels live with the export

    if isinstance(value, bool):
        return "ja" if value else "nej"
    if isinstance(value, Mio):
        return fmt.mio_exact(value.amount)
    if isinstance(value, int | float):
        return fmt.mio_exact(value)
    if isinstance(value, Num):
        if value.format == PCT_FORMAT:  # exact: two shares that differ never read alike
            return f"{fmt.tal_exact(100 * value.value, 9, 1)} %"
        if value.format == INT_FORMAT:
            return str(int(value.value))
        return fmt.tal_exact(value.value)
    return str(value)


def settings_differences(ds: DataSet, a: Scenario, b: Scenario) -> tuple[tuple[str, str, str], ...]:
    """The settings in which `a` and `b` differ: (Danish label, a's value, b's value), with the labels
    and values of the export's sheet "Forudsætninger" (`export.assumption_rows`); a setting only
    one of them has (a pool for a year) shows '–' for the other."""
    from .export import assumption_rows  # noqa: PLC0415 - openpyxl only when comparing

    rows_a = {label: _setting_text(v) for label, v, _ in assumption_rows(ds, a, fmt.unit(a.base_year))}
    rows_b = {label: _setting_text(v) for label, v, _ in assumption_rows(ds, b, fmt.unit(b.base_year))}
    labels = list(dict.fromkeys([*rows_a, *rows_b]))
    return tuple((label, rows_a.get(label, "–"), rows_b.get(label, "–")) for label in labels
                 if rows_a.get(label) != rows_b.get(label))
