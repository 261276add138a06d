"""Yearly cash flows of a variant, optionally converted to a base p/l and placed on a horizon.

`Flows` is the common currency of figures, effects and the optimiser: each line's yearly amounts
after price conversion and year alignment.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from .model import Block, CashFlowLine, Styring, Variant
from .prices import PriceIndex


class Alignment(StrEnum):
    CALENDAR = "kalender"  # the document's years as they are
    SHIFTED = "forskudt"  # the document's first year is moved to the horizon's first year


@dataclass(frozen=True)
class FlowSettings:
    """How a proposal's table is turned into flows on the scenario's horizon.

    base_year None keeps each proposal's own p/l; horizon None keeps each proposal's own years.
    """

    base_year: int | None = None
    index: PriceIndex | None = None
    horizon: tuple[int, int] | None = None
    alignment: Alignment = Alignment.SHIFTED
    extend_permanent: bool = True  # carry the last year's permanent change on to later horizon years


@dataclass(frozen=True)
class FlowLine:
    line: CashFlowLine
    amounts: Mapping[int, float]


@dataclass(frozen=True)
class Flows:
    years: tuple[int, ...]
    lines: tuple[FlowLine, ...]
    price_level_year: int
    year_shift: int = 0  # how many years the document's table was moved

    def sum(self, *, block: Block | None = None, styring: Iterable[Styring] | None = None,
            udvalg: str | None = None, bevilling: str | None = None) -> dict[int, float]:
        st = set(styring) if styring is not None else None
        out = dict.fromkeys(self.years, 0.0)
        for fl in self.lines:
            ln = fl.line
            if block is not None and ln.block != block:
                continue
            if st is not None and ln.styring not in st:
                continue
            if udvalg is not None and ln.udvalg != udvalg:
                continue
            if bevilling is not None and ln.bevilling != bevilling:
                continue
            for y, a in fl.amounts.items():
                out[y] += a
        return out


def variant_flows(variant: Variant, settings: FlowSettings | None = None) -> Flows:
    s = settings or FlowSettings()
    prop = variant.proposal
    own_years = prop.years
    pl = prop.price_level_year
    factor = 1.0
    if s.base_year is not None and s.base_year != pl:
        if s.index is None:
            raise ValueError("A price index is needed to convert to a base year")
        factor = s.index.factor(pl, s.base_year)
        pl = s.base_year
    if s.horizon is None:
        years = own_years
        shift = 0
    else:
        years = tuple(range(s.horizon[0], s.horizon[1] + 1))
        shift = (s.horizon[0] - own_years[0]) if s.alignment == Alignment.SHIFTED else 0
    last_own = own_years[-1] + shift
    lines = []
    for ln in variant.lines:
        amounts: dict[int, float] = {}
        for y in years:
            src = y - shift
            if src in ln.amounts:
                amounts[y] = ln.amounts[src] * factor
            elif ln.block == Block.VARIG and s.extend_permanent and y > last_own:
                amounts[y] = ln.amounts[own_years[-1]] * factor
            else:
                amounts[y] = 0.0
        lines.append(FlowLine(ln, amounts))
    return Flows(years=years, lines=tuple(lines), price_level_year=pl, year_shift=shift)
