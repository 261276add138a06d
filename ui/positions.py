"""The negotiation: the parties' positions in the sidebar, and the view "Forhandling".

* The sidebar section "Forhandling: partiernes krav" (`parties_section`) is a data editor with one
  row per party (`Scenario.parties`): name, colour, the proposals it requires ("Kræver") and rejects
  ("Afviser"), a pool cap in mio. kr. and a savings demand (year, at least an amount, måltal or all
  permanent changes, one udvalg or all). A further row with the same name adds another savings
  demand to that party. It is read into the scenario's ``parties`` and written back from a scenario
  into the widgets (`apply_parties`, called by `ui.sidebar.apply_scenario`), so links, saved
  scenarios, undo/redo and the repair and concession buttons restore the positions. A bad cell gets
  a Danish message naming its row and column; the last valid scenario stays in use.
* Every demand is a rule of the scenario, so the dashboard's optimisation of the scenario is the
  common ground: its key figures, views, explanation and repairs are the agreement's. The view
  (`negotiation_view`) adds the positions table (parties as columns, proposals as rows), the price
  of each demand and of each party (`portfolio.negotiation.negotiate`), and, when the demands
  conflict, which parties clash and the verified concessions, each with a button that applies it.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd
import streamlit as st

from portfolio import fmt
from portfolio.fmt import NumberError
from portfolio.model import DataSet, Proposal
from portfolio.negotiation import Concession, Negotiation, negotiate
from portfolio.optimiser import Result, apply_patch
from portfolio.optimiser.rules import capitalised, join_names, party_name
from portfolio.scenario import (
    MAX_NAME_LENGTH,
    MAX_PARTIES,
    MINIMISED_OBJECTIVES,
    OBJECTIVE_LABELS,
    Scenario,
)

from . import charts, state
from .model_rules import ALL_UDVALG, MEASURE_LABELS, name_problem, read_target, udvalg_names
from .numbers import read_amount
from .text import md, plotly_text
from .views import short_title

SECTION = "Forhandling: partiernes krav"
VIEW = "Forhandling"
NAME, COLOUR, MUST, NEVER, CAP = "Navn", "Farve", "Kræver", "Afviser", "Puljeloft (mio. kr.)"
T_YEAR, T_MIN, T_MEASURE, T_UDVALG = "Besparelseskrav år", "Mindst (mio. kr.)", "Mål", "Udvalg"
COLUMNS = (NAME, COLOUR, MUST, NEVER, CAP, T_YEAR, T_MIN, T_MEASURE, T_UDVALG)
FILLED = (NAME, COLOUR, MUST, NEVER, CAP, T_YEAR, T_MIN)  # a row with none of these is empty
# a few named colours for the parties (the scenario holds "#rrggbb")
COLOURS: dict[str, str] = {"Rød": "#c0392b", "Blå": "#1f5fa8", "Grøn": "#2e7d32", "Gul": "#d4a600",
                           "Orange": "#e67e22", "Lilla": "#7b3fa0", "Lyseblå": "#4aa3df", "Pink": "#d63384",
                           "Brun": "#8d5524", "Grå": "#6b7280", "Sort": "#222222"}
_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")
REQUIRES, REJECTS, OPEN = "Kræver", "Afviser", "Åben"
IN_AGREEMENT, NOT_IN_AGREEMENT, NO_AGREEMENT = "Med", "Ikke med", "Ingen aftale endnu"
STATUS_COL = "Fælles grundlag"
EPS = 0.5  # 1.000 kr.: a price below this costs nothing


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, float) and value != value) or not str(value).strip()


def _text(value: object) -> str:
    return "" if _blank(value) else str(value).strip()


def _mio_text(amount_1000kr: float) -> str:
    return fmt.tal_exact(amount_1000kr / 1000, 6, min_decimals=1)


def colour_label(colour: str | None) -> str:
    """The editor's text for a colour: its name when it is one of `COLOURS`, else "#rrggbb"."""
    if colour is None:
        return ""
    return next((name for name, hex_ in COLOURS.items() if hex_.lower() == colour.lower()), colour)


def party_heading(name: str) -> str:
    """A party as a column heading: 'Parti A' (a name that says 'Parti …' stays as it is)."""
    return capitalised(party_name(name))


def party_columns(names: list[str]) -> dict[str, str]:
    """Each party's column in the positions table: its heading, numbered where two headings would be
    the same ('A' and 'Parti A' are both 'Parti A')."""
    out: dict[str, str] = {}
    taken = {"Nøgle", "Titel", STATUS_COL}
    for name in names:
        heading, n = party_heading(name), 1
        while heading in taken:
            n += 1
            heading = f"{party_heading(name)} ({n})"
        taken.add(heading)
        out[name] = heading
    return out


# --- writing a scenario into the widgets ------------------------------------------------------------


def party_rows(s: Scenario) -> list[dict[str, str]]:
    """The editor's rows of a scenario's parties: one per party, and one more (same name, only the
    savings columns) for each further savings demand."""
    rows: list[dict[str, str]] = []
    for p in s.parties:
        for i, t in enumerate(p.savings_targets or (None,)):
            first = i == 0
            rows.append({
                NAME: p.name, COLOUR: colour_label(p.colour) if first else "",
                MUST: ", ".join(p.must) if first else "", NEVER: ", ".join(p.never) if first else "",
                CAP: _mio_text(p.max_pool) if first and p.max_pool is not None else "",
                T_YEAR: str(t.year) if t else "", T_MIN: _mio_text(t.min) if t else "",
                T_MEASURE: MEASURE_LABELS[t.measure] if t else MEASURE_LABELS["maaltal"],
                T_UDVALG: (t.udvalg or ALL_UDVALG) if t else ALL_UDVALG})
    return rows


def apply_parties(s: Scenario) -> None:
    """Put the scenario's parties into the editor's state (before it is drawn). The caller
    (`ui.sidebar.apply_scenario`) bumps ``seed_version`` so the editor starts from these rows."""
    ss = st.session_state
    ss["seed_parties"] = party_rows(s)
    ss.pop("parties_content", None)


def parties_set(editor_key: str | None = None) -> bool:
    """Whether any party is entered (in the widgets' state, or being typed into the editor
    `editor_key`): the section opens then."""
    ss = st.session_state
    content = ss.get("parties_content")
    typed = ss.get(editor_key) if editor_key else None
    return bool(ss.get("seed_parties") or (content and content[1])
                or (isinstance(typed, dict) and (typed.get("added_rows") or typed.get("edited_rows"))))


# --- reading the widgets ----------------------------------------------------------------------------


def _keys(cell: str, column: str, where: str, known: dict[str, str], bad: list[str]) -> list[str]:
    """The proposal keys of a "Kræver"/"Afviser" cell (comma separated, any case)."""
    out: list[str] = []
    for part in (p.strip() for p in cell.split(",")):
        if not part:
            continue
        key = known.get(part.casefold())
        if key is None:
            examples = ", ".join(list(known.values())[:3])
            bad.append(f"{where}, kolonnen '{column}': '{part}' er ikke et forslag i de valgte kataloger; skriv "
                       f"forslagenes nøgler adskilt med komma, fx {examples}.")
        elif key in out:
            bad.append(f"{where}, kolonnen '{column}': {key} står flere gange.")
        else:
            out.append(key)
    return out


def _colour(cell: str, where: str, bad: list[str]) -> str | None:
    if not cell:
        return None
    if cell in COLOURS:
        return COLOURS[cell]
    if _HEX.match(cell):
        return cell.lower()
    bad.append(f"{where}, kolonnen '{COLOUR}': '{cell}' er ikke en farve; vælg {', '.join(COLOURS)} (eller "
               "skriv #rrggbb).")
    return None


def _read_row(cells: dict[str, str], where: str, known: dict[str, str], years: list[int], udvalg: list[str],
              limit: float, limit_text: Any, invest: float, bad: list[str]) -> dict[str, Any]:
    """One row's fields (JSON form, 1.000 kr.); problems go to `bad`."""
    name = cells[NAME]
    problem = name_problem(name, where, "partiets navn, fx A")
    if problem:
        bad.append(problem)
    row: dict[str, Any] = {"name": name, "colour": _colour(cells[COLOUR], where, bad),
                           "must": _keys(cells[MUST], MUST, where, known, bad),
                           "never": _keys(cells[NEVER], NEVER, where, known, bad), "max_pool": None, "target": None}
    if cells[CAP]:
        try:
            v = read_amount(cells[CAP], f"{where}, kolonnen '{CAP}'")
        except NumberError as e:
            bad.append(str(e))
        else:
            if v * 1000 > limit:
                bad.append(f"{where}, kolonnen '{CAP}': puljeloftet på {fmt.tal_exact(v)} mio. kr. er for stort. "
                           f"{limit_text(limit, invest)}")
            else:
                row["max_pool"] = round(v * 1000, 3)
    if cells[T_YEAR] or cells[T_MIN]:
        row["target"] = read_target(cells, (T_YEAR, T_MIN, T_MEASURE, T_UDVALG), where, years, udvalg, bad,
                                    "besparelseskravet")
    return row


def _merge(rows: list[tuple[int, dict[str, Any]]], problems: list[str]) -> list[dict[str, Any]]:
    """The parties of the read rows: rows with the same name are one party (each further row adds
    its savings demand, and what else it names). Problems go to `problems`."""
    parties: dict[str, dict[str, Any]] = {}
    first: dict[str, int] = {}
    for n, row in rows:
        where = f"Forhandling, række {n}"
        name = row["name"]
        p = parties.get(name)
        if p is None:
            first[name] = n
            p = parties[name] = {"name": name, "colour": row["colour"], "must": [], "never": [],
                                 "max_pool": row["max_pool"], "savings_targets": []}
        else:
            if row["colour"] and p["colour"] and row["colour"] != p["colour"]:
                problems.append(f"{where}, kolonnen '{COLOUR}': {party_name(name)} har en anden farve i række "
                                f"{first[name]}; giv partiet én farve.")
            p["colour"] = p["colour"] or row["colour"]
            if row["max_pool"] is not None and p["max_pool"] is not None:
                problems.append(f"{where}, kolonnen '{CAP}': {party_name(name)} har også et puljeloft i række "
                                f"{first[name]}; giv partiet ét puljeloft.")
            elif row["max_pool"] is not None:
                p["max_pool"] = row["max_pool"]
        p["must"] += [k for k in row["must"] if k not in p["must"]]
        p["never"] += [k for k in row["never"] if k not in p["never"]]
        t = row["target"]
        if t is not None:
            same = [o for o in p["savings_targets"] if (o["year"], o["measure"], o["udvalg"]) ==
                    (t["year"], t["measure"], t["udvalg"])]
            if same:
                problems.append(f"{where}: {party_name(name)} har allerede et besparelseskrav for {t['year']} med "
                                "samme mål og udvalg; slå kravene sammen til ét.")
            else:
                p["savings_targets"].append(t)
        both = [k for k in p["must"] if k in p["never"]]
        if both:
            problems.append(f"{where}: {party_name(name)} både kræver og afviser {join_names(both)}; et parti kan "
                            f"ikke begge dele. Fjern {'nøglen' if len(both) == 1 else 'nøglerne'} fra "
                            f"'{MUST}' eller '{NEVER}'.")
            p["never"] = [k for k in p["never"] if k not in both]
    return list(parties.values())


def _follow_horizon(horizon: tuple[int, int]) -> None:
    """When the horizon changed, the editor (whose key names the horizon) starts from what it held."""
    ss = st.session_state
    content = ss.get("parties_content")
    if content is not None and content[0] != tuple(horizon):
        ss["seed_parties"] = content[1]
        ss.pop("parties_content", None)


def parties_section(sb: Any, ds: DataSet, catalogues: list[str], horizon: tuple[int, int], limit: float,
                    invest: float, errors: list[str], limit_text: Any) -> list[dict[str, Any]]:
    """Draw "Forhandling: partiernes krav" in the sidebar `sb`; return the scenario's ``parties``
    (JSON form, 1.000 kr.). Problems go to `errors` (and are shown next to the editor)."""
    ss = st.session_state
    h = (int(horizon[0]), int(horizon[1]))
    years = list(range(h[0], h[1] + 1))
    _follow_horizon(h)
    udvalg = udvalg_names(ds, catalogues)
    known = {p.key.casefold(): p.key for c in ds.catalogues if c.id in catalogues for p in c.proposals}
    seed = ss.get("seed_parties", [])
    extra_colours = sorted({r[COLOUR] for r in seed if r.get(COLOUR) and r[COLOUR] not in COLOURS})
    key = f"parties_editor_{ss.get('seed_version', 0)}_{h[0]}_{h[1]}"
    with sb.expander(SECTION, expanded=parties_set(key)):
        st.caption("Ét parti pr. række: forslag, det kræver og afviser (nøgler adskilt med komma, fx BU09, TV01), "
                   "et puljeloft og et besparelseskrav. Alle krav gælder sammen med reglerne ovenfor, så den "
                   "anbefalede portefølje er det fælles grundlag; se visningen 'Forhandling'.")
        df = pd.DataFrame([[r.get(c, "") for c in COLUMNS] for r in seed], columns=list(COLUMNS), dtype="object")
        amount_help = "Beløb i mio. kr., fx 20 eller 3,5."
        config = {
            NAME: st.column_config.TextColumn(help="Partiets navn, fx A eller Socialdemokratiet. En ny række med "
                                                   "samme navn giver partiet endnu et besparelseskrav.",
                                              max_chars=MAX_NAME_LENGTH, default=""),
            COLOUR: st.column_config.SelectboxColumn(options=[*COLOURS, *extra_colours],
                                                     help="Partiets farve i visningen 'Forhandling' (valgfri)."),
            MUST: st.column_config.TextColumn(help="Forslag, partiet kræver med: nøgler adskilt med komma, fx "
                                                   "BU09, TV01.", default=""),
            NEVER: st.column_config.TextColumn(help="Forslag, partiet ikke vil have: nøgler adskilt med komma, fx "
                                                    "HA02.", default=""),
            CAP: st.column_config.TextColumn(help="Det højeste beløb, partiet vil bruge af puljen over horisonten "
                                                  "(de investeringer, puljen dækker). " + amount_help + " Tomt felt: "
                                                  "intet loft.", default=""),
            T_YEAR: st.column_config.SelectboxColumn(options=[str(y) for y in years],
                                                     help="Året, partiets besparelseskrav gælder (valgfrit)."),
            T_MIN: st.column_config.TextColumn(help="Mindst så stor en besparelse i året, som et positivt beløb. "
                                                    + amount_help, default=""),
            T_MEASURE: st.column_config.SelectboxColumn(
                options=list(MEASURE_LABELS.values()), default=MEASURE_LABELS["maaltal"],
                help="Måltal (service): de varige ændringer på service. Alle varige ændringer: også overførsler, "
                     "efterspørgselsstyret og anlæg."),
            T_UDVALG: st.column_config.SelectboxColumn(options=[ALL_UDVALG, *udvalg], default=ALL_UDVALG,
                                                       help="Et udvalgs besparelse, eller alle udvalg tilsammen."),
        }
        edited = st.data_editor(df, key=key, hide_index=True,
                                num_rows="dynamic", width="stretch", column_config=config)
        st.caption("Beløb i mio. kr.; et besparelseskrav er et positivt beløb (forslagenes egne tal, uden "
                   "risikofradrag). Fx: parti A kræver BU09 og afviser HA02; parti B vil højst bruge 20 mio. kr. af "
                   "puljen.")
        content: list[dict[str, str]] = []
        rows: list[tuple[int, dict[str, Any]]] = []
        problems: list[str] = []
        for n, rec in enumerate(edited.to_dict("records"), start=1):
            cells = {c: _text(rec.get(c)) for c in COLUMNS}
            if not any(cells[c] for c in FILLED):
                continue
            content.append(cells)
            bad: list[str] = []
            row = _read_row(cells, f"Forhandling, række {n}", known, years, udvalg, limit, limit_text, invest, bad)
            if bad:
                problems += bad
                continue
            rows.append((n, row))
        parties = _merge(rows, problems)
        if len(parties) > MAX_PARTIES:
            problems.append(f"Forhandling: højst {MAX_PARTIES} partier (der er {len(parties)}).")
        ss["parties_content"] = (h, content)
        for p in problems:
            st.error(md(p), icon=":material/error:")
    errors += problems
    return parties


# --- the view ---------------------------------------------------------------------------------------


@st.cache_data(show_spinner=False, max_entries=64)
def negotiation_cached(scenario_key: str, ds_token: str, _ds: DataSet) -> Negotiation:
    """The negotiation of the scenario's parties (common ground, prices, concessions)."""
    return negotiate(_ds, Scenario.from_json(scenario_key), cache=state.instance_cache_for(_ds, ds_token))


def price_text(delta: float | None, minimised: bool, without: str = "uden kravet") -> str:
    """A demand's (or a party's) price as the change in the shown objective if it were dropped:
    '-1,20 mio. kr. (større besparelse uden kravet)'. `delta` is the core's (reported objective
    without minus with, 1.000 kr.); for min_pool it is the pool investment's change."""
    if delta is None:
        return "–"
    if abs(delta) < EPS:
        return f"Koster intet (samme mål {without})"
    if minimised:  # the pool investment itself: dropping a demand lowers it (a negative change)
        return f"{charts.signed_mio(delta, plus=True)} ({'mindre' if delta < 0 else 'mere'} investering fra puljerne " \
               f"{without})"
    return f"{charts.signed_mio(fmt.shown_objective(delta), plus=True)} " \
           f"({'større' if delta > 0 else 'mindre'} besparelse {without})"


def objective_text(reported: float | None, minimised: bool) -> str:
    """A reported objective (savings positive; min_pool: the pool investment) as people read it."""
    if reported is None:
        return "ingen aftale"
    return charts.signed_mio(reported if minimised else fmt.shown_objective(reported), 1)


def merged_parties(scenario_json: dict[str, Any], positions_patch: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The scenario JSON with each party's changed fields (a concession's `positions_patch`) merged
    into that party's JSON; its other fields (the colour, say) stay."""
    parties = [{**p, **positions_patch.get(p["name"], {})} for p in scenario_json.get("parties", [])]
    return apply_patch(scenario_json, {"parties": parties})


def _use_concession(scenario_json: dict[str, Any], positions_patch: dict[str, dict[str, Any]]) -> None:
    """Button callback: the scenario with the concession goes into the widgets (as a repair does)."""
    st.session_state["pending_scenario"] = merged_parties(scenario_json, positions_patch)
    st.session_state["view"] = VIEW


def _legend(scenario: Scenario) -> None:
    swatches = []
    for p in scenario.parties:
        dot = (f'<span style="display:inline-block;width:0.85em;height:0.85em;border-radius:2px;'
               f'background:{p.colour};margin-right:0.3em;vertical-align:-0.1em"></span>' if p.colour else "")
        swatches.append(f'<span style="margin-right:1.2em">{dot}{plotly_text(party_heading(p.name))}</span>')
    st.html('<div class="parties-legend">' + "".join(swatches) + "</div>")


def position_rows(scope: list[Proposal], scenario: Scenario, result: Result) -> pd.DataFrame:
    """Parties as columns, proposals as rows (those a party names first): 'Kræver' / 'Afviser' / 'Åben'
    per party, and whether the proposal is in the common ground's portfolio."""
    chosen = dict(result.selected)
    named = {k for party in scenario.parties for k in (*party.must, *party.never)}
    columns = party_columns([party.name for party in scenario.parties])
    rows = []
    for p in sorted(scope, key=lambda p: p.key not in named):  # the proposals with demands first
        row: dict[str, str] = {"Nøgle": p.key, "Titel": p.title}
        for party in scenario.parties:
            row[columns[party.name]] = (REQUIRES if p.key in party.must else
                                              REJECTS if p.key in party.never else OPEN)
        if not result.solved:
            row[STATUS_COL] = NO_AGREEMENT
        elif p.key in chosen:
            row[STATUS_COL] = IN_AGREEMENT + (f" ({chosen[p.key]})" if chosen[p.key] else "")
        else:
            row[STATUS_COL] = NOT_IN_AGREEMENT
        rows.append(row)
    return pd.DataFrame(rows)


def _position_style(text: str) -> str:
    if text == REQUIRES:
        return "background-color: #e3f1e5; color: #1d5a2a; font-weight: 600"
    if text == REJECTS:
        return "background-color: #fbe3e3; color: #8a1c1c; font-weight: 600"
    if text.startswith(IN_AGREEMENT + " ") or text == IN_AGREEMENT:
        return "font-weight: 600"
    return "color: #5a6470"


def clash_lines(neg: Negotiation) -> list[str]:
    """Which parties' demands clash, one line per conflict of the common ground."""
    out = []
    for group in neg.clashing:
        if len(group) > 1:
            out.append(f"{capitalised(join_names([party_name(p) for p in group]))}: deres krav kan ikke opfyldes "
                       "samtidig.")
        elif group:
            out.append(f"{party_heading(group[0])}: kravene kan ikke opfyldes sammen med de øvrige regler.")
        else:
            out.append("Scenariets egne regler kan ikke opfyldes samtidig (ingen partiers krav er med i konflikten).")
    return out


def _concessions(neg: Negotiation, scenario: Scenario, titles: dict[str, str]) -> None:
    minimised = neg.minimised
    label = OBJECTIVE_LABELS[scenario.objective].lower()
    sign = "investering fra puljerne" if minimised else "besparelse negativ"
    with st.container(border=True, key="concessions"):
        st.markdown("**Indrømmelser, der er afprøvet og giver en aftale** (hver er den mindste, der virker; beløb "
                    f"i {fmt.mio_unit(scenario.base_year)})")
        for n, c in enumerate(neg.concessions, start=1):
            _concession(n, c, scenario, titles, label, sign, minimised)


def _concession(n: int, c: Concession, scenario: Scenario, titles: dict[str, str], label: str, sign: str,
                minimised: bool) -> None:
    items = [f"{k}{f' ({v})' if v else ''} {short_title(titles.get(k, ''), 32)}" for k, v in c.selected]
    who = join_names([party_heading(p) for p in c.parties])
    c1, c2 = st.columns([5, 1.6], vertical_alignment="center")
    c1.markdown(f"{n}. **{md(c.text)}**  \nIndrømmer: {md(who)} · mål ({md(label)}): "
                f"{md(objective_text(c.objective, minimised))} ({sign}) · portefølje med {len(items)} forslag: "
                + (md("; ".join(items)) if items else "ingen forslag"))
    c2.button("Brug denne indrømmelse", key=f"concession_{n}", on_click=_use_concession,
              args=(scenario.to_json(), c.positions_patch), type="primary" if n == 1 else "secondary",
              help="Ændrer partiernes krav til denne indrømmelse; nøgletallene viser så aftalen. Kan fortrydes.")


def price_rows(neg: Negotiation) -> pd.DataFrame:
    """The price of each demand: party, the demand in words, the change in the shown objective if it
    were dropped, and the objective then."""
    return pd.DataFrame([{"Parti": party_heading(d.party), "Krav": capitalised(d.label),
                          "Pris: ændring uden kravet (mio. kr.)": price_text(d.delta, neg.minimised),
                          "Mål uden kravet (mio. kr.)": objective_text(d.objective_after, neg.minimised)}
                         for d in neg.price_of_demand], dtype="object")


def party_price_rows(neg: Negotiation) -> pd.DataFrame:
    return pd.DataFrame([{"Parti": party_heading(name),
                          "Pris: ændring uden partiets krav (mio. kr.)":
                              price_text(neg.price_of_party.get(name), neg.minimised, "uden partiets krav")}
                         for name in neg.parties], dtype="object")


def _download(ds: DataSet, scenario: Scenario, neg: Negotiation) -> None:
    from portfolio.export import agreement_html  # noqa: PLC0415 - the export loads only when it is used

    st.download_button("Aftale til udskrift (HTML)", agreement_html(ds, scenario, neg), file_name="aftale.html",
                       mime="text/html", key="agreement_html",
                       help="Den aftalte portefølje, hvert partis krav og tallene, klar til at skrive ud eller gemme "
                            "som PDF fra browseren.")


def negotiation_view(ds: DataSet, ds_token: str, scenario: Scenario, scope: list[Proposal],
                     titles: dict[str, str]) -> None:
    """The view "Forhandling" for the scenario on screen (its parties' demands are its rules)."""
    if not scenario.parties:
        st.info(f"Ingen partier endnu. Skriv partiernes krav i sidepanelet under '{SECTION}': hvad hvert parti "
                "kræver med og afviser, et puljeloft og et besparelseskrav. Det fælles grundlag er så den bedste "
                "portefølje, der opfylder alle kravene.", icon=":material/handshake:")
        return
    neg = negotiation_cached(scenario.cache_key(), ds_token, ds)
    minimised = scenario.objective in MINIMISED_OBJECTIVES
    label = OBJECTIVE_LABELS[scenario.objective].lower()
    sign = "investering fra puljerne" if minimised else "besparelse negativ"
    unit = fmt.mio_unit(scenario.base_year)
    _legend(scenario)
    res = neg.result
    if res.solved:
        st.success(md(f"Fælles grundlag: den bedste portefølje, der opfylder alle {len(neg.parties)} partiers krav, "
                      f"har {len(res.selected)} forslag; mål ({label}) {objective_text(neg.objective, minimised)} "
                      f"({scenario.base_year} p/l; {sign}). Nøgletallene ovenfor er aftalens."),
                   icon=":material/handshake:")
    else:
        st.error("**Partiernes krav kan ikke opfyldes samtidig.**\n" + "\n".join(
            f"- {md(line)}" for line in clash_lines(neg)), icon=":material/block:")
        if neg.summary:
            st.markdown(md(neg.summary))
        if neg.concessions:
            _concessions(neg, scenario, titles)
        else:
            st.warning("Der er ikke fundet en indrømmelse, der giver en aftale inden for tidsgrænsen; lemp "
                       "scenariets egne regler (se forklaringen ovenfor).", icon=":material/warning:")
    st.markdown("**Partiernes krav pr. forslag**")
    df = position_rows(scope, scenario, res)
    party_cols = list(party_columns([p.name for p in scenario.parties]).values())
    st.dataframe(df.style.map(_position_style, subset=[*party_cols, STATUS_COL]), hide_index=True,
                 width="stretch", key="positions_table",
                 column_config={"Titel": st.column_config.TextColumn("Titel", width="medium")})
    st.caption(f"'{REQUIRES}': partiet kræver forslaget med; '{REJECTS}': partiet vil ikke have det; '{OPEN}': "
               f"intet krav. '{STATUS_COL}': med i den bedste portefølje, der opfylder alle partiers krav.")
    st.markdown(f"**Prisen for hvert krav** ({unit}; {sign})")
    st.dataframe(price_rows(neg), hide_index=True, width="stretch", key="demand_prices")
    st.markdown("**Prisen for hvert parti** (alle partiets krav droppet)")
    st.dataframe(party_price_rows(neg), hide_index=True, width="stretch", key="party_prices")
    if res.solved:
        st.caption(f"Prisen er, hvor meget målet ({label}) forbedres, hvis kravet (eller alle partiets krav) blev "
                   "droppet, alt andet lige: hver er en bevist optimal løsning. Vist som ændringen i "
                   + ("investeringen fra puljerne." if minimised else "nettoeffekten; en negativ ændring er en "
                                                                       "større besparelse."))
    else:
        st.caption("Priserne kan beregnes, når kravene kan opfyldes samtidig (brug en indrømmelse ovenfor). "
                   "'Mål uden kravet' viser, om der findes en aftale, hvis netop det krav droppes.")
    _download(ds, scenario, neg)
