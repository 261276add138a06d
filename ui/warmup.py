"""Start-up warm-up: the work the first visitor would otherwise wait for, done when the server
starts (`serve.py`'s lifespan), before it accepts page requests.

A Streamlit server runs nothing of the app until a browser connects, so the first page request
would pay for importing the shell and the core (pandas, pyarrow, PuLP, HiGHS: about 1,5 s on a
2-core machine), loading and validating the dataset, the first solve, the first table conversion
to Arrow and Streamlit's own first-use costs (its emoji regex, 0,13 s; a stack walk, 0,05 s). `warm()` does exactly those once, in the server process, filling
the same process-wide caches the script uses (`ui.state.dataset`, the instance cache).
"""

from __future__ import annotations

import logging
import time

LOG = logging.getLogger("investeringsportefolje")


def warm() -> float:
    """Import, load, solve and convert once; returns the seconds it took. Never raises: a
    failure here is logged and left for the page to report in Danish."""
    t0 = time.perf_counter()
    try:
        import pandas as pd  # noqa: PLC0415
        import streamlit.emojis  # noqa: F401, PLC0415 - compiles a large regex (st.set_page_config's icon)
        from streamlit import delta_generator, runtime  # noqa: PLC0415
        from streamlit.dataframe_util import convert_pandas_df_to_arrow_bytes  # noqa: PLC0415
        from streamlit.elements.lib.pandas_styler_utils import marshall_styler  # noqa: PLC0415
        from streamlit.proto.Dataframe_pb2 import Dataframe  # noqa: PLC0415

        from portfolio.optimiser import optimise  # noqa: PLC0415
        from portfolio.scenario import Scenario  # noqa: PLC0415
        from ui import history, positions, sidebar, state, views, whatif  # noqa: F401, PLC0415 - what app.py imports

        ds = state.dataset()
        optimise(ds, Scenario(), cache=state.instance_cache_for(ds, "base"))
        df = pd.DataFrame({"a": [1.0], "b": ["x"]})
        convert_pandas_df_to_arrow_bytes(df)  # pyarrow's pandas bridge
        marshall_styler(Dataframe().arrow_data, df.style.map(lambda _v: ""), "warmup")  # the Styler's templates
        if runtime.exists():  # the once-per-process "is this a REPL?" stack walk of the first element
            delta_generator._maybe_print_use_warning()  # noqa: SLF001
    except Exception:  # noqa: BLE001 - the page itself shows data errors in Danish
        LOG.exception("Warm-up at start failed; the first page request will do the work")
    return time.perf_counter() - t0
