"""Number fields in Danish format: every number a person types in the dashboard goes through here.

`number_field` is a text field, not ``st.number_input``: the browser's number input reads "3,5" as
35 in some locales and shows "3.50". The text is read by `portfolio.fmt.parse_number` (strict Danish
format) and checked against the field's range; a text that is not a valid number is kept as typed,
the field says why in Danish, the value stays what it was, and the message goes to the caller's
error list, so the dashboard says it shows the last valid settings instead of silently using them.

State: ``st.session_state[key]`` holds the value (a float, or an int for whole-number fields), as
for any other widget, so defaults, saved scenarios and links set ``key`` and the text follows;
``key + TEXT`` is the text field's own key, ``key + ERROR`` the pending message.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from portfolio import fmt
from portfolio.fmt import NumberError, parse_number

from .text import md

TEXT = "__text"
ERROR = "__error"
_SHOWN = "__shown"


def read_amount(text: str, what: str) -> float:
    """An amount in mio. kr. a person typed (Danish format, see `portfolio.fmt.parse_number`), at least 0.
    Raises `NumberError` with a Danish message that starts with `what` (e.g. "Puljen i alt")."""
    try:
        v = parse_number(text)
    except NumberError as e:
        raise NumberError(f"{what} er ikke et beløb: {e}") from None
    if v < 0:
        raise NumberError(f"{what} kan ikke være negativ ({fmt.tal_exact(v)} mio. kr.): skriv 0 eller et "
                          "positivt beløb i mio. kr.")
    return v


def shown_text(value: float, decimals: int = 6) -> str:
    """The text a number field shows for `value`: Danish, as few decimals as show it exactly."""
    return fmt.tal_exact(float(value), decimals)


def _read(key: str, label: str, lo: float, hi: float, integer: bool, decimals: int) -> None:
    ss = st.session_state
    text = ss[key + TEXT]
    try:
        v = parse_number(text, integer=integer)
        if not lo <= v <= hi:
            raise NumberError(f"{fmt.tal_exact(v)} er uden for det tilladte: mellem {fmt.tal_exact(lo)} "
                              f"og {fmt.tal_exact(hi)}.")
    except NumberError as e:
        ss[key + ERROR] = f"{label}: {e}"
        return
    ss.pop(key + ERROR, None)
    value: float | int = int(v) if integer else v
    ss[key] = value
    ss[key + _SHOWN] = value
    ss[key + TEXT] = shown_text(value, decimals)


def number_field(label: str, key: str, lo: float, hi: float, *, integer: bool = False, decimals: int = 6,
                 errors: list[str] | None = None, container: Any = None, **kwargs: Any) -> float | int:
    """Draw a Danish number field for ``st.session_state[key]`` and return its (last valid) value.

    `lo` and `hi` bound the value; `integer` rejects decimals; `decimals` bounds the shown decimals.
    A pending error is shown under the field and appended to `errors`. Other keyword arguments
    (``help``, ``disabled``, ``placeholder`` …) go to ``st.text_input``.
    """
    ss = st.session_state
    box = container if container is not None else st
    if key + TEXT not in ss or ss.get(key + _SHOWN) != ss[key]:  # the value was set elsewhere
        ss[key + TEXT] = shown_text(ss[key], decimals)
        ss[key + _SHOWN] = ss[key]
        ss.pop(key + ERROR, None)
    box.text_input(label, key=key + TEXT, on_change=_read, args=(key, label, lo, hi, integer, decimals), **kwargs)
    err = ss.get(key + ERROR)
    if err:
        box.error(md(err), icon=":material/error:")
        if errors is not None and not kwargs.get("disabled"):
            errors.append(err)
    return ss[key]
