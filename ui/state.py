"""Session state of the dashboard: the per-proposal choices and the cached core calls."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from portfolio.data import load_dataset
from portfolio.model import DataSet
from portfolio.optimiser import InstanceCache, Result, optimise
from portfolio.scenario import Scenario

OPTIMISE, IN, OUT = "Optimér", "Med", "Ikke med"
CHOICES = (OPTIMISE, IN, OUT)
NO_PIN = "(optimér)"
NO_VARIANTS = "–"


@st.cache_resource(show_spinner=False)
def dataset() -> DataSet:
    """The built-in dataset (data/)."""
    return load_dataset()


@st.cache_resource(show_spinner=False, max_entries=16)
def _merged(token: str, _tables: dict) -> DataSet:
    from portfolio.data import default_data_dir, read_csv_dir
    from portfolio.upload import merge_catalogue

    return merge_catalogue(read_csv_dir(default_data_dir()), _tables)


def current_dataset() -> tuple[DataSet, str]:
    """The dataset of this session (built-in, or with an uploaded catalogue) and a token naming it."""
    up = st.session_state.get("upload")
    if up:
        return _merged(up["token"], up["tables"]), up["token"]
    return dataset(), "base"


@st.cache_resource(show_spinner=False, max_entries=16)
def instance_cache_for(_ds: DataSet, token: str) -> InstanceCache:
    return InstanceCache(_ds, max_entries=64)


@st.cache_data(show_spinner=False, max_entries=512)
def optimise_cached(scenario_key: str, token: str, _ds: DataSet) -> Result:
    """Optimise a scenario given by its canonical JSON (the cache key) on the dataset named by `token`."""
    return optimise(_ds, Scenario.from_json(scenario_key), cache=instance_cache_for(_ds, token))


@dataclass
class Choices:
    """What the negotiator has decided per proposal: optimise, force in, force out; pinned variants."""

    choice: dict[str, str]
    pin: dict[str, str]

    def force_in(self) -> list[str]:
        return [k for k, c in self.choice.items() if c == IN]

    def force_out(self) -> list[str]:
        return [k for k, c in self.choice.items() if c == OUT]


def choices() -> Choices:
    if "choices" not in st.session_state:
        st.session_state["choices"] = Choices({}, {})
    return st.session_state["choices"]


def editor_key() -> str:
    return f"proposals_editor_{st.session_state.get('editor_version', 0)}"


def reset_editor() -> None:
    """Start a fresh table editor (after choices changed elsewhere), so stale cell edits do not return."""
    st.session_state["editor_version"] = st.session_state.get("editor_version", 0) + 1


def _put(ch: Choices, key: str, value: str) -> None:
    if value == OPTIMISE:
        ch.choice.pop(key, None)
    else:
        ch.choice[key] = value


def set_choice(key: str, value: str) -> None:
    _put(choices(), key, value)
    reset_editor()


def apply_editor_edits(row_keys: list[str]) -> None:
    """Fold the table editor's cell edits into the choices (the editor's rows are `row_keys`)."""
    state = st.session_state.get(editor_key())
    if not state:
        return
    ch = choices()
    for idx, change in state.get("edited_rows", {}).items():
        i = int(idx)
        if i >= len(row_keys):
            continue
        key = row_keys[i]
        if "Valg" in change:
            _put(ch, key, change["Valg"] or OPTIMISE)
        if "Variant" in change:
            pin = change["Variant"]
            if pin in (None, NO_PIN, NO_VARIANTS):
                ch.pin.pop(key, None)
            else:
                ch.pin[key] = pin


def set_choices_from(force_in: list[str] | tuple[str, ...], force_out: list[str] | tuple[str, ...],
                     pins: dict[str, str]) -> None:
    """Replace the per-proposal choices (opening a scenario, a link or an alternative)."""
    ch = choices()
    ch.choice = {k: IN for k in force_in} | {k: OUT for k in force_out}
    ch.pin = dict(pins)
    reset_editor()
