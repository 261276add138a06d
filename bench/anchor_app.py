"""The benchmarks' anchor page: the least any Streamlit dashboard with this first screen costs.

A title, the quick-toggle radio and six key figures, nothing computed: what `bench/bench_startup.py`
and `bench/bench_ui.py` measure beside the real dashboard, in the same run, so that their ratios say
how much of the wait is the dashboard's own work and how much is Streamlit's and the browser's.
Run alone with `.venv/bin/python -m streamlit run bench/anchor_app.py`.
"""

from __future__ import annotations

import streamlit as st

st.set_page_config(page_title="Investeringsportefølje (anker)", layout="wide")
st.title("Investeringsportefølje")
choice = st.radio("Valg for forslaget", ["Optimér", "Med", "Ikke med"], key="quick_choice", horizontal=True)
net = {"Optimér": "-185,0", "Med": "-181,4", "Ikke med": "-170,2"}[choice]
cols = st.columns(6)
cols[0].metric("Nettoeffekt 2019-2024, mio. kr.", net)
cols[1].metric("Varig effekt 2024, mio. kr.", "-47,1")
cols[2].metric("Brugt / pulje, mio. kr.", "20,0 / 20,0")
cols[3].metric("Forslag i porteføljen", "11 af 22")
cols[4].metric("Tilbagebetalingstid", "2 år")
cols[5].metric("Risiko: lav · middel · høj", "8 · 3 · 0")
