"""Danish number formatting: '-1.300', '1,5 mio. kr.', and unit strings."""

from __future__ import annotations

import math
from collections.abc import Mapping


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


def pct(share: float | None, decimals: int = 0) -> str:
    if share is None:
        return "–"
    return f"{tal(100 * share, decimals)} %"


def unit(pl_year: int) -> str:
    return f"1.000 kr., {pl_year} p/l"


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
