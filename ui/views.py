"""Drawing the dashboard's parts. Each function reads core results and draws; no computation here
beyond arranging figures for display."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from portfolio import fmt
from portfolio.effects import MEASURE_LABELS
from portfolio.figures import investment, permanent, variant_figures
from portfolio.flows import Flows
from portfolio.keyfigures import KeyFigures
from portfolio.model import DataSet, Proposal
from portfolio.optimiser import CODE_LABELS, Code, Result
from portfolio.register import Discrepancy
from portfolio.scenario import OBJECTIVE_LABELS, Scenario
from portfolio.tables import tabel1

from . import charts
from .state import CHOICES, NO_PIN, NO_VARIANTS, OPTIMISE, Choices
from .text import md


def _delta(now: float, before: float | None) -> str | None:
    """Change since the previous portfolio, in mio. kr. (amounts are in 1.000 kr.)."""
    if before is None or abs(now - before) < 0.5:
        return None
    return f"{fmt.tal((now - before) / 1000, 1)} mio. kr."


def _count_delta(now: int, before: int | None) -> str | None:
    if before is None or now == before:
        return None
    return f"{now - before:+d} forslag"


def key_figures(kf: KeyFigures, prev: KeyFigures | None, n_in_scope: int, scenario: Scenario,
                objective: float | None = None) -> None:
    y0, y1 = kf.years[0], kf.years[-1]
    c = st.columns(6)
    mio = lambda x: fmt.tal(x / 1000, 1)  # noqa: E731
    c[0].metric(f"Nettoeffekt {y0}-{y1}, mio. kr.", mio(kf.net_total),
                _delta(kf.net_total, prev.net_total if prev else None), delta_color="inverse", border=True,
                help="Varige ændringer plus investeringer over horisonten. Besparelser er negative.")
    c[1].metric(f"Varig effekt {y1}, mio. kr.", mio(kf.annual_effect),
                _delta(kf.annual_effect, prev.annual_effect if prev else None), delta_color="inverse", border=True,
                help="Den varige årlige ændring i sidste år (fuldt indfaset). Besparelser er negative.")
    pool = kf.pool
    if pool.total_limit is not None:
        used = f"{mio(pool.total_used)} / {mio(pool.total_limit)}"
        share = f"{fmt.pct(pool.share_used)} brugt"
    else:
        used, share = mio(pool.total_used), "ingen pulje sat"
    c[2].metric("Brugt / pulje, mio. kr.", used, share, delta_color="off", delta_arrow="off", border=True,
                help="Implementeringsomkostninger, som puljen dækker, mod puljens størrelse.")
    c[3].metric("Forslag i porteføljen", f"{kf.n_proposals} af {n_in_scope}",
                _count_delta(kf.n_proposals, prev.n_proposals if prev else None), delta_color="off", border=True)
    c[4].metric("Tilbage\u00adbetalings\u00adtid", fmt.years_text(kf.payback), border=True,
                help="Første år, hvor porteføljens akkumulerede nettoeffekt er negativ (første horisontår = år 1).")
    mix = kf.risk_mix
    c[5].metric("Risiko: lav · middel · høj", f"{mix['lav']} · {mix['middel']} · {mix['høj']}", border=True,
                help="Antal valgte forslag pr. risikoniveau (forslagenes egen vurdering).")
    if pool.per_year_limit:
        parts = [f"{y}: {fmt.tal(pool.per_year_used[y])} af {fmt.tal(lim)}"
                 for y, lim in sorted(pool.per_year_limit.items())]
        st.caption("Pulje pr. år, brugt af grænse (1.000 kr.): " + " · ".join(parts))
    if objective is not None:
        # the maximised value (savings positive) in the product's sign: savings negative
        haircut = any(v > 0 for v in scenario.risk_haircut.by_rank())
        st.caption(f"Optimeringens mål: {OBJECTIVE_LABELS[scenario.objective].lower()}"
                   f"{' (forventet værdi efter risikofradrag)' if haircut else ''} = "
                   f"{fmt.tal(-objective / 1000, 1)} mio. kr. ({kf.price_level_year} p/l; besparelser negative).")
    st.caption(f"Nøgletal i mio. kr., tabeller i {fmt.unit(kf.price_level_year)}; besparelser er negative. "
               "Pilene viser ændringen siden sidste valg.")


def _horizon_totals(fl: Flows) -> tuple[float, float]:
    """Investment over the horizon and the permanent change in its last year."""
    return sum(investment(fl).values()), permanent(fl)[fl.years[-1]]


def proposal_rows(ds: DataSet, scope: list[Proposal], result: Result, ch: Choices,
                  flows: dict[tuple[str, str | None], Flows], prices: dict[str, str] | None = None,
                  core: dict[str, float] | None = None) -> pd.DataFrame:
    statuses = result.proposal_statuses()
    chosen = dict(result.selected)
    rows = []
    for p in scope:
        name = chosen.get(p.key, ch.pin.get(p.key, p.variants[0].name))
        v = next((x for x in p.variants if x.name == name), p.variants[0])
        inv, perm_last = _horizon_totals(flows[(v.key, v.name)])
        st_ = statuses.get(p.key)
        rows.append({
            "Nøgle": p.key,
            "Valg": ch.choice.get(p.key, OPTIMISE),
            "Variant": (ch.pin.get(p.key, NO_PIN) if p.has_variants else NO_VARIANTS),
            "Status": CODE_LABELS[st_.code] if st_ else "",
            **({"Pris for at skifte": prices.get(p.key, "")} if prices is not None else {}),
            **({"Kerneindeks": fmt.pct(core.get(p.key, 0.0))} if core is not None else {}),
            "Risiko": charts.RISK_ICON[p.risk.value],
            "Investering": fmt.tal(inv), "Varig effekt/år": fmt.tal(perm_last),
            "Tilbagebet.": fmt.years_text(variant_figures(v).payback),
            "Titel": p.title,
            "Begrundelse": st_.reason if st_ else "",
            "Område": p.section,
        })
    return pd.DataFrame(rows)


def proposals_table(df: pd.DataFrame, editor_key: str, variant_options: list[str], pl_year: int) -> None:
    st.caption(f"Investering og varig effekt over horisonten i {fmt.unit(pl_year)}. "
               "Skift 'Valg' for at tvinge et forslag med eller fra; optimeringen kører igen med det samme.")
    disabled = [c for c in df.columns if c not in ("Valg", "Variant")]
    styled = df.style.map(_risk_style, subset=["Risiko"]).map(_status_style, subset=["Status"])
    st.data_editor(
        styled, key=editor_key, hide_index=True, num_rows="fixed", disabled=disabled, width="stretch",
        column_config={
            "Valg": st.column_config.SelectboxColumn("Valg", options=list(CHOICES), required=True,
                                                     help="Optimér: optimeringen bestemmer. Med: tvunget med. "
                                                          "Ikke med: tvunget fra."),
            "Variant": st.column_config.SelectboxColumn("Variant", options=[NO_PIN, NO_VARIANTS, *variant_options],
                                                        help="For forslag med varianter (SI05): lås en variant."),
            "Titel": st.column_config.TextColumn("Titel", width="medium"),
            "Begrundelse": st.column_config.TextColumn("Begrundelse", width="large"),
        })


def _risk_style(text: str) -> str:
    level = text.split()[-1] if text else ""
    color = charts.RISK_COLOR.get(level)
    return f"color: {color}; font-weight: 600" if color else ""


def _status_style(text: str) -> str:
    if text in (CODE_LABELS[Code.CHOSEN], CODE_LABELS[Code.FORCED_IN]):
        return "background-color: #e3f1e5; font-weight: 600"
    if text == CODE_LABELS[Code.NO_SOLUTION]:
        return "background-color: #fbe3e3"
    return "color: #5a6470"


def udvalg_tab(kf: KeyFigures) -> None:
    eff = kf.effects
    years = list(kf.years)
    st.markdown(f"**Måltalseffekt (service) pr. udvalg**, {fmt.unit(kf.price_level_year)}")
    st.dataframe(_udvalg_frame(eff.table("maaltal"), years), hide_index=True, width="stretch")
    st.plotly_chart(charts.udvalg_chart(eff, "maaltal", "Måltalseffekt pr. udvalg og år", kf.price_level_year),
                    width="stretch", key="udvalg_chart")
    for measure in ("bevilling_service", "overfoersler", "efterspoergsel", "investering"):
        table = eff.table(measure)
        if not table or (measure == "bevilling_service" and table == eff.table("maaltal")):
            continue
        st.markdown(f"**{MEASURE_LABELS[measure]} pr. udvalg**")
        st.dataframe(_udvalg_frame(table, years), hide_index=True, width="stretch")
    perm_total = sum(kf.permanent_by_year.values())
    parts = sum(sum(eff.total(m).values()) for m in ("maaltal", "overfoersler", "efterspoergsel"))
    anl = sum(kf.permanent_by_styring.get("Anlæg", {}).values())
    st.caption(f"Afstemning: måltal + overførsler + efterspørgselsstyret {'+ varige anlægsændringer ' if anl else ''}"
               f"= {fmt.tal(parts + anl)}, som er porteføljens varige ændring over horisonten ({fmt.tal(perm_total)}).")


def _udvalg_frame(table: dict[str, dict[int, float]], years: list[int]) -> pd.DataFrame:
    rows = [{"Udvalg": u, **{str(y): fmt.tal(v[y]) for y in years}, "I alt": fmt.tal(sum(v[y] for y in years))}
            for u, v in sorted(table.items())]
    tot = {y: sum(v[y] for v in table.values()) for y in years}
    rows.append({"Udvalg": "I alt", **{str(y): fmt.tal(tot[y]) for y in years}, "I alt": fmt.tal(sum(tot.values()))})
    return pd.DataFrame(rows)


def economy_tab(kf: KeyFigures) -> None:
    st.plotly_chart(charts.economy_chart(kf), width="stretch", key="economy_chart")
    rows = []
    for st_name, vals in kf.investment_by_styring.items():
        rows.append({"Post": f"Investering, {st_name}", **{str(y): fmt.tal(vals[y]) for y in kf.years}})
    for st_name, vals in kf.permanent_by_styring.items():
        rows.append({"Post": f"Varig ændring, {st_name}", **{str(y): fmt.tal(vals[y]) for y in kf.years}})
    rows.append({"Post": "Nettoeffekt", **{str(y): fmt.tal(kf.net_by_year[y]) for y in kf.years}})
    rows.append({"Post": "Akkumuleret nettoeffekt", **{str(y): fmt.tal(kf.cumulative_net[y]) for y in kf.years}})
    if kf.pool.per_year_limit:
        rows.append({"Post": "Pulje pr. år", **{str(y): fmt.tal(kf.pool.per_year_limit.get(y)) if y in
                                                kf.pool.per_year_limit else "–" for y in kf.years}})
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    st.caption(fmt.unit(kf.price_level_year) + "; besparelser er negative.")


def map_tab(scope: list[Proposal], result: Result, flows: dict[tuple[str, str | None], Flows], pl_year: int) -> None:
    chosen = set(result.selected)
    pts = []
    for p in scope:
        for v in p.variants:
            inv, perm_last = _horizon_totals(flows[(v.key, v.name)])
            pts.append(charts.MapPoint(v.label, p.title, p.risk.value, inv, -perm_last, (v.key, v.name) in chosen,
                                       variant_figures(v).payback))
    st.plotly_chart(charts.map_chart(pts, pl_year), width="stretch", key="map_chart")
    st.caption("Fyldte figurer er valgt. Farve og form viser risiko: cirkel = lav, ruder = middel, trekant = høj.")


def proposal_view(ds: DataSet, scope: list[Proposal], register: list[Discrepancy]) -> None:
    labels = {v.label: v for p in scope for v in p.variants}
    pick = st.selectbox("Forslag", list(labels), key="proposal_view",
                        format_func=lambda k: f"{k} – {labels[k].proposal.title}")
    v = labels[pick]
    p = v.proposal
    st.subheader(f"{md(v.label)}: {md(p.title)}", anchor=False)
    if p.description.strip():
        st.markdown(md(p.description, lines=True))
    c = st.columns(3)
    c[0].markdown(f"**Risiko:** {charts.RISK_ICON[p.risk.value]}"
                  f"{'' if p.risk_explicit else ' (vores vurdering; dokumentet angiver ikke et niveau)'}  \n"
                  f"{md(p.risk_reason)}")
    req = ds.required_by(p.key)
    rel = [d for d in ds.dependencies if not d.required and p.key in (d.proposal_key, d.other_key)]
    c[1].markdown("**Afhængigheder:** " + (md(", ".join(f"kræver {k}" for k in req)) if req else "ingen krav")
                  + "".join(f"  \n– {md(d.note)}" for d in rel))
    c[2].markdown(f"**Katalog:** {md(ds.catalogue(p.catalogue).name)}  \n**Udvalg:** {md(', '.join(p.udvalg))}  \n"
                  f"**Søger fra:** {md(p.pool_applied or '–')}")
    t = tabel1(ds, v)
    st.markdown(f"**Tabel 1 – forslagets samlede økonomiske konsekvenser** ({fmt.unit(t.price_level_year)}, "
                "dokumentets egne år og p/l)")
    rows = []
    for r in t.rows:
        if r.kind == "header":
            rows.append({"Post": r.label.upper(), "Styringsområde": "", **{str(y): "" for y in t.years}})
        elif r.kind in ("line", "total"):
            rows.append({"Post": r.label, "Styringsområde": r.styring,
                         **{str(y): fmt.tal(r.values[y]) for y in t.years}})
            if r.kind == "total" and r.stated is not None and any(r.differs(y) for y in t.years):
                rows.append({"Post": "   …som dokumentet angiver det", "Styringsområde": "",
                             **{str(y): fmt.tal(r.stated.get(y)) + (" ≠" if r.differs(y) else "") for y in t.years}})
        else:
            stated = "–" if r.stated_number is None else fmt.years_text(r.stated_number)
            rows.append({"Post": r.label, "Styringsområde": "",
                         str(t.years[0]): f"beregnet {fmt.years_text(r.number)}, angivet {stated}",
                         **{str(y): "" for y in t.years[1:]}})
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    mine = [d for d in register if d.proposal_key == p.key and d.variant in (None, v.name)]
    notes = [n for n in ds.notes if n.proposal_key == p.key]
    if mine:
        st.markdown(f"**Afvigelser i dokumentet ({len(mine)})**")
        st.dataframe(register_frame(mine), hide_index=True, width="stretch")
    else:
        st.caption("Ingen afvigelser: dokumentets totaler stemmer med rækkerne.")
    for n in notes:
        st.info(md(f"{n.table}: {n.note}", lines=True))


def register_frame(items: list[Discrepancy]) -> pd.DataFrame:
    def show(x):
        return x if isinstance(x, str) or x is None else fmt.tal(x)
    return pd.DataFrame([{
        "Forslag": d.proposal_key, "Variant": d.variant or "", "Tabel": d.table, "Række": d.row, "År": d.year,
        "Angivet": show(d.stated), "Beregnet af rækkerne": show(d.computed),
        "Forskel": show(d.difference) if d.difference is not None else "", "Type": d.kind, "Note": d.note}
        for d in items])


def register_tab(ds: DataSet, register: list[Discrepancy]) -> None:
    st.markdown(f"**{len(register)} steder**, hvor et dokuments egne totaler, detailtabeller eller "
                "tilbagebetalingstider ikke stemmer med dets rækker. Tallene i værktøjet er rækkernes; "
                "intet er rettet. Beløb i 1.000 kr. i forslagets eget p/l.")
    kinds = sorted({d.kind for d in register})
    pick = st.multiselect("Vis typer", kinds, default=kinds, key="register_kinds")
    st.dataframe(register_frame([d for d in register if d.kind in pick]), hide_index=True, width="stretch")
    st.markdown("**Øvrige bemærkninger til dokumenterne**")
    st.dataframe(pd.DataFrame([{"Forslag": n.proposal_key, "Tabel/afsnit": n.table, "Bemærkning": n.note}
                               for n in ds.notes]), hide_index=True, width="stretch")


def infeasible(result: Result) -> None:
    st.error("**Ingen portefølje opfylder alle regler.** " + md(result.explanation or ""), icon=":material/block:")


def time_limit(result: Result) -> None:
    st.warning("Optimeringen stoppede ved tidsgrænsen; løsningen er den bedste fundet, men ikke bevist optimal.")

