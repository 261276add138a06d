"""A dataset's cash-flow lines as numpy arrays, built once per dataset (kept in `DataSet.memo`).

The optimiser's instance is built from this table with array operations (`optimiser.build`), and
the figures that depend on the proposals' own tables alone (each variant's payback and total
investment, as `figures.own_figures` computes them) are derived here for every variant at once.

Every amount is summed in the documents' line order, one addition at a time (`np.add.at`,
`np.cumsum`), and totals over years use Python's own `sum`, so the numbers are the same, to the
last bit, as those of `flows.variant_flows` and `figures.variant_figures` line by line.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from itertools import chain
from operator import attrgetter, itemgetter, methodcaller

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
    prop_keys: tuple[str, ...]
    prop_titles: tuple[str, ...]
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
    """The table, read field by field over all proposals and all lines at once (`attrgetter` over
    flat lists; no Python statement per line)."""
    cat_ids = tuple(c.id for c in ds.catalogues)
    props = tuple(p for cat in ds.catalogues for p in cat.proposals)
    n_props = len(props)
    prop_keys = tuple(map(attrgetter("key"), props))
    prop_cat = np.repeat(np.arange(len(ds.catalogues), dtype=np.int64), [len(c.proposals) for c in ds.catalogues])
    per_prop = list(map(attrgetter("lines"), props))
    lines_of = _ints(map(len, per_prop), n_props)
    lines = list(chain.from_iterable(per_prop))
    n_lines = len(lines)
    line_prop = np.repeat(np.arange(n_props, dtype=np.int64), lines_of)
    line_impl = np.array(list(map(Block.IMPL.__eq__, map(attrgetter("block"), lines))), dtype=bool)
    styring_index = {s: k for k, s in enumerate(STYRINGS)}
    line_styring = np.array(list(map(styring_index.__getitem__, map(attrgetter("styring"), lines))), dtype=np.int64)
    line_innovation = np.array(list(map(attrgetter("innovation"), lines)), dtype=bool)
    udvalg_names = list(map(attrgetter("udvalg"), lines))
    cells = list(map(attrgetter("amounts"), lines))
    cells_of = _ints(map(len, cells), n_lines)
    cell_year = _ints(chain.from_iterable(cells), int(cells_of.sum()))
    cell_amount = np.fromiter(chain.from_iterable(map(methodcaller("values"), cells)), dtype=float, count=len(cell_year))
    # the variants ("items"): a proposal's variants in its order, or one item without a name
    names = [p.variant_names or (None,) for p in props]
    items_of = _ints(map(len, names), n_props)
    item_prop = np.repeat(np.arange(n_props, dtype=np.int64), items_of)
    item_variant = tuple(chain.from_iterable(names))
    item_first = np.concatenate([[0], np.cumsum(items_of)[:-1]]).astype(np.int64)
    # (variant, line) memberships: a line belongs to each variant of its proposal it names, or to
    # all when it names none; by variant, each variant's lines in order
    per_line = items_of[line_prop]
    pair_line = np.repeat(np.arange(n_lines, dtype=np.int64), per_line)
    line_start = np.concatenate([[0], np.cumsum(per_line)[:-1]]).astype(np.int64)
    pair_item = item_first[line_prop][pair_line] + (np.arange(len(pair_line)) - line_start[pair_line])
    line_variant = list(map(attrgetter("variant"), lines))
    if any(v is not None for v in line_variant):
        lv = np.array(line_variant, dtype=object)[pair_line]
        iv = np.array(item_variant, dtype=object)[pair_item]
        keep = np.array([a is None or a == b for a, b in zip(lv.tolist(), iv.tolist(), strict=True)], dtype=bool)
        pair_item, pair_line = pair_item[keep], pair_line[keep]
    if len(item_variant) > n_props:  # a proposal's lines are listed once per variant: by variant now
        order = np.argsort(pair_item, kind="stable")
        pair_item, pair_line = pair_item[order], pair_line[order]
    prop_years = list(map(attrgetter("years"), props))
    years_of = _ints(map(len, prop_years), n_props)
    own_year = _ints(chain.from_iterable(prop_years), int(years_of.sum()))  # every proposal's own years
    every_year = np.concatenate([own_year, cell_year])
    y0 = int(every_year.min()) if len(every_year) else 0
    span = int(every_year.max()) - y0 + 1 if len(every_year) else 1
    amounts = np.zeros((n_lines, span))
    present = np.zeros((n_lines, span), dtype=bool)
    if len(cell_year):
        li_arr, col = np.repeat(np.arange(n_lines, dtype=np.int64), cells_of), cell_year - y0
        amounts[li_arr, col] = cell_amount
        present[li_arr, col] = True
    udvalg = tuple(sorted(set(udvalg_names)))
    u_index = {u: k for k, u in enumerate(udvalg)}
    line_category = np.where(line_innovation, INNOVATION_CATEGORY, _CATEGORY_OF_STYRING[line_styring]
                             if n_lines else np.zeros(0, np.int64))
    tab = LineTable(
        cat_ids=cat_ids, props=props, prop_keys=prop_keys, prop_titles=tuple(map(attrgetter("title"), props)),
        prop_cat=prop_cat,
        prop_pl=_ints(map(attrgetter("price_level_year"), props), n_props),
        prop_first=_ints(map(itemgetter(0), prop_years), n_props),
        prop_last=_ints(map(itemgetter(-1), prop_years), n_props),
        prop_risk=np.array([p.risk.rank for p in props], dtype=np.int64),
        prop_requires=tuple(map(ds.required_by, prop_keys)),
        item_prop=item_prop, item_variant=item_variant, item_payback=(), item_own_investment=(),
        pair_item=pair_item, pair_line=pair_line, line_prop=line_prop, line_impl=line_impl,
        line_styring=line_styring, line_innovation=line_innovation,
        line_category=np.asarray(line_category, dtype=np.int64),
        line_udvalg=np.array(list(map(u_index.__getitem__, udvalg_names)), dtype=np.int64), udvalg=udvalg,
        y0=y0, amounts=amounts, present=present, unique_keys=len(set(prop_keys)) == len(props))
    payback, own_investment = _own_figures(tab, years_of, own_year)
    object.__setattr__(tab, "item_payback", payback)
    object.__setattr__(tab, "item_own_investment", own_investment)
    return tab


def added_in_order(n_rows: int, group: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Row g of the result: 0.0 plus the rows of `values` whose `group` is g, one addition at a
    time in their order (the sums `np.add.at` gives, to the last bit), with one vectorised
    addition per place in a group."""
    out = np.zeros((n_rows, values.shape[1]))
    if not len(group):
        return out
    order = np.argsort(group, kind="stable")
    g, v = group[order], values[order]
    start = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
    place = np.arange(len(g)) - np.repeat(start, np.diff(np.r_[start, len(g)]))
    for k in range(int(place.max()) + 1):
        at = place == k
        out[g[at]] += v[at]
    return out


def _ints(values: Iterable[int], count: int) -> np.ndarray:
    return np.fromiter(values, dtype=np.int64, count=count)


def _own_figures(tab: LineTable, years_of: np.ndarray, own_year: np.ndarray
                 ) -> tuple[tuple[int | None, ...], tuple[float, ...]]:
    """Each variant's payback and total investment on its proposal's own table, as
    `figures.variant_figures(variant)` gives them (`own_year`: every proposal's years in turn,
    `years_of` of each)."""
    n_items = len(tab.item_prop)
    span = tab.amounts.shape[1]
    # the own table's columns of each line: its proposal's years
    own = np.zeros((len(tab.props), span), dtype=bool)
    own[np.repeat(np.arange(len(tab.props)), years_of), own_year - tab.y0] = True
    line_own = own[tab.line_prop] & tab.present
    amounts = np.where(line_own, tab.amounts, 0.0)
    impl = tab.line_impl[tab.pair_line]
    inv = added_in_order(n_items, tab.pair_item[impl], amounts[tab.pair_line[impl]])
    perm = added_in_order(n_items, tab.pair_item[~impl], amounts[tab.pair_line[~impl]])
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
