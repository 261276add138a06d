"""A variant's economy in the shape of the documents' Tabel 1, with stated against computed totals."""

from __future__ import annotations

from dataclasses import dataclass

from .figures import investment, net, payback_years, permanent, service_payback_years
from .flows import FlowSettings, variant_flows
from .model import BLOCK_LABEL, Block, DataSet, StatedFigure, Variant


@dataclass(frozen=True)
class TableRow:
    kind: str  # "header", "line", "total" or "payback"
    label: str
    styring: str
    values: dict[int, float]  # empty for headers; for payback rows see `number`
    stated: dict[int, float] | None = None  # the document's own figures for this total, if printed
    line_id: str = ""
    number: int | None = None  # payback rows: computed years
    stated_number: int | None = None  # payback rows: stated years

    def differs(self, year: int) -> bool:
        return self.stated is not None and year in self.stated and abs(self.stated[year] - self.values[year]) > 0.5


@dataclass(frozen=True)
class Tabel1:
    variant: Variant
    years: tuple[int, ...]
    price_level_year: int
    rows: tuple[TableRow, ...]


def _stated_total(ds: DataSet, variant: Variant, block: str) -> dict[int, float] | None:
    cands: list[StatedFigure] = [
        f for f in ds.stated
        if f.proposal_key == variant.key and f.table == "Tabel 1" and f.selector.block == block
        and not f.selector.line_ids and not f.selector.styring and f.year is not None
        and (f.variant == variant.name or f.variant is None)
    ]
    if not cands:
        return None
    specific = [f for f in cands if f.variant == variant.name]
    use = specific or cands
    return {f.year: f.value for f in use}


def tabel1(ds: DataSet, variant: Variant, settings: FlowSettings | None = None) -> Tabel1:
    fl = variant_flows(variant, settings)
    own = settings is None or ((settings.base_year in (None, variant.proposal.price_level_year))
                               and settings.horizon is None)
    rows: list[TableRow] = []
    for block, total_label in ((Block.VARIG, "Samlet varig ændring"),
                               (Block.IMPL, "Samlede implementeringsomkostninger")):
        rows.append(TableRow("header", BLOCK_LABEL[block], "", {}))
        for f in fl.lines:
            if f.line.block == block:
                rows.append(TableRow("line", f.line.label, f.line.styring.value + (" (udledt)" if f.line.styring_inferred else ""),
                                     dict(f.amounts), line_id=f.line.line_id))
        vals = permanent(fl) if block == Block.VARIG else investment(fl)
        rows.append(TableRow("total", total_label, "", vals,
                             _stated_total(ds, variant, block.value) if own else None))
    nt = net(fl)
    rows.append(TableRow("total", "Samlet økonomisk påvirkning", "", nt,
                         _stated_total(ds, variant, "net") if own else None))
    p = variant.proposal
    rows.append(TableRow("payback", "Tilbagebetalingstid baseret på serviceeffektivisering", "", {},
                         number=service_payback_years(fl), stated_number=p.stated_payback_service if own else None))
    rows.append(TableRow("payback", "Tilbagebetalingstid baseret på totaløkonomi", "", {},
                         number=payback_years(nt), stated_number=p.stated_payback_total if own else None))
    return Tabel1(variant, fl.years, fl.price_level_year, tuple(rows))
