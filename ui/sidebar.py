"""The settings sidebar: reads widgets and turns them into a Scenario (core object)."""

from __future__ import annotations

import math

import pandas as pd
import streamlit as st

from portfolio import fmt
from portfolio.model import DataSet, Styring
from portfolio.scenario import Scenario

OBJECTIVES = {
    "net": "Nettoeffekt over horisonten",
    "permanent": "Varige besparelser over horisonten",
    "annual": "Varig årlig effekt i sidste år",
    "npv": "Nutidsværdi (diskonteret nettoeffekt)",
}
RISK_LIMITS = {"": "Ingen grænse", "lav": "Kun lav risiko", "middel": "Højst middel risiko", "høj": "Alle (også høj)"}
DEFAULT_POOL_MIO = 20.0


def parse_mio(text: str) -> float | None:
    """Parse a Danish amount in mio. kr. ('20', '20,5', '1.250,5'); None if not a number ≥ 0."""
    t = text.strip().replace(" ", "").replace("mio.kr.", "").replace("mio", "")
    if not t:
        return None
    if "," in t:
        t = t.replace(".", "").replace(",", ".")
    try:
        v = float(t)
    except ValueError:
        return None
    return v if v >= 0 and math.isfinite(v) else None


def _pool_options(max_mio: float) -> list[float]:
    top = max(5.0, math.ceil(max_mio))
    n = int(round(top / 0.5))
    return [round(i * 0.5, 1) for i in range(n + 1)]


def _sync_from_slider() -> None:
    st.session_state["pool_mio"] = st.session_state["pool_slider"]
    st.session_state["pool_text"] = fmt.tal(st.session_state["pool_slider"], 1)


def _sync_from_text() -> None:
    v = parse_mio(st.session_state["pool_text"])
    if v is None:
        st.session_state["pool_text_error"] = (
            f"'{st.session_state['pool_text']}' er ikke et beløb. Skriv fx 20 eller 20,5 (mio. kr.).")
        return
    st.session_state.pop("pool_text_error", None)
    st.session_state["pool_mio"] = v


def settings_sidebar(ds: DataSet, max_pool_mio: float) -> tuple[dict, list[str]]:
    """Draw the settings; return the scenario fields (JSON form, without choices) and Danish errors."""
    errors: list[str] = []
    sb = st.sidebar
    sb.header("Indstillinger")
    cat_names = {c.id: c.name for c in ds.catalogues}
    cats = sb.multiselect(
        "Kataloger", list(cat_names), default=["KK2020"], format_func=lambda c: cat_names[c], key="catalogues",
        help="Hvilke forslag der er med i forhandlingen. De to ældre business cases omregnes til basisårets p/l.")
    if not cats:
        errors.append("Vælg mindst ét katalog.")
        cats = ["KK2020"]
    older = [c for c in cats if c != "KK2020"]
    alignment = "forskudt"
    if older:
        alignment = sb.radio(
            "Ældre business cases placeres", ["forskudt", "kalender"], key="alignment",
            format_func=lambda a: {"forskudt": "Forskudt: deres første år = horisontens første år",
                                   "kalender": "I deres egne kalenderår"}[a],
            help="Forskudt betyder, at en ældre business case behandles, som om den blev vedtaget nu.")
    years_all = sorted(e.year for e in ds.price_index)
    base_year = sb.selectbox("Basisår for p/l", [y for y in years_all if 2017 <= y <= 2026], index=3,
                             key="base_year",
                             help="Alle beløb vises i dette års pris- og lønniveau (1.000 kr.).")
    horizon = sb.slider("Horisont", 2017, 2030, (2019, 2024), key="horizon",
                        help="De budgetår, som puljen, målet og nøgletallene gælder for.")
    objective = sb.radio("Mål for optimeringen", list(OBJECTIVES), format_func=OBJECTIVES.get, key="objective",
                         help="Hvad optimeringen maksimerer. Besparelser tæller positivt.")
    discount, extra = 0.035, 0
    if objective == "npv":
        discount = sb.number_input("Diskonteringsrente (%)", 0.0, 20.0, 3.5, 0.5, key="discount") / 100
        extra = int(sb.number_input("Ekstra år med varig effekt", 0, 50, 0, 1, key="npv_extra",
                                    help="Forlæng sidste års varige effekt så mange år efter horisonten."))

    sb.subheader("Investeringspulje")
    use_pool = sb.toggle("Begræns med en pulje", value=True, key="use_pool",
                         help="Implementeringsomkostningerne finansieres af investeringspuljen.")
    pool_json = None
    if use_pool:
        opts = _pool_options(max_pool_mio)
        if "pool_mio" not in st.session_state:
            st.session_state["pool_mio"] = DEFAULT_POOL_MIO
            st.session_state["pool_text"] = fmt.tal(DEFAULT_POOL_MIO, 1)
        cur = st.session_state["pool_mio"]
        nearest = min(opts, key=lambda o: abs(o - cur))
        if st.session_state.get("pool_slider") != nearest:
            st.session_state["pool_slider"] = nearest
        sb.select_slider("Pulje i alt (mio. kr.)", opts, key="pool_slider", on_change=_sync_from_slider,
                         format_func=lambda v: fmt.tal(v, 1),
                         help="Hele horisontens pulje. Træk, eller skriv det præcise beløb nedenfor.")
        sb.text_input("Præcist beløb (mio. kr.)", key="pool_text", on_change=_sync_from_text,
                      help="Fx 20 eller 20,5. Beløbet styrer optimeringen.")
        if st.session_state.get("pool_text_error"):
            sb.error(st.session_state["pool_text_error"])
        per_year: dict[str, float] = {}
        with sb.expander("Pulje pr. år (valgfrit)"):
            yrs = list(range(horizon[0], horizon[1] + 1))
            df = pd.DataFrame({"År": [str(y) for y in yrs], "Pulje (mio. kr.)": [""] * len(yrs)})
            edited = st.data_editor(df, key=f"pool_years_{horizon[0]}_{horizon[1]}", hide_index=True,
                                    disabled=["År"], num_rows="fixed", width="stretch",
                                    column_config={"Pulje (mio. kr.)": st.column_config.TextColumn(
                                        help="Tomt felt: ingen grænse for året.")})
            for y, text in zip(edited["År"], edited["Pulje (mio. kr.)"], strict=True):
                if text is None or not str(text).strip():
                    continue
                v = parse_mio(str(text))
                if v is None:
                    errors.append(f"Puljen for {y} ('{text}') er ikke et beløb. Skriv fx 3,5.")
                else:
                    per_year[y] = round(v * 1000, 3)
            st.caption("Beløb i mio. kr. Et tomt felt betyder ingen grænse for året.")
        pool_json = {"total": round(st.session_state["pool_mio"] * 1000, 3), "per_year": per_year}
    covers = sb.multiselect("Puljen dækker", [Styring.SERVICE.value, Styring.ANLAEG.value],
                            default=[Styring.SERVICE.value, Styring.ANLAEG.value], key="pool_covers",
                            help="Hvilke implementeringsomkostninger der skal finansieres af puljen.")
    if not covers:
        errors.append("Puljen skal dække mindst ét styringsområde.")
        covers = [Styring.SERVICE.value, Styring.ANLAEG.value]

    sb.subheader("Risiko")
    max_risk = sb.selectbox("Højeste tilladte risiko", list(RISK_LIMITS), format_func=RISK_LIMITS.get,
                            key="max_risk", help="Forslag med højere risiko (forslagets egen vurdering) kan ikke vælges.")
    share = None
    if sb.checkbox("Loft over andelen til risikable forslag", key="use_share",
                   help="Højst denne andel af den valgte investering må gå til forslag med middel eller høj risiko."):
        share = sb.slider("Højst andel til middel/høj risiko (%)", 0, 100, 50, 5, key="risky_share") / 100
    with sb.expander("Risikofradrag i målet (forventet værdi)"):
        st.caption("Andel af hver besparelse, der ikke regnes med i målet. Puljen påvirkes ikke.")
        hc = {r: st.number_input(f"Fradrag ved {r} risiko (%)", 0, 100, d, 5, key=f"haircut_{k}") / 100
              for r, k, d in (("lav", "lav", 0), ("middel", "middel", 0), ("høj", "hoej", 0))}

    sb.subheader("Øvrige regler")
    payback = sb.selectbox("Maksimal tilbagebetalingstid", [0, 1, 2, 3, 4, 5, 6, 8, 10],
                           format_func=lambda n: "Ingen grænse" if n == 0 else fmt.years_text(n), key="max_payback",
                           help="Forslag, der er længere om at tjene investeringen hjem, kan ikke vælges.")
    deps = sb.toggle("Respektér afhængigheder", value=True, key="dependencies",
                     help="Et forslag, der kræver et andet (fx HA08 kræver HA06), kan kun vælges sammen med det.")
    solver = sb.radio("Løser", ["highs", "cbc"], format_func={"highs": "HiGHS", "cbc": "CBC"}.get, key="solver",
                      horizontal=True, help="Begge finder det bevist optimale valg; HiGHS er hurtigst.")

    price_index: dict[str, float] = {}
    with sb.expander("Pris- og lønindeks"):
        entries = [e for e in ds.price_index if 2015 <= e.year <= 2030]
        df = pd.DataFrame({"År": [str(e.year) for e in entries], "Indeks": [e.index for e in entries],
                           "Antagelse": ["ja" if e.assumption else "nej" for e in entries]})
        edited = st.data_editor(df, key="price_index_editor", hide_index=True, disabled=["År", "Antagelse"],
                                num_rows="fixed", width="stretch",
                                column_config={"Indeks": st.column_config.NumberColumn(min_value=1.0, step=0.01)})
        for e, v in zip(entries, edited["Indeks"], strict=True):
            if v is None or not math.isfinite(float(v)) or float(v) <= 0:
                errors.append(f"Indekset for {e.year} skal være et tal over 0.")
            elif abs(float(v) - e.index) > 1e-9:
                price_index[str(e.year)] = float(v)
        st.caption("2020 = 100. Værdier markeret 'Antagelse' er ikke officielle tal (2,0 % om året); "
                   "ret dem til KL's pris- og lønskøn for serviceudgifter.")

    fields = {
        "catalogues": cats, "base_year": int(base_year), "horizon": [int(horizon[0]), int(horizon[1])],
        "objective": objective, "discount_rate": float(discount), "npv_extra_years": extra, "pool": pool_json,
        "pool_covers": covers, "max_risk": max_risk or None, "max_risky_share": share,
        "risk_haircut": hc, "max_payback_years": payback or None, "dependencies": bool(deps), "solver": solver,
        "alignment": alignment, "price_index": price_index,
    }
    return fields, errors


def scenario_from(fields: dict, force_in: list[str], force_out: list[str], pins: dict[str, str]) -> Scenario:
    return Scenario.from_json(fields | {"force_in": force_in, "force_out": force_out, "variants": pins})
