"""Derived figures of a proposal variant: investment, permanent change, net effect, payback, NPV.

Sign convention as in the documents: savings negative. NPV is reported savings-positive.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .flows import Flows, FlowSettings, variant_flows
from .model import Block, DataSet, Styring, Variant


def investment(flows: Flows, styring: tuple[Styring, ...] | None = None) -> dict[int, float]:
    """Implementeringsomkostninger per year (optionally only some styringsområder)."""
    return flows.sum(block=Block.IMPL, styring=styring)


def permanent(flows: Flows, styring: tuple[Styring, ...] | None = None) -> dict[int, float]:
    """Varige ændringer per year (savings negative)."""
    return flows.sum(block=Block.VARIG, styring=styring)


def net(flows: Flows) -> dict[int, float]:
    """Samlet økonomisk påvirkning per year: permanent changes plus investments."""
    inv, perm = investment(flows), permanent(flows)
    return {y: perm[y] + inv[y] for y in flows.years}


def payback_years(net_by_year: Mapping[int, float]) -> int | None:
    """First year (the table's first year counts as year 1) in which the cumulative net effect
    is negative, i.e. the savings have repaid the investment. None if it never happens."""
    total = 0.0
    for n, y in enumerate(sorted(net_by_year), start=1):
        total += net_by_year[y]
        if total < -1e-9:
            return n
    return None


def service_payback_years(flows: Flows) -> int | None:
    """Payback counting only Service permanent changes against all investments
    ('tilbagebetalingstid baseret på serviceeffektivisering')."""
    inv, perm = investment(flows), permanent(flows, (Styring.SERVICE,))
    return payback_years({y: inv[y] + perm[y] for y in flows.years})


def npv(net_by_year: Mapping[int, float], rate: float, extra_years: int = 0,
        tail_amount: float | None = None) -> float:
    """Net present value of the savings (savings counted positive), discounted to the first year.

    The first year is undiscounted; year n is divided by (1 + rate) ** (n - 1). `extra_years` carries
    `tail_amount` (default: the last year's net effect) on for that many years beyond the table.
    """
    years = sorted(net_by_year)
    if not years:
        return 0.0
    value = 0.0
    for n, y in enumerate(years):
        value += -net_by_year[y] / (1 + rate) ** n
    tail = net_by_year[years[-1]] if tail_amount is None else tail_amount
    for k in range(extra_years):
        value += -tail / (1 + rate) ** (len(years) + k)
    return value


@dataclass(frozen=True)
class VariantFigures:
    """The key figures of one variant, in the flows' p/l and years."""

    variant: Variant
    flows: Flows
    investment: dict[int, float]
    investment_service: dict[int, float]
    investment_anlaeg: dict[int, float]
    permanent: dict[int, float]
    net: dict[int, float]
    total_investment: float
    total_permanent: float
    total_net: float
    annual_effect: float  # permanent change in the last year (full phase-in), savings negative
    payback: int | None
    service_payback: int | None


def own_figures(ds: DataSet, variant: Variant) -> VariantFigures:
    """`variant_figures` on the proposal's own table, computed once per dataset and variant."""
    key = ("own_figures", variant.key, variant.name)
    found = ds.memo.get(key)
    if found is None:
        found = ds.memo[key] = variant_figures(variant)
    return found  # type: ignore[return-value]


def variant_figures(variant: Variant, settings: FlowSettings | None = None) -> VariantFigures:
    fl = variant_flows(variant, settings)
    inv, perm, nt = investment(fl), permanent(fl), net(fl)
    return VariantFigures(
        variant=variant, flows=fl, investment=inv,
        investment_service=investment(fl, (Styring.SERVICE,)), investment_anlaeg=investment(fl, (Styring.ANLAEG,)),
        permanent=perm, net=nt, total_investment=sum(inv.values()), total_permanent=sum(perm.values()),
        total_net=sum(nt.values()), annual_effect=perm[fl.years[-1]], payback=payback_years(nt),
        service_payback=service_payback_years(fl))
