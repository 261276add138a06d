"""Investeringsportefølje – Streamlit shell. Reads widgets, calls the core in `portfolio/`, draws."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from portfolio import fmt
from portfolio.data import DataError, load_dataset
from portfolio.figures import variant_figures
from portfolio.register import compute_register

st.set_page_config(page_title="Investeringsportefølje", layout="wide")


@st.cache_resource(show_spinner=False)
def dataset():
    return load_dataset()


def main() -> None:
    st.title("Investeringsportefølje")
    try:
        ds = dataset()
    except DataError as e:
        st.error("Data kunne ikke indlæses. Ret følgende og genstart:")
        st.markdown("\n".join(f"- {p}" for p in e.problems))
        return
    tab_p, tab_r = st.tabs(["Forslag", "Afvigelser i dokumenterne"])
    with tab_p:
        rows = []
        for p in ds.proposals:
            for v in p.variants:
                f = variant_figures(v)
                rows.append({
                    "Nøgle": v.label, "Titel": p.title, "Risiko": p.risk.value,
                    "p/l": p.price_level_year,
                    "Investering i alt": fmt.tal(f.total_investment),
                    "Varig effekt (sidste år)": fmt.tal(f.annual_effect),
                    "Tilbagebetalingstid": fmt.years_text(f.payback),
                })
        st.caption("Beløb i 1.000 kr. i forslagets eget p/l. Besparelser er negative.")
        st.dataframe(pd.DataFrame(rows), hide_index=True, use_container_width=True)
    with tab_r:
        reg = compute_register(ds)
        st.caption(f"{len(reg)} steder, hvor et dokuments egne tal ikke stemmer med dets rækker.")
        st.dataframe(pd.DataFrame([{
            "Forslag": d.proposal_key, "Variant": d.variant or "", "Tabel": d.table, "Række": d.row,
            "År": d.year, "Angivet": d.stated if isinstance(d.stated, str) else fmt.tal(d.stated),
            "Beregnet": d.computed if isinstance(d.computed, str) else fmt.tal(d.computed),
            "Type": d.kind, "Note": d.note} for d in reg]), hide_index=True, use_container_width=True)


main()
