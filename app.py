"""Investeringsportefølje – the Streamlit shell. Reads widgets, calls the core in `portfolio/`, draws.

Run with `bash scripts/app.sh`.
"""

from __future__ import annotations

import logging

import streamlit as st

from portfolio import fmt
from portfolio.data import DataError
from portfolio.figures import variant_figures
from portfolio.flows import Flows, variant_flows
from portfolio.keyfigures import scenario_key_figures
from portfolio.model import DataSet
from portfolio.register import compute_register
from portfolio.scenario import Scenario, ScenarioError, flow_settings
from portfolio.urlstate import HORIZON_SLIDER_RANGE, from_query, to_query
from ui import share, sidebar, state, views, whatif
from ui.state import CHOICES, OPTIMISE
from ui.text import md_list

LOG = logging.getLogger("investeringsportefolje")
VIEWS = ("Forslag", "Måltal pr. udvalg", "Økonomi pr. år", "Kort", "Hvad nu hvis", "Forslagsvisning",
         "Afvigelser", "Del, gem, eksportér")

st.set_page_config(page_title="Investeringsportefølje", page_icon="📊", layout="wide",
                   initial_sidebar_state="expanded")
st.html("""<style>
.block-container {padding-top: 2.2rem; padding-bottom: 2rem;}
[data-testid="stMetricValue"] {font-size: 1.55rem;}
[data-testid="stMetricLabel"] p {white-space: normal; line-height: 1.2;}
[data-testid="stMetricLabel"] {min-height: 2.4em;}
h1 {font-size: 2rem; padding-top: 0;}
</style>""")


@st.cache_resource(show_spinner=False, max_entries=16)
def _register(ds_token: str, _ds: DataSet) -> list:
    return compute_register(_ds)


@st.cache_resource(show_spinner=False, max_entries=64)
def _flows(settings_key: str, ds_token: str, _ds: DataSet, _scenario: Scenario) -> dict[tuple[str, str | None], Flows]:
    settings = flow_settings(_ds, _scenario)
    return {(v.key, v.name): variant_flows(v, settings)
            for c in _ds.catalogues if c.id in _scenario.catalogues for p in c.proposals for v in p.variants}


def _settings_key(s: Scenario) -> str:
    j = s.to_json()
    return repr([j[k] for k in ("catalogues", "base_year", "horizon", "alignment", "extend_permanent", "price_index")])


@st.cache_resource(show_spinner=False, max_entries=16)
def _max_pool_mio(ds_token: str, _ds: DataSet) -> float:
    total = sum(max(variant_figures(v).total_investment for v in p.variants) for p in _ds.proposals)
    return total / 1000 * 1.1


def _quick_toggle(row_keys: list[str], titles: dict[str, str]) -> None:
    ch = state.choices()
    ss = st.session_state
    if ss.get("quick_key") not in row_keys:
        ss["quick_key"] = row_keys[0]
    current = ch.choice.get(ss["quick_key"], OPTIMISE)
    if ss.get("quick_choice") != current:
        ss["quick_choice"] = current
    c1, c2 = st.columns([3, 2])
    c1.selectbox("Hurtigt skift: forslag", row_keys, key="quick_key", format_func=lambda k: f"{k} – {titles[k]}")
    c2.radio("Valg for forslaget", list(CHOICES), key="quick_choice", horizontal=True,
             on_change=lambda: state.set_choice(ss["quick_key"], ss["quick_choice"]),
             help="Samme valg som kolonnen 'Valg' i tabellen.")


def _query() -> dict[str, list[str]]:
    """The page's query parameters with every value of a repeated parameter (the core decides)."""
    return {k: st.query_params.get_all(k) for k in st.query_params}


def _dataset() -> tuple[DataSet, str] | None:
    """The session's dataset. An uploaded catalogue (or one opened with a saved scenario) that does
    not load is dropped with a message, and the built-in data are used; None if those do not load."""
    try:
        return state.current_dataset()
    except Exception as e:  # noqa: BLE001 - an uploaded catalogue is user input
        problems = [str(p) for p in e.problems] if isinstance(e, DataError) else []
        if st.session_state.pop("upload", None) is None:
            if not isinstance(e, DataError):
                raise
            st.error("Data kunne ikke indlæses. Ret følgende, og genindlæs siden:")
            st.markdown(md_list(problems))
            return None
        if not problems:
            LOG.exception("An uploaded catalogue could not be merged with the built-in data")
        st.error("Det uploadede katalog kan ikke bruges og er fjernet; de indbyggede data bruges."
                 + ("\n" + md_list(problems) if problems else ""), icon=":material/warning:")
    return _dataset()


STATUS_TEXT = {"optimal": "bevist optimalt", "time_limit": "stoppet ved tidsgrænsen, ikke bevist optimalt",
               "infeasible": "ingen løsning"}


def main() -> None:
    loaded = _dataset()
    if loaded is None:
        return
    ds, ds_token = loaded
    ss = st.session_state
    if not ss.get("url_loaded"):
        ss["url_loaded"] = True
        params = _query()
        if params:
            linked, notices = from_query(params, ds, ignore=("embed", "embed_options"),
                                         horizon_range=HORIZON_SLIDER_RANGE, defaults=sidebar.DEFAULT_SCENARIO)
            ss["pending_scenario"] = linked.to_json()
            if notices:
                ss["url_notices"] = notices
    pending = st.session_state.pop("pending_scenario", None)
    if pending is not None:
        s = Scenario.from_json(pending)
        sidebar.apply_scenario(s)
        state.set_choices_from(s.force_in, s.force_out, dict(s.variants))
    fields, errors = sidebar.settings_sidebar(ds, _max_pool_mio(ds_token, ds))
    scope = [p for c in ds.catalogues if c.id in fields["catalogues"] for p in c.proposals]
    row_keys = [p.key for p in scope]
    if st.session_state.get("scope") != row_keys:
        st.session_state["scope"] = row_keys
        state.reset_editor()
    state.apply_editor_edits(row_keys)
    ch = state.choices()
    in_scope = set(row_keys)
    variant_names = {p.key: p.variant_names for p in scope}
    pins = {k: v for k, v in ch.pin.items() if k in in_scope and v in variant_names.get(k, ())}

    st.title("Investeringsportefølje")
    if ss.get("url_notices"):
        st.warning("Linket indeholdt indstillinger, der ikke kunne bruges; de er sat til standard:\n"
                   + md_list(ss.pop("url_notices")), icon=":material/link:")
    if ss.get("share_notice"):
        (st.warning if ss.pop("share_notice_warn", False) else st.success)(ss.pop("share_notice"))
    scenario = None
    try:
        scenario = sidebar.scenario_from(fields, [k for k in ch.force_in() if k in in_scope],
                                         [k for k in ch.force_out() if k in in_scope], pins)
        scenario.validate_for(ds)
    except ScenarioError as e:
        errors.append(str(e))
        scenario = None
    if errors:
        st.error("Indstillingerne kan ikke bruges:\n" + md_list(errors), icon=":material/warning:")
        scenario = st.session_state.get("last_scenario")
        if scenario is None:
            return
        st.caption("Viser resultatet for de sidst gyldige indstillinger.")
    st.session_state["last_scenario"] = scenario
    query = to_query(scenario, sidebar.DEFAULT_SCENARIO)
    if _query() != {k: [v] for k, v in query.items()}:
        st.query_params.from_dict(query)

    result = state.optimise_cached(scenario.cache_key(), ds_token, ds)
    shown_scenario, shown = scenario, result
    if result.solved:
        st.session_state["last_ok"] = (scenario, result)
        if result.status == "time_limit":
            views.time_limit(result)
    else:
        views.infeasible(result)
        last = st.session_state.get("last_ok")
        if last is not None:
            shown_scenario, shown = last
            st.caption("Nøgletal og grafer nedenfor viser den sidste portefølje, der kunne lade sig gøre. "
                       "Tabellens status viser, hvorfor de nuværende valg ikke kan opfyldes.")

    flows = _flows(_settings_key(shown_scenario), ds_token, ds, shown_scenario)
    kf = scenario_key_figures(ds, shown_scenario, shown.selected, flows)
    hist = st.session_state.setdefault("kf_hist", {})
    key = shown_scenario.cache_key()
    prev = hist.get("prev") if hist.get("key") == key else hist.get("now")
    if hist.get("key") != key:
        hist.update(prev=hist.get("now"), now=kf, key=key)
    views.key_figures(kf, prev, len(scope), shown_scenario, shown.objective)

    view = st.radio("Visning", VIEWS, horizontal=True, key="view", label_visibility="collapsed")
    if view == VIEWS[0]:
        _quick_toggle(row_keys, {p.key: p.title for p in scope})
        cur_flows = _flows(_settings_key(scenario), ds_token, ds, scenario)
        prices = None
        if result.solved and st.toggle("Vis pris for at skifte", value=True, key="show_prices",
                                       help="Hvad målet ændrer sig med, hvis forslaget tvinges med (når det er ude) "
                                            "eller fra (når det er inde), alt andet lige."):
            prices = {k: whatif.price_text(tp) for k, tp in whatif.prices_cached(scenario.cache_key(), ds_token, ds,
                                                                                  result).items()}
        sim = ss.get("simulation")
        core = sim[1].core_index if sim and sim[0][0] == scenario.cache_key() and sim[0][1] == ds_token else None
        df = views.proposal_rows(ds, scope, result, ch, cur_flows, prices, core)
        options = sorted({n for p in scope for n in p.variant_names})
        views.proposals_table(df, state.editor_key(), options, scenario.base_year)
        st.caption(f"Optimeret på {fmt.tal(result.solve_seconds * 1000, 1)} ms med {result.solver.upper()} "
                   f"({STATUS_TEXT.get(result.status, 'ukendt status')}).")
    elif view == VIEWS[1]:
        views.udvalg_tab(kf)
    elif view == VIEWS[2]:
        views.economy_tab(kf)
    elif view == VIEWS[3]:
        views.map_tab(scope, shown, flows, shown_scenario.base_year)
    elif view == VIEWS[4]:
        whatif.whatif_view(ds, ds_token, scenario, result)
    elif view == VIEWS[5]:
        views.proposal_view(ds, scope, _register(ds_token, ds))
    elif view == VIEWS[6]:
        views.register_tab(ds, _register(ds_token, ds))
    else:
        prices_num = ({k: tp.delta for k, tp in whatif.prices_cached(scenario.cache_key(), ds_token, ds, result).items()}
                      if result.solved else None)
        share.share_view(ds, ds_token, scenario, result, prices_num)

try:
    main()
except Exception:  # noqa: BLE001 - whatever happens, the user gets Danish words, not a traceback
    LOG.exception("Unexpected error while drawing the dashboard")
    st.error("Der opstod en uventet fejl, og siden kunne ikke tegnes færdig. Dine indstillinger og valg er "
             "bevaret: ret den seneste ændring, eller genindlæs siden. Fejlen er skrevet i serverens log.",
             icon=":material/warning:")
