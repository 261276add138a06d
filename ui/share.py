"""Export, saved scenarios, comparison and catalogue upload (the shell around portfolio/export,
storage, compare and upload)."""

from __future__ import annotations

import hashlib
import logging
import math
from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

import pandas as pd
import streamlit as st

from portfolio import fmt
from portfolio.compare import (
    FIGURE_UNITS,
    amount_text,
    compare,
    settings_differences,
)
from portfolio.data import DataError, default_data_dir, read_csv_dir
from portfolio.export import economy_csv, scenario_json, selected_csv, workbook_bytes
from portfolio.model import DataSet
from portfolio.optimiser import Result
from portfolio.scenario import Scenario, ScenarioError
from portfolio.storage import SavedScenario, ScenarioStore, StorageError, check_against
from portfolio.upload import (
    UploadError,
    merge_catalogue,
    read_upload,
    template_csv_zip,
    template_xlsx,
)
from portfolio.urlstate import HORIZON_SLIDER_RANGE, share_link

from . import state
from .text import md, md_list

LOG = logging.getLogger("investeringsportefolje")
T = TypeVar("T")
STORE_DOWN = ("Databasen med gemte scenarier kan ikke bruges lige nu. Resten af dashboardet virker som "
              "før; prøv igen senere. Fejlen er skrevet i serverens log.")
UPLOAD_FAILED = ("Filen kunne ikke læses. Kontrollér, at det er en udfyldt skabelon (Excel, CSV eller zip), "
                 "og prøv igen. Fejlen er skrevet i serverens log.")


@st.cache_resource(show_spinner=False)
def store() -> ScenarioStore:
    return ScenarioStore()


class _StoreFailed(Exception):
    """A store call failed; the message is Danish plain text for the user."""


def _stored(call: Callable[[ScenarioStore], T]) -> T:
    """Run a call on the scenario store. Every failure becomes `_StoreFailed` with Danish words: the
    store's own `StorageError` text, or (for anything else, which is logged) a general message."""
    try:
        return call(store())
    except StorageError as e:
        raise _StoreFailed(str(e)) from e
    except Exception as e:  # noqa: BLE001 - a broken database must not take the dashboard down
        LOG.exception("The saved-scenario store failed")
        raise _StoreFailed(STORE_DOWN) from e


def _stamp() -> str:
    return datetime.now().strftime("%Y-%m-%d_%H%M")


def export_section(ds: DataSet, scenario: Scenario, result: Result, prices: dict | None,
                   ds_token: str | None = None) -> None:
    st.subheader("Eksportér porteføljen")
    if not result.solved:
        st.info("Der er ingen gyldig portefølje at eksportere.")
        return
    c = st.columns(4)
    c[0].download_button("Excel-projektmappe (.xlsx)", key="dl_xlsx", type="primary",
                         data=lambda: workbook_bytes(ds, scenario, result, prices=prices,
                                                     negotiation=_negotiation(ds, ds_token, scenario)),
                         file_name=f"portefolje_{_stamp()}.xlsx",
                         mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    c[1].download_button("Valgte forslag (CSV)", key="dl_sel", data=lambda: selected_csv(ds, scenario, result),
                         file_name=f"valgte_forslag_{_stamp()}.csv", mime="text/csv")
    c[2].download_button("Økonomi pr. år (CSV)", key="dl_eco", data=lambda: economy_csv(ds, scenario, result),
                         file_name=f"oekonomi_pr_aar_{_stamp()}.csv", mime="text/csv")
    c[3].download_button("Scenarie (JSON)", key="dl_json", data=lambda: scenario_json(scenario),
                         file_name=f"scenarie_{_stamp()}.json", mime="application/json",
                         help="Samme format som kommandolinjen læser: python -m portfolio optimise --scenario FIL")
    st.caption("Excel-filen indeholder forudsætninger, nøgletal, de valgte forslag i Tabel 1-form, økonomi pr. år, "
               "måltal pr. udvalg, alle forslag med status og pris for at skifte, og afvigelsesregistret.")


def link_section() -> None:
    st.subheader("Del et link")
    url = st.context.url
    link = share_link(url.split("?")[0] if url else "", {k: st.query_params.get_all(k) for k in st.query_params})
    st.code(link or "(adressen vises, når siden køres i en browser)", language=None)
    st.caption("Adressen i browserens adresselinje følger altid de nuværende indstillinger og valg. "
               "Kopiér den og send den: modtageren ser den samme portefølje.")


def pool_text(scenario: Scenario) -> str:
    """The pool of a saved scenario as the list shows it, with its unit: '20,0 mio. kr.',
    '20,0 mio. kr. (og pr. år)', 'Kun pr. år', 'Ingen pulje'."""
    pool = scenario.pool
    if pool is None:
        return "Ingen pulje"
    if pool.total is None:
        return "Kun pr. år" if pool.per_year else "Ingen pulje"
    return fmt.mio_exact(pool.total) + (" (og pr. år)" if pool.per_year else "")


def _figure_text(value: float, unit: str, difference: bool = False) -> str:
    """A key figure of the comparison (or a difference of two): an amount in mio. kr. (2 decimals),
    a count, or years ('–' for a payback that never happens, NaN)."""
    if unit == "amount":
        return amount_text(value)
    if unit == "years":
        if math.isnan(value):
            return "–"
        return f"{fmt.tal(value)} år" if difference else fmt.years_text(int(value))
    return fmt.tal(value)


def _open(saved_id: int, ds: DataSet) -> None:
    try:
        saved = _stored(lambda s: s.get(saved_id))
    except _StoreFailed as e:
        st.session_state["share_error"] = str(e)
        return
    scenario, warnings = check_against(saved, ds, horizon_range=HORIZON_SLIDER_RANGE)
    if saved.catalogue_tables:
        st.session_state["upload"] = {"token": _token(saved.catalogue_tables), "tables": saved.catalogue_tables,
                                      "name": f"fra scenariet '{saved.name}'"}
    st.session_state["pending_scenario"] = scenario.to_json()
    # Markdown: app.py shows it as it is
    st.session_state["share_notice"] = (f"Scenariet '{md(saved.name)}' er åbnet."
                                        + (" Bemærk:\n" + md_list(warnings) if warnings else ""))
    st.session_state["share_notice_warn"] = bool(warnings)
    st.session_state["view"] = "Forslag"


def _token(tables: dict) -> str:
    return hashlib.sha1(repr(sorted((k, repr(v)) for k, v in tables.items())).encode()).hexdigest()[:16]


def _delete_flow(by_id: dict[int, SavedScenario]) -> None:
    """Delete after a confirmation, by the id the user saw (refused if it is gone), and offer to
    undo the last delete (the scenario is saved again under its name, with its note and catalogue)."""
    ss = st.session_state
    pending = ss.get("confirm_delete")
    if pending is not None:
        sid, name = pending
        st.warning(f"Slet det gemte scenarie '{md(name)}'? Det kan fortrydes bagefter.", icon=":material/delete:")
        c1, c2 = st.columns(2)
        if c1.button("Ja, slet", key="delete_yes", type="primary"):
            ss.pop("confirm_delete", None)
            try:
                gone = by_id.get(sid) or _stored(lambda s: s.get(sid))
                _stored(lambda s: s.delete(sid))
                ss["undo_delete"] = gone
                st.rerun()
            except _StoreFailed as e:
                st.error(md(str(e)))
        if c2.button("Fortryd", key="delete_no"):
            ss.pop("confirm_delete", None)
            st.rerun()
    gone = ss.get("undo_delete")
    if gone is not None:
        st.info(f"Scenariet '{md(gone.name)}' er slettet.", icon=":material/undo:")
        if st.button("Fortryd sletningen", key="delete_undo"):
            try:
                _stored(lambda s: s.save(gone.name, gone.note, gone.scenario, gone.catalogue_tables))
                ss.pop("undo_delete", None)
                st.rerun()
            except _StoreFailed as e:
                st.error(md(str(e)))


def saved_section(ds: DataSet, ds_token: str, scenario: Scenario, result: Result) -> None:
    st.subheader("Gemte scenarier")
    if st.session_state.get("share_error"):
        st.error(md(st.session_state.pop("share_error")))
    with st.form("save_form", clear_on_submit=True):
        c1, c2 = st.columns([1, 2])
        name = c1.text_input("Navn", key="save_name", placeholder="fx Forhandlingsoplæg 2")
        note = c2.text_input("Note", key="save_note", placeholder="Hvad kendetegner scenariet?")
        overwrite = st.checkbox("Overskriv, hvis navnet findes", key="save_overwrite")
        if st.form_submit_button("Gem scenariet", type="primary"):
            if not name.strip():
                st.error("Giv scenariet et navn.")
            else:
                up = st.session_state.get("upload")
                try:
                    _stored(lambda s: s.save(name.strip(), note.strip(), scenario, up["tables"] if up else None,
                                             overwrite=overwrite))
                    st.success(f"Gemt som '{md(name.strip())}'.")
                except _StoreFailed as e:
                    st.error(md(str(e)))
    try:
        items = _stored(lambda s: s.list())
    except _StoreFailed as e:
        st.error(md(f"Scenarierne kan ikke læses: {e}"), icon=":material/database:")
        return
    if not items:
        st.caption("Ingen gemte scenarier endnu.")
        return
    st.dataframe(pd.DataFrame([{"Navn": s.name, "Note": s.note, "Kataloger": ", ".join(s.scenario.catalogues),
                                "Pulje": pool_text(s.scenario),
                                "Gemt": s.updated.astimezone().strftime("%d-%m-%Y %H:%M")} for s in items]),
                 hide_index=True, width="stretch")
    by_id = {s.id: s for s in items}
    ss = st.session_state
    for k in ("saved_pick", "cmp_a", "cmp_b"):
        if k in ss and ss[k] not in by_id:
            del ss[k]  # deleted meanwhile (here or by another user)
    c1, c2, c3 = st.columns([2, 1, 1])
    pick = c1.selectbox("Scenarie", list(by_id), format_func=lambda i: by_id[i].name, key="saved_pick")
    c2.button("Åbn", key="saved_open", on_click=_open, args=(pick, ds), type="primary")
    if c3.button("Slet", key="saved_delete"):
        ss["confirm_delete"] = (pick, by_id[pick].name)  # the id and name the user saw
    _delete_flow(by_id)
    with st.expander("Omdøb eller ret noten"):
        new_name = st.text_input("Nyt navn", value=by_id[pick].name, key=f"rename_{pick}")
        new_note = st.text_input("Note", value=by_id[pick].note, key=f"renote_{pick}")
        if st.button("Gem ændringer", key="saved_rename"):
            try:
                if new_name.strip() != by_id[pick].name:
                    _stored(lambda s: s.rename(pick, new_name.strip()))
                if new_note.strip() != by_id[pick].note:
                    _stored(lambda s: s.update_note(pick, new_note.strip()))
                st.rerun()
            except _StoreFailed as e:
                st.error(md(str(e)))
    st.markdown("**Sammenlign to scenarier**")
    c1, c2 = st.columns(2)
    ids = list(by_id)
    if len(ids) > 1 and ss.get("cmp_a", ids[0]) == ss.get("cmp_b", ids[0]):
        # never A against A by default (e.g. right after the second scenario was saved)
        a_now = ss.get("cmp_a", ids[0])
        ss["cmp_b"] = next(i for i in ids if i != a_now)
    a = c1.selectbox("Scenarie A", ids, format_func=lambda i: by_id[i].name, key="cmp_a")
    b = c2.selectbox("Scenarie B", ids, index=min(1, len(ids) - 1), format_func=lambda i: by_id[i].name, key="cmp_b")
    sa, wa = check_against(by_id[a], ds, horizon_range=HORIZON_SLIDER_RANGE)
    sb_, wb = check_against(by_id[b], ds, horizon_range=HORIZON_SLIDER_RANGE)
    for w in wa + wb:
        st.warning(md(w))
    try:
        ra = state.optimise_cached(sa.cache_key(), ds_token, ds)
        rb = state.optimise_cached(sb_.cache_key(), ds_token, ds)
        cmp = compare(ds, sa, ra, sb_, rb)
    except ScenarioError as e:
        st.error(md(f"Scenarierne kan ikke sammenlignes: {e}"))
        return
    diff = settings_differences(ds, sa, sb_)
    if a == b:
        st.caption("A og B er det samme scenarie.")
    elif diff:
        st.markdown("**Indstillinger, der er forskellige**")
        st.dataframe(pd.DataFrame([{"Indstilling": lbl, "A": va, "B": vb} for lbl, va, vb in diff]),
                     hide_index=True, width="stretch")
    else:
        st.caption("A og B har de samme indstillinger.")
    c1, c2, c3 = st.columns(3)
    c1.markdown("**Kun i A:** " + md(", ".join(cmp.only_a) or "–"))
    c2.markdown("**Kun i B:** " + md(", ".join(cmp.only_b) or "–"))
    c3.markdown("**I begge:** " + md(", ".join(cmp.both) or "–"))
    st.dataframe(pd.DataFrame([{"Nøgletal": lbl, "A": _figure_text(va, u), "B": _figure_text(vb, u),
                                "B − A": _figure_text(vb - va, u, difference=True)}
                               for (lbl, va, vb), u in zip(cmp.figures, FIGURE_UNITS, strict=True)]),
                 hide_index=True, width="stretch")
    rows = []
    for udv, years in sorted(cmp.maaltal.items()):
        for y, (va, vb) in sorted(years.items()):
            rows.append({"Udvalg": udv, "År": str(y), "Måltal A (mio. kr.)": fmt.tal(va / 1000, 2),
                         "Måltal B (mio. kr.)": fmt.tal(vb / 1000, 2), "B − A (mio. kr.)": fmt.tal((vb - va) / 1000, 2)})
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    ua, ub = cmp.mio_units
    unit = ua if cmp.same_unit else f"A: {ua}, B: {ub}"
    st.caption(f"Beløb i {unit}; besparelser er negative, udgifter og investeringer positive.")


def upload_section() -> None:
    st.subheader("Upload et katalog")
    c1, c2 = st.columns(2)
    c1.download_button("Skabelon (Excel)", key="tpl_xlsx", data=template_xlsx, file_name="katalog_skabelon.xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    c2.download_button("Skabelon (CSV-filer i zip)", key="tpl_zip", data=template_csv_zip,
                       file_name="katalog_skabelon.zip", mime="application/zip")
    files = st.file_uploader("Katalog som Excel-fil, CSV-filer (catalogues.csv, proposals.csv, cashflows.csv …) "
                             "eller en zip med CSV-filerne", type=["xlsx", "csv", "zip"], accept_multiple_files=True,
                             key="upload_files")
    if files and st.button("Indlæs kataloget", key="upload_go", type="primary"):
        payload = [(f.name, f.getvalue()) for f in files]
        try:
            tables = read_upload(payload)
            merge_catalogue(read_csv_dir(default_data_dir()), tables)
        except UploadError as e:
            st.error(md(f"Filen kunne ikke læses: {e}"))
            return
        except DataError as e:
            st.error(f"Kataloget har {len(e.problems)} fejl. Ret dem og upload igen:")
            st.dataframe(pd.DataFrame([{"Fil": p.file, "Række": p.row, "Kolonne": p.column or "", "Fejl": p.message}
                                       for p in e.problems]), hide_index=True, width="stretch")
            return
        except Exception:  # noqa: BLE001 - whatever a hostile file does, the user gets Danish words
            LOG.exception("An uploaded catalogue could not be read")
            st.error(UPLOAD_FAILED)
            return
        st.session_state["upload"] = {"token": _token(tables), "tables": tables,
                                      "name": ", ".join(f.name for f in files)}
        st.success("Kataloget er indlæst og kan vælges under 'Kataloger' i indstillingerne.")
        st.rerun()
    up = st.session_state.get("upload")
    if up:
        st.info(f"Uploadet katalog i brug i denne session: {md(up['name'])}.")
        if st.button("Fjern det uploadede katalog", key="upload_remove"):
            st.session_state.pop("upload")
            st.rerun()


def _negotiation(ds: DataSet, ds_token: str | None, scenario: Scenario) -> object | None:
    """The scenario's negotiation from the dashboard's cache (the workbook's sheet "Aftale"), if it has parties."""
    if not scenario.parties or ds_token is None:
        return None
    from .positions import negotiation_cached  # noqa: PLC0415

    return negotiation_cached(scenario.cache_key(), ds_token, ds)


def share_view(ds: DataSet, ds_token: str, scenario: Scenario, result: Result, prices: dict | None) -> None:
    export_section(ds, scenario, result, prices, ds_token)
    st.divider()
    link_section()
    st.divider()
    saved_section(ds, ds_token, scenario, result)
    st.divider()
    upload_section()
