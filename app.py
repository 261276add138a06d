"""Investeringsportefølje – the Streamlit shell. Reads widgets, calls the core in `portfolio/`, draws.

Run with `bash scripts/app.sh`.
"""

from __future__ import annotations

import logging

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from portfolio import fmt
from portfolio.data import DataError
from portfolio.flows import Flows, variant_flows
from portfolio.keyfigures import scenario_key_figures
from portfolio.model import DataSet
from portfolio.optimiser import SOLVER_LABELS
from portfolio.register import compute_register
from portfolio.scenario import (
    MINIMISED_OBJECTIVES,
    Scenario,
    ScenarioError,
    all_investments,
    flow_settings,
)
from portfolio.urlstate import HORIZON_SLIDER_RANGE, from_query, to_query
from ui import history, positions, sidebar, state, views, whatif
from ui.state import CHOICES, OPTIMISE
from ui.text import md_list

LOG = logging.getLogger("investeringsportefolje")
VIEWS = ("Forslag", "Måltal pr. udvalg", "Økonomi pr. år", "Kort", "Hvad nu hvis", positions.VIEW,
         "Forslagsvisning", "Afvigelser", "Del, gem, eksportér")

st.set_page_config(page_title="Investeringsportefølje", page_icon="📊", layout="wide",
                   initial_sidebar_state="auto")  # open on a wide screen, closed on a phone
st.html("""<style>
.block-container {padding-top: 2.2rem; padding-bottom: 2rem;}
[data-testid="stMetricValue"] {font-size: 1.55rem;}
[data-testid="stMetricLabel"] p {white-space: normal; line-height: 1.2;}
[data-testid="stMetricLabel"] {min-height: 2.4em;}
h1 {font-size: 2rem; padding-top: 0;}
@media (max-width: 640px) {
  .block-container {padding-left: 0.75rem; padding-right: 0.75rem; padding-top: 3.2rem;}
  h1 {font-size: 1.5rem !important; padding-bottom: 0.25rem !important;}
  .st-key-key_figures [data-testid="stHorizontalBlock"] {flex-wrap: wrap; gap: 0.4rem;}
  .st-key-key_figures [data-testid="stColumn"] {flex: 1 1 calc(50% - 0.4rem) !important;
    min-width: calc(50% - 0.4rem) !important; width: calc(50% - 0.4rem) !important;}
  .st-key-key_figures [data-testid="stMetric"] {padding: 0.2rem 0.45rem;}
  .st-key-key_figures [data-testid="stMetric"] > div {padding: 0.25rem 0.1rem;}
  .st-key-key_figures [data-testid="stMetricValue"] {font-size: 1.1rem;}
  .st-key-key_figures [data-testid="stMetricLabel"] {min-height: 0;}
  .st-key-key_figures [data-testid="stMetricLabel"] p {font-size: 0.75rem;}
  .st-key-key_figures [data-testid="stMetricDelta"] {font-size: 0.75rem;}
}
</style>""")
IGNORED_PARAMS = ("embed", "embed_options")  # Streamlit's own
SIDEBAR = "sidebar_settings"  # (dataset token, fields, errors) of the last full run's sidebar
UNEXPECTED = ("Der opstod en uventet fejl, og siden kunne ikke tegnes færdig. Dine indstillinger og valg er "
              "bevaret: ret den seneste ændring, eller genindlæs siden. Fejlen er skrevet i serverens log.")


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
    """The pool slider's top: all proposals' investments in every catalogue together, plus 10 %."""
    every = Scenario.from_json({"catalogues": [c.id for c in _ds.catalogues]})
    return all_investments(_ds, every) / 1000 * 1.1


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
    """The page's query parameters with every value of a repeated parameter (the core decides),
    without Streamlit's own."""
    return {k: st.query_params.get_all(k) for k in st.query_params if k not in IGNORED_PARAMS}


def _history_navigation() -> bool:
    """Whether this run is the browser's Back or Forward (Streamlit reruns with that entry's URL).
    Only then, or on a page load, does a URL that differs from the one the app wrote mean a
    scenario to load; otherwise it can only be a click that overtook the app's last URL update."""
    ctx = get_script_run_ctx()
    return bool(getattr(ctx, "is_history_navigation", True)) if ctx is not None else True


def _load_url(ds: DataSet) -> None:
    """Load the scenario in the page's URL when it is not the one the app last wrote: the first run
    of a session (a shared link) and the browser's Back and Forward buttons (history entries)."""
    ss = st.session_state
    params = _query()
    written = ss.get("url_written")
    if params == written or (written is not None and not _history_navigation()):
        return
    ss["url_written"] = params
    if written is None and not params:
        return  # a bare page: the widgets' defaults (or a scenario already put into them)
    linked, notices = from_query(params, ds, ignore=IGNORED_PARAMS, horizon_range=HORIZON_SLIDER_RANGE,
                                 defaults=sidebar.DEFAULT_SCENARIO)
    ss["pending_scenario"] = linked.to_json()
    if notices:
        ss["url_notices"] = notices


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
               "within_gap": "inden for den tilladte afstand til optimum, ikke bevist optimalt",
               "infeasible": "ingen løsning"}


def main() -> None:
    """A full run: the URL, the sidebar (the settings), the title, then the page below them (`_page`)."""
    loaded = _dataset()
    if loaded is None:
        return
    ds, ds_token = loaded
    _load_url(ds)
    pending = st.session_state.pop("pending_scenario", None)
    if pending is not None:
        s = Scenario.from_json(pending)
        sidebar.apply_scenario(s)
        state.set_choices_from(s.force_in, s.force_out, dict(s.variants))
    fields, errors = sidebar.settings_sidebar(ds, _max_pool_mio(ds_token, ds))
    st.session_state[SIDEBAR] = (ds_token, fields, list(errors))
    st.title("Investeringsportefølje", anchor=False)
    _page()


@st.fragment
def _page() -> None:
    """Everything below the title. A widget in here (the quick toggle, the table, the views, undo)
    reruns only this part: the sidebar's settings are the ones its last full run read (`SIDEBAR`),
    since none of these widgets can change them. Whatever does change them - a scenario put back
    (undo, an alternative, a repair, a saved scenario) or another catalogue - asks for a full run."""
    ss = st.session_state
    try:
        ds, ds_token = state.current_dataset()
    except Exception:  # noqa: BLE001 - the full run reports it in Danish
        st.rerun()
    if "pending_scenario" in ss or ss.get(SIDEBAR, ("",))[0] != ds_token:
        st.rerun()
    try:
        _below_title(ds, ds_token, ss[SIDEBAR][1], list(ss[SIDEBAR][2]))
    except Exception:  # noqa: BLE001 - as the full run's handler below: Danish words, not a traceback
        LOG.exception("Unexpected error while drawing the dashboard")
        st.error(UNEXPECTED, icon=":material/warning:")


def _below_title(ds: DataSet, ds_token: str, fields: dict, errors: list[str]) -> None:
    ss = st.session_state
    scope = [p for c in ds.catalogues if c.id in fields["catalogues"] for p in c.proposals]
    row_keys = [p.key for p in scope]
    titles = {p.key: p.title for p in scope}
    if st.session_state.get("scope") != row_keys:
        st.session_state["scope"] = row_keys
        state.reset_editor()
    state.apply_editor_edits(row_keys)
    ch = state.choices()
    in_scope = set(row_keys)
    variant_names = {p.key: p.variant_names for p in scope}
    pins = {k: v for k, v in ch.pin.items() if k in in_scope and v in variant_names.get(k, ())}

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
    want = {k: [v] for k, v in query.items()}
    if _query() != want:
        st.query_params.from_dict(query)  # a new browser history entry (Back returns to this one's predecessor)
    ss["url_written"] = want
    history.history().record(scenario.cache_key())

    result = state.optimise_cached(scenario.cache_key(), ds_token, ds)
    shown_scenario, shown = scenario, result
    if result.solved:
        st.session_state["last_ok"] = (scenario, result)
        if result.status in ("time_limit", "within_gap"):
            views.not_proven(result)
    else:
        views.infeasible(result, scenario, titles)
        last = st.session_state.get("last_ok")
        if last is not None:
            shown_scenario, shown = last
            st.caption("Nøgletal og grafer nedenfor viser den sidste portefølje, der kunne lade sig gøre. "
                       "Tabellens status viser, hvorfor de nuværende valg ikke kan opfyldes.")

    flows = _flows(_settings_key(shown_scenario), ds_token, ds, shown_scenario)
    kf = scenario_key_figures(ds, shown_scenario, shown.selected, flows)
    change = history.last_change(shown_scenario.cache_key(), kf, shown.selected)
    with st.container(key="key_figures"):
        views.key_figures(kf, change.before, len(scope), shown_scenario, shown.objective, shown.rule_figures)
    if shown.solved:
        views.portfolio_line(kf, list(shown.selected), titles, last_valid=shown is not result)
    views.change_line(history.change_text(change))
    history.controls(len(ch.choice) + len(ch.pin))

    view = st.radio("Visning", VIEWS, horizontal=True, key="view", label_visibility="collapsed")
    if view == VIEWS[0]:
        _quick_toggle(row_keys, titles)
        cur_flows = _flows(_settings_key(scenario), ds_token, ds, scenario)
        prices = None
        if result.solved and st.toggle("Vis pris for at skifte", value=True, key="show_prices",
                                       help="Hvad målet ændrer sig med, hvis forslaget tvinges med (når det er ude) "
                                            "eller fra (når det er inde), alt andet lige."):
            minimised = scenario.objective in MINIMISED_OBJECTIVES
            prices = {k: whatif.price_text(tp, minimised)
                      for k, tp in whatif.prices_cached(scenario.cache_key(), ds_token, ds, result).items()}
        sim = ss.get("simulation")
        core = sim[1].core_index if sim and sim[0][0] == scenario.cache_key() and sim[0][1] == ds_token else None
        df = views.proposal_rows(ds, scope, result, ch, cur_flows, prices, core)
        options = sorted({n for p in scope for n in p.variant_names})
        views.proposals_table(df, state.editor_key(), options, scenario.base_year)
        st.caption(f"Optimeret på {fmt.tal(result.solve_seconds * 1000, 1)} ms med "
                   f"{SOLVER_LABELS.get(result.solver.lower(), result.solver)} "
                   f"({STATUS_TEXT.get(result.status, 'ukendt status')}).")
    elif view == "Måltal pr. udvalg":
        views.udvalg_tab(kf)
    elif view == "Økonomi pr. år":
        views.economy_tab(kf)
    elif view == "Kort":
        views.map_tab(scope, shown, flows, shown_scenario.base_year)
    elif view == "Hvad nu hvis":
        whatif.whatif_view(ds, ds_token, scenario, result)
    elif view == positions.VIEW:
        positions.negotiation_view(ds, ds_token, scenario, scope, titles)
    elif view == "Forslagsvisning":
        views.proposal_view(ds, scope, _register(ds_token, ds), shown_scenario)
    elif view == "Afvigelser":
        views.register_tab(ds, _register(ds_token, ds))
    else:
        prices_num = ({k: tp.delta for k, tp in whatif.prices_cached(scenario.cache_key(), ds_token, ds, result).items()}
                      if result.solved else None)
        from ui import share  # noqa: PLC0415 - export, storage and upload load only when this view opens

        share.share_view(ds, ds_token, scenario, result, prices_num)

try:
    main()
except Exception:  # noqa: BLE001 - whatever happens, the user gets Danish words, not a traceback
    LOG.exception("Unexpected error while drawing the dashboard")
    st.error(UNEXPECTED, icon=":material/warning:")
