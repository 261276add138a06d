"""Exact enumeration of the admissible portfolios of a small instance.

At the size of a real catalogue (tens of proposals) the admissible portfolios, every selection of
at most one variant per proposal that satisfies every rule, often number a few thousand to a few
hundred thousand. Enumerated once, as a 0/1 matrix X (portfolios × items), every what-if question
that only changes the objective is one matrix product: the optimum for coefficients c is
max_p (X c)_p, and for many objectives at once (the Monte Carlo's worlds, C: worlds × items) the
row-wise maximum of C Xᵀ, computed in chunks.

Mathematics of the enumeration: proposals are added one at a time (leaving it out, or adding one
of its variants that no rule fixes to 0). A rule row with every coefficient ≥ 0 and a finite upper
bound (the pools, a party's pool cap) is *monotone*: once a partial selection exceeds it, every
extension does too, so such partial selections are pruned as they arise. Every other row (savings
targets, self-financing, the risky share, dependencies, the måltal rule, forced proposals) is
checked on the complete selections, vectorised. The result is exactly the set the rules admit:
each rule kind's meaning is its bounds and rows (`rules.KINDS`), the same the MILP is built from.

`admissible(inst, limit)` returns None when the partial selections would exceed `limit` rows, so
the caller falls back to the MILP (the enumeration is bounded in time and memory by `limit`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .instance import Instance
from .rules import rows_of

DEFAULT_LIMIT = 400_000  # at most this many (partial) portfolios are held; above it the MILP is used
_TOL = 1e-6


@dataclass(frozen=True)
class Admissible:
    """The admissible portfolios of an instance: `X[p, i]` = 1 when portfolio p holds item i."""

    X: Any  # numpy array, portfolios × items, float64 0/1

    @property
    def count(self) -> int:
        return int(self.X.shape[0])

    def best(self, coefs: Any) -> tuple[float, tuple[int, ...]] | None:
        """The optimum of Σ coefs·x over the admissible portfolios and one maximiser (items), or None."""
        import numpy as np  # noqa: PLC0415

        if self.count == 0:
            return None
        values = self.X @ np.asarray(coefs, dtype=float)
        p = int(np.argmax(values))
        return float(values[p]), tuple(int(i) for i in np.flatnonzero(self.X[p]))

    def best_of_many(self, C: Any, chunk: int = 64) -> tuple[Any, Any]:
        """For each row of C (objectives × items): the optimal value and the index of one optimal
        portfolio (rows of `X`), computed in chunks of `chunk` objectives."""
        import numpy as np  # noqa: PLC0415

        C = np.asarray(C, dtype=float)
        values = np.empty(len(C))
        which = np.empty(len(C), dtype=np.int64)
        Xt = self.X.T
        for a in range(0, len(C), chunk):
            block = C[a:a + chunk] @ Xt
            which[a:a + chunk] = np.argmax(block, axis=1)
            values[a:a + chunk] = block[np.arange(len(block)), which[a:a + chunk]]
        return values, which


def admissible(inst: Instance, limit: int = DEFAULT_LIMIT) -> Admissible | None:
    """Every admissible portfolio of `inst` (see the module docstring), or None when more than
    `limit` partial portfolios would have to be held."""
    import numpy as np  # noqa: PLC0415

    n = len(inst.items)
    excluded: set[int] = set()
    rows = []
    for rule in inst.all_rules():
        excluded |= inst.excluded_by(rule)
        rows += rows_of(inst, rule)
    is_monotone = [r.hi < float("inf") and r.lo <= 0 and all(c >= 0 for _, c in r.terms) for r in rows]
    monotone = [r for r, m in zip(rows, is_monotone, strict=True) if m]
    others = [r for r, m in zip(rows, is_monotone, strict=True) if not m]
    options = [len([i for i in idx if i not in excluded]) + 1 for idx in inst.by_key.values()]
    upper = 1
    for k in options:
        upper *= k
        if upper > limit and not monotone:
            return None  # nothing prunes: the selections themselves exceed the bound
    A = np.zeros((len(monotone), n))
    for k, r in enumerate(monotone):
        for i, c in r.terms:
            A[k, i] = c
    cap = np.array([r.hi for r in monotone]) + _TOL * np.maximum(1.0, np.array([abs(r.hi) for r in monotone]))
    X = np.zeros((1, n))
    S = np.zeros((1, len(monotone)))  # each partial portfolio's monotone sums
    for idx in inst.by_key.values():
        allowed = [i for i in idx if i not in excluded]
        if not allowed:
            continue
        blocks_x, blocks_s = [X], [S]
        for i in allowed:
            s = S + A[:, i]
            keep = np.all(s <= cap, axis=1) if len(monotone) else np.ones(len(S), dtype=bool)
            if keep.any():
                x = X[keep].copy()
                x[:, i] = 1.0
                blocks_x.append(x)
                blocks_s.append(s[keep])
        total = sum(len(b) for b in blocks_x)
        if total > limit:
            return None
        X, S = np.vstack(blocks_x), np.vstack(blocks_s)
    ok = np.ones(len(X), dtype=bool)
    for r in others:
        if not r.terms:
            if not r.lo <= 0.0 <= r.hi:
                ok[:] = False
            continue
        cols = np.array([i for i, _ in r.terms])
        coef = np.array([c for _, c in r.terms])
        v = X[:, cols] @ coef
        scale = max(1.0, abs(r.hi) if np.isfinite(r.hi) else 0.0, abs(r.lo) if np.isfinite(r.lo) else 0.0)
        ok &= (v >= r.lo - _TOL * scale) & (v <= r.hi + _TOL * scale)
    return Admissible(X=X[ok])
