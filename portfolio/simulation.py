"""Monte Carlo of realised savings: how much of the savings does the chosen portfolio deliver,
and how robust is the choice itself?

Each simulated world draws one realised fraction per proposal, by its risk level:

    fraction ~ normal(mean, spread), clipped to [0, 2]    (spread 0: exactly `mean`)

and applies it to all the proposal's savings (the negative amounts of its permanent lines, the
same lines the risk haircut acts on); investments and the permanent costs are as in the
documents. `DEFAULT_SPREADS` (our assumption, not from the documents; change it per call):

    lav     mean 0,95  spread 0,10
    middel  mean 0,85  spread 0,20
    høj     mean 0,70  spread 0,30

For the CHOSEN portfolio (whatever the caller passes, optimal or not) every world gives the net
effect over the horizon in the documents' sign (savings negative): `net`, its percentiles
p10/p50/p90 (`numpy.percentile`, linear interpolation) and `prob_repaid`, the share of worlds
where the cumulative net effect at the horizon's last year is negative, i.e. the realised savings
have repaid the investments within the horizon. Because savings are negative, **p10 is the good
case** (most saved) and p90 the bad one; `savings_p10/p50/p90` give the same numbers savings
positive (savings_p10 = -p90 is the pessimistic figure).

The core index re-optimises every world: same rules, the scenario's objective computed on the
realised savings, and counts how often each proposal is in the optimal portfolio (1 = always,
0 = never), as a share of the worlds solved to proven optimality (`worlds_not_optimal` counts
the others, normally 0; when the rules admit no portfolio at all the core index is empty).
The risk haircut of the scenario is NOT applied in the worlds: the draws replace it (the default
means play the haircut's role), so with spread 0 and mean 1 the worlds reproduce the optimum
without haircut. Every world's optimum is exact, from the engine of `optimiser.enumeration`
the rules' structure allows (`SimulationResult.method`): "separable" (no rule couples the
proposals: each proposal's, or dependency group's, best option), "two_lists" (one coupling row,
e.g. a pool in total: meet in the middle, two lists sorted once), or "enumeration" (the admissible
portfolios listed once; all worlds in matrix products, in chunks, over the portfolios that can be
optimal in them); worlds with identical coefficients are solved once. Above the engines' bound one
reusable HiGHS model is solved per world with only the objective coefficients changed and no warm
start (a warm start made HiGHS stop at a worse portfolio in about 2 of 1.000 worlds, reported
optimal), worlds with identical coefficients solved once (engine "milp").

Reproducible: the draws come from `numpy.random.default_rng(seed)`, a standard normal matrix of
worlds x proposals (in catalogue order), so a fixed seed gives identical numbers.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

import numpy as np

from .fmt import mio
from .model import DataSet
from .optimiser import Instance, InstanceCache, Item, ReusableModel, build_instance, item_value
from .optimiser.enumeration import engine_for
from .scenario import Scenario


@dataclass(frozen=True)
class RiskSpread:
    """Realised fraction of a proposal's savings ~ normal(mean, spread) clipped to [0, 2]."""

    mean: float
    spread: float

    def __post_init__(self) -> None:
        if not (0.0 <= self.mean <= 2.0) or not math.isfinite(self.mean):
            raise ValueError(f"mean must be in [0, 2], got {self.mean}")
        if not (self.spread >= 0.0) or not math.isfinite(self.spread):
            raise ValueError(f"spread must be >= 0, got {self.spread}")


DEFAULT_SPREADS: Mapping[str, RiskSpread] = MappingProxyType({
    "lav": RiskSpread(0.95, 0.10),
    "middel": RiskSpread(0.85, 0.20),
    "høj": RiskSpread(0.70, 0.30),
})
RISK_ORDER = ("lav", "middel", "høj")  # Item.risk ranks


@dataclass(frozen=True)
class SimulationResult:
    n: int
    seed: int
    net: tuple[float, ...]  # per world: net effect over the horizon of the chosen portfolio (savings negative)
    p10: float  # percentiles of net; savings negative, so p10 is the GOOD case and p90 the bad one
    p50: float
    p90: float
    prob_repaid: float  # share of worlds with cumulative net < 0 at the last horizon year
    core_index: dict[str, float]  # per proposal: share of worlds where it is in the re-optimised optimum
    # (of the worlds solved to proven optimality; {} without re-optimisation or when no portfolio exists)
    deterministic_net: float  # net over the horizon with the documents' savings (fraction 1)
    seconds: float
    worlds_not_optimal: int = 0  # re-optimisations that hit the time limit or found no portfolio
    spreads: Mapping[str, RiskSpread] = field(default_factory=lambda: DEFAULT_SPREADS)  # the assumptions used
    world_optima: tuple[float | None, ...] = ()  # per world: the re-optimised objective (None: not proven)
    engine: str = ""  # how the worlds were re-optimised: "enumeration" or "milp" ("" without re-optimisation)
    method: str = ""  # the exact engine used: "separable", "two_lists", "enumeration" (`optimiser.enumeration`), "milp"

    @property
    def savings_p10(self) -> float:
        """Savings (positive) exceeded in 90 % of the worlds: the pessimistic figure (= -p90)."""
        return -self.p90

    @property
    def savings_p50(self) -> float:
        return -self.p50

    @property
    def savings_p90(self) -> float:
        """Savings (positive) exceeded in only 10 % of the worlds: the optimistic figure (= -p10)."""
        return -self.p10

    def percentiles(self) -> tuple[tuple[str, float], ...]:
        """The three percentiles of the net effect (savings negative), each named by what it means
        to a negotiator, bad case first. The same words in the dashboard, the CLI and Excel."""
        return (
            (f"10 % risiko for at spare mindre end {_saving_words(self.p90)}", self.p90),
            (f"Lige stor chance for at spare mere og mindre end {_saving_words(self.p50)}", self.p50),
            (f"10 % chance for at spare mere end {_saving_words(self.p10)}", self.p10),
        )


def _saving_words(net: float) -> str:
    """'12,3 mio. kr.' for a net effect of -12.300 (1.000 kr.); a net cost is said as such."""
    return mio(-net) if net <= 0 else f"0 kr. (nettoudgift {mio(net)})"


def _merged(spreads: Mapping[str, RiskSpread] | None) -> dict[str, RiskSpread]:
    out = dict(DEFAULT_SPREADS)
    for k, v in (spreads or {}).items():
        if k not in out:
            raise ValueError(f"unknown risk level {k!r} (use {', '.join(RISK_ORDER)})")
        out[k] = v
    return out


def _without_savings(it: Item) -> Item:
    sav = it.savings or (0.0,) * len(it.permanent)
    return replace(it, permanent=tuple(p - s for p, s in zip(it.permanent, sav, strict=True)),
                   savings=(0.0,) * len(it.permanent))


def simulate_instance(inst: Instance, chosen: Sequence[int], n: int = 1000, seed: int = 0,
                      spreads: Mapping[str, RiskSpread] | None = None, *, reoptimise: bool = True,
                      progress: Callable[[int, int], None] | None = None,
                      time_limit: float = 10.0, engine: str = "auto") -> SimulationResult:
    """`simulate` on an instance; `chosen` are item indices. `engine`: "enumeration" (the exact
    engine of `optimiser.enumeration.engine_for`: separable, two lists or the listed portfolios;
    ValueError when none applies), "milp" (one reusable HiGHS model solved per world) or "auto"
    (the enumeration engine when one applies within its bound, else the MILP)."""
    if n < 1:
        raise ValueError("n must be at least 1")
    t0 = time.perf_counter()
    sp = _merged(spreads)
    items = inst.items
    keys = list(inst.by_key)
    col = {k: j for j, k in enumerate(keys)}
    key_of = np.array([col[it.key] for it in items], dtype=int)
    mean = np.array([sp[RISK_ORDER[items[inst.by_key[k][0]].risk]].mean for k in keys])
    spread = np.array([sp[RISK_ORDER[items[inst.by_key[k][0]].risk]].spread for k in keys])
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((n, len(keys)))
    frac = np.clip(mean + spread * z, 0.0, 2.0)  # worlds x proposals

    # the chosen portfolio: net = deterministic net + sum over its proposals of (f - 1) * savings
    sel = sorted(set(chosen))
    det = math.fsum(math.fsum(items[i].investment) + math.fsum(items[i].permanent) for i in sel)
    sav_by_key = np.zeros(len(keys))
    for i in sel:
        sav_by_key[key_of[i]] += math.fsum(items[i].savings)
    net = det + (frac - 1.0) @ sav_by_key
    exact = np.all(frac == 1.0, axis=1)
    net[exact] = det  # worlds with every fraction 1 are the deterministic result exactly
    p10, p50, p90 = (float(x) for x in np.percentile(net, [10, 50, 90]))
    repaid = float(np.mean(net < -1e-9))

    core: dict[str, float] = {}
    not_optimal = 0
    optima: list[float | None] = []
    used = method = ""
    if reoptimise:
        spec = replace(inst.objective, haircut=(0.0, 0.0, 0.0))
        full = np.array([item_value(it, spec) for it in items])  # fraction 1
        zero = np.array([item_value(_without_savings(it), spec) for it in items])  # fraction 0
        slope = full - zero
        counts = np.zeros(len(keys))
        eng = engine_for(inst) if engine in ("auto", "enumeration") else None
        if engine == "enumeration" and eng is None:
            raise ValueError("too many admissible portfolios to enumerate")
        if eng is not None:
            used, method = "enumeration", eng.kind
            if eng.count == 0:  # the rules admit no portfolio, whatever the savings
                not_optimal, optima = n, [None] * n
            else:
                coefs = full + (frac[:, key_of] - 1.0) * slope  # worlds x items
                # worlds with identical coefficients (every world, when the objective ignores the
                # savings or every spread is 0) are solved once
                distinct, back = np.unique(coefs, axis=0, return_inverse=True)
                back = back.reshape(-1)
                values = np.empty(len(distinct))
                masks = np.empty(len(distinct), dtype=np.int64)
                m = len(distinct)
                step = m if progress is None else max(1, -(-m // 10))  # progress in tenths
                for a in range(0, m, step):
                    values[a:a + step], masks[a:a + step] = eng.best_many(distinct[a:a + step])
                    if progress is not None:
                        progress(n if a + step >= m else (a + step) * n // m, n)
                values, masks = values[back], masks[back]  # each world's optimum, as item bit masks
                for j, k in enumerate(keys):
                    bits = np.int64(sum(1 << i for i in inst.by_key[k]))
                    counts[j] = float(np.count_nonzero(masks & bits))
                optima = values.tolist()
        else:
            used = method = "milp"
            not_optimal, optima = _milp_worlds(inst, n, frac, key_of, full, slope, counts, time_limit, progress)
        solved = n - not_optimal  # shares of the worlds whose optimum is proven
        core = {k: float(counts[j] / solved) for j, k in enumerate(keys)} if solved > 0 else {}
        if progress is not None and not_optimal == n:
            progress(n, n)
    elif progress is not None:
        progress(n, n)
    return SimulationResult(n=n, seed=seed, net=tuple(float(x) for x in net), p10=p10, p50=p50, p90=p90,
                            prob_repaid=repaid, core_index=core, deterministic_net=det,
                            seconds=time.perf_counter() - t0, worlds_not_optimal=not_optimal,
                            spreads=MappingProxyType(sp), world_optima=tuple(optima), engine=used,
                            method=method)


def _milp_worlds(inst: Instance, n: int, frac: Any, key_of: Any, full: Any, slope: Any, counts: Any,
                 time_limit: float, progress: Callable[[int, int], None] | None) -> tuple[int, list[float | None]]:
    """Each world solved on one reusable HiGHS model (no warm start: see the module docstring);
    adds each optimum's proposals to `counts`; returns the worlds not proven optimal and the optima."""
    model = ReusableModel(inst, time_limit=time_limit)
    memo: dict[bytes, tuple[int, ...] | None] = {}
    step = max(1, n // 100)
    not_optimal = 0
    optima: list[float | None] = []
    for w in range(n):
        coefs = full + (frac[w, key_of] - 1.0) * slope
        tag = coefs.tobytes()
        if tag in memo:
            found = memo[tag]
        else:
            model.set_objective(coefs)
            raw = model.solve()
            if raw.status == "infeasible":  # the rules admit no portfolio, whatever the savings
                return n, [None] * n
            found = raw.chosen if raw.status == "optimal" else None
            memo[tag] = found
            if len(memo) > 4096:
                memo.clear()
        if found is None:
            not_optimal += 1
            optima.append(None)
        else:
            optima.append(float(coefs[list(found)].sum()))
            for k in {key_of[i] for i in found}:
                counts[k] += 1
        if progress is not None and ((w + 1) % step == 0 or w + 1 == n):
            progress(w + 1, n)
    return not_optimal, optima


def simulate(ds: DataSet, scenario: Scenario, selected: Sequence[tuple[str, str | None]], n: int = 1000,
             seed: int = 0, spreads: Mapping[str, RiskSpread] | None = None, *, reoptimise: bool = True,
             progress: Callable[[int, int], None] | None = None,
             cache: InstanceCache | None = None, engine: str = "auto") -> SimulationResult:
    """Simulate `n` worlds of realised savings for the portfolio `selected` ((key, variant) pairs,
    e.g. `Result.selected`) under the scenario; with `reoptimise`, also the core index of every
    proposal. `spreads` overrides `DEFAULT_SPREADS` per risk level. `progress(done, n)` is called
    about every 1 % of the worlds. Raises ScenarioError when the scenario does not fit the
    dataset, ValueError for an unknown proposal or variant in `selected`."""
    inst = build_instance(ds, scenario, cache)
    index = inst.index_of
    chosen = []
    for pair in selected:
        key, variant = pair
        if (key, variant) not in index:
            raise ValueError(f"{key} ({variant}) er ikke et forslag i scenariets kataloger")
        chosen.append(index[(key, variant)])
    return simulate_instance(inst, chosen, n, seed, spreads, reoptimise=reoptimise, progress=progress,
                             time_limit=scenario.time_limit, engine=engine)
