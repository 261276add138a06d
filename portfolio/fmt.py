"""Danish numbers, both ways: formatting ('-1.300', '1,5 mio. kr.', unit strings) and reading what a
person typed (`parse_number`).

Reading is strict, because a number reinterpreted is a wrong number said with confidence. The
accepted form is Danish: an optional sign (``-``, ``−`` or ``+``), digits, optionally grouped in
thousands by ``.`` (or a space) with every group after the first exactly three digits, and an
optional decimal part after ``,``: ``3,5``, ``1.300``, ``1.300,5``, ``-1.300``, ``20 000``. A
trailing unit the field already names (``%``, ``mio. kr.``, ``mio.``, ``kr.``) is allowed. Anything
else is rejected with a Danish message that says what to type, never guessed: ``3.5`` and ``3.50``
(a full stop that cannot be a thousands separator: English decimals), ``1,300.5`` (English
grouping), ``1.30``, two commas, letters.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping


def tal(x: float | None, decimals: int = 0) -> str:
    """Format a number the Danish way: thousands '.', decimals ','. None -> '–'."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    if decimals == 0:
        x = round(x)
        if x == 0:
            x = 0  # avoid '-0'
    s = f"{x:,.{decimals}f}"
    return s.replace(",", "\u0000").replace(".", ",").replace("\u0000", ".")


def mio(amount_1000kr: float | None, decimals: int = 1) -> str:
    """An amount in 1.000 kr. shown in mio. kr.: 1500 -> '1,5 mio. kr.'."""
    if amount_1000kr is None:
        return "–"
    return f"{tal(amount_1000kr / 1000, decimals)} mio. kr."


def mio_exact(amount_1000kr: float) -> str:
    """An amount the user set, in mio. kr. with every decimal it has (at least one): '5,0 mio. kr.'."""
    return f"{tal_exact(amount_1000kr / 1000, 9, 1)} mio. kr."


def mio_at_least(amount_1000kr: float) -> str:
    """A needed amount in mio. kr., rounded up (never shown below what is needed) to 0,1 mio. kr.
    when that is within half a step, else with the decimals it needs (at most 3, i.e. 1.000 kr.):
    36299.2 -> '36,3 mio. kr.', 29150 -> '29,15 mio. kr.', 5000 -> '5,0 mio. kr.'."""
    return _mio_rounded(amount_1000kr, math.ceil)


def mio_at_most(amount_1000kr: float) -> str:
    """A reachable amount in mio. kr., rounded down (never shown above what can be reached), with
    the decimals of `mio_at_least`: 21349.8 -> '21,3 mio. kr.', 21_999.6 -> '21,999 mio. kr.'."""
    return _mio_rounded(amount_1000kr, math.floor)


def _mio_rounded(amount_1000kr: float, direction: Callable[[float], int]) -> str:
    nudge = -1e-9 if direction is math.ceil else 1e-9
    for decimals in (1, 2, 3):
        shown = direction(amount_1000kr / 1000 * 10 ** decimals + nudge) / 10 ** decimals
        if abs(shown * 1000 - amount_1000kr) < 0.5 * 10 ** (3 - decimals) or decimals == 3:
            text = tal(shown, decimals)
            while text.endswith("0") and not text.endswith(",0"):
                text = text[:-1]
            return f"{text} mio. kr."
    raise AssertionError("unreachable")  # pragma: no cover


def pct(share: float | None, decimals: int = 0) -> str:
    if share is None:
        return "–"
    return f"{tal(100 * share, decimals)} %"


def unit(pl_year: int) -> str:
    """The machine-readable unit (JSON, scenario files, CSV catalogues, CLI options): 1.000 kr."""
    return f"1.000 kr., {pl_year} p/l"


def mio_unit(pl_year: int) -> str:
    """The unit of every amount shown to people (dashboard, Excel, CLI tables): mio. kr."""
    return f"mio. kr., {pl_year} p/l"


def shown_objective(maximised: float | None) -> float | None:
    """The optimiser's objective as people see it, in the documents' sign: savings negative.

    The optimiser maximises savings counted positive (and `--json` reports that value as
    ``objective``); every figure shown to people states the same amount as a net effect, where a
    saving is negative: ``shown_objective(185_030) == -185_030``.
    """
    return None if maximised is None else -maximised


def years_text(n: int | None) -> str:
    if n is None:
        return "ikke inden for tabellens år"
    return "1 år" if n == 1 else f"{n} år"


def json_number(x: float | None) -> float | int | None:
    """A number for JSON output: rounded to 6 decimals (whole kroner and below), integral ones as int."""
    if x is None:
        return None
    r = round(x, 6)
    return int(round(r)) if abs(r - round(r)) < 1e-9 else r


def json_by_year(d: Mapping[int, float]) -> dict[str, float | int | None]:
    return {str(y): json_number(v) for y, v in d.items()}


def tal_exact(x: float, max_decimals: int = 6, min_decimals: int = 0) -> str:
    """Danish text of `x` with as few decimals as show it exactly (between `min_decimals` and
    `max_decimals`): 3.5 -> '3,5', 95.0 -> '95', 1300.0 -> '1.300', 0.125 -> '0,125'."""
    for d in range(min_decimals, max_decimals + 1):
        if abs(round(x, d) - x) < 1e-9 * max(1.0, abs(x)):
            return tal(x, d) if d else tal(round(x))
    return tal(x, max_decimals)


class NumberError(ValueError):
    """A typed text that is not a Danish number; the message is Danish and says what to type."""


_UNIT_SUFFIX = re.compile(r"\s*(%|mio\.?\s*kr\.?|mio\.?|kr\.?)\s*$", re.IGNORECASE)
_DANISH = re.compile(r"[+-]?(\d{1,3}(\.\d{3})+|\d+)(,\d+)?")
MAX_NUMBER_TEXT = 40  # characters: longer typed text is not read


def parse_number(text: str, *, integer: bool = False) -> float:
    """The number a person typed in Danish format (see the module docstring).

    Raises `NumberError` with a Danish message for anything else; an integer field also rejects
    decimals (``2,5``), but accepts ``3,0``.

    Examples
    --------
    >>> parse_number("3,5"), parse_number("1.300"), parse_number("1.300,5"), parse_number("-1.300")
    (3.5, 1300.0, 1300.5, -1300.0)
    >>> parse_number("3.5")
    Traceback (most recent call last):
    ...
    portfolio.fmt.NumberError: '3.5' er ikke et tal i dansk format: brug komma som decimaltegn (fx 3,5) og punktum mellem tusinder (fx 1.300).
    """
    raw = str(text)
    if len(raw) > MAX_NUMBER_TEXT:
        raise NumberError(f"Teksten er for lang til at være et tal (højst {MAX_NUMBER_TEXT} tegn).")
    t = _UNIT_SUFFIX.sub("", raw.strip()).strip()
    t = t.replace("\u2212", "-").replace("\u00a0", " ").replace("\u202f", " ")
    t = re.sub(r"(?<=\d) (?=\d{3}(\D|$))", ".", t)  # a space between thousands is a thousands separator
    shown = raw.strip()
    if not t:
        raise NumberError("Feltet er tomt: skriv et tal, fx 3,5.")
    if not _DANISH.fullmatch(t):
        if re.fullmatch(r"[+-]?[\d.,]+", t):
            raise NumberError(f"'{shown}' er ikke et tal i dansk format: brug komma som decimaltegn (fx 3,5) "
                              "og punktum mellem tusinder (fx 1.300).")
        raise NumberError(f"'{shown}' er ikke et tal. Skriv fx 3,5 eller 1.300.")
    value = float(t.replace(".", "").replace(",", "."))
    if not math.isfinite(value):
        raise NumberError(f"'{shown}' er ikke et endeligt tal.")
    if integer and value != int(value):
        raise NumberError(f"'{shown}' skal være et helt tal, fx 3.")
    return 0.0 if value == 0 else value
