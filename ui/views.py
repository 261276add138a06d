"""Drawing the dashboard's parts. Each function reads core results and draws; no computation here
beyond arranging figures for display."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import streamlit as st

from portfolio import fmt
from portfolio.effects import MEASURE_LABELS
from portfolio.figures import investment, permanent, variant_figures
from portfolio.flows import Flows
from portfolio.keyfigures import KeyFigures
from portfolio.model import DataSet, Proposal
from portfolio.optimiser import CODE_LABELS, Code, Result, RuleFigure, apply_patch
from portfolio.prices import KIND_ASSUMED, KIND_OES
from portfolio.register import KIND_PAYBACK, Discrepancy
from portfolio.scenario import (
    MINIMISED_OBJECTIVES,
    OBJECTIVE_LABELS,
    Scenario,
    ScenarioError,
    flow_settings,
)
from portfolio.tables import tabel1

from . import charts
from .state import CHOICES, NO_PIN, NO_VARIANTS, OPTIMISE, Choices
from .text import md

UNCHANGED = "±0"


def _delta(now: float, before: float | None) -> str | None:
    """Change since the previous portfolio, in mio. kr. (amounts are in 1.000 kr.)."""
    if before is None:
        return None
    if abs(now - before) < 0.5:
        return f"{UNCHANGED} mio. kr."
    return f"{'+' if now > before else ''}{fmt.tal((now - before) / 1000, 1)} mio. kr."


def _count_delta(now: int, before: int | None, unit: str = "forslag") -> str | None:
    if before is None:
        return None
    return f"{UNCHANGED} {unit}" if now == before else f"{now - before:+d} {unit}"


def _payback_delta(now: int | None, before: int | None, had_before: bool) -> str | None:
    if not had_before:
        return None
    if now == before:
        return f"{UNCHANGED} år"
    if now is None or before is None:
        return f"før: {fmt.years_text(before)}"
    return f"{now - before:+d} år"


def _mix_delta(now: dict[str, int], before: dict[str, int] | None) -> str | None:
    if before is None:
        return None
    parts = [f"{r} {now[r] - before.get(r, 0):+d}" for r in now if now[r] != before.get(r, 0)]
    return " · ".join(parts) if parts else f"{UNCHANGED} forslag"


def _arrow(delta: str | None) -> str:
    return "off" if delta is None or delta.startswith(UNCHANGED) else "auto"


def key_figures(kf: KeyFigures, prev: KeyFigures | None, n_in_scope: int, scenario: Scenario,
                objective: float | None = None, rule_figures: Sequence[RuleFigure] = ()) -> None:
    """The six key figures in mio. kr. (1 decimal), each with its change since the previous
    portfolio (with its unit) once there has been a change."""
    y0, y1 = kf.years[0], kf.years[-1]
    c = st.columns(6)
    mio = lambda x: fmt.tal(x / 1000, 1)  # noqa: E731
    d = _delta(kf.net_total, prev.net_total if prev else None)
    c[0].metric(f"Nettoeffekt {y0}-{y1}, mio. kr.", mio(kf.net_total), d,
                delta_color="off" if _arrow(d) == "off" else "inverse", delta_arrow=_arrow(d), border=True,
                help="Varige ændringer plus investeringer over horisonten. Besparelser er negative.")
    d = _delta(kf.annual_effect, prev.annual_effect if prev else None)
    c[1].metric(f"Varig effekt {y1}, mio. kr. (besparelse negativ)", mio(kf.annual_effect), d,
                delta_color="off" if _arrow(d) == "off" else "inverse", delta_arrow=_arrow(d), border=True,
                help="Den varige årlige ændring i sidste år (fuldt indfaset). Besparelser er negative.")
    pool = kf.pool
    if pool.total_limit is not None:
        used = f"{mio(pool.total_used)} / {mio(pool.total_limit)}"
        share = f"{fmt.pct(pool.share_used)} brugt"
    else:
        used, share = mio(pool.total_used), "ingen pulje sat"
    d = _delta(pool.total_used, prev.pool.total_used if prev else None)
    c[2].metric("Brugt / pulje, mio. kr.", used, share if d is None else f"{d} ({share})", delta_color="off",
                delta_arrow="off", border=True,
                help="Implementeringsomkostninger, som puljen dækker, mod puljens størrelse. Ændringen er "
                     "den brugte del.")
    d = _count_delta(kf.n_proposals, prev.n_proposals if prev else None)
    c[3].metric("Forslag i porteføljen", f"{kf.n_proposals} af {n_in_scope}", d, delta_color="off",
                delta_arrow=_arrow(d), border=True)
    d = _payback_delta(kf.payback, prev.payback if prev else None, prev is not None)
    c[4].metric("Tilbage\u00adbetalings\u00adtid", fmt.years_text(kf.payback), d, delta_color="off",
                delta_arrow=_arrow(d), border=True,
                help="Første år, hvor porteføljens akkumulerede nettoeffekt er negativ (første horisontår = år 1).")
    mix = kf.risk_mix
    d = _mix_delta(mix, prev.risk_mix if prev else None)
    c[5].metric("Risiko: lav · middel · høj", f"{mix['lav']} · {mix['middel']} · {mix['høj']}", d,
                delta_color="off", delta_arrow="off", border=True,
                help="Antal valgte forslag pr. risikoniveau (forslagenes egen vurdering).")
    if pool.per_year_limit:
        parts = [f"{y}: {fmt.tal(pool.per_year_used[y] / 1000, 2)} af {fmt.tal(lim / 1000, 2)}"
                 for y, lim in sorted(pool.per_year_limit.items())]
        st.caption("Pulje pr. år, brugt af grænse (mio. kr.): " + " · ".join(parts))
    if objective is not None:
        # the maximised value (savings positive) in the product's sign: savings negative; min_pool
        # is the pool investment itself (positive)
        haircut = any(v > 0 for v in scenario.risk_haircut.by_rank()) and scenario.objective not in MINIMISED_OBJECTIVES
        sign = "investering fra puljerne" if scenario.objective in MINIMISED_OBJECTIVES else "besparelser negative"
        st.caption(f"Optimeringens mål: {OBJECTIVE_LABELS[scenario.objective].lower()}"
                   f"{' (forventet værdi efter risikofradrag)' if haircut else ''} = "
                   f"{fmt.tal(fmt.shown_objective(objective) / 1000, 1)} mio. kr. "
                   f"({kf.price_level_year} p/l; {sign}).")
    if rule_figures:
        st.caption(md("Reglernes beløb, porteføljen mod grænsen (" + fmt.mio_unit(kf.price_level_year) + "): "
                      + " · ".join(rule_room_text(f) for f in rule_figures)))
    st.caption(f"Alle beløb i {fmt.mio_unit(kf.price_level_year)}; besparelser er negative. "
               "Ændringerne under tallene er i forhold til porteføljen før den seneste ændring.")
    if kf.conversions:
        st.caption(md(conversions_text(kf)))


def rule_room_text(f: RuleFigure) -> str:
    """One rule on an amount with the portfolio's value and the room left, in the product's sign:
    "puljen 'drift' i alt (12,0 mio. kr.): brugt 9,40 (luft 2,60)"; a savings target's amount is a saving,
    so negative: "Socialudvalgets krav …: besparelse -30,73 (luft 10,73)"."""
    what, value = f.shown
    return f"{f.label}: {what} {fmt.tal(value / 1000, TABLE_DECIMALS)} (luft {fmt.tal(f.slack / 1000, TABLE_DECIMALS)})"


def conversions_text(kf: KeyFigures) -> str:
    """Which index and which years converted the proposals in another p/l (computed from the data):
    'BC17-FIT: omregnet fra 2017 p/l til 2020 p/l med Økonomistyrelsens … (2018–2020: 1,9 %, …)'."""
    parts = []
    for c in kf.conversions:
        keys = ", ".join(c.keys) if len(c.keys) <= 5 else f"{len(c.keys)} forslag"
        parts.append(f"{keys}: omregnet {c.conversion.phrase()}.")
    kinds = {s.kind for c in kf.conversions for s in c.conversion.steps} | {k for c in kf.conversions
                                                                            for k in c.conversion.kinds}
    if KIND_OES in kinds:
        parts.append("Økonomistyrelsens tal er statens indeks, ikke KL's kommunale service-PL; KL's tal kan "
                     "indtastes under 'Pris- og lønindeks' og bruges så i stedet.")
    if KIND_ASSUMED in kinds:
        parts.append("Stigninger markeret som antaget er ikke offentliggjorte tal.")
    return " ".join(parts)


def short_title(title: str, limit: int = 48) -> str:
    """A proposal title cut at a word boundary for one-line lists ('Peer-to-Peer familier i …')."""
    t = " ".join(title.split())
    if len(t) <= limit:
        return t
    words = t[:limit + 1].split(" ")[:-1] or [t[:limit]]
    while len(words) > 1 and words[-1].lower() in _SMALL_WORDS:
        words.pop()
    return " ".join(words).rstrip(" ,.;:-–") + " …"


_SMALL_WORDS = {"i", "af", "og", "til", "for", "med", "ved", "på", "om", "en", "et", "de", "den", "det", "-", "–", "ifm."}


def portfolio_line(kf: KeyFigures, selected: list[tuple[str, str | None]], titles: dict[str, str],
                   last_valid: bool = False) -> None:
    """The recommended portfolio in one plain line: keys, short titles and its figures."""
    y0, y1 = kf.years[0], kf.years[-1]
    head = "Sidste mulige portefølje" if last_valid else "Anbefalet portefølje"
    pool = kf.pool
    used = fmt.mio(pool.total_used) + (f" af {fmt.mio(pool.total_limit)}" if pool.total_limit is not None else "")
    figs = (f"{kf.n_proposals} forslag · nettoeffekt {y0}-{y1} {fmt.mio(kf.net_total)} · varig effekt {y1} "
            f"{fmt.mio(kf.annual_effect)} (besparelse negativ) · investering fra puljen {used}")
    items = [f"{k}{f' ({v})' if v else ''} {short_title(titles.get(k, ''))}" for k, v in selected]
    st.markdown(f"**{head}** ({md(figs)}): " + (md("; ".join(items)) if items else "ingen forslag"))


def change_line(text: str | None) -> None:
    if text:
        st.caption("Seneste ændring: " + md(text))


def _horizon_totals(fl: Flows) -> tuple[float, float]:
    """Investment over the horizon and the permanent change in its last year."""
    return sum(investment(fl).values()), permanent(fl)[fl.years[-1]]


IN_CONFLICT = "Årsag til konflikten"
NOT_IN_CONFLICT = "Ikke berørt af konflikten"
INVESTMENT_COL = "Investering (mio. kr.)"
PERMANENT_COL = "Varig effekt/år (mio. kr.; besparelse negativ)"


def conflict_keys(result: Result) -> set[str]:
    """The proposals named by the rules that make the scenario infeasible: those in the minimal
    conflicts and those the verified repairs change (forced in or out, pinned, dependencies)."""
    rules = [r for c in result.conflicts for r in c.rules] + [r for rep in result.repairs for r in rep.rules]
    keys = set()
    for r in rules:
        if r.kind in ("force_in", "force_out", "pinned", "dependency") and r.key:
            keys.add(r.key)
        if r.kind == "dependency" and r.other:
            keys.add(r.other)
    return keys


def proposal_rows(ds: DataSet, scope: list[Proposal], result: Result, ch: Choices,
                  flows: dict[tuple[str, str | None], Flows], prices: dict[str, str] | None = None,
                  core: dict[str, float] | None = None) -> pd.DataFrame:
    statuses = result.proposal_statuses()
    chosen = dict(result.selected)
    infeasible = result.status == "infeasible"
    culprits = conflict_keys(result) if infeasible else set()
    rows = []
    for p in scope:
        name = chosen.get(p.key, ch.pin.get(p.key, p.variants[0].name))
        v = next((x for x in p.variants if x.name == name), p.variants[0])
        inv, perm_last = _horizon_totals(flows[(v.key, v.name)])
        st_ = statuses.get(p.key)
        label, reason = (CODE_LABELS[st_.code], st_.reason) if st_ else ("", "")
        if culprits and st_ and st_.code == Code.NO_SOLUTION:
            if p.key in culprits:
                label = IN_CONFLICT
            else:
                label = NOT_IN_CONFLICT
                reason = "Forslagets valg er ikke en del af konflikten; det får en status, når reglerne kan opfyldes."
        rows.append({
            "Nøgle": p.key,
            "Valg": ch.choice.get(p.key, OPTIMISE),
            "Variant": (ch.pin.get(p.key, NO_PIN) if p.has_variants else NO_VARIANTS),
            "Status": label,
            **({"Pris for at skifte": prices.get(p.key, "")} if prices is not None else {}),
            **({"Kerneindeks": fmt.pct(core.get(p.key, 0.0))} if core is not None else {}),
            "Risiko": charts.RISK_ICON[p.risk.value],
            INVESTMENT_COL: _m(inv), PERMANENT_COL: _m(perm_last),
            "Tilbagebet.": fmt.years_text(variant_figures(v).payback),
            "Titel": p.title,
            "Begrundelse": reason,
            "Område": p.section,
        })
    return pd.DataFrame(rows)


def proposals_table(df: pd.DataFrame, editor_key: str, variant_options: list[str], pl_year: int) -> None:
    st.caption(f"Investering over horisonten og varig effekt i sidste år i {fmt.mio_unit(pl_year)}; besparelser "
               "er negative. Skift 'Valg' for at tvinge et forslag med eller fra; optimeringen kører igen med det "
               "samme.")
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
            INVESTMENT_COL: st.column_config.TextColumn(INVESTMENT_COL, help="Implementeringsomkostninger over "
                                                        "horisonten, alle styringsområder."),
            PERMANENT_COL: st.column_config.TextColumn(PERMANENT_COL, help="Den varige ændring i horisontens "
                                                       "sidste år. Besparelser er negative."),
            "Titel": st.column_config.TextColumn("Titel", width="medium"),
            "Begrundelse": st.column_config.TextColumn("Begrundelse", width="large"),
        })


CONFLICT_STYLE = "background-color: #fbe3e3; color: #8a1c1c; font-weight: 600"


def _risk_style(text: str) -> str:
    level = text.split()[-1] if text else ""
    color = charts.RISK_COLOR.get(level)
    return f"color: {color}; font-weight: 600" if color else ""


def _status_style(text: str) -> str:
    if text in (CODE_LABELS[Code.CHOSEN], CODE_LABELS[Code.FORCED_IN]):
        return "background-color: #e3f1e5; font-weight: 600"
    if text == IN_CONFLICT:
        return CONFLICT_STYLE
    return "color: #5a6470"


TABLE_DECIMALS = 2  # mio. kr. in the portfolio's tables (10.000 kr.)
DOCUMENT_DECIMALS = 3  # mio. kr. where a document's own figures are compared: its exact 1.000 kr.


def _m(x: float | None, decimals: int = TABLE_DECIMALS) -> str:
    """An amount in 1.000 kr. as mio. kr. text without the unit (the header or caption names it)."""
    if x is None:
        return fmt.tal(None)
    v = x / 1000
    return fmt.tal(0.0 if round(v, decimals) == 0 else v, decimals)


def udvalg_tab(kf: KeyFigures) -> None:
    eff = kf.effects
    years = list(kf.years)
    unit = fmt.mio_unit(kf.price_level_year)
    st.markdown(f"**Måltalseffekt (service) pr. udvalg**, {unit}; besparelser er negative")
    st.dataframe(_udvalg_frame(eff.table("maaltal"), years), hide_index=True, width="stretch")
    st.plotly_chart(charts.udvalg_chart(eff, "maaltal", "Måltalseffekt pr. udvalg og år", kf.price_level_year),
                    width="stretch", key="udvalg_chart")
    for measure in ("bevilling_service", "overfoersler", "efterspoergsel", "investering"):
        table = eff.table(measure)
        if not table or (measure == "bevilling_service" and table == eff.table("maaltal")):
            continue
        st.markdown(f"**{MEASURE_LABELS[measure]} pr. udvalg**, {unit}")
        st.dataframe(_udvalg_frame(table, years), hide_index=True, width="stretch")
    perm_total = sum(kf.permanent_by_year.values())
    parts = sum(sum(eff.total(m).values()) for m in ("maaltal", "overfoersler", "efterspoergsel"))
    anl = sum(kf.permanent_by_styring.get("Anlæg", {}).values())
    st.caption(f"Afstemning: måltal + overførsler + efterspørgselsstyret {'+ varige anlægsændringer ' if anl else ''}"
               f"= {fmt.mio(parts + anl, TABLE_DECIMALS)}, som er porteføljens varige ændring over horisonten "
               f"({fmt.mio(perm_total, TABLE_DECIMALS)}; besparelse negativ).")


def _udvalg_frame(table: dict[str, dict[int, float]], years: list[int]) -> pd.DataFrame:
    rows = [{"Udvalg": u, **{str(y): _m(v[y]) for y in years}, "I alt": _m(sum(v[y] for y in years))}
            for u, v in sorted(table.items())]
    tot = {y: sum(v[y] for v in table.values()) for y in years}
    rows.append({"Udvalg": "I alt", **{str(y): _m(tot[y]) for y in years}, "I alt": _m(sum(tot.values()))})
    return pd.DataFrame(rows)


def economy_tab(kf: KeyFigures) -> None:
    st.plotly_chart(charts.economy_chart(kf), width="stretch", key="economy_chart")
    st.markdown(f"**Økonomi pr. år**, {fmt.mio_unit(kf.price_level_year)}; besparelser er negative")
    rows = []
    for st_name, vals in kf.investment_by_styring.items():
        rows.append({"Post": f"Investering, {st_name}", **{str(y): _m(vals[y]) for y in kf.years}})
    for st_name, vals in kf.permanent_by_styring.items():
        rows.append({"Post": f"Varig ændring, {st_name} (besparelse negativ)",
                     **{str(y): _m(vals[y]) for y in kf.years}})
    rows.append({"Post": "Nettoeffekt", **{str(y): _m(kf.net_by_year[y]) for y in kf.years}})
    rows.append({"Post": "Akkumuleret nettoeffekt", **{str(y): _m(kf.cumulative_net[y]) for y in kf.years}})
    if kf.pool.per_year_limit:
        rows.append({"Post": "Pulje pr. år", **{str(y): _m(kf.pool.per_year_limit.get(y)) if y in
                                                kf.pool.per_year_limit else "–" for y in kf.years}})
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")


def map_tab(scope: list[Proposal], result: Result, flows: dict[tuple[str, str | None], Flows], pl_year: int) -> None:
    chosen = set(result.selected)
    pts = []
    for p in scope:
        for v in p.variants:
            inv, perm_last = _horizon_totals(flows[(v.key, v.name)])
            pts.append(charts.MapPoint(v.label, p.title, p.risk.value, inv, perm_last, (v.key, v.name) in chosen,
                                       variant_figures(v).payback))
    st.plotly_chart(charts.map_chart(pts, pl_year), width="stretch", key="map_chart")
    st.caption("Fyldte figurer er valgt. Farve og form viser risiko: cirkel = lav, ruder = middel, trekant = høj.")


def proposal_view(ds: DataSet, scope: list[Proposal], register: list[Discrepancy], scenario: Scenario) -> None:
    """One proposal in the shape of its Tabel 1. `scenario` (the one on screen) gives the base p/l
    and the index its figures are converted with elsewhere in the dashboard."""
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
    st.markdown(f"**Tabel 1 – forslagets samlede økonomiske konsekvenser** ({fmt.mio_unit(t.price_level_year)}, "
                "dokumentets egne år og p/l; besparelser er negative). Tre decimaler, så dokumentets hele "
                "1.000 kr. står præcist.")
    if scenario is not None and p.price_level_year != scenario.base_year:
        try:
            index = flow_settings(ds, scenario).index
        except ScenarioError:
            index = None
        if index is not None:
            how = index.conversion(p.price_level_year, scenario.base_year).phrase()
            st.caption(md(f"Tabellen står i dokumentets eget {p.price_level_year} p/l. I porteføljen, nøgletallene "
                          f"og de øvrige visninger er beløbene omregnet {how}."))
    rows = []
    for r in t.rows:
        if r.kind == "header":
            rows.append({"Post": r.label.upper(), "Styringsområde": "", **{str(y): "" for y in t.years}})
        elif r.kind in ("line", "total"):
            rows.append({"Post": r.label, "Styringsområde": r.styring,
                         **{str(y): _m(r.values[y], DOCUMENT_DECIMALS) for y in t.years}})
            if r.kind == "total" and r.stated is not None and any(r.differs(y) for y in t.years):
                rows.append({"Post": "   …som dokumentet angiver det", "Styringsområde": "",
                             **{str(y): _m(r.stated.get(y), DOCUMENT_DECIMALS) + (" ≠" if r.differs(y) else "")
                                for y in t.years}})
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
        st.caption(REGISTER_UNITS)
        st.dataframe(register_frame(mine), hide_index=True, width="stretch")
    else:
        st.caption("Ingen afvigelser: dokumentets totaler stemmer med rækkerne.")
    for n in notes:
        st.info(md(f"{n.table}: {n.note}", lines=True))


def register_frame(items: list[Discrepancy]) -> pd.DataFrame:
    """The register for people: amounts in mio. kr. with three decimals (the documents' exact
    1.000 kr.), paybacks in years."""
    def show(x, kind: str) -> str:
        if isinstance(x, str) or x is None:
            return x or ""
        if kind == KIND_PAYBACK:
            return fmt.years_text(round(x))
        return _m(x, DOCUMENT_DECIMALS)
    return pd.DataFrame([{
        "Forslag": d.proposal_key, "Variant": d.variant or "", "Tabel": d.table, "Række": d.row, "År": d.year,
        "Angivet": show(d.stated, d.kind), "Beregnet af rækkerne": show(d.computed, d.kind),
        "Forskel": show(d.difference, d.kind) if d.difference is not None else "", "Type": d.kind, "Note": d.note}
        for d in items])


def register_tab(ds: DataSet, register: list[Discrepancy]) -> None:
    st.markdown(f"**{len(register)} steder**, hvor et dokuments egne totaler, detailtabeller eller "
                "tilbagebetalingstider ikke stemmer med dets rækker. Tallene i værktøjet er rækkernes; "
                "intet er rettet.")
    st.caption(REGISTER_UNITS)
    kinds = sorted({d.kind for d in register})
    pick = st.multiselect("Vis typer", kinds, default=kinds, key="register_kinds")
    st.dataframe(register_frame([d for d in register if d.kind in pick]), hide_index=True, width="stretch")
    st.markdown("**Øvrige bemærkninger til dokumenterne**")
    st.dataframe(pd.DataFrame([{"Forslag": n.proposal_key, "Tabel/afsnit": n.table, "Bemærkning": n.note}
                               for n in ds.notes]), hide_index=True, width="stretch")


REGISTER_UNITS = ("Beløb i mio. kr. med tre decimaler (dokumentets hele 1.000 kr.) i forslagets eget p/l; "
                  "besparelser er negative. Tilbagebetalingstider i år.")


def _conflict_text(result: Result) -> str:
    """The conflicts in words (the verified repairs are drawn separately, with their buttons)."""
    cs = result.conflicts
    if not cs:
        return (result.explanation or "").split("\nÆndringer, der er afprøvet")[0]
    if len(cs) == 1:
        return cs[0].text
    return "\n".join(f"Konflikt {n}: {c.text}" for n, c in enumerate(cs, start=1))


def _use_repair(scenario_json: dict, patch: dict) -> None:
    """Button callback: the scenario with the repair's fields replaced goes into the widgets and the
    choices (as an adopted alternative does), and the table is shown."""
    st.session_state["pending_scenario"] = apply_patch(scenario_json, keep_colours(scenario_json, patch))
    st.session_state["view"] = "Forslag"


def keep_colours(scenario_json: dict, patch: dict) -> dict:
    """A repair that changes the parties' demands keeps each party's colour (a colour is no rule, so
    the repair's ``parties`` do not carry it)."""
    if "parties" not in patch:
        return patch
    colours = {p.get("name"): p.get("colour") for p in scenario_json.get("parties", [])}
    return {**patch, "parties": [{**p, "colour": p.get("colour", colours.get(p.get("name")))}
                                 for p in patch["parties"]]}


def infeasible(result: Result, scenario: Scenario | None = None, titles: dict[str, str] | None = None) -> None:
    """The optimiser's explanation, and each verified repair with the portfolio and objective it gives
    and a button that applies it."""
    st.error("**Ingen portefølje opfylder alle regler.** " + md(_conflict_text(result), lines=True),
             icon=":material/block:")
    if not result.repairs or scenario is None:
        return
    titles = titles or {}
    label = OBJECTIVE_LABELS[scenario.objective].lower()
    sign = "investering fra puljerne" if scenario.objective in MINIMISED_OBJECTIVES else "besparelse negativ"
    with st.container(border=True, key="repairs"):
        st.markdown("**Ændringer, der er afprøvet og giver en løsning** (hver er den mindste ændring, der "
                    "virker; beløb i " + fmt.mio_unit(scenario.base_year) + ")")
        for n, rep in enumerate(result.repairs, start=1):
            items = [f"{k}{f' ({v})' if v else ''} {short_title(titles.get(k, ''), 32)}" for k, v in rep.selected]
            shown = fmt.mio(fmt.shown_objective(rep.objective))
            c1, c2 = st.columns([5, 1.4], vertical_alignment="center")
            c1.markdown(f"{n}. **{md(rep.text)}**  \nMål ({md(label)}): {shown} ({sign}) · "
                        f"portefølje med {len(items)} forslag: " + (md("; ".join(items)) if items else "ingen forslag"))
            c2.button("Brug denne løsning", key=f"repair_{n}", on_click=_use_repair,
                      args=(scenario.to_json(), rep.scenario_patch), type="primary" if n == 1 else "secondary",
                      help="Sætter indstillingerne og valgene til denne løsning. Kan fortrydes.")


def not_proven(result: Result) -> None:
    """The warning above the key figures when the portfolio is not proven optimal (stopped at the
    time limit or at the allowed gap): how far from the best it may be, and the proven bound."""
    st.warning(md(result.gap_text() or "Optimeringen stoppede ved tidsgrænsen; løsningen er den bedste fundet, men "
                  "ikke bevist optimal."), icon=":material/warning:")

