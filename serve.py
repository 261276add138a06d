"""The dashboard's server entry point: `streamlit run serve.py` (what `bash scripts/app.sh` runs).

The same app as `streamlit run app.py`, plus a warm-up when the server starts (see
`ui/warmup.py`): the server answers its first page request only after the imports, the
dataset and the first solve are done, so the first visitor does not wait for them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import streamlit as st

from ui.warmup import warm


@asynccontextmanager
async def lifespan(_app: st.App) -> AsyncIterator[None]:
    seconds = await asyncio.to_thread(warm)
    logging.getLogger("investeringsportefolje").info("Warm-up at start: %.2f s", seconds)
    yield None


app = st.App("app.py", lifespan=lifespan)
