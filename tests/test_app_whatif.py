"""The what-if view through the real dashboard (AppTest): Danish number fields, one sign (savings
negative) with the objective's name and unit, the frontier at round steps with its exact
breakpoints, alternatives, and the Monte Carlo percentiles named by meaning. Every figure on
screen is checked against an independent computation (optimise, alternatives, simulate, and
exhaustive enumeration for the breakpoints)."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from streamlit.testing.v1 import AppTest

from portfolio import fmt
from portfolio.alternatives import alternatives
from portfolio.data import load_dataset
from portfolio.frontier import frontier_breakpoints, pool_frontier
from portfolio.optimiser import build_instance, optimise
from portfolio.scenario import OBJECTIVE_LABELS, Scenario
from portfolio.simulation import simulate
from portfolio.toggles import TogglePrice
from tests.test_app import APP, num
from tests.test_frontier import breakpoints_by_enumeration, with_pool
from ui import charts, whatif

OBJ_COL = f"{OBJECTIVE_LABELS['net']} (mio. kr.; besparelse negativ)"


@pytest.fixture(scope="module")
def ds():
    return load_dataset()


def whatif_view(spec: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    if spec is not None:
        at.session_state["pending_scenario"] = Scenario.from_json(spec).to_json()
    at.run()
    at.radio(key="view").set_value("Hvad nu hvis").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def typed(at: AppTest, key: str, text: str) -> AppTest:
    """Type `text` into the Danish number field `key` (ui.numbers: the text field's key is key + '__text')."""
    at.text_input(key=key + "__text").input(text).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def frame(at: AppTest, first_column_header: str, contains: str):
    """The data frame whose columns include `contains`, among those starting with `first_column_header`."""
    found = [d.value for d in at.dataframe if list(d.value.columns)[:1] == [first_column_header]
             and contains in d.value.columns]
    assert found, [list(d.value.columns) for d in at.dataframe]
    return found


def scenario_on_screen(at: AppTest) -> Scenario:
    return at.session_state["last_scenario"]


def alternative_texts(at: AppTest) -> list[str]:
    return [m.value for m in at.markdown if m.value.startswith(OBJECTIVE_LABELS["net"] + ":")]


def plain(markdown: str) -> str:
    return markdown.replace("\\", "").replace("**", "")


# --- 1. Danish numbers ------------------------------------------------------------------------------


def test_tolerance_reads_a_danish_decimal_comma(ds):
    at = whatif_view()
    typed(at, "alt_k", "20")
    typed(at, "alt_tolerance", "2,5")
    # 2,5 is 2,5 % (st.number_input read it as 25), and the field shows it the Danish way
    assert at.text_input(key="alt_tolerance__text").value == "2,5"
    assert at.session_state["alt_tolerance"] == 2.5
    assert any("inden for 2,5 % af det optimale mål" in c.value for c in at.caption)
    assert all(num(t.split("(")[-1].split(" %")[0]) <= 2.5 for t in alternative_texts(at))
    # a tolerance that decides how many alternatives there are: 0,5 % (read as 5 % there would be 20)
    typed(at, "alt_tolerance", "0,5")
    assert at.text_input(key="alt_tolerance__text").value == "0,5"
    want = alternatives(ds, scenario_on_screen(at), 20, 0.005)
    shown = alternative_texts(at)
    assert len(shown) == len(want.items) and 0 < len(want.items) < 20
    assert len(alternatives(ds, scenario_on_screen(at), 20, 0.05).items) == 20


def test_an_english_decimal_is_rejected_and_nothing_is_computed_from_it():
    at = whatif_view()
    typed(at, "alt_tolerance", "2.5")
    assert at.text_input(key="alt_tolerance__text").value == "2.5"  # kept as typed, never reinterpreted
    errs = plain(" ".join(e.value for e in at.error))
    assert "Tolerance (% af målet)" in errs and "ikke et tal i dansk format" in errs
    assert alternative_texts(at) == [] and not [b for b in at.button if b.key and b.key.startswith("adopt_")]
    assert any("Alternativerne beregnes, når felterne ovenfor er rettet" in i.value for i in at.info)
    # a whole-number field rejects decimals; the simulation cannot run on a guess
    typed(at, "mc_n", "1,5")
    assert "skal være et helt tal" in " ".join(e.value for e in at.error)
    assert at.button(key="mc_run").disabled
    typed(at, "mc_n", "1.500")
    assert at.session_state["mc_n"] == 1500 and at.text_input(key="mc_n__text").value == "1.500"
    assert not at.button(key="mc_run").disabled


def test_no_number_input_is_left_in_the_view():
    at = whatif_view()
    assert len(at.number_input) == 0 or all(not (n.key or "").startswith(("frontier", "alt_", "mc_"))
                                            for n in at.number_input)
    keys = {t.key for t in at.text_input}
    assert {"frontier_step__text", "alt_tolerance__text", "alt_k__text", "mc_n__text", "mc_seed__text",
            "mc_mean_lav__text", "mc_spread_høj__text"} <= keys
    assert at.text_input(key="mc_mean_lav__text").value == "95"
    assert at.text_input(key="mc_spread_høj__text").value == "30"


# --- 2-4. The frontier: round steps and exact breakpoints, savings negative --------------------------


def test_frontier_at_round_steps_equals_independent_optimisations(ds):
    at = whatif_view()
    typed(at, "frontier_step", "2,5")
    at.checkbox(key="frontier_upper_all").uncheck().run()
    typed(at, "frontier_upper", "12,5")
    steps = frame(at, "Pulje (mio. kr.)", OBJ_COL)[0]
    assert list(steps["Pulje (mio. kr.)"]) == ["0,00", "2,50", "5,00", "7,50", "10,00", "12,50"]
    sc = scenario_on_screen(at)
    for pool_text, shown in zip(steps["Pulje (mio. kr.)"], steps[OBJ_COL], strict=True):
        res = optimise(ds, with_pool(sc, num(pool_text) * 1000))
        assert shown == fmt.tal(-res.objective / 1000, 2) if res.objective else shown == "0,00"
    assert all(num(v) < 0 for v in list(steps[OBJ_COL])[1:])  # savings are negative
    assert any("Puljefront ved trin på 2,5 mio. kr." in m.value for m in at.markdown)


@pytest.mark.parametrize("spec", [
    {"force_out": ["TV01", "TV02", "TV03", "BU01", "BU02", "BU03", "BU04", "SI01", "SI02", "HA01"]},
    {"force_out": ["TV01", "TV02", "TV03", "BU01", "BU02", "BU03", "BU04", "SI01", "SI02", "HA01"],
     "pool": {"total": 20000, "per_year": {"2019": 3000}}, "max_risky_share": 0.5},
], ids=["pulje i alt", "pulje pr. år og risikoandel"])
def test_breakpoints_on_screen_equal_exhaustive_enumeration(ds, spec):
    at = whatif_view(spec)
    breaks = frame(at, "Pulje (mio. kr.)", "Kommer ind")[1]
    sc = scenario_on_screen(at)
    inst = build_instance(ds, sc)
    # the enumeration runs over the proposals that are not forced out (12 proposals, SI05 with two variants)
    out = set(inst.rules.force_out)
    small = replace(inst, items=tuple(it for it in inst.items if it.key not in out),
                    rules=replace(inst.rules, force_out=()))
    want = breakpoints_by_enumeration(small, float("inf"))
    assert want
    assert [num(x) * 1000 for x in breaks["Pulje (mio. kr.)"]] == pytest.approx([b for b, _ in want], abs=1e-6)
    assert [num(x) for x in breaks[OBJ_COL]] == pytest.approx([-v / 1000 for _, v in want], abs=0.006)
    assert all(num(x) < 0 for x in breaks[OBJ_COL])
    # what came in and went out agrees with the core's breakpoints
    core, _, _ = frontier_breakpoints(inst)
    assert list(breaks["Kommer ind"]) == [", ".join(p.entered) or "–" for p in core]
    assert list(breaks["Går ud"]) == [", ".join(p.left) or "–" for p in core]


def test_frontier_chart_hover_is_danish_with_the_product_sign(ds):
    at = whatif_view()
    sc = scenario_on_screen(at)
    drawn = [json.loads(el.proto.spec) for el in at.get("plotly_chart")]
    fr = pool_frontier(ds, sc, step=5000, breakpoints=True)
    built = charts.frontier_chart(fr, sc.objective)
    steps = next(t for t in built.data if t.name == "Runde trin")
    at15 = list(steps.x).index(15.0)
    res = optimise(ds, with_pool(sc, 15000))
    assert steps.y[at15] == pytest.approx(-res.objective / 1000)
    hover = steps.customdata[at15]
    assert hover.startswith(f"Pulje 15,0 mio. kr. · {OBJECTIVE_LABELS['net']} {fmt.tal(-res.objective / 1000, 1)} "
                            "mio. kr.<br>Ind: ")
    assert "Ud: " in hover and "Mål" not in hover
    breaks = next(t for t in built.data if t.name == "Porteføljen skifter")
    assert len(breaks.x) == len(fr.breakpoints) > 100
    # the chart on screen is this figure
    on_screen = next(d for d in drawn if any(t.get("name") == "Runde trin" for t in d["data"]))
    trace = next(t for t in on_screen["data"] if t.get("name") == "Runde trin")
    assert trace["customdata"][at15] == hover and trace["y"][at15] == pytest.approx(steps.y[at15])
    assert built.layout.yaxis.title.text == "Nettoeffekt (mio. kr.; besparelse negativ)"
    assert OBJECTIVE_LABELS["net"].lower() in built.layout.title.text


# --- alternatives and toggle prices in the product's sign ------------------------------------------


def test_alternatives_are_shown_with_savings_negative(ds):
    at = whatif_view()
    sc = scenario_on_screen(at)
    want = alternatives(ds, sc, 5, 0.02)
    shown = [plain(t) for t in alternative_texts(at)]
    assert len(shown) == len(want.items) > 0
    for text, a in zip(shown, want.items, strict=True):
        assert f"{OBJECTIVE_LABELS['net']}: {fmt.tal(-a.objective / 1000, 2)} mio. kr." in text
        assert text.split(": ")[1].startswith("-")  # today's '184,5 mio. kr.' counted savings positive
        assert f"+{fmt.tal(a.gap / 1000, 2)} mio. kr. mod det optimale" in text
    best = next(plain(m.value) for m in at.markdown if m.value.startswith("Det optimale:"))
    assert f"{fmt.tal(-want.optimum / 1000, 2)} mio. kr." in best and "besparelse negativ" in best


def test_price_texts_carry_the_sign_and_the_word():
    def tp(action: str, delta: float | None) -> TogglePrice:
        return TogglePrice("BU01", action, 100.0, None, delta, "optimal", None, ())

    assert whatif.price_text(tp("force_in", -1234.5)) == "+1,23 mio. kr. at tage med (mindre besparelse)"
    assert whatif.price_text(tp("force_in", 800.0)) == "-0,80 mio. kr. at tage med (større besparelse)"
    assert whatif.price_text(tp("force_out", -4.0)) == "+0,004 mio. kr. at tage fra (mindre besparelse)"
    assert whatif.price_text(tp("release", 2500.0)) == "Låst: frigivelse giver -2,50 mio. kr. (større besparelse)"
    assert whatif.price_text(tp("force_in", 0.2)) == "Kan tages med uden tab"
    assert whatif.price_text(tp("force_in", None)) == "Kan ikke tages med (regler)"


# --- Monte Carlo ---------------------------------------------------------------------------------


def test_monte_carlo_percentiles_are_named_by_meaning(ds):
    at = whatif_view()
    typed(at, "mc_n", "200")
    typed(at, "mc_seed", "7")
    at.button(key="mc_run").click().run()
    assert not at.exception, [e.value for e in at.exception]
    sc = scenario_on_screen(at)
    res = optimise(ds, sc)
    sim = simulate(ds, sc, res.selected, n=200, seed=7)
    got = {m.label: m.value for m in at.metric}
    for words, value in sim.percentiles():
        assert got[words] == fmt.mio(value)
        assert value < 0 and got[words].startswith("-")
    labels = " ".join(got)
    assert "10 % risiko for at spare mindre end" in labels and "10 % chance for at spare mere end" in labels
    assert "gode 10 %" not in labels and "P10" not in labels and "P90" not in labels
    hist = charts.simulation_histogram(sim)
    names = [a.text for a in hist.layout.annotations]
    assert "10 % risiko for mindre besparelse" in names and "10 % chance for større besparelse" in names
    assert "besparelse negativ" in hist.layout.xaxis.title.text


# --- the proposal map -------------------------------------------------------------------------------


def test_map_chart_uses_the_documents_sign_and_mio():
    fig = charts.map_chart([charts.MapPoint("BU01", "x", "middel", 1800, -1000, True, 3)], 2020)
    assert fig.data[0].x[0] == 1.8 and fig.data[0].y[0] == -1.0
    assert "besparelse negativ" in fig.layout.yaxis.title.text and "mio. kr." in fig.layout.yaxis.title.text
    assert "mio. kr." in fig.layout.xaxis.title.text
    assert fig.data[0].customdata[0][2] == "-1,00 mio. kr."


def test_map_tab_shows_savings_negative(ds):
    """Needs ui/views.py map_tab to pass the last year's permanent change as it is (savings negative)."""
    at = AppTest.from_file(APP, default_timeout=120).run()
    at.radio(key="view").set_value("Kort").run()
    assert not at.exception, [e.value for e in at.exception]
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    ys = [y for trace in spec["data"] for y in trace["y"]]
    assert min(ys) < -1 and max(ys) <= 1  # mio. kr., and the savings (nearly every proposal) below zero
    assert "besparelse negativ" in spec["layout"]["yaxis"]["title"]["text"]


def test_economy_and_udvalg_charts_are_in_mio_with_savings_negative():
    at = AppTest.from_file(APP, default_timeout=120).run()
    net = num(next(m.value for m in at.metric if m.label.startswith("Nettoeffekt")))
    at.radio(key="view").set_value("Økonomi pr. år").run()
    assert not at.exception, [e.value for e in at.exception]
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    cum = next(t for t in spec["data"] if t["name"] == "Akkumuleret nettoeffekt")
    assert cum["y"][-1] == pytest.approx(net, abs=0.05) and net < 0  # the key figure, in mio. kr.
    assert spec["layout"]["yaxis"]["title"]["text"] == "mio. kr., 2020 p/l; besparelse negativ"
    assert "pulje i alt 20,0 mio. kr." in spec["layout"]["title"]["text"]
    at.radio(key="view").set_value("Måltal pr. udvalg").run()
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert spec["layout"]["yaxis"]["title"]["text"] == "mio. kr., 2020 p/l; besparelse negativ"
    assert min(y for t in spec["data"] for y in t["y"]) > -100  # mio. kr., not 1.000 kr.
