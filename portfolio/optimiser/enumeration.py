"""The exact enumeration engine: every what-if question of a small instance answered in numpy.

At the size of a real catalogue (tens of proposals) the portfolios the rules admit can be
enumerated, or the problem decomposes so that no enumeration of the whole set is needed. Three
exact engines, chosen by the structure of the rules (`engine_for`):

* **separable**: no rule row couples proposals outside a *component* (proposals tied together by
  rows over few proposals: dependencies, forced proposals). The optimum for any objective is then
  each component's best option, independently: the admissible portfolios are the product of the
  components' admissible options, and are never listed.
* **two lists** (meet in the middle): the components are coupled by ONE one-sided row (a pool in
  total, a party's pool cap, one savings target): a·x ≤ h. The components are split into two
  halves whose options (products of the components' options) are listed once with their row sums;
  the second half's are sorted by the row sum once (world-independent). For an objective, the
  best second-half option within h - s_A is a prefix maximum of the sorted values at the position
  `searchsorted(h - s_A)`, so the optimum is max over the first half's options of
  v_A + prefmax_B[pos_A], for many objectives at once as matrices.
* **enumeration**: any other rules. The admissible portfolios are listed as bit masks (item i is
  bit i) by adding one component at a time, with every row pruned by interval arithmetic: a
  partial portfolio whose row sum plus the least (greatest) the remaining components can add is
  above the row's upper (below its lower) bound has no admissible completion. What remains at the
  end is exactly the admissible set. An objective's optimum is the best row of X c (X the 0/1
  matrix of the portfolios); many objectives C at once are C Xᵀ in chunks, over the portfolios
  that can be optimal for some objective of the chunk: a portfolio p to which an item i with a
  positive coefficient in every objective of the chunk can be added (p + i admissible, its
  proposal not in p) is beaten by p + i in every one of them, so it is left out of the product
  (exact: every optimum of every objective of the chunk is kept).

Every engine reads the rules as their bounds and rows (`rules.KINDS`), the same the MILP is built
from, with a tolerance of 1e-9 of the row's scale. `admissible(inst, limit)` lists the portfolios
(None when more than `limit` partial portfolios would be held); `engine_for(inst, limit)` returns
the engine for the instance (None: the MILP must answer); its `count` says how many portfolios
the rules admit, without listing them when the structure allows.

The bound `DEFAULT_LIMIT` is measured (bench/bench_analysis.py, this 2-core machine): listing
304.096 portfolios takes about 30 ms and 1,2 million about 40 ms, while the MILP needs 10-30 ms
per question (a Monte Carlo world, a toggle, a frontier point); above a million portfolios the
Monte Carlo's matrix products would cost more than the MILP's solves, so the callers fall back on
the MILP there. The separable and two-list engines never list the portfolios and have no bound
but the size of a half (`MAX_HALF`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from .instance import Instance
from .milp import RawSolution
from .rules import Row, rows_of

DEFAULT_LIMIT = 1_000_000  # at most this many (partial) portfolios are listed; above it the MILP is used
MAX_ITEMS = 62  # portfolios are int64 bit masks
LOCAL_PROPOSALS = 3  # a row over at most this many proposals ties them into one component
MAX_COMPONENT_OPTIONS = 4096  # options of one component before its rows are treated as coupling rows
MAX_HALF = 200_000  # options of one half of the two lists
_REL_TOL = 1e-9


def _np() -> Any:
    import numpy as np  # noqa: PLC0415

    return np


def _row_tol(r: Row) -> float:
    return _REL_TOL * max(1.0, abs(r.hi) if math.isfinite(r.hi) else 0.0, abs(r.lo) if math.isfinite(r.lo) else 0.0,
                          math.fsum(abs(c) for _, c in r.terms))


def _bits(masks: Any, n: int) -> Any:
    """0/1 float matrix (portfolios × items) of int64 bit masks."""
    np = _np()
    if len(masks) == 0:
        return np.zeros((0, n))
    return ((masks[:, None] >> np.arange(n, dtype=np.int64)) & 1).astype(float)


class Partition:
    """Proposals in groups (union-find with path halving): `join` two keys' groups, `find` a key's
    group, `groups` in the keys' order. Used for the engines' components and the frontier's."""

    def __init__(self, keys: Sequence[str]) -> None:
        self.keys = list(keys)
        self.parent = {k: k for k in self.keys}

    def find(self, k: str) -> str:
        parent = self.parent
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    def join(self, a: str, b: str) -> None:
        self.parent[self.find(a)] = self.find(b)

    def groups(self) -> list[list[str]]:
        members: dict[str, list[str]] = {}
        for k in self.keys:
            members.setdefault(self.find(k), []).append(k)
        return list(members.values())


@dataclass(frozen=True, eq=False)
class Component:
    """Proposals tied together by local rows, and their admissible options (bit masks; the empty
    option included when it is admissible), the options' 0/1 rows, and their row sums for the
    coupling rows (`Setup.coupling`)."""

    keys: tuple[str, ...]
    masks: Any  # int64, options
    X: Any  # options × items
    S: Any  # options × coupling rows


@dataclass(eq=False)
class Setup:
    """The world-independent structure of an instance: the items each rule leaves selectable, the
    components and the coupling rows."""

    inst: Instance
    ok: bool = True  # False: too many items for bit masks, or a component with too many options
    components: list[Component] = field(default_factory=list)
    coupling: list[Row] = field(default_factory=list)
    key_masks: dict[str, int] = field(default_factory=dict)
    infeasible: bool = False  # a row no selection can hold (e.g. a savings target nothing contributes to)

    @classmethod
    def of(cls, inst: Instance) -> Setup:
        np = _np()
        n = len(inst.items)
        setup = cls(inst)
        if n > MAX_ITEMS:
            setup.ok = False
            return setup
        excluded: set[int] = set()
        rows: list[Row] = []
        for rule in inst.all_rules():
            excluded |= inst.excluded_by(rule)
            rows += rows_of(inst, rule)
        keys = list(inst.by_key)
        key_of = inst.key_of
        setup.key_masks = {k: sum(1 << i for i in idx) for k, idx in inst.by_key.items()}
        part = Partition(keys)
        find = part.find
        infeasible = False
        local: list[Row] = []
        coupling: list[Row] = []
        for r in rows:
            props = {key_of[i] for i, _ in r.terms}
            if not props:
                if not r.lo <= 0.0 <= r.hi:
                    infeasible = True
                continue
            if len(props) <= LOCAL_PROPOSALS:
                local.append(r)
                first, *rest = props
                for k in rest:
                    part.join(k, first)
            else:
                coupling.append(r)
        groups = part.groups()
        # each component's options: products of its proposals' options, filtered by its local rows
        comp_rows: dict[str, list[Row]] = {}
        for r in local:
            comp_rows.setdefault(find(key_of[r.terms[0][0]]), []).append(r)
        built = []
        for g in groups:
            combos = 1
            for k in g:
                combos *= 1 + sum(1 for i in inst.by_key[k] if i not in excluded)
            if combos > MAX_COMPONENT_OPTIONS:
                # too many: its local rows couple instead, and each proposal is its own component
                coupling += comp_rows.pop(find(g[0]), [])
                built += [([k], []) for k in g]
            else:
                built.append((g, comp_rows.get(find(g[0]), [])))
        setup.coupling = coupling
        setup.infeasible = infeasible
        for g, rs in built:
            masks = np.zeros(1, dtype=np.int64)
            for k in g:
                allowed = [i for i in inst.by_key[k] if i not in excluded]
                masks = np.concatenate([masks] + [masks | np.int64(1 << i) for i in allowed])
            X = _bits(masks, n)
            ok = np.ones(len(masks), dtype=bool)
            for r in rs:
                cols = np.array([i for i, _ in r.terms])
                v = X[:, cols] @ np.array([c for _, c in r.terms])
                t = _row_tol(r)
                ok &= (v >= r.lo - t) & (v <= r.hi + t)
            masks, X = masks[ok], X[ok]
            setup.components.append(Component(tuple(g), masks, X, _row_sums(X, coupling)))
        return setup

    @property
    def n(self) -> int:
        return len(self.inst.items)

    def restricted(self, must: Sequence[str] = (), must_not: Sequence[str] = ()) -> Setup:
        """The same structure with the proposals `must` in and `must_not` out of every option."""
        np = _np()
        comps = []
        for c in self.components:
            ok = np.ones(len(c.masks), dtype=bool)
            for k in must:
                if k in c.keys:
                    ok &= (c.masks & np.int64(self.key_masks[k])) != 0
            for k in must_not:
                if k in c.keys:
                    ok &= (c.masks & np.int64(self.key_masks[k])) == 0
            comps.append(c if ok.all() else Component(c.keys, c.masks[ok], c.X[ok], c.S[ok]))
        return Setup(self.inst, self.ok, comps, self.coupling, self.key_masks, self.infeasible)

    @property
    def feasible_structure(self) -> bool:
        return not self.infeasible and all(len(c.masks) for c in self.components)


def _row_sums(X: Any, rows: Sequence[Row]) -> Any:
    np = _np()
    A = np.zeros((X.shape[1], len(rows)))
    for k, r in enumerate(rows):
        for i, c in r.terms:
            A[i, k] = c
    return X @ A


# --------------------------------------------------------------------------------------------
# The admissible portfolios, listed
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Admissible:
    """The admissible portfolios of an instance as int64 bit masks (item i is bit i); `X[p, i]` = 1
    when portfolio p holds item i."""

    masks: Any
    n: int
    key_masks: dict[str, int] = field(default_factory=dict)
    kind: str = "enumeration"
    _kept: dict[tuple[int, ...], tuple[Any, Any]] = field(default_factory=dict, repr=False)

    @cached_property
    def X(self) -> Any:  # noqa: N802 - the matrix's name in the docstrings
        return _bits(self.masks, self.n)

    @property
    def count(self) -> int:
        return int(len(self.masks))

    def values(self, coefs: Any) -> Any:
        """Σ coefs·x of every portfolio, from the bit masks a byte at a time (a table of the 256
        sums of each byte's items), without the 0/1 matrix."""
        np = _np()
        c = np.asarray(coefs, dtype=float)
        out = np.zeros(self.count)
        byte = np.arange(256, dtype=np.int64)
        for b in range(0, self.n, 8):
            w = c[b:b + 8]
            table = ((byte[:, None] >> np.arange(len(w))) & 1) @ w
            out += table[(self.masks >> b) & 255]
        return out

    def items_of(self, p: int) -> tuple[int, ...]:
        m = int(self.masks[p])
        return tuple(i for i in range(self.n) if m >> i & 1)

    def best(self, coefs: Any) -> tuple[float, tuple[int, ...]] | None:
        """The optimum of Σ coefs·x over the admissible portfolios and one maximiser (items), or None."""
        np = _np()
        if self.count == 0:
            return None
        values = self.values(coefs)  # from the bit masks: one objective needs no matrix
        p = int(np.argmax(values))
        return float(values[p]), self.items_of(p)

    def has(self, key: str) -> Any:
        """Which portfolios hold proposal `key` (a boolean per portfolio)."""
        return (self.masks & self.key_masks[key]) != 0

    @cached_property
    def _lookup(self) -> Any:
        np = _np()
        if self.n <= 26:
            table = np.zeros(1 << self.n, dtype=bool)
            table[self.masks] = True
            return table
        return np.sort(self.masks)

    def contains(self, masks: Any) -> Any:
        """Which of the bit masks are admissible portfolios."""
        np = _np()
        look = self._lookup
        if look.dtype == bool:
            return look[masks]
        pos = np.minimum(np.searchsorted(look, masks), len(look) - 1)
        return look[pos] == masks

    def undominated(self, positive: Sequence[int]) -> Any:
        """Indices of the portfolios to which no item of `positive` can be added (see the module
        docstring): every optimum of an objective positive on those items is among them."""
        np = _np()
        item_key_mask = {i: m for m in self.key_masks.values() for i in range(self.n) if m >> i & 1}
        dominated = np.zeros(self.count, dtype=bool)
        for i in positive:
            free = (self.masks & item_key_mask[int(i)]) == 0
            dominated[free] |= self.contains(self.masks[free] | np.int64(1 << int(i)))
        return np.flatnonzero(~dominated)

    def best_of_many(self, C: Any, chunk: int = 1024) -> tuple[Any, Any]:
        """For each row of C (objectives × items): the optimal value and the index of one optimal
        portfolio (rows of `X`), in chunks of at most `chunk` objectives, each over the portfolios
        that can be optimal for it (`undominated`)."""
        np = _np()
        C = np.asarray(C, dtype=float)
        values = np.empty(len(C))
        which = np.empty(len(C), dtype=np.int64)
        cache = self._kept  # the undominated portfolios by the positive items, kept between calls
        for a in range(0, len(C), chunk):
            block = C[a:a + chunk]
            positive = tuple(int(i) for i in np.flatnonzero(block.min(axis=0) > 0.0))
            if positive not in cache:
                keep = self.undominated(positive) if positive else np.arange(self.count)
                cache[positive] = (keep, np.ascontiguousarray(self.X[keep].T))
            keep, Xt = cache[positive]
            step = max(1, min(len(block), 8_000_000 // max(1, len(keep))))
            for b in range(0, len(block), step):
                vals = block[b:b + step] @ Xt
                w = np.argmax(vals, axis=1)
                which[a + b:a + b + len(w)] = keep[w]
                values[a + b:a + b + len(w)] = vals[np.arange(len(w)), w]
        return values, which


def _enumerate(setup: Setup, limit: int, coefs: Any = None, floor: float = -math.inf) -> Any | None:
    """The admissible portfolios as bit masks (see the module docstring), or None above `limit`.
    With `coefs` and a finite `floor`: only those with Σ coefs·x ≥ floor (a partial portfolio whose
    value plus the most the remaining components can add is below it is pruned too)."""
    np = _np()
    rows = setup.coupling
    comps = setup.components
    if not setup.feasible_structure:
        return np.zeros(0, dtype=np.int64)
    lo = np.array([r.lo for r in rows])
    hi = np.array([r.hi for r in rows])
    tol = np.array([_row_tol(r) for r in rows])
    # the components with the heaviest use of the rows first (each row measured against its
    # bound, or its whole span when the bound is 0): the partial portfolios are pruned early
    span = np.sum([np.max(np.abs(c.S), axis=0, initial=0.0) for c in comps], axis=0) if comps else np.zeros(0)
    bound = np.where(np.isfinite(hi) & (np.abs(hi) > 0), np.abs(hi), np.maximum(span, 1.0))
    weight = [float(np.max(np.max(np.abs(c.S), axis=0, initial=0.0) / bound, initial=0.0)) for c in comps]
    order = sorted(range(len(comps)), key=lambda j: -weight[j])
    mins = np.array([comps[j].S.min(axis=0) for j in order]).reshape(len(order), len(rows))
    maxs = np.array([comps[j].S.max(axis=0) for j in order]).reshape(len(order), len(rows))
    rem_min = np.vstack([np.cumsum(mins[::-1], axis=0)[::-1][1:], np.zeros((1, len(rows)))])
    rem_max = np.vstack([np.cumsum(maxs[::-1], axis=0)[::-1][1:], np.zeros((1, len(rows)))])
    # each row's partial sums as one contiguous array; a partial portfolio is kept while every
    # row can still be met: sum + least remaining <= hi and sum + greatest remaining >= lo
    M = np.zeros(1, dtype=np.int64)
    S = [np.zeros(1) for _ in rows]
    cols = [[comps[j].S[:, r].copy() for r in range(len(rows))] for j in order]
    bounded = coefs is not None and math.isfinite(floor)
    if bounded:
        c_arr = np.asarray(coefs, dtype=float)
        vals = [comps[j].X @ c_arr for j in order]
        best_rest = np.concatenate([np.cumsum([float(v.max()) for v in vals][::-1])[::-1][1:], [0.0]])
        vtol = _REL_TOL * max(1.0, abs(floor), float(np.abs(c_arr).sum()))
        V = np.zeros(1)
    for layer, j in enumerate(order):
        c = comps[j]
        m, q = len(M), len(c.masks)
        if m * q > 4 * limit:
            return None
        M = (M[:, None] | c.masks[None, :]).ravel()
        S = [(s[:, None] + add[None, :]).ravel() for s, add in zip(S, cols[layer], strict=True)]
        keep = None
        if bounded:
            V = (V[:, None] + vals[layer][None, :]).ravel()
            keep = V + best_rest[layer] >= floor - vtol
        for r in range(len(rows)):
            for ok in ((S[r] <= hi[r] - rem_min[layer, r] + tol[r]) if math.isfinite(hi[r]) else None,
                       (S[r] >= lo[r] - rem_max[layer, r] - tol[r]) if math.isfinite(lo[r]) else None):
                if ok is not None:
                    keep = ok if keep is None else keep & ok
        if keep is not None:
            M = M[keep]
            S = [s[keep] for s in S]
            if bounded:
                V = V[keep]
        if len(M) > limit:
            return None
    return M


def admissible(inst: Instance, limit: int = DEFAULT_LIMIT, setup: Setup | None = None, *,
               coefs: Sequence[float] | None = None, floor: float = -math.inf) -> Admissible | None:
    """Every admissible portfolio of `inst` (see the module docstring), or None when more than
    `limit` partial portfolios would have to be held (or the instance has too many items). With
    `coefs` and `floor`: only the admissible portfolios with Σ coefs·x ≥ floor (to 1e-9 of scale)."""
    setup = setup or Setup.of(inst)
    if not setup.ok:
        return None
    masks = _enumerate(setup, limit, coefs, floor)
    if masks is None:
        return None
    return Admissible(masks=masks, n=setup.n, key_masks=setup.key_masks)


# --------------------------------------------------------------------------------------------
# The engines for many objectives at once
# --------------------------------------------------------------------------------------------


class Engine:
    """An exact optimiser of many objectives over the same rules: `best_many(C)` gives, for each row
    of C (objectives × items), the optimal value and the optimal portfolio's bit mask (-inf and -1
    when no portfolio is admissible)."""

    kind: str = ""
    count: int = 0

    def best_many(self, C: Any) -> tuple[Any, Any]:
        raise NotImplementedError

    def best(self, coefs: Sequence[float]) -> tuple[float, tuple[int, ...]] | None:
        """One objective: its optimum and the optimal items, or None when nothing is admissible."""
        np = _np()
        values, masks = self.best_many(np.asarray(coefs, dtype=float)[None, :])
        if masks[0] < 0:
            return None
        m = int(masks[0])
        return float(values[0]), tuple(i for i in range(len(coefs)) if m >> i & 1)

    def best_where(self, coefs: Sequence[float], must: Sequence[str] = (),
                   must_not: Sequence[str] = ()) -> tuple[float, tuple[int, ...]] | None:
        """The best portfolio holding the proposals `must` and none of `must_not` (None: none)."""
        setup: Setup = self.setup  # type: ignore[attr-defined]
        eng = structured_engine(setup.restricted(must, must_not))
        return None if eng is None else eng.best(coefs)

    def solve(self, coefs: Sequence[float]) -> RawSolution:
        found = self.best(coefs)
        return RawSolution("infeasible" if found is None else "optimal", None if found is None else found[1],
                           self.kind, 0.0)


def _empty(W: int) -> tuple[Any, Any]:
    np = _np()
    return np.full(W, -np.inf), np.full(W, -1, dtype=np.int64)


class Separable(Engine):
    """No coupling row: each component's best option, independently."""

    kind = "separable"

    def __init__(self, setup: Setup) -> None:
        self.setup = setup
        self.count = math.prod(len(c.masks) for c in setup.components) if setup.feasible_structure else 0

    def best_many(self, C: Any) -> tuple[Any, Any]:
        np = _np()
        C = np.asarray(C, dtype=float)
        if not self.setup.feasible_structure:
            return _empty(len(C))
        values = np.zeros(len(C))
        masks = np.zeros(len(C), dtype=np.int64)
        for c in self.setup.components:
            v = C @ c.X.T
            w = np.argmax(v, axis=1)
            values += v[np.arange(len(C)), w]
            masks |= c.masks[w]
        return values, masks


def _product(comps: Sequence[Component], n_rows: int) -> tuple[Any, Any]:
    """The options of several components together: masks and coupling-row sums."""
    np = _np()
    M = np.zeros(1, dtype=np.int64)
    S = np.zeros((1, n_rows))
    for c in comps:
        m, q = len(M), len(c.masks)
        M = (M[:, None] | c.masks[None, :]).ravel()
        S = (S[:, None, :] + c.S[None, :, :]).reshape(m * q, S.shape[1])
    return M, S


class TwoLists(Engine):
    """One one-sided coupling row a·x ≤ h (a lower bound is negated): meet in the middle."""

    kind = "two_lists"

    def __init__(self, setup: Setup, halves: tuple[list[Component], list[Component]]) -> None:
        np = _np()
        self.setup = setup
        (row,) = setup.coupling
        sign = 1.0 if math.isfinite(row.hi) else -1.0
        h = row.hi if sign > 0 else -row.lo
        h += _row_tol(row)
        a_comps, b_comps = halves
        Ma, Sa = _product(a_comps, 1)
        Mb, Sb = _product(b_comps, 1)
        sa, sb = sign * Sa[:, 0], sign * Sb[:, 0]
        order = np.argsort(sb, kind="stable")
        self.Mb, self.sb = Mb[order], sb[order]
        pos = np.searchsorted(self.sb, h - sa, side="right") - 1
        fits = pos >= 0
        self.Ma, self.pos = Ma[fits], pos[fits]
        self.Xa, self.Xb = _bits(self.Ma, setup.n), _bits(self.Mb, setup.n)
        self.count = int((self.pos + 1).sum()) if setup.feasible_structure else 0

    def best_many(self, C: Any) -> tuple[Any, Any]:
        np = _np()
        C = np.asarray(C, dtype=float)
        W = len(C)
        if self.count == 0:
            return _empty(W)
        values = np.empty(W)
        masks = np.empty(W, dtype=np.int64)
        step = max(1, 4_000_000 // max(1, len(self.Ma) + len(self.Mb)))
        cols = np.arange(len(self.Mb))
        for a in range(0, W, step):
            block = C[a:a + step]
            r = np.arange(len(block))
            vb = block @ self.Xb.T  # sorted by the row sum
            pm = np.maximum.accumulate(vb, axis=1)
            tot = block @ self.Xa.T + pm[:, self.pos]
            wa = np.argmax(tot, axis=1)
            values[a:a + len(block)] = tot[r, wa]
            limit = self.pos[wa]
            wb = np.argmax(np.where(cols[None, :] <= limit[:, None], vb, -np.inf), axis=1)
            masks[a:a + len(block)] = self.Ma[wa] | self.Mb[wb]
        return values, masks


class Listed(Engine):
    """The admissible portfolios listed (`Admissible`)."""

    kind = "enumeration"
    TOP = 4096  # best_where looks at the best portfolios first

    def __init__(self, adm: Admissible) -> None:
        self.adm = adm
        self.count = adm.count
        self._ranked: dict[bytes, tuple[Any, Any]] = {}

    def _rank(self, coefs: Sequence[float]) -> tuple[Any, Any]:
        """The portfolios' values and the TOP best portfolios, best first (kept per objective)."""
        np = _np()
        c = np.asarray(coefs, dtype=float)
        tag = c.tobytes()
        if tag not in self._ranked:
            vals = self.adm.values(c)
            k = min(self.count, self.TOP)
            top = np.argpartition(-vals, k - 1)[:k] if k < self.count else np.arange(self.count)
            self._ranked = {tag: (vals, top[np.argsort(-vals[top], kind="stable")])}
        return self._ranked[tag]

    def best(self, coefs: Sequence[float]) -> tuple[float, tuple[int, ...]] | None:
        return self.adm.best(coefs)

    def best_where(self, coefs: Sequence[float], must: Sequence[str] = (),
                   must_not: Sequence[str] = ()) -> tuple[float, tuple[int, ...]] | None:
        np = _np()
        if self.count == 0:
            return None
        vals, top = self._rank(coefs)
        km = self.adm.key_masks
        out = np.int64(sum(km[k] for k in must_not))

        def fits(masks: Any) -> Any:
            ok = (masks & out) == 0
            for k in must:
                ok &= (masks & np.int64(km[k])) != 0
            return ok

        ok = fits(self.adm.masks[top])
        if ok.any():
            p = int(top[int(np.argmax(ok))])
        else:  # below the best TOP: every portfolio
            ok = fits(self.adm.masks)
            if not ok.any():
                return None
            idx = np.flatnonzero(ok)
            p = int(idx[int(np.argmax(vals[idx]))])
        return float(vals[p]), self.adm.items_of(p)

    def best_many(self, C: Any) -> tuple[Any, Any]:
        np = _np()
        C = np.asarray(C, dtype=float)
        if self.count == 0:
            return _empty(len(C))
        values, which = self.adm.best_of_many(C)
        return values, self.adm.masks[which]


def _halves(setup: Setup) -> tuple[list[Component], list[Component]] | None:
    """The components in two halves of about equal option products (None: a half is too big)."""
    comps = sorted(setup.components, key=lambda c: -len(c.masks))
    a: list[Component] = []
    b: list[Component] = []
    la = lb = 0.0
    for c in comps:
        w = math.log(max(1, len(c.masks)))
        if la <= lb:
            a.append(c)
            la += w
        else:
            b.append(c)
            lb += w
    if math.exp(max(la, lb)) > MAX_HALF:
        return None
    return a, b


def engine_for(inst: Instance, limit: int = DEFAULT_LIMIT, setup: Setup | None = None) -> Engine | None:
    """The exact engine for `inst` (separable, two lists or the listed portfolios, in that order
    of preference), or None when none applies within `limit` (the MILP must answer)."""
    setup = setup or Setup.of(inst)
    if not setup.ok:
        return None
    eng = structured_engine(setup)
    if eng is not None:
        return eng
    adm = admissible(inst, limit, setup)
    return None if adm is None else Listed(adm)


def structured_engine(setup: Setup) -> Engine | None:
    """The separable or two-list engine when the structure allows it (else None)."""
    if not setup.coupling:
        return Separable(setup)
    if len(setup.coupling) == 1:
        row = setup.coupling[0]
        if math.isfinite(row.hi) != math.isfinite(row.lo):
            halves = _halves(setup)
            if halves is not None:
                return TwoLists(setup, halves)
    return None
