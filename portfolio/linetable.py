"""A dataset's cash-flow lines as numpy arrays, built once per dataset (kept in `DataSet.memo`).

The optimiser's instance is built from this table with array operations (`optimiser.build`), and
the figures that depend on the proposals' own tables alone (each variant's payback and total
investment, as `figures.own_figures` computes them) are derived here for every variant at once.

Every amount is summed in the documents' line order, one addition at a time (`np.add.at`,
`np.cumsum`), and totals over years use Python's own `sum`, so the numbers are the same, to the
last bit, as those of `flows.variant_flows` and `figures.variant_figures` line by line.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .model import INNOVATION_POOL, Block, DataSet, Proposal, Styring

_MEMO_KEY = ("linetable",)
STYRINGS: tuple[Styring, ...] = tuple(Styring)
# the pool categories: the styringsområder and the innovation pool, in name order (as `Item.invest_by`)
CATEGORIES: tuple[str, ...] = tuple(sorted([s.value for s in STYRINGS] + [INNOVATION_POOL]))
_CATEGORY_OF_STYRING = np.array([CATEGORIES.index(s.value) for s in STYRINGS], dtype=np.int64)
INNOVATION_CATEGORY = CATEGORIES.index(INNOVATION_POOL)
SERVICE = STYRINGS.index(Styring.SERVICE)


@dataclass(frozen=True, eq=False)
class LineTable:
    """Proposals, variants ("items") and lines of a dataset, in the dataset's order."""

    cat_ids: tuple[str, ...]
    props: tuple[Proposal, ...]
    prop_cat: np.ndarray  # catalogue index of each proposal
    prop_pl: np.ndarray  # p/l year
    prop_first: np.ndarray  # the proposal's own first and last year
    prop_last: np.ndarray
    prop_risk: np.ndarray  # Risk.rank
    prop_requires: tuple[tuple[str, ...], ...]
    item_prop: np.ndarray  # the proposal of each variant
    item_variant: tuple[str | None, ...]
    item_payback: tuple[int | None, ...]  # on the proposal's own table (`figures.payback_years`)
    item_own_investment: tuple[float, ...]  # total investment on the proposal's own table
    pair_item: np.ndarray  # (variant, line) memberships, by variant, each variant's lines in order
    pair_line: np.ndarray
    line_prop: np.ndarray
    line_impl: np.ndarray  # bool: an investment line (else a permanent change)
    line_styring: np.ndarray  # index into STYRINGS
    line_innovation: np.ndarray  # bool
    line_category: np.ndarray  # index into CATEGORIES (investment lines)
    line_udvalg: np.ndarray  # index into `udvalg`
    udvalg: tuple[str, ...]  # in name order
    y0: int  # the first year of the amounts' columns
    amounts: np.ndarray  # (lines, years from y0): the line's amount, 0 where it has none
    present: np.ndarray  # (lines, years from y0): the line states an amount for the year
    unique_keys: bool  # no proposal key twice (so no variant twice)

    def largest_own_investment(self) -> np.ndarray:
        """Per proposal: the largest total investment of its variants on its own table."""
        out = np.full(len(self.props), -np.inf)
        np.maximum.at(out, self.item_prop, np.asarray(self.item_own_investment, dtype=float))
        return out


def table(ds: DataSet) -> LineTable:
    """The dataset's line table, built on first use and kept with the dataset."""
    found = ds.memo.get(_MEMO_KEY)
    if found is None:
        found = ds.memo[_MEMO_KEY] = _make(ds)
    return found  # type: ignore[return-value]


def _make(ds: DataSet) -> LineTable:
    cat_ids = tuple(c.id for c in ds.catalogues)
    props: list[Proposal] = []
    prop_cat: list[int] = []
    item_prop: list[int] = []
    item_variant: list[str | None] = []
    pair_item: list[int] = []
    pair_line: list[int] = []
    line_prop: list[int] = []
    line_impl: list[bool] = []
    line_styring: list[int] = []
    line_innovation: list[bool] = []
    udvalg_names: list[str] = []
    cell_line: list[int] = []
    cell_year: list[int] = []
    cell_amount: list[float] = []
    styring_index = {s: k for k, s in enumerate(STYRINGS)}
    for ci, cat in enumerate(ds.catalogues):
        for p in cat.proposals:
            pi = len(props)
            props.append(p)
            prop_cat.append(ci)
            first_line = len(line_prop)
            lines = p.lines
            n = len(lines)
            line_prop.extend([pi] * n)
            line_impl.extend([ln.block == Block.IMPL for ln in lines])
            line_styring.extend([styring_index[ln.styring] for ln in lines])
            line_innovation.extend([ln.innovation for ln in lines])
            udvalg_names.extend([ln.udvalg for ln in lines])
            for li, ln in enumerate(lines, start=first_line):
                am = ln.amounts
                cell_line.extend([li] * len(am))
                cell_year.extend(am)
                cell_amount.extend(am.values())
            for name in p.variant_names or (None,):
                ii = len(item_prop)
                item_prop.append(pi)
                item_variant.append(name)
                mine = [first_line + k for k, ln in enumerate(lines) if ln.variant is None or ln.variant == name]
                pair_item.extend([ii] * len(mine))
                pair_line.extend(mine)
    years = [y for p in props for y in p.years] + cell_year
    y0 = min(years, default=0)
    span = max(years, default=0) - y0 + 1
    n_lines = len(line_prop)
    amounts = np.zeros((n_lines, span))
    present = np.zeros((n_lines, span), dtype=bool)
    if cell_line:
        li_arr, col = np.array(cell_line), np.array(cell_year) - y0
        amounts[li_arr, col] = np.array(cell_amount, dtype=float)
        present[li_arr, col] = True
    udvalg = tuple(sorted(set(udvalg_names)))
    u_index = {u: k for k, u in enumerate(udvalg)}
    line_styring_a = np.array(line_styring, dtype=np.int64)
    line_innovation_a = np.array(line_innovation, dtype=bool)
    line_category = np.where(line_innovation_a, INNOVATION_CATEGORY, _CATEGORY_OF_STYRING[line_styring_a]
                             if n_lines else np.zeros(0, np.int64))
    tab = LineTable(
        cat_ids=cat_ids, props=tuple(props), prop_cat=np.array(prop_cat, dtype=np.int64),
        prop_pl=np.array([p.price_level_year for p in props], dtype=np.int64),
        prop_first=np.array([p.years[0] for p in props], dtype=np.int64),
        prop_last=np.array([p.years[-1] for p in props], dtype=np.int64),
        prop_risk=np.array([p.risk.rank for p in props], dtype=np.int64),
        prop_requires=tuple(ds.required_by(p.key) for p in props),
        item_prop=np.array(item_prop, dtype=np.int64), item_variant=tuple(item_variant),
        item_payback=(), item_own_investment=(),
        pair_item=np.array(pair_item, dtype=np.int64), pair_line=np.array(pair_line, dtype=np.int64),
        line_prop=np.array(line_prop, dtype=np.int64), line_impl=np.array(line_impl, dtype=bool),
        line_styring=line_styring_a, line_innovation=line_innovation_a,
        line_category=np.asarray(line_category, dtype=np.int64),
        line_udvalg=np.array([u_index[u] for u in udvalg_names], dtype=np.int64), udvalg=udvalg,
        y0=y0, amounts=amounts, present=present, unique_keys=len({p.key for p in props}) == len(props))
    payback, own_investment = _own_figures(tab, span)
    object.__setattr__(tab, "item_payback", payback)
    object.__setattr__(tab, "item_own_investment", own_investment)
    return tab


def _own_figures(tab: LineTable, span: int) -> tuple[tuple[int | None, ...], tuple[float, ...]]:
    """Each variant's payback and total investment on its proposal's own table, as
    `figures.variant_figures(variant)` gives them."""
    n_items = len(tab.item_prop)
    # the own table's columns of each line: its proposal's years
    own = np.zeros((len(tab.props), span), dtype=bool)
    for pi, p in enumerate(tab.props):
        own[pi, [y - tab.y0 for y in p.years]] = True
    line_own = own[tab.line_prop] & tab.present
    amounts = np.where(line_own, tab.amounts, 0.0)
    inv = np.zeros((n_items, span))
    perm = np.zeros((n_items, span))
    impl = tab.line_impl[tab.pair_line]
    np.add.at(inv, tab.pair_item[impl], amounts[tab.pair_line[impl]])
    np.add.at(perm, tab.pair_item[~impl], amounts[tab.pair_line[~impl]])
    net = perm + inv
    item_own = own[tab.item_prop]
    cum = np.cumsum(np.where(item_own, net, 0.0), axis=1)
    repaid = (cum < -1e-9) & item_own
    first_col = tab.prop_first[tab.item_prop] - tab.y0
    at = repaid.argmax(axis=1)
    payback = tuple(int(c - f + 1) if r else None for c, f, r in
                    zip(at.tolist(), first_col.tolist(), repaid.any(axis=1).tolist(), strict=True))
    # the sum over the own years in year order, one addition at a time as Python's `sum` adds them:
    # a running sum (np.cumsum is sequential) in which the other years add exact zeros
    own_investment = tuple(np.cumsum(np.where(item_own, inv, 0.0), axis=1)[:, -1].tolist()) if span else ()
    return payback, own_investment
