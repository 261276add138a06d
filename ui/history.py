"""The negotiator's history in the session: undo, redo and "Nulstil alle valg" over a bounded list
of scenario states, the browser's Back and Forward buttons (the page URL), and what the last change
did (the previous key figures and portfolio, for "Ind: BU08 · Ud: HA05" and the metrics' deltas).

A scenario state is the scenario's canonical JSON (`Scenario.cache_key`), choices included, so
putting one back (through `pending_scenario`, as a saved scenario or a link is opened) restores
the sidebar and the per-proposal choices together.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field

import streamlit as st

from . import state

MAX_STATES = 50  # scenario states kept for undo/redo; the oldest are dropped
KEY = "scenario_history"
CHANGE_KEY = "kf_hist"  # the previous key figures and portfolio (the name older tests break on purpose)


@dataclass
class History:
    """Scenario states in the order they were on screen; `index` is the one on screen now."""

    states: list[str] = field(default_factory=list)
    index: int = -1

    @property
    def can_undo(self) -> bool:
        return self.index > 0

    @property
    def can_redo(self) -> bool:
        return 0 <= self.index < len(self.states) - 1

    def record(self, key: str) -> None:
        """The scenario `key` is on screen: a new state unless it is the current one (an undo or
        redo that arrived); a new state after an undo drops the states that could be redone."""
        if 0 <= self.index < len(self.states) and self.states[self.index] == key:
            return
        del self.states[self.index + 1:]
        self.states.append(key)
        if len(self.states) > MAX_STATES:
            del self.states[: len(self.states) - MAX_STATES]
        self.index = len(self.states) - 1


def history() -> History:
    ss = st.session_state
    if KEY not in ss:
        ss[KEY] = History()
    return ss[KEY]


def _go(step: int) -> None:
    h = history()
    target = h.index + step
    if 0 <= target < len(h.states):
        h.index = target
        st.session_state["pending_scenario"] = json.loads(h.states[target])


def undo() -> None:
    """Button callback: put the previous scenario state back (settings and choices)."""
    _go(-1)


def redo() -> None:
    """Button callback: put the next scenario state back (after an undo)."""
    _go(+1)


def reset_choices() -> None:
    """Button callback: every proposal back to "Optimér", no pinned variant (undo brings them back)."""
    state.set_choices_from([], [], {})


def controls(n_choices: int) -> None:
    """The three buttons: Fortryd, Gentag, Nulstil alle valg."""
    h = history()
    c = st.columns([1, 1, 2, 4])
    c[0].button("Fortryd", key="undo", on_click=undo, disabled=not h.can_undo, icon=":material/undo:",
                help="Gå et skridt tilbage: indstillinger og valg, som før den seneste ændring.")
    c[1].button("Gentag", key="redo", on_click=redo, disabled=not h.can_redo, icon=":material/redo:",
                help="Gentag den ændring, der blev fortrudt.")
    c[2].button("Nulstil alle valg", key="reset_choices", on_click=reset_choices, disabled=n_choices == 0,
                icon=":material/restart_alt:",
                help="Sæt alle forslag tilbage til 'Optimér' og fjern låste varianter. Kan fortrydes.")


@dataclass(frozen=True)
class Change:
    """What the last change of scenario did: the figures and portfolio before it."""

    before: object | None  # KeyFigures before the change (None: nothing changed yet)
    entered: tuple[str, ...]
    left: tuple[str, ...]


def _labels(selected: Sequence[tuple[str, str | None]]) -> dict[str, str]:
    return {k: (f"{k} ({v})" if v else k) for k, v in selected}


def last_change(key: str, kf: object, selected: Sequence[tuple[str, str | None]]) -> Change:
    """Remember the portfolio on screen (scenario `key`) and say what the last change did to it.
    A rerun without a change keeps the previous answer."""
    ss = st.session_state
    h: dict = ss.setdefault(CHANGE_KEY, {})
    if h.get("key") != key:
        h.update(prev=h.get("now"), prev_sel=h.get("sel"), now=kf, sel=list(selected), key=key)
    else:
        h["now"], h["sel"] = kf, list(selected)
    if h.get("prev") is None:
        return Change(None, (), ())
    before, now = _labels(h["prev_sel"] or []), _labels(selected)
    entered = tuple(now[k] for k in now if k not in before or before[k] != now[k])
    left = tuple(before[k] for k in before if k not in now or before[k] != now[k])
    return Change(h["prev"], entered, left)


def change_text(change: Change) -> str | None:
    """'Ind: BU08 · Ud: HA05' (plain keys, no Markdown); None before the first change."""
    if change.before is None:
        return None
    if not change.entered and not change.left:
        return "Samme forslag som før"
    parts = []
    if change.entered:
        parts.append("Ind: " + ", ".join(change.entered))
    if change.left:
        parts.append("Ud: " + ", ".join(change.left))
    return " · ".join(parts)
