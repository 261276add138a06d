"""Plotly figures for the dashboard. Pure functions of core results (no Streamlit here)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import plotly.graph_objects as go

from portfolio import fmt
from portfolio.effects import UdvalgEffects
from portfolio.keyfigures import KeyFigures
from portfolio.model import variant_label
from portfolio.scenario import OBJECTIVE_LABELS

from .text import plotly_text

RISK_COLOR = {"lav": "#2e7d32", "middel": "#e08a00", "høj": "#c62828"}
RISK_SYMBOL = {"lav": "circle", "middel": "diamond", "høj": "triangle-up"}
RISK_ICON = {"lav": "● lav", "middel": "◆ middel", "høj": "▲ høj"}  # shape + word: readable in greyscale
STYRING_COLOR = {"Service": "#1f5a96", "Anlæg": "#7b4fa0", "Overførsler": "#17877b", "Efterspørgselsstyret": "#c66a00"}
INVEST_COLOR = {"Service": "#9cc0e6", "Anlæg": "#c9b3e0", "Overførsler": "#9ed9d0", "Efterspørgselsstyret": "#f3c98f"}
FONT = dict(family="sans-serif", size=13)


def _layout(fig: go.Figure, title: str, yaxis: str, height: int = 380) -> go.Figure:
    fig.update_layout(title=dict(text=title, x=0, font=dict(size=15)), height=height, font=FONT,
                      margin=dict(l=10, r=10, t=48, b=10), legend=dict(orientation="h", y=-0.18),
                      separators=",.", plot_bgcolor="white", hovermode="x unified")
    fig.update_yaxes(title_text=yaxis, gridcolor="#e3e7ec", zerolinecolor="#8a939e", tickformat=",d")
    fig.update_xaxes(type="category")
    return fig


MIO_HOVER = "%{y:,.2f} mio. kr."


def economy_chart(kf: KeyFigures) -> go.Figure:
    """Investments and permanent changes per year by styringsområde, cumulative net, pool; in mio. kr.
    (savings negative)."""
    years = [str(y) for y in kf.years]
    fig = go.Figure()
    for st_name, vals in kf.investment_by_styring.items():
        fig.add_bar(x=years, y=[vals[y] / 1000 for y in kf.years], name=f"Investering, {st_name}",
                    marker=dict(color=INVEST_COLOR.get(st_name, "#bbb"),
                                pattern=dict(shape="/", fgcolor=STYRING_COLOR.get(st_name, "#555"), size=6)),
                    hovertemplate=MIO_HOVER)
    for st_name, vals in kf.permanent_by_styring.items():
        fig.add_bar(x=years, y=[vals[y] / 1000 for y in kf.years], name=f"Varig ændring, {st_name}",
                    marker=dict(color=STYRING_COLOR.get(st_name, "#555")), hovertemplate=MIO_HOVER)
    fig.add_scatter(x=years, y=[kf.cumulative_net[y] / 1000 for y in kf.years], name="Akkumuleret nettoeffekt",
                    mode="lines+markers", line=dict(color="#1b1f24", width=3), hovertemplate=MIO_HOVER)
    if kf.pool.per_year_limit:
        py = [None if (v := kf.pool.per_year_limit.get(y)) is None else v / 1000 for y in kf.years]
        fig.add_scatter(x=years, y=py, name="Pulje pr. år", mode="markers+lines",
                        line=dict(color="#b00020", dash="dash"), marker=dict(symbol="line-ew-open", size=18),
                        hovertemplate=MIO_HOVER)
    fig.update_layout(barmode="relative")
    title = "Porteføljens økonomi pr. år"
    if kf.pool.total_limit is not None:
        title += f" (pulje i alt {fmt.mio(kf.pool.total_limit, 1)}, brugt {fmt.mio(kf.pool.total_used, 1)})"
    fig = _layout(fig, title, f"{fmt.mio_unit(kf.price_level_year)}; besparelse negativ")
    fig.update_yaxes(tickformat=",.1f")
    return fig


def udvalg_chart(effects: UdvalgEffects, measure: str, title: str, pl_year: int) -> go.Figure:
    """One measure per udvalg and year, in mio. kr. (savings negative)."""
    fig = go.Figure()
    years = [str(y) for y in effects.years]
    palette = ["#1f5a96", "#17877b", "#c66a00", "#7b4fa0", "#8a939e", "#b00020"]
    for i, (u, vals) in enumerate(sorted(effects.table(measure).items())):
        fig.add_bar(x=years, y=[vals[y] / 1000 for y in effects.years], name=plotly_text(u),
                    marker_color=palette[i % len(palette)], hovertemplate=MIO_HOVER)
    fig.update_layout(barmode="group")
    fig = _layout(fig, title, f"{fmt.mio_unit(pl_year)}; besparelse negativ", height=340)
    fig.update_yaxes(tickformat=",.1f")
    return fig


OBJECTIVE_AXIS = "mio. kr.; besparelse negativ"


def objective_label(kind: str) -> str:
    """The optimiser's objective by name with its unit and sign: 'Samlet nettoeffekt over horisonten
    (mio. kr.; besparelse negativ)'."""
    return f"{OBJECTIVE_LABELS.get(kind, kind)} ({OBJECTIVE_AXIS})"


def tal_signed(x: float, decimals: int) -> str:
    """`fmt.tal`, but never '-0,00' for an amount that rounds to zero."""
    return fmt.tal(0.0 if round(x, decimals) == 0 else x, decimals)


OBJECTIVE_SHORT = {"net": "Nettoeffekt", "permanent": "Varige ændringer", "annual": "Varig effekt sidste år",
                   "npv": "Nutidsværdi"}


def objective_short(kind: str) -> str:
    """A short name of the objective for an axis ('Nettoeffekt'); the full name is in the title."""
    return OBJECTIVE_SHORT.get(kind, OBJECTIVE_LABELS.get(kind, kind))


def signed_mio(amount_1000kr: float | None, decimals: int = 2, *, plus: bool = False) -> str:
    """An amount in mio. kr. with its sign ('+0,52 mio. kr.' with `plus`); a small amount that would
    round to 0 gets the decimals it needs (up to three more), so no price reads '0,00' when it is not."""
    if amount_1000kr is None:
        return "–"
    x = amount_1000kr / 1000
    d = decimals
    while d < decimals + 3 and x != 0 and round(x, d) == 0:
        d += 1
    return f"{'+' if plus and round(x, d) > 0 else ''}{tal_signed(x, d)} mio. kr."


def pool_text(pool_1000kr: float, decimals: int = 1) -> str:
    """A pool in mio. kr., exact up to the krone but with at least `decimals` decimals: '15,0 mio. kr.',
    '1,23 mio. kr.', '1,2345 mio. kr.'."""
    return f"{fmt.tal_exact(pool_1000kr / 1000, 6, decimals)} mio. kr."


@dataclass(frozen=True)
class MapPoint:
    label: str
    title: str
    risk: str
    investment: float  # 1.000 kr., over the horizon
    permanent_last: float  # 1.000 kr.: the permanent change in the horizon's last year (savings negative)
    chosen: bool
    payback: int | None


def map_chart(points: Sequence[MapPoint], pl_year: int) -> go.Figure:
    """All proposals: investment against the permanent change in the last year (savings negative, so
    the best proposals are low and to the left), in mio. kr., coloured by risk, chosen marked."""
    fig = go.Figure()
    for risk in ("lav", "middel", "høj"):
        for chosen in (True, False):
            pts = [p for p in points if p.risk == risk and p.chosen == chosen]
            if not pts:
                continue
            fig.add_scatter(
                x=[p.investment / 1000 for p in pts], y=[p.permanent_last / 1000 for p in pts], mode="markers+text",
                text=[plotly_text(p.label) for p in pts], textposition="top center", textfont=dict(size=10),
                name=f"{'Valgt' if chosen else 'Ikke valgt'}, risiko {risk}",
                marker=dict(size=14 if chosen else 11, symbol=RISK_SYMBOL[risk] + ("" if chosen else "-open"),
                            color=RISK_COLOR[risk], line=dict(width=2, color=RISK_COLOR[risk])),
                customdata=[[plotly_text(p.title), fmt.mio(p.investment, 2), fmt.mio(p.permanent_last, 2),
                             fmt.years_text(p.payback), "valgt" if p.chosen else "ikke valgt"] for p in pts],
                hovertemplate=("<b>%{text}</b> %{customdata[0]}<br>Investering i alt: %{customdata[1]}<br>"
                               "Varig effekt i sidste år: %{customdata[2]} (besparelse negativ)"
                               "<br>Tilbagebetalingstid: %{customdata[3]}<br>%{customdata[4]}<extra></extra>"))
    fig = _layout(fig, "Alle forslag: investering mod varig effekt i horisontens sidste år",
                  f"Varig effekt i sidste år ({fmt.mio_unit(pl_year)}; besparelse negativ)", height=460)
    fig.update_xaxes(type="linear", title_text=f"Investering i alt ({fmt.mio_unit(pl_year)})", tickformat=",.1f",
                     gridcolor="#e3e7ec")
    fig.update_yaxes(tickformat=",.1f")
    fig.update_layout(hovermode="closest")
    return fig


def _change_text(entered: Sequence[str], left: Sequence[str]) -> str:
    return f"Ind: {', '.join(entered) or '–'} · Ud: {', '.join(left) or '–'}"


def frontier_hover(p, kind: str, *, exact_pool: bool = False) -> str:
    """'Pulje 15,0 mio. kr. · Samlet nettoeffekt over horisonten -123,4 mio. kr.<br>Ind: BU08 · Ud: HA05'
    (plain text for Plotly; the portfolio on a third line)."""
    pool = pool_text(p.pool) if exact_pool else f"{fmt.tal(p.pool / 1000, 1)} mio. kr."
    head = (f"Pulje {pool} · {OBJECTIVE_LABELS.get(kind, kind)} "
            f"{tal_signed(fmt.shown_objective(p.objective) / 1000, 1)} mio. kr.")
    labels = _set_labels(p.selected)
    sets = "<br>".join(plotly_text(", ".join(labels[i:i + 8])) for i in range(0, len(labels), 8)) or "–"
    return f"{plotly_text(head)}<br>{plotly_text(_change_text(p.entered, p.left))}<br>Portefølje: {sets}"


def frontier_chart(fr, objective: str) -> go.Figure:
    """The best objective against the total pool in mio. kr., in the product's sign (savings
    negative): the exact step function through the round steps and the breakpoints, the round
    steps as dots, the breakpoints (where the portfolio changes) as diamonds, the current pool marked."""
    steps = [p for p in fr.points if p.objective is not None]
    breaks = [p for p in fr.breakpoints if p.objective is not None]
    line = sorted({(p.pool, p.objective) for p in [*steps, *breaks]})

    def shown(values: Sequence[float]) -> list[float]:  # mio. kr., savings negative
        return [fmt.shown_objective(v) / 1000 for v in values]

    fig = go.Figure()
    fig.add_scatter(x=[x / 1000 for x, _ in line], y=shown([y for _, y in line]), mode="lines",
                    line=dict(shape="hv", color="#1f5a96", width=3), name="Bedste portefølje", hoverinfo="skip")
    fig.add_scatter(x=[p.pool / 1000 for p in steps], y=shown([p.objective for p in steps]), mode="markers",
                    marker=dict(size=8, color="#1f5a96"), name="Runde trin",
                    customdata=[frontier_hover(p, objective) for p in steps],
                    hovertemplate="%{customdata}<extra></extra>")
    if breaks:
        fig.add_scatter(x=[p.pool / 1000 for p in breaks], y=shown([p.objective for p in breaks]),
                        mode="markers",
                        marker=dict(size=9, symbol="diamond", color="#e08a00"), name="Porteføljen skifter",
                        customdata=[frontier_hover(p, objective, exact_pool=True) for p in breaks],
                        hovertemplate="%{customdata}<extra></extra>")
    if fr.current_pool is not None:
        fig.add_vline(x=fr.current_pool / 1000, line=dict(color="#b00020", dash="dash"),
                      annotation_text="Nuværende pulje", annotation_position="top right")
    fig = _layout(fig, f"Puljefront: {OBJECTIVE_LABELS.get(objective, objective).lower()} ved hver pulje",
                  f"{objective_short(objective)} ({OBJECTIVE_AXIS})", height=440)
    fig.update_xaxes(type="linear", title_text="Pulje i alt (mio. kr.)", tickformat=",.0f", gridcolor="#e3e7ec")
    fig.update_yaxes(tickformat=",.0f")
    fig.update_layout(hovermode="closest")
    return fig


def _set_labels(selected) -> list[str]:
    return [variant_label(k, v) for k, v in selected]


def simulation_histogram(sim) -> go.Figure:
    """The net effect over the horizon in every world (mio. kr., savings negative), with the three
    percentiles named by meaning and the result without uncertainty."""
    fig = go.Figure()
    fig.add_histogram(x=[v / 1000 for v in sim.net], nbinsx=40, marker_color="#1f5a96", name="Verdener",
                      hovertemplate="Nettoeffekt %{x:,.1f} mio. kr.: %{y} verdener<extra></extra>")
    # savings negative: the good case (p10) is on the left, its label to the left of its line
    marks = ((sim.p90, "10 % risiko for mindre besparelse", "#c62828", "top right"),
             (sim.p50, "Median", "#1b1f24", "top"),
             (sim.p10, "10 % chance for større besparelse", "#2e7d32", "top left"))
    for val, name, color, where in marks:
        fig.add_vline(x=val / 1000, line=dict(color=color, dash="dash"), annotation_text=name,
                      annotation_position=where)
    fig.add_vline(x=sim.deterministic_net / 1000, line=dict(color="#e08a00"), annotation_text="Uden usikkerhed",
                  annotation_position="bottom right")
    fig = _layout(fig, "Fordeling af porteføljens nettoeffekt over horisonten", "Antal verdener", height=360)
    fig.update_xaxes(type="linear", title_text="Nettoeffekt over horisonten (mio. kr.; besparelse negativ)",
                     tickformat=",.0f")
    fig.update_yaxes(tickformat=",d")
    fig.update_layout(hovermode="closest", bargap=0.05)
    return fig


def core_index_chart(core: dict[str, float]) -> go.Figure:
    items = sorted(core.items(), key=lambda kv: (-kv[1], kv[0]))
    fig = go.Figure()
    fig.add_bar(x=[plotly_text(k) for k, _ in items], y=[v for _, v in items],
                marker_color=["#2e7d32" if v >= 0.9 else "#e08a00" if v >= 0.1 else "#8a939e" for _, v in items],
                hovertemplate="%{x}: %{y:.0%}<extra></extra>")
    fig = _layout(fig, "Kerneindeks: andel af verdener, hvor forslaget er i den optimale portefølje", "Andel",
                  height=340)
    fig.update_yaxes(range=[0, 1.05], tickformat=".0%")
    fig.update_layout(hovermode="closest")
    return fig
