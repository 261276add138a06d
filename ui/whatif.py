"""What-if view: pool frontier, near-optimal alternatives, risk robustness; and toggle-price texts.

Every figure is shown as the product shows figures: in mio. kr., savings negative, the objective by
its name (`OBJECTIVE_LABELS`) through `fmt.shown_objective`. Every number typed here goes through
`ui.numbers.number_field` (Danish format); while a field holds a text that is not a valid number,
its section says so and computes nothing, so no figure belongs to a value other than the one shown.
"""

from __future__ import annotations

import math

import pandas as pd
import streamlit as st

from portfolio import fmt
from portfolio.alternatives import Alternative, adopt, alternatives
from portfolio.frontier import Frontier, FrontierPoint, pool_frontier, pool_max_of
from portfolio.model import DataSet
from portfolio.optimiser import Result, build_instance
from portfolio.scenario import MINIMISED_OBJECTIVES, OBJECTIVE_LABELS, Scenario
from portfolio.simulation import DEFAULT_SPREADS, RiskSpread, SimulationResult, simulate
from portfolio.toggles import TogglePrice, toggle_prices

from . import charts, state
from .numbers import number_field
from .text import md

EPS = 0.5  # 1.000 kr.
MAX_FRONTIER_POINTS = 400  # round steps of one frontier on screen
STATUS_WORDS = {"infeasible": "ingen portefølje overholder reglerne", "time_limit": "ikke bevist: tidsgrænse",
                "within_gap": "ikke bevist: inden for den tilladte afstand"}


def _change(d: float, what: str, minimised: bool = False) -> str:
    """'+1,20 mio. kr. at tage med (mindre besparelse)': the objective's change in the product's sign
    (min_pool: '+1,20 mio. kr. at tage med (mere investering fra puljerne)')."""
    shown = charts.signed_mio(fmt.shown_objective(d), plus=True)
    if minimised:
        return f"{shown}{' ' + what if what else ''} ({'mere' if d < 0 else 'mindre'} investering fra puljerne)"
    return f"{shown}{' ' + what if what else ''} ({'mindre' if d < 0 else 'større'} besparelse)"


def price_text(tp: TogglePrice, minimised: bool = False) -> str:
    """The price of one toggle, in the product's sign (a cost positive, a gain negative):
    '+1,20 mio. kr. at tage med (mindre besparelse)' and its siblings (`tp.delta` in 1.000 kr., savings
    positive). `minimised`: the objective is min_pool, so a change is more or less pool investment."""
    d = tp.delta
    if tp.action == "force_in":
        if d is None:
            return "Kan ikke tages med (regler)"
        return "Kan tages med uden tab" if abs(d) < EPS else _change(d, "at tage med", minimised)
    if tp.action == "force_out":
        if d is None:
            return "Kan ikke tages fra (regler)"
        return "Kan tages fra uden tab" if abs(d) < EPS else _change(d, "at tage fra", minimised)
    if d is None:
        return "Låst: frigivelse kan ikke beregnes"
    return "Låst: frigivelse ændrer intet" if abs(d) < EPS else "Låst: frigivelse giver " + _change(d, "", minimised)


@st.cache_data(show_spinner=False, max_entries=128)
def prices_cached(scenario_key: str, ds_token: str, _ds: DataSet, _result: Result) -> dict[str, TogglePrice]:
    """Toggle prices relative to the portfolio on screen (`_result` is fixed by the scenario key)."""
    return toggle_prices(_ds, Scenario.from_json(scenario_key), _result, cache=state.instance_cache_for(_ds, ds_token))


@st.cache_data(show_spinner=False, max_entries=64)
def pool_max_cached(scenario_key: str, ds_token: str, _ds: DataSet) -> float:
    """The pool that admits every eligible proposal (1.000 kr.)."""
    return pool_max_of(build_instance(_ds, Scenario.from_json(scenario_key), state.instance_cache_for(_ds, ds_token)))


@st.cache_data(show_spinner=False, max_entries=64)
def frontier_cached(scenario_key: str, step: float, upper: float | None, ds_token: str, _ds: DataSet) -> Frontier:
    """The frontier at 0, step, 2·step, … up to `upper` (None: the pool that admits everything), with
    the exact breakpoints (1.000 kr.)."""
    return pool_frontier(_ds, Scenario.from_json(scenario_key), step=step, upper=upper, breakpoints=True,
                         cache=state.instance_cache_for(_ds, ds_token))


@st.cache_data(show_spinner=False, max_entries=64)
def alternatives_cached(scenario_key: str, k: int, tolerance: float, ds_token: str, _ds: DataSet):
    return alternatives(_ds, Scenario.from_json(scenario_key), k, tolerance,
                        cache=state.instance_cache_for(_ds, ds_token))


def _adopt(scenario: Scenario, alt: Alternative) -> None:
    st.session_state["pending_scenario"] = adopt(scenario, alt).to_json()
    st.session_state["view"] = "Forslag"


def _labels(items: tuple[str, ...]) -> str:
    return ", ".join(items) if items else "–"


def _objective_cell(p: FrontierPoint) -> str:
    if p.objective is None:
        return STATUS_WORDS.get(p.status, "ingen portefølje")
    text = charts.tal_signed(fmt.shown_objective(p.objective) / 1000, 2)
    return text if p.status == "optimal" else f"{text} ({STATUS_WORDS.get(p.status, '')})"


def frontier_rows(points: tuple[FrontierPoint, ...], kind: str, *, exact_pool: bool = False) -> list[dict[str, object]]:
    """Table rows of frontier points: pool and objective in mio. kr. (2 decimals; savings negative;
    breakpoints' pools exact), what came in and went out, how many proposals."""
    obj = charts.objective_label(kind)
    return [{"Pulje (mio. kr.)": fmt.tal_exact(p.pool / 1000, 6, 2) if exact_pool else fmt.tal(p.pool / 1000, 2),
             obj: _objective_cell(p), "Kommer ind": _labels(p.entered), "Går ud": _labels(p.left),
             "Antal forslag": len(p.selected)} for p in points]


def frontier_section(ds: DataSet, ds_token: str, scenario: Scenario) -> None:
    st.subheader("Puljefront: det bedste mål for hver puljestørrelse")
    ss = st.session_state
    ss.setdefault("frontier_step", 5.0)
    ss.setdefault("frontier_upper", 40.0)
    errors: list[str] = []
    top = pool_max_cached(scenario.cache_key(), ds_token, ds)
    c1, c2, c3 = st.columns(3)
    step = number_field("Trin (mio. kr.)", "frontier_step", 0.01, 10_000.0, errors=errors, container=c1,
                        help="Puljefronten beregnes ved 0, trinnet, 2 gange trinnet osv., fx 5 for 5, 10, 15 … mio. kr.")
    everything = c2.checkbox("Op til puljen, der rummer alle forslag", value=True, key="frontier_upper_all",
                             help=f"{charts.pool_text(top)}: puljen, hvor alle forslag, reglerne tillader, kan komme med.")
    upper: float | None = None
    if not everything:
        upper = number_field("Øvre grænse (mio. kr.)", "frontier_upper", 0.0, 100_000.0, errors=errors,
                             container=c3)
    end = top if upper is None else upper * 1000
    n_points = math.floor(end / (step * 1000) + 1e-9) + 1 if not errors else 0
    if not errors and n_points > MAX_FRONTIER_POINTS:
        errors.append(f"Trinnet på {fmt.tal_exact(step)} mio. kr. giver {fmt.tal(n_points)} punkter op til "
                      f"{charts.pool_text(end)}; vælg et trin på mindst "
                      f"{fmt.tal_exact(math.ceil(end / (MAX_FRONTIER_POINTS - 1) / 10) / 100)} mio. kr. "
                      f"(højst {MAX_FRONTIER_POINTS} punkter).")
        st.error(md(errors[-1]), icon=":material/error:")
    if errors:
        st.info("Puljefronten beregnes, når felterne ovenfor er rettet.")
        return
    fr = frontier_cached(scenario.cache_key(), round(step * 1000, 6), None if upper is None else round(end, 6),
                         ds_token, ds)
    kind = scenario.objective
    st.plotly_chart(charts.frontier_chart(fr, kind), width="stretch", key="frontier_chart")
    st.markdown(f"**Puljefront ved trin på {md(fmt.tal_exact(step))} mio. kr.**")
    st.dataframe(pd.DataFrame(frontier_rows(fr.points, kind)), hide_index=True, width="stretch", key="frontier_table")
    st.markdown("**Hvor porteføljen skifter** (de præcise puljer, hvor den bedste portefølje ændrer sig; optimale "
                "mængder er ikke indlejrede: et forslag kan gå ud, når puljen vokser)")
    st.dataframe(pd.DataFrame(frontier_rows(fr.breakpoints, kind, exact_pool=True)), hide_index=True,
                 width="stretch", key="frontier_breaks")
    if not fr.breakpoints_complete:
        st.warning("Tidsgrænsen blev nået, før alle skift var bevist: listen over skift er ikke fuldstændig.",
                   icon=":material/warning:")
    haircut = any(v > 0 for v in scenario.risk_haircut.by_rank())
    st.caption(f"{len(fr.points)} runde trin fra 0 til {charts.pool_text(end)} og {len(fr.breakpoints)} skift, "
               f"beregnet på {fmt.tal(fr.seconds * 1000, 0)} ms; hvert punkt er en bevist optimal løsning, og hvert "
               "skift er den mindste pulje (til kronen), hvor den bedre portefølje kan lade sig gøre. "
               f"Målet er {OBJECTIVE_LABELS[kind].lower()}"
               f"{' efter risikofradrag' if haircut else ''}. Alle andre regler som i de nuværende indstillinger. "
               f"Beløb i {fmt.mio_unit(scenario.base_year)}; besparelser er negative.")


def alternatives_section(ds: DataSet, ds_token: str, scenario: Scenario, result: Result) -> None:
    st.subheader("Alternativer tæt på det optimale")
    ss = st.session_state
    ss.setdefault("alt_tolerance", 2.0)
    ss.setdefault("alt_k", 5)
    errors: list[str] = []
    c1, c2 = st.columns(2)
    tol = number_field("Tolerance (% af målet)", "alt_tolerance", 0.0, 100.0, errors=errors, container=c1,
                       help="Fx 2,5: alternativer, hvis mål højst er 2,5 % dårligere end det optimale.") / 100
    k = int(number_field("Højst antal alternativer", "alt_k", 1, 20, integer=True, errors=errors, container=c2))
    if errors:
        st.info("Alternativerne beregnes, når felterne ovenfor er rettet.")
        return
    if not result.solved:
        st.info("Der er ingen gyldig portefølje at sammenligne med.")
        return
    alts = alternatives_cached(scenario.cache_key(), k, round(tol, 9), ds_token, ds)
    name = OBJECTIVE_LABELS[scenario.objective]
    minimised = scenario.objective in MINIMISED_OBJECTIVES  # min_pool: the pool investment, positive
    worse = "mere investering fra puljerne" if minimised else "mindre besparelse"
    if alts.optimum is not None:
        st.markdown(f"Det optimale: {md(name.lower())} **{md(charts.signed_mio(fmt.shown_objective(alts.optimum)))}** "
                    f"({md(fmt.mio_unit(scenario.base_year))}; "
                    f"{'investering fra puljerne' if minimised else 'besparelse negativ'}).")
    st.markdown("Det optimale valg er **entydigt**." if alts.unique else
                "Der findes **andre porteføljer med præcis samme mål** – valget mellem dem er politisk.")
    if not alts.items:
        st.caption(f"Ingen andre porteføljer ligger inden for {fmt.pct(tol, 1)} af det optimale mål.")
    for a in alts.items:
        c = st.columns([1, 3, 3, 3, 2])
        c[0].markdown(f"**Nr. {a.rank}**")
        gap = (f"{charts.signed_mio(a.gap, plus=True)} mod det optimale ({fmt.pct(a.gap_share, 1)} {worse})"
               if a.gap > EPS else "samme mål som det optimale")
        c[1].markdown(f"{md(name)}: **{md(charts.signed_mio(fmt.shown_objective(a.objective)))}**  \n{md(gap)}")
        c[2].markdown(f"**Ind:** {md(_labels(a.added))}")
        c[3].markdown(f"**Ud:** {md(_labels(a.removed))}")
        c[4].button("Brug dette", key=f"adopt_{a.rank}", on_click=_adopt, args=(scenario, a),
                    help="Lås porteføljen til dette alternativ (tvinger forslagene med og fra).")
    if alts.items:
        st.caption(f"Alternativer inden for {fmt.pct(tol, 1)} af det optimale mål, bedste først. Beløb i "
                   f"{fmt.mio_unit(scenario.base_year)}; " + (
                       "et alternativ bruger mere af puljerne end det optimale." if minimised else
                       "besparelser er negative, så et alternativ har en højere (mindre negativ) værdi end det "
                       "optimale."))


def robustness_section(ds: DataSet, ds_token: str, scenario: Scenario, result: Result) -> None:
    st.subheader("Risikorobusthed (Monte Carlo)")
    st.caption("Hvert forslags besparelser realiseres med en tilfældig andel, trukket pr. risikoniveau. "
               "Standardværdierne er antagelser og kan ændres.")
    ss = st.session_state
    errors: list[str] = []
    cols = st.columns(3)
    spreads: dict[str, RiskSpread] = {}
    for col, level in zip(cols, ("lav", "middel", "høj"), strict=True):
        d = DEFAULT_SPREADS[level]
        ss.setdefault(f"mc_mean_{level}", round(d.mean * 100, 6))
        ss.setdefault(f"mc_spread_{level}", round(d.spread * 100, 6))
        mean = number_field(f"{level}: forventet andel (%)", f"mc_mean_{level}", 0.0, 200.0, errors=errors,
                            container=col)
        spread = number_field(f"{level}: spredning (%-point)", f"mc_spread_{level}", 0.0, 100.0, errors=errors,
                              container=col)
        spreads[level] = RiskSpread(round(mean / 100, 10), round(spread / 100, 10))
    ss.setdefault("mc_n", 1000)
    ss.setdefault("mc_seed", 0)
    c1, c2, c3 = st.columns(3)
    n = int(number_field("Antal verdener", "mc_n", 100, 20_000, integer=True, errors=errors, container=c1))
    seed = int(number_field("Frø for tilfældige tal", "mc_seed", 0, 10**9, integer=True, errors=errors, container=c2))
    run = c3.button("Kør simulation", key="mc_run", type="primary", disabled=not result.solved or bool(errors))
    if errors:
        st.info("Simulationen kan køres, når felterne ovenfor er rettet.")
        return
    sim_key = (scenario.cache_key(), ds_token, n, seed, tuple((k, v.mean, v.spread) for k, v in spreads.items()))
    if run:
        bar = st.progress(0.0, text="Simulerer …")

        def progress(done: int, total: int) -> None:
            bar.progress(done / total, text=f"Simulerer … {done} af {total} verdener")

        sim = simulate(ds, scenario, result.selected, n=n, seed=seed, spreads=spreads, progress=progress,
                       cache=state.instance_cache_for(ds, ds_token))
        bar.empty()
        st.session_state["simulation"] = (sim_key, sim)
    stored = st.session_state.get("simulation")
    if stored is None or stored[0] != sim_key:
        st.caption("Tryk 'Kør simulation' for at se fordelingen og kerneindekset for de nuværende indstillinger.")
        return
    sim: SimulationResult = stored[1]
    st.markdown(f"Porteføljens **nettoeffekt over horisonten** i de simulerede verdener "
                f"({md(fmt.mio_unit(scenario.base_year))}; besparelse negativ):")
    c = st.columns(4)
    for col, (words, value) in zip(c[:3], sim.percentiles(), strict=True):
        col.metric(words, fmt.mio(value), help=f"Nettoeffekt over horisonten: {fmt.mio(value, 2)} "
                                               "(besparelse negativ).")
    c[3].metric("Sandsynlighed for at tjene sig hjem", fmt.pct(sim.prob_repaid),
                help="Andel af verdener, hvor de realiserede besparelser har betalt investeringen tilbage inden "
                     "horisontens udløb.")
    st.plotly_chart(charts.simulation_histogram(sim), width="stretch", key="mc_hist")
    st.plotly_chart(charts.core_index_chart(sim.core_index), width="stretch", key="mc_core")
    st.caption(f"{fmt.tal(sim.n)} verdener, frø {sim.seed}, {fmt.tal(sim.seconds, 1)} s med genoptimering i hver "
               f"verden. Nettoeffekt uden usikkerhed: {fmt.mio(sim.deterministic_net)} (besparelse negativ). "
               "Kerneindeks 1 = altid i den optimale portefølje, 0 = aldrig.")


def whatif_view(ds: DataSet, ds_token: str, scenario: Scenario, result: Result) -> None:
    frontier_section(ds, ds_token, scenario)
    st.divider()
    alternatives_section(ds, ds_token, scenario, result)
    st.divider()
    robustness_section(ds, ds_token, scenario, result)
