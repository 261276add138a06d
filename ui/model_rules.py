"""The sidebar section "Investeringsmodellens regler": the rules of a real investeringspulje.

* "Flere puljer" (`Scenario.pools`): named pools, each covering styringsområder or the
  innovation pool, with an amount in total and/or per year (a data editor of text cells read by
  `portfolio.fmt.parse_number`; mio. kr. here, 1.000 kr. in the scenario).
* "Besparelseskrav" (`Scenario.savings_targets`): at least an amount of savings in a year, on the
  måltal or all permanent changes, of one udvalg or all together.
* "Intet udvalgs måltal må stige" (`Scenario.no_maaltal_increase`) and "Selvfinansierende senest"
  (`Scenario.self_financing_by`).

Every entry is read from its widgets into the scenario's fields (`rules_section`) and written back
from a scenario into the widgets' state (`apply_rules`, called by `ui.sidebar.apply_scenario`), so
links, saved scenarios, undo/redo and repairs restore them. A bad cell gives a Danish message that
names its row and column, and the last valid settings stay in use (the caller's `errors`).
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from portfolio import fmt
from portfolio.fmt import NumberError
from portfolio.model import INNOVATION_POOL, DataSet, Styring
from portfolio.scenario import MAX_NAME_LENGTH, MAX_POOLS, MAX_TARGETS, Scenario

from .numbers import read_amount
from .text import md

COVER_NAMES: tuple[str, ...] = (*(s.value for s in Styring), INNOVATION_POOL)
NAME, COVERS, TOTAL = "Navn", "Dækker", "I alt (mio. kr.)"
YEAR, MIN, MEASURE, UDVALG = "År", "Mindst (mio. kr.)", "Mål", "Udvalg"
MEASURE_LABELS = {"maaltal": "Måltal (service)", "varig": "Alle varige ændringer"}
ALL_UDVALG = "Alle udvalg"
NO_SELF_FINANCING = 0  # the select's "Intet krav"
SUGGEST_MIN_POOL = ("Med et besparelseskrav kan målet være 'Mindst mulig investering fra puljerne': den billigste "
                    "vej til kravet.")
MIN_POOL_WITHOUT_TARGET = ("Uden et besparelseskrav er den billigste portefølje den tomme (ingen investering), "
                           "medmindre en regel kræver mere, fx et forslag, der er tvunget med.")
RULE_DEFAULTS: dict[str, object] = {"no_maaltal": False, "self_financing": NO_SELF_FINANCING}


def year_column(year: int | str) -> str:
    return f"{year} (mio. kr.)"


def _mio_text(amount_1000kr: float) -> str:
    return fmt.tal_exact(amount_1000kr / 1000, 6, min_decimals=1)


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, float) and value != value) or not str(value).strip()


def _text(value: object) -> str:
    return "" if _blank(value) else str(value).strip()


def name_problem(name: str, where: str, what: str) -> str | None:
    """The Danish message for a name cell that is empty, too long or not readable (None when fine);
    `what` says what to write ("puljens navn, fx drift")."""
    if not name:
        return f"{where}, kolonnen '{NAME}': skriv {what}."
    if len(name) > MAX_NAME_LENGTH:
        return f"{where}, kolonnen '{NAME}': navnet må højst have {MAX_NAME_LENGTH} tegn."
    if not name.isprintable():
        return f"{where}, kolonnen '{NAME}': navnet skal være en læsbar tekst."
    return None


def read_target(cells: dict[str, str], columns: tuple[str, str, str, str], where: str, years: list[int],
                udvalg: list[str], bad: list[str], what: str) -> dict[str, Any] | None:
    """A savings target's JSON (1.000 kr.) from a row's year, amount, measure and udvalg cells
    (`columns` names them), or None; each problem, naming row and column, goes to `bad`. `what` is
    the demand's word in the year's message ("kravet", "besparelseskravet")."""
    year_col, min_col, measure_col, udvalg_col = columns
    year = amount = None
    if not cells[year_col]:
        bad.append(f"{where}, kolonnen '{year_col}': vælg året, {what} gælder.")
    elif not cells[year_col].isdigit() or int(cells[year_col]) not in years:
        bad.append(f"{where}, kolonnen '{year_col}': {cells[year_col]} ligger uden for horisonten "
                   f"{years[0]}-{years[-1]}.")
    else:
        year = int(cells[year_col])
    if not cells[min_col]:
        bad.append(f"{where}, kolonnen '{min_col}': skriv den mindste besparelse i mio. kr., fx 20.")
    else:
        try:
            amount = round(read_amount(cells[min_col], f"{where}, kolonnen '{min_col}'") * 1000, 3)
        except NumberError as e:
            bad.append(str(e))
    measure = {label: m for m, label in MEASURE_LABELS.items()}.get(cells[measure_col] or MEASURE_LABELS["maaltal"])
    if measure is None:
        bad.append(f"{where}, kolonnen '{measure_col}': vælg {' eller '.join(MEASURE_LABELS.values())}.")
    who = cells[udvalg_col] or ALL_UDVALG
    if who != ALL_UDVALG and who not in udvalg:
        bad.append(f"{where}, kolonnen '{udvalg_col}': '{who}' er ikke et udvalg i de valgte kataloger; vælg "
                   f"{ALL_UDVALG} eller et af: {', '.join(udvalg)}.")
    if year is None or amount is None or measure is None:
        return None
    return {"year": year, "min": amount, "measure": measure, "udvalg": None if who == ALL_UDVALG else who}


def udvalg_names(ds: DataSet, catalogues: list[str]) -> list[str]:
    """The udvalg of the chosen catalogues' cash-flow lines (what a savings target may name)."""
    return sorted({ln.udvalg for c in ds.catalogues if c.id in catalogues for p in c.proposals for ln in p.lines})


# --- writing a scenario into the widgets ------------------------------------------------------------


def apply_rules(s: Scenario) -> None:
    """Put the scenario's investeringsmodel rules into the widgets' state (before they are drawn).
    The caller bumps ``seed_version`` so the editors start from these rows."""
    ss = st.session_state
    ss["seed_pools"] = [{"name": p.name, "covers": ", ".join(p.covers),
                         "total": "" if p.total is None else _mio_text(p.total),
                         "years": {str(y): _mio_text(a) for y, a in sorted(p.per_year.items())}} for p in s.pools]
    ss["seed_targets"] = [{"year": str(t.year), "min": _mio_text(t.min), "measure": MEASURE_LABELS[t.measure],
                           "udvalg": t.udvalg or ALL_UDVALG} for t in s.savings_targets]
    ss["no_maaltal"] = s.no_maaltal_increase
    ss["self_financing"] = s.self_financing_by or NO_SELF_FINANCING
    ss.pop("pools_content", None)
    ss.pop("targets_content", None)


def rules_set() -> bool:
    """Whether any of the section's rules is set (in the widgets' state): the section opens then."""
    ss = st.session_state
    return bool(ss.get("seed_pools") or ss.get("seed_targets") or ss.get("no_maaltal")
                or ss.get("self_financing") or _content_rows("pools_content") or _content_rows("targets_content"))


def _content_rows(key: str) -> list[dict]:
    content = st.session_state.get(key)
    return content[1] if content else []


def _follow_horizon(key: str, seed_key: str, horizon: tuple[int, int]) -> None:
    """When the horizon changed, the editor (whose key names the horizon) starts from what it held."""
    ss = st.session_state
    content = ss.get(key)
    if content is not None and content[0] != tuple(horizon):
        ss[seed_key] = content[1]
        ss.pop(key, None)


# --- reading the widgets ----------------------------------------------------------------------------


def _pools_editor(years: list[int], limit: float, invest: float, errors: list[str],
                  limit_text: Any) -> list[dict]:
    """The "Flere puljer" editor; returns the valid pools (JSON form, 1.000 kr.)."""
    ss = st.session_state
    seed = ss.get("seed_pools", [])
    cols = [NAME, COVERS, TOTAL, *(year_column(y) for y in years)]
    rows = [[r["name"], r["covers"], r["total"], *(r["years"].get(str(y), "") for y in years)] for r in seed]
    df = pd.DataFrame(rows, columns=cols, dtype="object")
    ver = ss.get("seed_version", 0)
    amount_help = "Beløb i mio. kr., fx 12 eller 3,5. Tomt felt: intet loft."
    config = {NAME: st.column_config.TextColumn(help="Puljens navn, fx drift, anlæg eller innovation.",
                                                max_chars=MAX_NAME_LENGTH, default=""),
              COVERS: st.column_config.TextColumn(
                  help="Hvad puljen dækker, adskilt med komma: Service, Overførsler, Efterspørgselsstyret, Anlæg "
                       "eller Innovationspulje (de investeringer, forslagene markerer til innovationspuljen). "
                       "Kommunens tre dele: drift = Service, anlæg = Anlæg, innovation = Innovationspulje.",
                  default=""),
              TOTAL: st.column_config.TextColumn(help="Puljen for hele horisonten. " + amount_help, default="")}
    config |= {year_column(y): st.column_config.TextColumn(help=f"Puljen i {y}. " + amount_help, default="")
               for y in years}
    edited = st.data_editor(df, key=f"pools_editor_{ver}_{years[0]}_{years[-1]}", hide_index=True,
                            num_rows="dynamic", width="stretch", column_config=config)
    st.caption("Beløb i mio. kr. Hver pulje dækker de valgte styringsområder (eller Innovationspulje); alle "
               "puljer gælder samtidig, også puljen ovenfor. Fx drift: Service, anlæg: Anlæg, innovation: "
               "Innovationspulje.")
    content: list[dict] = []
    pools: list[dict] = []
    problems: list[str] = []
    warnings: list[str] = []
    seen: dict[str, int] = {}
    allowed = {c.casefold(): c for c in COVER_NAMES}
    for n, rec in enumerate(edited.to_dict("records"), start=1):
        cells = {c: _text(rec.get(c)) for c in cols}
        if not any(cells.values()):
            continue
        content.append({"name": cells[NAME], "covers": cells[COVERS], "total": cells[TOTAL],
                        "years": {str(y): cells[year_column(y)] for y in years if cells[year_column(y)]}})
        where = f"Flere puljer, række {n}"
        bad: list[str] = []
        name = cells[NAME]
        problem = name_problem(name, where, "puljens navn, fx drift")
        if problem:
            bad.append(problem)
        elif name in seen:
            bad.append(f"{where}, kolonnen '{NAME}': navnet '{name}' står også i række {seen[name]}; giv "
                       "puljerne hver sit navn.")
        else:
            seen[name] = n
        covers: list[str] = []
        parts = [p.strip() for p in cells[COVERS].split(",")]
        if not cells[COVERS]:
            bad.append(f"{where}, kolonnen '{COVERS}': skriv, hvad puljen dækker, fx Service, Anlæg eller "
                       f"{INNOVATION_POOL}.")
        for part in parts if cells[COVERS] else ():
            cover = allowed.get(part.casefold())
            if cover is None:
                bad.append(f"{where}, kolonnen '{COVERS}': '{part}' kendes ikke; brug {', '.join(COVER_NAMES[:-1])} "
                           f"eller {COVER_NAMES[-1]}, adskilt med komma.")
            elif cover in covers:
                bad.append(f"{where}, kolonnen '{COVERS}': {cover} står flere gange.")
            else:
                covers.append(cover)
        label = f"'{name}'" if name else f"i række {n}"
        amounts: dict[str, float] = {}
        for col, key in ((TOTAL, "total"), *((year_column(y), str(y)) for y in years)):
            if not cells[col]:
                continue
            try:
                v = read_amount(cells[col], f"{where}, kolonnen '{col}'")
            except NumberError as e:
                bad.append(str(e))
                continue
            what = f"Puljen {label} {'i alt' if key == 'total' else 'for ' + key}"
            if v * 1000 > limit:
                bad.append(f"{what} på {fmt.tal_exact(v)} mio. kr. er for stor. {limit_text(limit, invest)}")
                continue
            amounts[key] = round(v * 1000, 3)
            if v * 1000 > invest + 1e-6:
                warnings.append(f"{what} på {fmt.tal_exact(v)} mio. kr. er større end alle forslagenes "
                                f"investeringer tilsammen ({fmt.mio(invest, 1)}), så den kan aldrig bruges op. Er "
                                "beløbet skrevet i mio. kr.?")
        if not amounts and not any(cells[c] for c in cols[2:]):
            bad.append(f"{where}: puljen {label} har intet beløb; skriv et beløb i '{TOTAL}' eller for et år.")
        if bad:
            problems += bad
            continue
        pools.append({"name": name, "covers": covers, "total": amounts.pop("total", None), "per_year": amounts})
    if len(pools) > MAX_POOLS:
        problems.append(f"Flere puljer: højst {MAX_POOLS} puljer (der er {len(pools)}).")
    ss["pools_content"] = ((years[0], years[-1]), content)
    for p in problems:
        st.error(md(p), icon=":material/error:")
    for w in warnings:
        st.warning(md(w), icon=":material/warning:")
    errors += problems
    return pools


def _targets_editor(years: list[int], udvalg: list[str], errors: list[str]) -> list[dict]:
    """The "Besparelseskrav" editor; returns the valid savings targets (JSON form, 1.000 kr.)."""
    ss = st.session_state
    seed = ss.get("seed_targets", [])
    cols = [YEAR, MIN, MEASURE, UDVALG]
    df = pd.DataFrame([[r["year"], r["min"], r["measure"], r["udvalg"]] for r in seed], columns=cols, dtype="object")
    ver = ss.get("seed_version", 0)
    config = {
        YEAR: st.column_config.SelectboxColumn(options=[str(y) for y in years], help="Året, kravet gælder."),
        MIN: st.column_config.TextColumn(help="Mindst så stor en besparelse i året, i mio. kr., fx 20 eller 2,5.",
                                         default=""),
        MEASURE: st.column_config.SelectboxColumn(
            options=list(MEASURE_LABELS.values()), default=MEASURE_LABELS["maaltal"],
            help="Måltal (service): de varige ændringer på service (udvalgenes måltal). Alle varige ændringer: "
                 "også overførsler, efterspørgselsstyret og anlæg."),
        UDVALG: st.column_config.SelectboxColumn(options=[ALL_UDVALG, *udvalg], default=ALL_UDVALG,
                                                 help="Et udvalgs krav, eller alle udvalg tilsammen."),
    }
    edited = st.data_editor(df, key=f"targets_editor_{ver}_{years[0]}_{years[-1]}", hide_index=True,
                            num_rows="dynamic", width="stretch", column_config=config)
    st.caption("Besparelser i mio. kr. som positive beløb, forslagenes egne tal (uden risikofradrag). Fx: mindst "
               "20 mio. kr. i 2021 for Socialudvalget.")
    content: list[dict] = []
    targets: list[dict] = []
    problems: list[str] = []
    seen: dict[tuple, int] = {}
    for n, rec in enumerate(edited.to_dict("records"), start=1):
        cells = {c: _text(rec.get(c)) for c in cols}
        if not cells[YEAR] and not cells[MIN]:
            continue
        content.append({"year": cells[YEAR], "min": cells[MIN], "measure": cells[MEASURE] or MEASURE_LABELS["maaltal"],
                        "udvalg": cells[UDVALG] or ALL_UDVALG})
        where = f"Besparelseskrav, række {n}"
        bad: list[str] = []
        target = read_target(cells, (YEAR, MIN, MEASURE, UDVALG), where, years, udvalg, bad, "kravet")
        key = (target["year"], target["measure"], target["udvalg"]) if target else None
        if not bad and key in seen:
            bad.append(f"{where}: samme år, mål og udvalg som række {seen[key]}; slå kravene sammen til ét.")
        if bad:
            problems += bad
            continue
        seen[key] = n
        targets.append(target)
    if len(targets) > MAX_TARGETS:
        problems.append(f"Besparelseskrav: højst {MAX_TARGETS} krav (der er {len(targets)}).")
    ss["targets_content"] = ((years[0], years[-1]), content)
    for p in problems:
        st.error(md(p), icon=":material/error:")
    errors += problems
    return targets


def rules_section(sb: Any, ds: DataSet, catalogues: list[str], horizon: tuple[int, int], limit: float,
                  invest: float, errors: list[str], limit_text: Any) -> dict[str, Any]:
    """Draw "Investeringsmodellens regler" in the sidebar `sb`; return the scenario's fields (JSON
    form): pools, savings_targets, no_maaltal_increase, self_financing_by. Problems go to `errors`.
    `limit`, `invest`: the pool limit and all proposals' investments (1.000 kr.); `limit_text` words them."""
    ss = st.session_state
    for k, v in RULE_DEFAULTS.items():
        ss.setdefault(k, v)
    h = (int(horizon[0]), int(horizon[1]))
    years = list(range(h[0], h[1] + 1))
    _follow_horizon("pools_content", "seed_pools", h)
    _follow_horizon("targets_content", "seed_targets", h)
    notice = None
    if ss["self_financing"] != NO_SELF_FINANCING and ss["self_financing"] not in years:
        notice = (f"Kravet om selvfinansiering senest {ss['self_financing']} ligger uden for horisonten "
                  f"{h[0]}-{h[1]} og er fjernet.")
        ss["self_financing"] = NO_SELF_FINANCING
    with sb.expander("Investeringsmodellens regler", expanded=rules_set() or notice is not None):
        st.caption("Investeringsmodellens egne regler: flere puljer (fx drift, anlæg og innovation), "
                   "besparelseskrav og selvfinansiering. Alle gælder samtidig med reglerne ovenfor.")
        st.markdown("**Flere puljer**")
        pools = _pools_editor(years, limit, invest, errors, limit_text)
        st.markdown("**Besparelseskrav**")
        targets = _targets_editor(years, udvalg_names(ds, catalogues), errors)
        no_rise = st.checkbox("Intet udvalgs måltal må stige", key="no_maaltal",
                              help="Porteføljen må ikke hæve noget udvalgs måltal (varige ændringer på service) i "
                                   "noget år i horisonten.")
        self_fin = st.selectbox("Selvfinansierende senest", [NO_SELF_FINANCING, *years], key="self_financing",
                                format_func=lambda y: "Intet krav" if y == NO_SELF_FINANCING else str(y),
                                help="Porteføljens akkumulerede nettoeffekt (varige ændringer plus investeringer, "
                                     "alle styringsområder) fra horisontens første år til og med året er højst 0.")
        if notice:
            st.warning(md(notice), icon=":material/warning:")
    return {"pools": pools, "savings_targets": targets, "no_maaltal_increase": bool(no_rise),
            "self_financing_by": None if self_fin == NO_SELF_FINANCING else int(self_fin)}


def objective_hint(objective: str, fields: dict[str, Any]) -> str | None:
    """A caption under the objective: min_pool suggested with a savings target, and what min_pool
    gives without one."""
    if fields.get("savings_targets") and objective != "min_pool":
        return SUGGEST_MIN_POOL
    if objective == "min_pool" and not fields.get("savings_targets"):
        return MIN_POOL_WITHOUT_TARGET
    return None
