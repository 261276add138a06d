"""The settings sidebar: reads widgets and turns them into a Scenario (core object).

Every widget takes its value from session state (seeded by `DEFAULTS` or by `apply_scenario`), so a
saved scenario, a shared link or an adopted alternative can be put back into the widgets exactly.

Every number a person types goes through `ui.numbers.number_field` or `portfolio.fmt.parse_number`
(strict Danish format: "3,5", "1.300", "1.300,5"; "3.5" is refused, never reinterpreted). Amounts
are typed and shown in mio. kr.; the scenario holds them in 1.000 kr. The only hard bound on the
pool is the core's `portfolio.scenario.pool_limit`; a pool larger than all proposals' investments
together (`portfolio.scenario.all_investments`) is allowed, with a warning next to the field.

The investeringsmodel's own rules (named pools, savings targets, no rising måltal, self-financing)
are the section "Investeringsmodellens regler" in `ui.model_rules`, read and written back like the rest;
the parties' positions at the negotiating table are the section "Forhandling: partiernes krav" in
`ui.positions`, likewise.
"""

from __future__ import annotations

import math

import pandas as pd
import streamlit as st

from portfolio import fmt
from portfolio.fmt import NumberError, parse_number
from portfolio.model import DataSet, Styring
from portfolio.optimiser import SOLVER_LABELS
from portfolio.prices import PriceIndex, growth_text, year_span
from portfolio.scenario import (
    MAX_MIP_GAP,
    OBJECTIVE_LABELS,
    POOL_LIMIT_MULTIPLE,
    Scenario,
    ScenarioError,
    all_investments,
    pool_limit,
)
from portfolio.urlstate import HORIZON_SLIDER_RANGE

from .model_rules import apply_rules, objective_hint, rules_section
from .numbers import TEXT, number_field, read_amount
from .positions import apply_parties, parties_section
from .text import md

RISK_LIMITS = {"": "Ingen grænse", "lav": "Kun lav risiko", "middel": "Højst middel risiko", "høj": "Alle (også høj)"}
DEFAULT_POOL_MIO = 20.0
# The scenario the dashboard starts from (the widgets' defaults below): `Scenario()` with a
# 20 mio. kr. pool. Links are written and read relative to it (portfolio.urlstate `defaults`).
DEFAULT_SCENARIO = Scenario.from_json({"pool": {"total": DEFAULT_POOL_MIO * 1000}})
MAX_SLIDER_STEPS = 200
_SLIDER_STEPS = (0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1000.0, 2000.0, 5000.0, 10_000.0,
                 20_000.0, 50_000.0, 100_000.0)
# the number fields (session-state keys) and the values they start from
NUMBER_KEYS = ("discount", "npv_extra", "risky_share", "haircut_lav", "haircut_middel", "haircut_hoej", "max_payback",
               "time_limit", "mip_gap")
DEFAULTS: dict[str, object] = {
    "catalogues": ["KK2020"], "alignment": "forskudt", "base_year": 2020, "horizon": (2019, 2024),
    "objective": "net", "discount": 3.5, "npv_extra": 0, "use_pool": True, "use_total": True,
    "pool_mio": DEFAULT_POOL_MIO, "pool_covers": [Styring.SERVICE.value, Styring.ANLAEG.value], "max_risk": "",
    "use_share": False, "risky_share": 50.0, "haircut_lav": 0.0, "haircut_middel": 0.0, "haircut_hoej": 0.0,
    "max_payback": 0, "dependencies": True, "solver": "highs", "extend_permanent": True, "time_limit": 10.0,
    "mip_gap": 0.0,  # percent (the scenario's `mip_gap` is the fraction)
}


def mio_text(v: float) -> str:
    """Danish text of an amount in mio. kr., exact to the krone: as many decimals as needed (1 to 6)."""
    return fmt.tal_exact(v, 6, min_decimals=1)


def _floor1(mio: float) -> float:
    """`mio` rounded down to 1 decimal: a limit stated so is always allowed."""
    return math.floor(mio * 10 + 1e-9) / 10


def pool_limit_text(limit: float, invest: float) -> str:
    """The pool's limit (`limit`, `invest`: 1.000 kr.) in words, in mio. kr."""
    said = f"Puljen må højst være {fmt.tal(_floor1(limit / 1000), 1)} mio. kr."
    if limit > POOL_LIMIT_MULTIPLE * invest + 1e-6:  # the floor
        return said
    return (f"{said}, dvs. {POOL_LIMIT_MULTIPLE} gange alle forslagenes investeringer i de valgte "
            f"kataloger tilsammen ({fmt.mio(invest, 1)}).")


def _implausible(what: str, amount_mio: float, invest: float) -> str | None:
    """A warning when a pool (`amount_mio`, mio. kr.) is larger than all proposals' investments together
    (`invest`, 1.000 kr.): it can never be used up, so it is probably typed in the wrong unit."""
    if amount_mio * 1000 <= invest + 1e-6:
        return None
    return (f"{what} på {fmt.tal_exact(amount_mio)} mio. kr. er større end alle forslagenes investeringer "
            f"tilsammen ({fmt.mio(invest, 1)}), så den kan aldrig bruges op. Er beløbet skrevet i mio. kr.?")


def _pool_options(max_mio: float, limit_mio: float) -> list[float]:
    """The slider's amounts: 0 to the catalogues' total investment (at least 5 mio. kr., at most the
    pool's limit) in at most `MAX_SLIDER_STEPS` steps of 0,5, 1, 2, 5, 10, 20 … mio. kr. It depends only on
    the catalogues, never on a typed or linked amount (which may be anything up to the limit)."""
    top = max(5.0, math.ceil(min(max_mio, limit_mio))) if math.isfinite(max_mio) else limit_mio
    step = next((s for s in _SLIDER_STEPS if top / s <= MAX_SLIDER_STEPS), top / MAX_SLIDER_STEPS)
    return [round(i * step, 1) for i in range(math.ceil(top / step - 1e-9) + 1)]


def _sync_from_slider() -> None:
    st.session_state["pool_mio"] = st.session_state["pool_slider"]
    st.session_state["pool_text"] = mio_text(st.session_state["pool_slider"])
    st.session_state.pop("pool_text_error", None)


def _sync_from_text() -> None:
    """Read the typed pool (mio. kr.); a text that is not an amount, or an amount over the limit, is
    refused with a Danish message and the pool stays what it was."""
    ss = st.session_state
    try:
        v = read_amount(ss["pool_text"], "Puljen i alt")
    except NumberError as e:
        ss["pool_text_error"] = str(e)
        return
    limit = ss.get("pool_limit")
    if limit is not None and v * 1000 > limit[0]:
        ss["pool_text_error"] = f"Puljen på {fmt.tal_exact(v)} mio. kr. er for stor. {pool_limit_text(*limit)}"
        return
    ss.pop("pool_text_error", None)
    ss["pool_mio"] = v
    ss["pool_text"] = mio_text(v)


def _check_applied_pool(limit: float, invest: float) -> None:
    """A pool put into the widgets by a link, a saved scenario or an alternative (not typed) that is
    over the limit (1.000 kr.), in total or for a year: say so next to the field, and use the default
    total pool or no limit for that year instead. Call before the pool widgets are drawn."""
    ss = st.session_state
    if not ss.pop("pool_applied", False):
        return
    years = ss.get("seed_pool_years", {})

    def too_big(text: str) -> bool:
        try:
            return parse_number(text) * 1000 > limit
        except NumberError:
            return False

    big_years = [y for y, text in years.items() if too_big(text)]
    big_total = ss["pool_mio"] * 1000 > limit
    if not big_total and not big_years:
        return
    said = ["Puljen i alt i linket eller scenariet er for stor og bruges ikke."] if big_total else []
    if big_years:
        ss["seed_pool_years"] = {y: text for y, text in years.items() if y not in big_years}
        ss["seed_version"] = ss.get("seed_version", 0) + 1
        said.append(f"Puljen for {', '.join(big_years)} i linket eller scenariet er for stor og bruges ikke.")
    default_total = big_total or not (ss["seed_pool_years"] or ss["use_total"])  # no pool left otherwise
    if default_total:
        ss["use_total"] = True
        ss["pool_mio"] = DEFAULT_POOL_MIO
        ss["pool_text"] = mio_text(DEFAULT_POOL_MIO)
        ss.pop("pool_text_error", None)
        said.append(f"Puljen i alt er sat til {mio_text(DEFAULT_POOL_MIO)} mio. kr.")
    ss["pool_notice"] = " ".join([*said, pool_limit_text(limit, invest)])


def _scope(ds: DataSet, cats: list[str], base_year: int) -> tuple[float, float]:
    """(pool limit, all proposals' investments together), 1.000 kr., for the chosen catalogues and p/l
    (with the price index as last read)."""
    ss = st.session_state
    index = ss.get("price_index_read", ss.get("seed_price_index", {}))
    try:
        sc = Scenario.from_json({"catalogues": cats, "base_year": int(base_year), "price_index": index})
    except ScenarioError:
        sc = Scenario.from_json({"catalogues": cats, "base_year": int(base_year)})
    return pool_limit(ds, sc), all_investments(ds, sc)


def _seed() -> None:
    ss = st.session_state
    for k, v in DEFAULTS.items():
        if k not in ss:
            ss[k] = list(v) if isinstance(v, list) else v
    if "pool_text" not in ss:
        ss["pool_text"] = mio_text(ss["pool_mio"])


def settings_sidebar(ds: DataSet, max_pool_mio: float) -> tuple[dict, list[str]]:
    """Draw the settings; return the scenario fields (JSON form, without choices) and Danish errors.

    `max_pool_mio` is the pool slider's top (mio. kr.); the pool's hard limit is the core's `pool_limit`."""
    _seed()
    ss = st.session_state
    errors: list[str] = []
    sb = st.sidebar
    sb.header("Indstillinger")
    cat_names = {c.id: c.name for c in ds.catalogues}
    ss["catalogues"] = [c for c in ss["catalogues"] if c in cat_names]
    cats = sb.multiselect(
        "Kataloger", list(cat_names), format_func=lambda c: cat_names[c], key="catalogues",
        help="Hvilke forslag der er med i forhandlingen. De to ældre business cases omregnes til basisårets p/l.")
    if not cats:
        errors.append("Vælg mindst ét katalog.")
        cats = ["KK2020"]
    alignment = sb.radio(
        "Ældre business cases placeres", ["forskudt", "kalender"], key="alignment",
        disabled=all(c == "KK2020" for c in cats),
        format_func=lambda a: {"forskudt": "Forskudt: deres første år = horisontens første år",
                               "kalender": "I deres egne kalenderår"}[a],
        help="Forskudt betyder, at en ældre business case behandles, som om den blev vedtaget nu.")
    years_all = [e.year for e in sorted(ds.price_index, key=lambda e: e.year) if 2015 <= e.year <= 2030]
    base_year = sb.selectbox("Basisår for p/l", years_all, key="base_year",
                             help="Alle beløb vises i dette års pris- og lønniveau (mio. kr.).")
    horizon = sb.slider("Horisont", *HORIZON_SLIDER_RANGE, key="horizon",
                        help="De budgetår, som puljen, målet og nøgletallene gælder for.")
    objective = sb.radio("Mål for optimeringen", list(OBJECTIVE_LABELS), format_func=OBJECTIVE_LABELS.get,
                         key="objective",
                         help="Optimeringen vælger de forslag, der giver den største besparelse målt på denne måde "
                              "(eller, med 'Mindst mulig investering fra puljerne', den mindste investering, der "
                              "opfylder reglerne, fx et besparelseskrav). Besparelser vises negative, som i forslagene.")
    objective_note = sb.container()  # filled once the savings targets are read
    npv_off = objective != "npv"
    discount = number_field("Diskonteringsrente (%)", "discount", 0.0, 100.0, errors=errors, container=sb,
                            disabled=npv_off, help="Bruges kun, når målet er nutidsværdi. Fx 3,5.")
    extra = int(number_field("Ekstra år med varig effekt", "npv_extra", 0, 100, integer=True, errors=errors,
                             container=sb, disabled=npv_off,
                             help="Forlæng sidste års varige effekt så mange år efter horisonten (nutidsværdi)."))

    sb.subheader("Investeringspulje")
    limit, invest = _scope(ds, cats, base_year)
    ss["pool_limit"] = (limit, invest)  # for the typed pool's callback
    _check_applied_pool(limit, invest)
    use_pool = sb.toggle("Begræns med en pulje", key="use_pool",
                         help="Implementeringsomkostningerne finansieres af investeringspuljen.")
    if ss.get("pool_notice"):
        sb.warning(md(ss.pop("pool_notice")), icon=":material/warning:")
    pool_json = None
    if use_pool:
        use_total = sb.toggle("Samlet pulje for hele horisonten", key="use_total",
                              help="Slå fra, hvis kun puljen pr. år skal gælde.")
        opts = _pool_options(max_pool_mio, limit / 1000)
        nearest = min(opts, key=lambda o: abs(o - ss["pool_mio"]))
        if ss.get("pool_slider") != nearest:
            ss["pool_slider"] = nearest
        sb.select_slider("Pulje i alt (mio. kr.)", opts, key="pool_slider", on_change=_sync_from_slider,
                         format_func=lambda v: fmt.tal(v, 1), disabled=not use_total,
                         help="Hele horisontens pulje. Træk, eller skriv det præcise beløb nedenfor.")
        sb.text_input("Præcist beløb (mio. kr.)", key="pool_text", on_change=_sync_from_text, disabled=not use_total,
                      help="Fx 20, 20,5 eller 1.300 (mio. kr.). Beløbet styrer optimeringen.")
        if use_total and ss.get("pool_text_error"):
            sb.error(md(ss["pool_text_error"]), icon=":material/error:")
            errors.append(ss["pool_text_error"])
        elif use_total and ss["pool_mio"] * 1000 > limit:  # the catalogues or the p/l changed under it
            errors.append(f"Puljen på {fmt.tal_exact(ss['pool_mio'])} mio. kr. er for stor. "
                          f"{pool_limit_text(limit, invest)}")
            sb.error(md(errors[-1]), icon=":material/error:")
        elif use_total and (warn := _implausible("Puljen", ss["pool_mio"], invest)):
            sb.warning(md(warn), icon=":material/warning:")
        per_year: dict[str, float] = {}
        seed = ss.get("seed_pool_years", {})
        with sb.expander("Pulje pr. år (valgfrit)", expanded=bool(seed)):
            yrs = list(range(horizon[0], horizon[1] + 1))
            df = pd.DataFrame({"År": [str(y) for y in yrs], "Pulje (mio. kr.)": [seed.get(str(y), "") for y in yrs]})
            ver = ss.get("seed_version", 0)
            edited = st.data_editor(df, key=f"pool_years_{ver}_{horizon[0]}_{horizon[1]}", hide_index=True,
                                    disabled=["År"], num_rows="fixed", width="stretch",
                                    column_config={"Pulje (mio. kr.)": st.column_config.TextColumn(
                                        help="Beløb i mio. kr., fx 3,5. Tomt felt: ingen grænse for året.")})
            warnings: list[str] = []
            for y, text in zip(edited["År"], edited["Pulje (mio. kr.)"], strict=True):
                if text is None or not str(text).strip():
                    continue
                try:
                    v = read_amount(str(text), f"Puljen for {y}")
                except NumberError as e:
                    errors.append(str(e))
                    continue
                if v * 1000 > limit:
                    errors.append(f"Puljen for {y} på {fmt.tal_exact(v)} mio. kr. er for stor. "
                                  f"{pool_limit_text(limit, invest)}")
                    continue
                per_year[y] = round(v * 1000, 3)
                if warn := _implausible(f"Puljen for {y}", v, invest):
                    warnings.append(warn)
            st.caption("Beløb i mio. kr. Et tomt felt betyder ingen grænse for året.")
            for warn in warnings:
                st.warning(md(warn), icon=":material/warning:")
        total = round(ss["pool_mio"] * 1000, 3) if use_total else None
        if total is None and not per_year:
            errors.append("Angiv en samlet pulje eller en pulje for mindst ét år (eller slå puljen fra).")
        pool_json = {"total": total, "per_year": per_year}
    covers = sb.multiselect("Puljen dækker", [Styring.SERVICE.value, Styring.ANLAEG.value], key="pool_covers",
                            help="Hvilke implementeringsomkostninger der skal finansieres af puljen.")
    if not covers:
        errors.append("Puljen skal dække mindst ét styringsområde.")
        covers = [Styring.SERVICE.value, Styring.ANLAEG.value]

    sb.subheader("Risiko")
    max_risk = sb.selectbox("Højeste tilladte risiko", list(RISK_LIMITS), format_func=RISK_LIMITS.get,
                            key="max_risk", help="Forslag med højere risiko (forslagets egen vurdering) kan ikke vælges.")
    use_share = sb.checkbox("Loft over andelen til risikable forslag", key="use_share",
                            help="Højst denne andel af den valgte investering må gå til forslag med middel eller høj risiko.")
    share_pct = number_field("Højst andel til middel/høj risiko (%)", "risky_share", 0.0, 100.0, errors=errors,
                             container=sb, disabled=not use_share,
                             help="Fx 50: højst halvdelen af puljeinvesteringen må gå til forslag med middel "
                                  "eller høj risiko.")
    share = round(share_pct / 100, 10) if use_share else None
    with sb.expander("Risikofradrag i målet (forventet værdi)"):
        st.caption("Andel af hver besparelse, der ikke regnes med i målet. Puljen påvirkes ikke.")
        hc = {r: round(number_field(f"Fradrag ved {r} risiko (%)", f"haircut_{k}", 0.0, 100.0, errors=errors,
                                    help=f"Fx 25: kun 75 % af besparelserne i forslag med {r} risiko tæller "
                                         "med, når optimeringen vælger.") / 100, 10)
              for r, k in (("lav", "lav"), ("middel", "middel"), ("høj", "hoej"))}

    sb.subheader("Øvrige regler")
    payback = int(number_field("Maksimal tilbagebetalingstid (år, 0 = ingen grænse)", "max_payback", 0, 100,
                               integer=True, errors=errors, container=sb,
                               help="Forslag, der er længere om at tjene investeringen hjem, kan ikke vælges."))
    deps = sb.toggle("Respektér afhængigheder", key="dependencies",
                     help="Et forslag, der kræver et andet (fx HA08 kræver HA06), kan kun vælges sammen med det.")
    solver = sb.radio("Løser", ["highs", "cbc"], format_func=SOLVER_LABELS.get, key="solver",
                      horizontal=True, help="Begge finder det bevist optimale valg; HiGHS er hurtigst.")

    model_rules = rules_section(sb, ds, cats, horizon, limit, invest, errors, pool_limit_text)
    if hint := objective_hint(objective, model_rules):
        objective_note.caption(hint)
    parties = parties_section(sb, ds, cats, horizon, limit, invest, errors, pool_limit_text)

    price_index: dict[str, float] = {}
    with sb.expander("Pris- og lønindeks"):
        price_index = _price_index_editor(ds, errors)
    with sb.expander("Avanceret"):
        extend = st.toggle("Varige ændringer fortsætter efter tabellens sidste år", key="extend_permanent",
                           help="Gælder ældre business cases, hvis tabel slutter før horisonten.")
        time_limit = float(number_field("Tidsgrænse for optimeringen (sekunder)", "time_limit", 0.1, 3600.0,
                                        errors=errors,
                                        help="Fx 10 eller 2,5. Stopper optimeringen ved grænsen; resultatet "
                                             "markeres så som ikke bevist optimalt."))
        gap_pct = float(number_field("Tilladt afstand til optimum (%)", "mip_gap", 0.0, MAX_MIP_GAP * 100,
                                     errors=errors,
                                     help="0 (standard): porteføljen er bevist den bedste. Fx 1 eller 0,5 ved store "
                                          "kataloger: optimeringen stopper, når den bedst mulige portefølje højst er "
                                          "så mange procent bedre, og siger, hvor langt der højst er."))
    return {
        "catalogues": cats, "base_year": int(base_year), "horizon": [int(horizon[0]), int(horizon[1])],
        "objective": objective, "discount_rate": round(float(discount) / 100, 10), "npv_extra_years": extra,
        "pool": pool_json, "pool_covers": covers, "max_risk": max_risk or None, "max_risky_share": share,
        "risk_haircut": hc, "max_payback_years": payback or None, "dependencies": bool(deps), "solver": solver,
        "alignment": alignment, "price_index": price_index, "extend_permanent": bool(extend),
        "time_limit": time_limit, "mip_gap": round(gap_pct / 100, 10), **model_rules, "parties": parties,
    }, errors


def _price_index_editor(ds: DataSet, errors: list[str]) -> dict[str, float]:
    """The p/l index as an editable table of Danish numbers; returns the overrides (year -> index):
    KL's service-PL figures where entered, which take precedence over the built-in index."""
    ss = st.session_state
    entries = [e for e in sorted(ds.price_index, key=lambda e: e.year) if 2015 <= e.year <= 2030]
    seed_idx = ss.get("seed_price_index", {})
    built_in = PriceIndex.from_entries(ds.price_index)
    df = pd.DataFrame({"År": [str(e.year) for e in entries],
                       "Indeks": [fmt.tal_exact(float(seed_idx.get(str(e.year), e.index)), 10) for e in entries],
                       "Antagelse": ["ja" if e.assumption else "nej" for e in entries]})
    ver = ss.get("seed_version", 0)
    edited = st.data_editor(df, key=f"price_index_editor_{ver}", hide_index=True, disabled=["År", "Antagelse"],
                            num_rows="fixed", width="stretch",
                            column_config={"Indeks": st.column_config.TextColumn(
                                help="Dansk talformat, fx 101,5 (2020 = 100). Et tal, der afviger fra dataens, "
                                     "bruges som KL's service-PL for året.")})
    out: dict[str, float] = {}
    for e, text in zip(entries, edited["Indeks"], strict=True):
        if text is None or not str(text).strip():
            errors.append(f"Indekset for {e.year} mangler: skriv et tal over 0, fx 101,5.")
            continue
        try:
            v = parse_number(str(text))
        except NumberError as err:
            errors.append(f"Indekset for {e.year}: {err}")
            continue
        if v <= 0:
            errors.append(f"Indekset for {e.year} skal være et tal over 0 (ikke {fmt.tal_exact(v)}).")
        elif abs(v - e.index) > 1e-9:
            out[str(e.year)] = v
    ss["price_index_read"] = out
    st.caption("Standard er Økonomistyrelsens generelle pris- og lønstigning (oes.dk, Fastprisberegninger): "
               "statens indeks, ikke KL's kommunale service-PL. Skriv KL's pris- og lønskøn for serviceudgifter "
               "(service-PL, 2020 = 100) for de år, du har dem: de indtastede tal bruges i stedet for standarden.")
    in_use = built_in.with_overrides({int(y): v for y, v in out.items()})
    st.caption(md("Kilde i brug pr. år: " + in_use.kinds_text(e.year for e in entries) + "."))
    assumed = sorted({round(g, 2) for e in entries if e.assumption and (g := built_in.growth(e.year)) is not None})
    if assumed:
        years = [e.year for e in entries if e.assumption]
        st.caption(f"Antagelse: {', '.join(growth_text(g) for g in assumed)} om året i "
                   f"{year_span(years[0], years[-1])} (ingen offentliggjorte tal); erstat dem med KL's tal, når de kendes.")
    return out


def scenario_from(fields: dict, force_in: list[str], force_out: list[str], pins: dict[str, str]) -> Scenario:
    return Scenario.from_json(fields | {"force_in": force_in, "force_out": force_out, "variants": pins})


def apply_scenario(scenario: Scenario) -> None:
    """Put a scenario's settings into the widgets' state (call before the widgets are drawn,
    e.g. from a button callback or at the top of the script). Choices are set by the caller."""
    ss = st.session_state
    s = scenario
    ss["catalogues"] = list(s.catalogues)
    ss["alignment"] = s.alignment
    ss["base_year"] = s.base_year
    ss["horizon"] = (s.horizon[0], s.horizon[1])
    ss["objective"] = s.objective
    ss["discount"] = s.discount_rate * 100
    ss["npv_extra"] = s.npv_extra_years
    ss["use_pool"] = s.pool is not None
    ss["use_total"] = s.pool is None or s.pool.total is not None
    if s.pool is not None and s.pool.total is not None:
        ss["pool_mio"] = s.pool.total / 1000
        ss["pool_text"] = mio_text(s.pool.total / 1000)
    ss.pop("pool_slider", None)
    ss.pop("pool_text_error", None)
    ss["pool_applied"] = True  # checked against the limit before the pool widgets are drawn
    ss["seed_pool_years"] = {str(y): mio_text(a / 1000) for y, a in (s.pool.per_year.items() if s.pool else ())}
    ss["pool_covers"] = [c.value for c in s.pool_covers]
    ss["max_risk"] = s.max_risk or ""
    ss["use_share"] = s.max_risky_share is not None
    if s.max_risky_share is not None:
        ss["risky_share"] = s.max_risky_share * 100
    ss["haircut_lav"] = s.risk_haircut.lav * 100
    ss["haircut_middel"] = s.risk_haircut.middel * 100
    ss["haircut_hoej"] = s.risk_haircut.hoej * 100
    ss["max_payback"] = s.max_payback_years or 0
    ss["dependencies"] = s.dependencies
    ss["solver"] = s.solver
    ss["extend_permanent"] = s.extend_permanent
    ss["time_limit"] = float(s.time_limit)
    ss["mip_gap"] = round(s.mip_gap * 100, 10)
    ss["seed_price_index"] = {str(y): v for y, v in s.price_index.items()}
    apply_rules(s)
    apply_parties(s)
    ss.pop("price_index_read", None)
    for key in NUMBER_KEYS:  # the fields show the new values, and a pending typing error is gone
        ss.pop(key + TEXT, None)
    ss["seed_version"] = ss.get("seed_version", 0) + 1
