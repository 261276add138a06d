"""Plotly figures for the dashboard. Pure functions of core results (no Streamlit here)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import plotly.graph_objects as go

from portfolio import fmt
from portfolio.effects import UdvalgEffects
from portfolio.keyfigures import KeyFigures
from portfolio.model import variant_label

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


def economy_chart(kf: KeyFigures) -> go.Figure:
    """Investments and permanent changes per year by styringsområde, cumulative net, pool."""
    years = [str(y) for y in kf.years]
    fig = go.Figure()
    for st_name, vals in kf.investment_by_styring.items():
        fig.add_bar(x=years, y=[vals[y] for y in kf.years], name=f"Investering, {st_name}",
                    marker=dict(color=INVEST_COLOR.get(st_name, "#bbb"),
                                pattern=dict(shape="/", fgcolor=STYRING_COLOR.get(st_name, "#555"), size=6)),
                    hovertemplate="%{y:,.0f}")
    for st_name, vals in kf.permanent_by_styring.items():
        fig.add_bar(x=years, y=[vals[y] for y in kf.years], name=f"Varig ændring, {st_name}",
                    marker=dict(color=STYRING_COLOR.get(st_name, "#555")), hovertemplate="%{y:,.0f}")
    fig.add_scatter(x=years, y=[kf.cumulative_net[y] for y in kf.years], name="Akkumuleret nettoeffekt",
                    mode="lines+markers", line=dict(color="#1b1f24", width=3), hovertemplate="%{y:,.0f}")
    if kf.pool.per_year_limit:
        py = [kf.pool.per_year_limit.get(y) for y in kf.years]
        fig.add_scatter(x=years, y=py, name="Pulje pr. år", mode="markers+lines",
                        line=dict(color="#b00020", dash="dash"), marker=dict(symbol="line-ew-open", size=18),
                        hovertemplate="%{y:,.0f}")
    fig.update_layout(barmode="relative")
    title = "Porteføljens økonomi pr. år"
    if kf.pool.total_limit is not None:
        title += f" (pulje i alt {fmt.tal(kf.pool.total_limit)}, brugt {fmt.tal(kf.pool.total_used)})"
    return _layout(fig, title, fmt.unit(kf.price_level_year))


def udvalg_chart(effects: UdvalgEffects, measure: str, title: str, pl_year: int) -> go.Figure:
    fig = go.Figure()
    years = [str(y) for y in effects.years]
    palette = ["#1f5a96", "#17877b", "#c66a00", "#7b4fa0", "#8a939e", "#b00020"]
    for i, (u, vals) in enumerate(sorted(effects.table(measure).items())):
        fig.add_bar(x=years, y=[vals[y] for y in effects.years], name=plotly_text(u),
                    marker_color=palette[i % len(palette)],
                    hovertemplate="%{y:,.0f}")
    fig.update_layout(barmode="group")
    return _layout(fig, title, fmt.unit(pl_year), height=340)


@dataclass(frozen=True)
class MapPoint:
    label: str
    title: str
    risk: str
    investment: float
    annual_saving: float  # savings positive
    chosen: bool
    payback: int | None


def map_chart(points: Sequence[MapPoint], pl_year: int) -> go.Figure:
    """All proposals: investment against permanent annual saving, coloured by risk, chosen marked."""
    fig = go.Figure()
    for risk in ("lav", "middel", "høj"):
        for chosen in (True, False):
            pts = [p for p in points if p.risk == risk and p.chosen == chosen]
            if not pts:
                continue
            fig.add_scatter(
                x=[p.investment for p in pts], y=[p.annual_saving for p in pts], mode="markers+text",
                text=[plotly_text(p.label) for p in pts], textposition="top center", textfont=dict(size=10),
                name=f"{'Valgt' if chosen else 'Ikke valgt'}, risiko {risk}",
                marker=dict(size=14 if chosen else 11, symbol=RISK_SYMBOL[risk] + ("" if chosen else "-open"),
                            color=RISK_COLOR[risk], line=dict(width=2, color=RISK_COLOR[risk])),
                customdata=[[plotly_text(p.title), fmt.tal(p.investment), fmt.tal(p.annual_saving), fmt.years_text(p.payback),
                             "valgt" if p.chosen else "ikke valgt"] for p in pts],
                hovertemplate=("<b>%{text}</b> %{customdata[0]}<br>Investering: %{customdata[1]}<br>"
                               "Varig årlig besparelse: %{customdata[2]}<br>Tilbagebetalingstid: %{customdata[3]}"
                               "<br>%{customdata[4]}<extra></extra>"))
    fig = _layout(fig, "Alle forslag: investering mod varig årlig besparelse", f"Varig årlig besparelse ({fmt.unit(pl_year)})",
                  height=460)
    fig.update_xaxes(type="linear", title_text=f"Investering i alt ({fmt.unit(pl_year)})", tickformat=",d",
                     gridcolor="#e3e7ec")
    fig.update_layout(hovermode="closest")
    return fig


def frontier_chart(fr, objective: str) -> go.Figure:
    """The best objective against the total pool (a step function), the current pool marked."""
    pts = [p for p in fr.points if p.objective is not None]
    xs = [p.pool / 1000 for p in pts]
    ys = [p.objective / 1000 for p in pts]
    sets = ["<br>".join(", ".join(plotly_text(lbl) for lbl in _set_labels(p.selected)[i:i + 6])
                        for i in range(0, max(1, len(p.selected)), 6)) for p in pts]
    fig = go.Figure()
    fig.add_scatter(x=xs, y=ys, mode="lines+markers", line=dict(shape="hv", color="#1f5a96", width=3),
                    marker=dict(size=6), name="Bedste mål", customdata=sets,
                    hovertemplate="Pulje %{x:,.2f} mio. kr.<br>Mål %{y:,.2f} mio. kr.<br>%{customdata}<extra></extra>")
    ch = [p for p in fr.changes() if p.objective is not None]
    fig.add_scatter(x=[p.pool / 1000 for p in ch], y=[p.objective / 1000 for p in ch], mode="markers",
                    marker=dict(size=11, symbol="diamond", color="#e08a00"), name="Porteføljen skifter",
                    customdata=[f"+ {plotly_text(', '.join(p.entered) or '–')}<br>"
                                f"− {plotly_text(', '.join(p.left) or '–')}" for p in ch],
                    hovertemplate="Pulje %{x:,.2f} mio. kr.<br>%{customdata}<extra></extra>")
    if fr.current_pool is not None:
        fig.add_vline(x=fr.current_pool / 1000, line=dict(color="#b00020", dash="dash"),
                      annotation_text="Nuværende pulje", annotation_position="top left")
    fig = _layout(fig, "Puljefront", "Bedste mål, mio. kr.", height=420)
    fig.update_xaxes(type="linear", title_text="Pulje i alt, mio. kr.", tickformat=",.0f", gridcolor="#e3e7ec")
    fig.update_yaxes(tickformat=",.0f")
    fig.update_layout(hovermode="closest")
    return fig


def _set_labels(selected) -> list[str]:
    return [variant_label(k, v) for k, v in selected]


def simulation_histogram(sim) -> go.Figure:
    fig = go.Figure()
    fig.add_histogram(x=[v / 1000 for v in sim.net], nbinsx=40, marker_color="#1f5a96", name="Verdener",
                      hovertemplate="%{x:,.1f} mio. kr.: %{y} verdener<extra></extra>")
    for val, name, color in ((sim.p10, "P10", "#2e7d32"), (sim.p50, "P50", "#1b1f24"), (sim.p90, "P90", "#c62828")):
        fig.add_vline(x=val / 1000, line=dict(color=color, dash="dash"), annotation_text=name)
    fig.add_vline(x=sim.deterministic_net / 1000, line=dict(color="#e08a00"), annotation_text="Uden usikkerhed",
                  annotation_position="bottom right")
    fig = _layout(fig, "Fordeling af porteføljens nettoeffekt over horisonten", "Antal verdener", height=360)
    fig.update_xaxes(type="linear", title_text="Nettoeffekt, mio. kr. (besparelser negative)", tickformat=",.0f")
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
