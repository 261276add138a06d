"""What-if view: pool frontier, near-optimal alternatives, risk robustness; and toggle-price texts."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from portfolio import fmt
from portfolio.alternatives import Alternative, adopt, alternatives
from portfolio.frontier import Frontier, pool_frontier
from portfolio.model import DataSet
from portfolio.optimiser import Result
from portfolio.scenario import Scenario
from portfolio.simulation import DEFAULT_SPREADS, RiskSpread, SimulationResult, simulate
from portfolio.toggles import TogglePrice, toggle_prices

from . import charts, state
from .text import md

EPS = 0.5  # 1.000 kr.


def price_text(tp: TogglePrice) -> str:
    """'Koster 1,2 mio. kr. at tage med' and its siblings (objective change in 1.000 kr.)."""
    d = tp.delta
    if tp.action == "force_in":
        if d is None:
            return "Kan ikke tages med (regler)"
        return "Kan tages med uden tab" if abs(d) < EPS else (
            f"Koster {fmt.mio(-d)} at tage med" if d < 0 else f"Giver {fmt.mio(d)} at tage med")
    if tp.action == "force_out":
        if d is None:
            return "Kan ikke tages fra (regler)"
        return "Kan tages fra uden tab" if abs(d) < EPS else (
            f"Koster {fmt.mio(-d)} at tage fra" if d < 0 else f"Giver {fmt.mio(d)} at tage fra")
    if d is None:
        return "Låst: frigivelse kan ikke beregnes"
    return "Låst: frigivelse ændrer intet" if abs(d) < EPS else f"Låst: frigivelse giver {fmt.mio(d)}"


@st.cache_data(show_spinner=False, max_entries=128)
def prices_cached(scenario_key: str, ds_token: str, _ds: DataSet, _result: Result) -> dict[str, TogglePrice]:
    """Toggle prices relative to the portfolio on screen (`_result` is fixed by the scenario key)."""
    return toggle_prices(_ds, Scenario.from_json(scenario_key), _result, cache=state.instance_cache_for(_ds, ds_token))


@st.cache_data(show_spinner=False, max_entries=64)
def frontier_cached(scenario_key: str, points: int, ds_token: str, _ds: DataSet) -> Frontier:
    return pool_frontier(_ds, Scenario.from_json(scenario_key), points, cache=state.instance_cache_for(_ds, ds_token))


@st.cache_data(show_spinner=False, max_entries=64)
def alternatives_cached(scenario_key: str, k: int, tolerance: float, ds_token: str, _ds: DataSet):
    return alternatives(_ds, Scenario.from_json(scenario_key), k, tolerance,
                        cache=state.instance_cache_for(_ds, ds_token))


def _adopt(scenario: Scenario, alt: Alternative) -> None:
    st.session_state["pending_scenario"] = adopt(scenario, alt).to_json()
    st.session_state["view"] = "Forslag"


def _labels(items: tuple[str, ...]) -> str:
    return ", ".join(items) if items else "–"


def frontier_section(ds: DataSet, ds_token: str, scenario: Scenario) -> None:
    st.subheader("Puljefront: det bedste mål for hver puljestørrelse")
    points = int(st.number_input("Antal punkter", 10, 400, 50, 10, key="frontier_points"))
    fr = frontier_cached(scenario.cache_key(), points, ds_token, ds)
    st.plotly_chart(charts.frontier_chart(fr, scenario.objective), width="stretch", key="frontier_chart")
    rows = [{"Pulje (mio. kr.)": fmt.tal(p.pool / 1000, 2), "Mål (mio. kr.)": fmt.tal((p.objective or 0) / 1000, 2)
             if p.objective is not None else "ingen løsning", "Kommer med": _labels(p.entered),
             "Går ud": _labels(p.left), "Antal forslag": len(p.selected)} for p in fr.changes()]
    st.markdown("**Hvor porteføljen skifter** (optimale mængder er ikke indlejrede: et forslag kan gå ud, "
                "når puljen vokser)")
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    st.caption(f"{len(fr.points)} punkter fra 0 til {fmt.mio(fr.pool_max)} (puljen, der rummer alle mulige forslag), "
               f"beregnet på {fmt.tal(fr.seconds * 1000, 0)} ms; hvert punkt er en bevist optimal løsning. "
               f"Alle andre regler som i de nuværende indstillinger. {fr.unit}.")


def alternatives_section(ds: DataSet, ds_token: str, scenario: Scenario, result: Result) -> None:
    st.subheader("Alternativer tæt på det optimale")
    c1, c2 = st.columns(2)
    tol = c1.number_input("Tolerance (% af målet)", 0.0, 100.0, 2.0, 0.5, key="alt_tolerance") / 100
    k = int(c2.number_input("Højst antal alternativer", 1, 20, 5, 1, key="alt_k"))
    if not result.solved:
        st.info("Der er ingen gyldig portefølje at sammenligne med.")
        return
    alts = alternatives_cached(scenario.cache_key(), k, round(tol, 6), ds_token, ds)
    st.markdown("Det optimale valg er **entydigt**." if alts.unique else
                "Der findes **andre porteføljer med præcis samme mål** – valget mellem dem er politisk.")
    if not alts.items:
        st.caption(f"Ingen andre portføljer ligger inden for {fmt.pct(tol, 1)} af det optimale mål.")
    for a in alts.items:
        c = st.columns([1, 2, 3, 3, 2])
        c[0].markdown(f"**Nr. {a.rank}**")
        c[1].markdown(f"{fmt.mio(a.objective)}  \n{('koster ' + fmt.mio(a.gap)) if a.gap > EPS else 'samme mål'}"
                      f" ({fmt.pct(a.gap_share, 1)})")
        c[2].markdown(f"**+** {md(_labels(a.added))}")
        c[3].markdown(f"**−** {md(_labels(a.removed))}")
        c[4].button("Brug dette", key=f"adopt_{a.rank}", on_click=_adopt, args=(scenario, a),
                    help="Lås porteføljen til dette alternativ (tvinger forslagene med og fra).")


def robustness_section(ds: DataSet, ds_token: str, scenario: Scenario, result: Result) -> None:
    st.subheader("Risikorobusthed (Monte Carlo)")
    st.caption("Hvert forslags besparelser realiseres med en tilfældig andel, trukket pr. risikoniveau. "
               "Standardværdierne er antagelser og kan ændres.")
    cols = st.columns(3)
    spreads: dict[str, RiskSpread] = {}
    for col, level in zip(cols, ("lav", "middel", "høj"), strict=True):
        d = DEFAULT_SPREADS[level]
        mean = col.number_input(f"{level}: forventet andel (%)", 0.0, 200.0, d.mean * 100, 5.0, key=f"mc_mean_{level}")
        spread = col.number_input(f"{level}: spredning (%-point)", 0.0, 100.0, d.spread * 100, 5.0,
                                  key=f"mc_spread_{level}")
        spreads[level] = RiskSpread(round(mean / 100, 10), round(spread / 100, 10))
    c1, c2, c3 = st.columns(3)
    n = int(c1.number_input("Antal verdener", 100, 20000, 1000, 100, key="mc_n"))
    seed = int(c2.number_input("Frø (seed)", 0, 10**9, 0, 1, key="mc_seed"))
    run = c3.button("Kør simulation", key="mc_run", type="primary", disabled=not result.solved)
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
    c = st.columns(4)
    c[0].metric("Nettoeffekt, gode 10 % (P10)", fmt.mio(sim.p10))
    c[1].metric("Nettoeffekt, median (P50)", fmt.mio(sim.p50))
    c[2].metric("Nettoeffekt, dårlige 10 % (P90)", fmt.mio(sim.p90))
    c[3].metric("Sandsynlighed for at tjene sig hjem", fmt.pct(sim.prob_repaid),
                help="Andel af verdener, hvor de realiserede besparelser har betalt investeringen tilbage inden "
                     "horisontens udløb.")
    st.plotly_chart(charts.simulation_histogram(sim), width="stretch", key="mc_hist")
    st.plotly_chart(charts.core_index_chart(sim.core_index), width="stretch", key="mc_core")
    st.caption(f"{sim.n} verdener, frø {sim.seed}, {fmt.tal(sim.seconds, 1)} s med genoptimering i hver verden. "
               f"Deterministisk nettoeffekt: {fmt.mio(sim.deterministic_net)}. Kerneindeks 1 = altid i den optimale "
               "portefølje, 0 = aldrig.")


def whatif_view(ds: DataSet, ds_token: str, scenario: Scenario, result: Result) -> None:
    frontier_section(ds, ds_token, scenario)
    st.divider()
    alternatives_section(ds, ds_token, scenario, result)
    st.divider()
    robustness_section(ds, ds_token, scenario, result)
