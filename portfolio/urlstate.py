"""The scenario in the page URL: compact, readable query parameters that round-trip.

Only settings that differ from the page's defaults (`Scenario()` unless given) are written, e.g.
``?pool=20000&in=BU09,TV01&risk=middel&variant=SI05:Model%202``. Lists are comma separated; maps
are ``key:value`` pairs; a literal ``%``, ``,`` or ``:`` inside a key is percent-escaped (inside a
named pool also ``/`` and ``=``). A rule the defaults have and the scenario has not is ``ingen``
(``risk``, ``risky``, ``payback``, ``covers``, ``selffin``) or an empty value (``in``, ``out``,
``variant``, ``pl``, ``pool_year``, ``pools``, ``target``, ``parties``), so every valid scenario survives its link.

Each parameter's name is declared by its field in `portfolio.scenario.Scenario` (``param`` in the
field's ``json_schema_extra``, read with `field_param`); `QUERY_KEYS` is built from them, and the
pool's total and years are its parameter ``pool`` and its companion ``pool_year``. This module
holds only how each value is written and read.

| parameter | scenario field | example |
| --- | --- | --- |
| ``cat`` | catalogues | ``KK2020,BC2017`` |
| ``base`` | base_year | ``2021`` |
| ``horizon`` | horizon | ``2019-2024`` |
| ``objective`` | objective | ``min_pool`` |
| ``rate`` | discount_rate | ``0.04`` |
| ``npv_years`` | npv_extra_years | ``5`` |
| ``pool`` | pool.total (``none``: a pool without a total) | ``20000`` |
| ``pool_year`` | pool.per_year (the companion of ``pool``) | ``2019:8000,2020:5000`` |
| ``covers`` | pool_covers (``ingen``: none) | ``Service,Anlæg`` |
| ``risk`` | max_risk | ``middel`` |
| ``risky`` | max_risky_share | ``0.5`` |
| ``haircut`` | risk_haircut | ``middel:0.25,høj:0.5`` |
| ``payback`` | max_payback_years | ``4`` |
| ``in`` / ``out`` | force_in / force_out | ``BU09,TV01`` |
| ``variant`` | variants | ``SI05:Model 2`` |
| ``deps`` | dependencies | ``nej`` |
| ``solver`` | solver | ``cbc`` |
| ``time`` | time_limit | ``30`` |
| ``gap`` | mip_gap (a fraction: ``0.05`` = 5 %) | ``0.05`` |
| ``align`` | alignment | ``kalender`` |
| ``extend`` | extend_permanent | ``nej`` |
| ``pl`` | price_index | ``2018:98.5`` |
| ``pools`` | pools (see below) | ``drift:Service:12000:2020=5000,anlæg:Anlæg:3000:`` |
| ``target`` | savings_targets (see below) | ``2021:20000:maaltal:Socialudvalget,2022:5000:varig:`` |
| ``no_maaltal`` | no_maaltal_increase | ``ja`` |
| ``selffin`` | self_financing_by (``ingen``: none) | ``2021`` |
| ``parties`` | parties (see below) | ``A:1f77b4:BU09/TV01:HA02:20000:2021=5000=maaltal=,B::HA02:TV01::`` |

``pools``: one ``name:covers:total:per_year`` per named pool, separated by ``,``; the covers separated by
``/`` (``Service/Anlæg``), an empty total for none, the years as ``2020=5000/2021=3000``. ``target``:
one ``year:min:measure:udvalg`` per savings target, separated by ``,``; the measure ``maaltal`` or
``varig``, an empty udvalg for all udvalg together. ``parties``: one
``name:colour:must:never:max_pool:targets`` per party, separated by ``,``; the colour without ``#``
(``1f77b4``, empty: none), the must-have and no-go proposals separated by ``/`` (``BU09/TV01``), an
empty max_pool for no cap, the savings targets as ``year=min=measure=udvalg`` separated by ``/`` (an
empty udvalg: all udvalg together). Inside a party's name, a key and an udvalg, ``%``, ``,``, ``:``,
``/`` and ``=`` are percent-escaped.

`from_query` never raises: a parameter that cannot be read or is invalid falls back to the
default for that setting, with a Danish notice; proposals, variants and catalogues that are not in
the data are dropped with a notice (`fit_to_dataset`, also used for saved scenarios).

`params` maps each name to one value or to a list of values (``st.query_params.to_dict()`` gives
the last value only; ``{k: st.query_params.get_all(k)}`` gives them all). A parameter given more
than once: the values of a list parameter (``cat``, ``in``, ``out``, ``covers``, ``variant``,
``pool_year``, ``haircut``, ``pl``, ``pools``, ``target``, ``parties``) are merged, with a notice; for any other parameter the last
value counts (as in Streamlit), with a notice when the values differ. A key named twice in
``in``/``out`` (``in=BU09,BU09``) counts once, with a notice; a key twice in a map (``variant``,
``pool_year``, ``haircut``, ``pl``, a named pool's years) makes that parameter invalid; so does a
pool name twice in ``pools`` or two targets for the same year, measure and udvalg; so does a party
name twice in ``parties``, a key twice in one party's list, a key a party both demands and refuses,
or two of one party's targets for the same year, measure and udvalg.

Limits: at most `MAX_QUERY_PARAMS` values are read (a repeated parameter counts each time; the
rest are ignored with a notice), a value (or the merged values of one parameter) at most
`MAX_VALUE_LENGTH` characters, a number at most 40 characters and finite, years and key counts as
in `portfolio.scenario`, and the pool (and every named pool, in total and per year) at most
`pool_limit` (`fit_to_dataset` drops a larger amount with a notice, and a savings target for an
udvalg the chosen catalogues' data do not have; for the parties, a demanded or refused proposal
outside the chosen catalogues, a target for such an udvalg and a pool cap above `pool_limit`). Years
outside the horizon in ``pool_year``, ``pools``, ``target`` and the parties' targets are ignored with
a notice. With ``horizon_range`` (the dashboard passes
`HORIZON_SLIDER_RANGE`, its slider's range) a horizon outside the range falls back to the default
horizon with a notice (dropping the years outside it).
Unknown parameter names give one notice together.
"""

from __future__ import annotations

import math
import re
import typing
from collections import Counter
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any
from urllib.parse import quote, unquote, urlencode

from . import fmt
from .data import shown
from .model import DataSet
from .scenario import (
    POOL_LIMIT_MULTIPLE,
    PoolCoverName,
    Scenario,
    ScenarioError,
    all_investments,
    field_param,
    field_params,
    pool_limit,
    pool_problems,
    shown_list,
)

# every parameter, in the order of the fields, named by the fields' own declarations (`field_params`)
QUERY_KEYS: tuple[str, ...] = tuple(p for field in Scenario.model_fields for p in field_params(field))
_PARAM_OF: dict[str, str] = {field: field_param(field) for field in Scenario.model_fields}  # field -> parameter
_POOL_TOTAL = _PARAM_OF["pool"]  # "pool": the pool's total ...
_POOL_YEAR = field_params("pool")[1]  # ... and its companion "pool_year": the pool's years
MAX_VALUE_LENGTH = 20_000  # longer parameter values are ignored
MAX_QUERY_PARAMS = 1_000  # values read from one query; the rest are ignored
HORIZON_SLIDER_RANGE: tuple[int, int] = (2015, 2035)  # the dashboard's horizon slider
# the parameters whose repeated values are merged: the lists and maps
_LIST_FIELDS = ("catalogues", "force_in", "force_out", "pool_covers", "variants", "risk_haircut", "price_index",
                "pools", "savings_targets", "parties")
LIST_PARAMS = frozenset({_POOL_YEAR, *(_PARAM_OF[f] for f in _LIST_FIELDS)})
_KEY_LISTS = frozenset({_PARAM_OF["force_in"], _PARAM_OF["force_out"]})  # lists in which a proposal counts once
_MAX_NUMBER_LENGTH = 40
_NO_POOL_TOTAL = "none"
_NO_COVERS = "ingen"
_NONE = "ingen"  # no such rule (risk, risky, payback, selffin), where the defaults have one
_YES = {"ja": True, "true": True, "1": True, "nej": False, "false": False, "0": False}
_POOL_COVERS: tuple[str, ...] = typing.get_args(PoolCoverName)
_MEASURES = {"maaltal": "maaltal", "måltal": "maaltal", "varig": "varig"}
_POOL_FORMAT = "navn:dækker:i alt:pr. år, fx drift:Service/Anlæg:12000:2020=5000/2021=3000"
_TARGET_FORMAT = "år:mindst:maaltal eller varig:udvalg, fx 2021:20000:maaltal:Socialudvalget"
_PARTY_FORMAT = ("navn:farve:kræver:afviser:puljeloft:besparelseskrav, fx "
                 "A:1f77b4:BU09/TV01:HA02:20000:2021=5000=maaltal=Socialudvalget")
_PARTY_TARGET_FORMAT = "år=mindst=maaltal eller varig=udvalg, fx 2021=5000=maaltal=Socialudvalget"
_HEX_COLOUR = re.compile(r"#?([0-9a-fA-F]{6})")


class _Bad(ValueError):
    """A parameter value that cannot be read (the message is Danish)."""


# --------------------------------------------------------------------------------------------
# Encoding
# --------------------------------------------------------------------------------------------


def _esc(text: str) -> str:
    return text.replace("%", "%25").replace(",", "%2C").replace(":", "%3A")


def _esc_part(text: str) -> str:
    """`_esc`, and the separators inside a pool (``/`` between covers and years, ``=`` in a year)."""
    return _esc(text).replace("/", "%2F").replace("=", "%3D")


def _num(x: float) -> str:
    if float(x).is_integer() and abs(x) < 1e15:
        return str(int(x))
    return repr(float(x))


def _items(values: Sequence[str]) -> str:
    return ",".join(_esc(v) for v in values)


def _pairs(pairs: Sequence[tuple[str, str]]) -> str:
    return ",".join(f"{_esc(k)}:{_esc(v)}" for k, v in pairs)


def _yes_no(value: bool) -> str:
    return "ja" if value else "nej"


def _none_or(encode: Callable[[Any], str]) -> Callable[[Any], str]:
    """`encode`, with no such rule (None) written as ``ingen``."""
    def write(value: Any) -> str:
        return _NONE if value is None else encode(value)
    return write


def _year_amounts_text(per_year: Mapping[int, float], sep: str = ":", between: str = ",") -> str:
    return between.join(f"{y}{sep}{_num(a)}" for y, a in sorted(per_year.items()))


def _covers_text(covers: Sequence[Any]) -> str:
    return _items([c.value for c in covers]) if covers else _NO_COVERS


def _haircut_text(haircut: Any) -> str:
    return ",".join(f"{k}:{_num(v)}" for k, v in haircut.to_json().items() if v != 0) or "lav:0"


def _pools_text(pools: Sequence[Any]) -> str:
    """``name:covers:total:per_year`` per pool, e.g. ``drift:Service/Anlæg:12000:2020=5000/2021=3000``
    (an empty total: none)."""
    return ",".join(":".join((_esc_part(p.name), "/".join(_esc_part(c) for c in p.covers),
                              "" if p.total is None else _num(p.total),
                              _year_amounts_text(p.per_year, "=", "/")))
                    for p in pools)


def _targets_text(targets: Sequence[Any]) -> str:
    """``year:min:measure:udvalg`` per target, e.g. ``2021:20000:maaltal:Socialudvalget`` (an empty
    udvalg: all udvalg together)."""
    return ",".join(f"{t.year}:{_num(t.min)}:{t.measure}:{_esc(t.udvalg or '')}" for t in targets)


def _parties_text(parties: Sequence[Any]) -> str:
    """``name:colour:must:never:max_pool:targets`` per party, e.g.
    ``A:1f77b4:BU09/TV01:HA02:20000:2021=5000=maaltal=`` (the colour without ``#``, an empty colour or
    max_pool: none; the targets ``year=min=measure=udvalg``, an empty udvalg: all udvalg together)."""
    def one(p: Any) -> str:
        targets = "/".join(f"{t.year}={_num(t.min)}={t.measure}={_esc_part(t.udvalg or '')}"
                           for t in p.savings_targets)
        return ":".join((_esc_part(p.name), (p.colour or "").lstrip("#"),
                         "/".join(_esc_part(k) for k in p.must), "/".join(_esc_part(k) for k in p.never),
                         "" if p.max_pool is None else _num(p.max_pool), targets))
    return ",".join(one(p) for p in parties)


# field -> its value as parameter text (the pool, which spans two parameters, is `_pool_params`)
_ENCODERS: dict[str, Callable[[Any], str]] = {
    "catalogues": _items,
    "base_year": str,
    "horizon": lambda h: f"{h[0]}-{h[1]}",
    "objective": str,
    "discount_rate": _num,
    "npv_extra_years": str,
    "pool_covers": _covers_text,
    "max_risk": _none_or(str),
    "max_risky_share": _none_or(_num),
    "risk_haircut": _haircut_text,
    "max_payback_years": _none_or(str),
    "force_in": _items,
    "force_out": _items,
    "variants": lambda v: _pairs(sorted(v.items())),
    "dependencies": _yes_no,
    "solver": str,
    "time_limit": _num,
    "mip_gap": _num,
    "alignment": str,
    "extend_permanent": _yes_no,
    "price_index": lambda index: _pairs([(str(y), _num(v)) for y, v in sorted(index.items())]),
    "pools": _pools_text,
    "savings_targets": _targets_text,
    "no_maaltal_increase": _yes_no,
    "parties": _parties_text,
    "self_financing_by": _none_or(str),
}


def _pool_params(pool: Any, default: Any) -> dict[str, str]:
    """The pool as a whole: no pool, or its total (or none) and, where they differ from the
    defaults', its years."""
    q = {_POOL_TOTAL: _NO_POOL_TOTAL if pool is None or pool.total is None else _num(pool.total)}
    years = pool.per_year if pool is not None else {}
    if years != (default.per_year if default is not None else {}):
        q[_POOL_YEAR] = _year_amounts_text(years)
    return q


def to_query(scenario: Scenario, defaults: Scenario | None = None) -> dict[str, str]:
    """Query parameters for the settings of `scenario` that differ from `defaults` (the page's
    starting scenario; `Scenario()` if not given), so a link opened elsewhere, where the page
    starts from the same defaults, shows the same scenario. A rule the defaults have and the
    scenario has not is written as ``ingen`` (``risk``, ``risky``, ``payback``, ``selffin``) or as
    an empty value (``in``, ``out``, ``variant``, ``pl``, ``pool_year``, ``pools``, ``target``).
    Each parameter is the one its field declares (`portfolio.scenario.field_param`)."""
    d = defaults or Scenario()
    q: dict[str, str] = {}
    for field in Scenario.model_fields:
        mine, theirs = getattr(scenario, field), getattr(d, field)
        if mine == theirs:
            continue
        if field == "pool":
            q.update(_pool_params(mine, theirs))
        else:
            q[_PARAM_OF[field]] = _ENCODERS[field](mine)
    return q


# --------------------------------------------------------------------------------------------
# Decoding: text -> JSON-shaped values (raises _Bad)
# --------------------------------------------------------------------------------------------


def _split(text: str) -> list[str]:
    return [unquote(p) for p in text.split(",")] if text != "" else []


def _split_pairs(text: str) -> list[tuple[str, str]]:
    out = []
    for part in text.split(",") if text != "" else []:
        k, sep, v = part.partition(":")
        if not sep:
            raise _Bad(f"'{_show(part)}' mangler ':' mellem nøgle og værdi")
        out.append((unquote(k), unquote(v)))
    return out


def _float(text: str) -> float:
    t = text.strip()
    if len(t) > _MAX_NUMBER_LENGTH:
        raise _Bad("tallet er for langt")
    if t.count(",") == 1 and "." not in t:
        t = t.replace(",", ".")
    try:
        x = float(t)
    except ValueError:
        raise _Bad(f"'{_show(text)}' er ikke et tal") from None
    if not math.isfinite(x):
        raise _Bad(f"'{_show(text)}' er ikke et endeligt tal")
    return x


def _int(text: str) -> int:
    t = text.strip()
    if len(t) > _MAX_NUMBER_LENGTH:
        raise _Bad("tallet er for langt")
    if not re.fullmatch(r"[+-]?\d+", t):
        raise _Bad(f"'{_show(text)}' er ikke et heltal")
    return int(t)


def _bool(text: str) -> bool:
    v = _YES.get(text.strip().lower())
    if v is None:
        raise _Bad(f"'{_show(text)}' skal være ja eller nej")
    return v


def _year_map(text: str) -> dict[str, float]:
    out: dict[str, float] = {}
    for k, v in _split_pairs(text):
        y = _int(k)
        if str(y) in out:
            raise _Bad(f"året {y} står to gange")
        out[str(y)] = _float(v)
    return out


def _horizon(text: str) -> list[int]:
    m = re.fullmatch(r"\s*([+-]?\d{1,6})\s*-\s*([+-]?\d{1,6})\s*", text)
    if not m:
        raise _Bad(f"'{_show(text)}' skal skrives som fx 2019-2024")
    return [int(m.group(1)), int(m.group(2))]


def _haircut(text: str) -> dict[str, float]:
    out = {"lav": 0.0, "middel": 0.0, "høj": 0.0}
    seen: set[str] = set()
    for k, v in _split_pairs(text):
        name = {"hoej": "høj", "hoj": "høj"}.get(k.strip().lower(), k.strip().lower())
        if name not in out:
            raise _Bad(f"ukendt risikoniveau '{_show(k)}' (brug lav, middel eller høj)")
        if name in seen:
            raise _Bad(f"risikoniveauet {name} står flere gange")
        seen.add(name)
        out[name] = _float(v)
    return out


def _variants(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for k, v in _split_pairs(text):
        if k in out:
            raise _Bad(f"{_show(k)} står flere gange")
        out[k] = v
    return out


def _covers(text: str) -> list[str]:
    return [] if text.strip().lower() == _NO_COVERS else _split(text)


def _text(text: str) -> str:
    return text.strip()


def _or_none(decode: Callable[[str], Any]) -> Callable[[str], Any]:
    """`decode`, with ``ingen`` meaning no such rule (None)."""
    def read(text: str) -> Any:
        return None if text.strip().lower() == _NONE else decode(text)
    return read


def _pool_amounts(text: str, name: str) -> dict[str, float]:
    """A named pool's years, ``2020=5000/2021=3000``."""
    out: dict[str, float] = {}
    for part in text.split("/") if text.strip() != "" else []:
        y, sep, a = part.partition("=")
        if not sep:
            raise _Bad(f"puljen '{_show(name)}': '{_show(unquote(part))}' mangler '=' mellem år og beløb")
        year = _int(unquote(y))
        if str(year) in out:
            raise _Bad(f"puljen '{_show(name)}': året {year} står to gange")
        out[str(year)] = _float(unquote(a))
    return out


def _records(text: str, form: str, n: int = 4) -> list[list[str]]:
    """The ``,``-separated records of `n` ``:``-separated (still escaped) fields; `form` says how to write one."""
    out = []
    for part in text.split(",") if text != "" else []:
        fields = part.split(":")
        if len(fields) != n:
            raise _Bad(f"'{_show(unquote(part))}' skal skrives som {form}")
        out.append(fields)
    return out


def _pools(text: str) -> list[dict[str, Any]]:
    """Named pools, ``name:covers:total:per_year`` separated by ``,`` (see `_pools_text`)."""
    out: list[dict[str, Any]] = []
    for fields in _records(text, _POOL_FORMAT):
        name, covers, total, years = (unquote(fields[0]), fields[1], unquote(fields[2]), fields[3])
        cover_names = [unquote(c) for c in covers.split("/")] if covers != "" else []
        unknown = [c for c in cover_names if c not in _POOL_COVERS]
        if unknown:
            raise _Bad(f"puljen '{_show(name)}' dækker det ukendte styringsområde {_list_text(unknown)} (brug "
                       f"{', '.join(_POOL_COVERS[:-1])} eller {_POOL_COVERS[-1]})")
        out.append({"name": name, "covers": cover_names, "total": None if total.strip() == "" else _float(total),
                    "per_year": _pool_amounts(years, name)})
    return out


def _target(year: str, amount: str, measure: str, udvalg: str, where: str = "") -> dict[str, Any]:
    """One savings target's JSON from its four (unescaped) fields."""
    kind = _MEASURES.get(measure.strip().lower())
    if kind is None:
        raise _Bad(f"{where}'{_show(measure)}' skal være maaltal eller varig")
    return {"year": _int(year), "min": _float(amount), "measure": kind, "udvalg": udvalg or None}


def _targets(text: str) -> list[dict[str, Any]]:
    """Savings targets, ``year:min:measure:udvalg`` separated by ``,`` (see `_targets_text`)."""
    out: list[dict[str, Any]] = []
    for fields in _records(text, _TARGET_FORMAT):
        out.append(_target(*(unquote(f) for f in fields)))
    return out


def _party_keys(text: str) -> list[str]:
    """A party's ``/``-separated proposal keys."""
    return [unquote(k) for k in text.split("/")] if text != "" else []


def _party_targets(text: str, name: str) -> list[dict[str, Any]]:
    """A party's savings targets, ``year=min=measure=udvalg`` separated by ``/``."""
    out: list[dict[str, Any]] = []
    for part in text.split("/") if text.strip() != "" else []:
        fields = part.split("=")
        if len(fields) != 4:
            raise _Bad(f"partiet '{_show(name)}': '{_show(unquote(part))}' skal skrives som {_PARTY_TARGET_FORMAT}")
        out.append(_target(*(unquote(f) for f in fields), where=f"partiet '{_show(name)}': "))
    return out


def _parties(text: str) -> list[dict[str, Any]]:
    """The parties, ``name:colour:must:never:max_pool:targets`` separated by ``,`` (see `_parties_text`)."""
    out: list[dict[str, Any]] = []
    for fields in _records(text, _PARTY_FORMAT, 6):
        name, colour, must, never, cap, targets = (unquote(fields[0]), unquote(fields[1]), *fields[2:4],
                                                    unquote(fields[4]), fields[5])
        m = _HEX_COLOUR.fullmatch(colour.strip())
        if colour.strip() and m is None:
            raise _Bad(f"partiet '{_show(name)}': farven '{_show(colour)}' skal skrives med seks hex-cifre, fx 1f77b4")
        out.append({"name": name, "colour": f"#{m.group(1)}" if m else None, "must": _party_keys(must),
                    "never": _party_keys(never), "max_pool": None if cap.strip() == "" else _float(cap),
                    "savings_targets": _party_targets(targets, name)})
    return out


# field -> the decoder of its parameter's text (the pool, which spans two parameters, is read in `from_query`)
_DECODE: dict[str, Callable[[str], Any]] = {
    "catalogues": _split,
    "base_year": _int,
    "horizon": _horizon,
    "objective": _text,
    "discount_rate": _float,
    "npv_extra_years": _int,
    "pool_covers": _covers,
    "max_risk": _or_none(_text),
    "max_risky_share": _or_none(_float),
    "risk_haircut": _haircut,
    "max_payback_years": _or_none(_int),
    "force_in": _split,
    "force_out": _split,
    "variants": _variants,
    "dependencies": _bool,
    "solver": _text,
    "time_limit": _float,
    "mip_gap": _float,
    "alignment": _text,
    "extend_permanent": _bool,
    "price_index": _year_map,
    "pools": _pools,
    "savings_targets": _targets,
    "no_maaltal_increase": _bool,
    "parties": _parties,
    "self_financing_by": _or_none(_int),
}
# param -> (scenario field, decoder), the parameter named by the field's declaration
_DECODERS: dict[str, tuple[str, Callable[[str], Any]]] = {_PARAM_OF[f]: (f, decode) for f, decode in _DECODE.items()}
# the order in which fields are applied (horizon before everything with years in it, force_in before force_out)
_FIELD_ORDER = ("catalogues", "base_year", "horizon", "objective", "discount_rate", "npv_extra_years", "pool",
                "pool_covers", "max_risk", "max_risky_share", "risk_haircut", "max_payback_years", "force_in",
                "force_out", "variants", "dependencies", "solver", "time_limit", "mip_gap", "alignment", "extend_permanent",
                "price_index", "pools", "savings_targets", "no_maaltal_increase", "self_financing_by", "parties")
# the fields with years that must lie in the horizon: applied after it
_YEARS_IN_HORIZON = ("pools", "savings_targets", "self_financing_by", "parties")


_MARKUP = frozenset("[]<>*`\\#|$~{}")


def _show(value: object, limit: int = 40) -> str:
    """A value made safe to show in a notice: short, no control or markup characters."""
    return "".join("?" if ch in _MARKUP else ch for ch in shown(value, limit))


def _list_text(items: Sequence[str], limit: int = 8, width: int = 30) -> str:
    return "".join("?" if ch in _MARKUP else ch for ch in shown_list(items, limit, width))


def _reason(e: ScenarioError) -> str:
    text = str(e)
    for prefix in ("Ugyldigt scenarie: ", "Scenariet passer ikke til data: "):
        if text.startswith(prefix):
            text = text[len(prefix):]
    return _show(text, 200)


def _values(params: Mapping[Any, Any], notices: list[str]) -> dict[str, list[str]]:
    """Each parameter's values as text, at most `MAX_QUERY_PARAMS` values in all (in order)."""
    out: dict[str, list[str]] = {}
    budget = MAX_QUERY_PARAMS
    items = iter(params.items())
    for name, raw in items:
        many = raw[:budget + 1] if isinstance(raw, list | tuple) else [raw]
        take = many[:budget]
        out.setdefault(str(name), []).extend(v if isinstance(v, str) else str(v) for v in take)
        budget -= len(take)
        if len(take) < len(many) or (budget == 0 and next(items, None) is not None):
            notices.append(f"Adressen har mere end {MAX_QUERY_PARAMS} indstillinger; resten ignoreres.")
            break
    return out


def _merged(name: str, values: list[str], notices: list[str]) -> str:
    """One parameter's text: a list parameter's repeated values merged (with a notice), else the last."""
    if not values:
        return ""
    if len(values) > 1 and name in LIST_PARAMS:
        notices.append(f"Indstillingen '{name}' står {len(values)} gange i adressen; værdierne er lagt sammen.")
        return ",".join(v for v in values if v != "")
    if len(set(values)) > 1:
        notices.append(f"Indstillingen '{name}' står {len(values)} gange i adressen med forskellige værdier; "
                       f"den sidste ({_show(values[-1])}) bruges.")
    return values[-1]


def _once(name: str, keys: list[str], notices: list[str]) -> list[str]:
    """`keys` with every key once (a notice names the repeated ones)."""
    unique = list(dict.fromkeys(keys))
    if len(unique) < len(keys):
        twice = [k for k, n in Counter(keys).items() if n > 1]
        notices.append(f"Indstillingen '{name}' i adressen nævner {_list_text(twice)} flere gange; "
                       "det tæller én gang.")
    return unique


def from_query(params: Mapping[str, str | list[str]], ds: DataSet, *, ignore: Collection[str] = (),
               horizon_range: tuple[int, int] | None = None,
               defaults: Scenario | None = None) -> tuple[Scenario, list[str]]:
    """The scenario described by the query parameters, and a Danish notice per problem.

    Never raises. `ignore` names parameters the page uses for other purposes (no notice for them);
    `horizon_range` (e.g. `HORIZON_SLIDER_RANGE`) is the range a horizon must lie in; `defaults`
    is the scenario absent or unreadable parameters fall back to (the page's starting scenario,
    as given to `to_query`; `Scenario()` if not given).
    """
    base = defaults or Scenario()
    notices: list[str] = []
    try:
        decoded: dict[str, Any] = {}
        pool_total: Any = "absent"
        pool_year: Any = "absent"
        unknown: list[str] = []
        for name_s, raw_values in _values(params, notices).items():
            if name_s in ignore:
                continue
            if name_s not in QUERY_KEYS:
                unknown.append(name_s)
                continue
            text = _merged(name_s, raw_values, notices)
            if len(text) > MAX_VALUE_LENGTH:
                notices.append(f"Indstillingen '{name_s}' i adressen er for lang og ignoreres; "
                               "standardværdien bruges.")
                continue
            try:
                if name_s == _POOL_TOTAL:
                    pool_total = None if text.strip().lower() == _NO_POOL_TOTAL else _float(text)
                elif name_s == _POOL_YEAR:
                    pool_year = _year_map(text)
                else:
                    field, decode = _DECODERS[name_s]
                    value = decode(text)
                    decoded[field] = _once(name_s, value, notices) if name_s in _KEY_LISTS else value
            except _Bad as e:
                notices.append(f"Indstillingen '{name_s}' i adressen kunne ikke læses ({e}); standardværdien bruges.")
        if unknown:
            notices.insert(0, f"Adressen indeholder {'en ukendt indstilling' if len(unknown) == 1 else 'ukendte indstillinger'} "
                              f"{_list_text(unknown)}, som ignoreres.")
        if pool_total != "absent" or pool_year != "absent":
            start = base.pool.to_json() if base.pool is not None else {"total": None, "per_year": {}}
            decoded["pool"] = {"total": start["total"] if pool_total == "absent" else pool_total,
                               "per_year": start["per_year"] if pool_year == "absent" else pool_year}
        scenario = _build(decoded, notices, base=base)
        fitted, more = fit_to_dataset(scenario, ds, horizon_range=horizon_range)
        return fitted, notices + more
    except Exception:  # noqa: BLE001 - the URL is user input: never fail on it
        notices.append("Scenariet i adressen kunne ikke læses; standardscenariet bruges.")
        try:
            fitted, more = fit_to_dataset(base, ds)
            return fitted, notices + more
        except Exception:  # noqa: BLE001
            return base, notices


def lenient_scenario(data: Mapping[str, Any]) -> tuple[Scenario, list[str]]:
    """A scenario from JSON-shaped data, dropping (with a Danish notice) every field that is invalid
    instead of failing. Used for saved scenarios written by an older or newer version."""
    notices: list[str] = []
    known = set(Scenario.model_fields)
    decoded: dict[str, Any] = {}
    for k, v in data.items():
        if k in known:
            decoded[k] = v
        else:
            notices.append(f"Feltet '{_show(k)}' kendes ikke og ignoreres.")
    return _build(decoded, notices, where="Feltet"), notices


def _build(decoded: Mapping[str, Any], notices: list[str], where: str = "Indstillingen", *,
           base: Scenario | None = None) -> Scenario:
    """Apply the decoded fields one at a time on top of `base` (default `Scenario()`), keeping
    each that validates."""
    data = (base or Scenario()).to_json()
    for field in _FIELD_ORDER:
        if field not in decoded:
            continue
        value = decoded[field]
        name = _PARAM_OF.get(field, field) if where == "Indstillingen" else field
        label = f"{where} '{name}'" + (" i adressen" if where == "Indstillingen" else "")
        trial_base = data
        if field == "horizon" and "pool" in decoded and data["pool"] and _is_horizon(value):
            # the pool is replaced next: the default pool's years outside the new horizon do not count
            pool = data["pool"]
            kept = {y: a for y, a in pool["per_year"].items() if value[0] <= int(y) <= value[1]}
            trial_base = {**data, "pool": {**pool, "per_year": kept} if kept or pool["total"] is not None else None}
        if field == "horizon" and _is_horizon(value):
            # the fields with years that are replaced next: the defaults' years outside the new horizon do not count
            trial_base = _within(trial_base, [f for f in _YEARS_IN_HORIZON if f in decoded], value[0], value[1])
        if field == "force_in" and "force_out" in decoded and isinstance(value, list):
            # force_out is replaced next: the default's keys forced out do not conflict
            trial_base = {**data, "force_out": [k for k in data["force_out"] if k not in value]}
        if field == "force_out" and isinstance(value, list):
            forced = set(data["force_in"])
            both = [k for k in value if k in forced]
            if both:
                notices.append(f"{label}: {_list_text(both)} er også tvunget med og er fjernet fra 'tvunget fra'.")
                value = [k for k in value if k not in both]
        if field in _HORIZON_DROPS:  # the years outside the horizon are dropped, with a notice
            within, what, width = _HORIZON_DROPS[field]
            y0, y1 = data["horizon"]
            value, dropped = within(value, y0, y1)
            if dropped:
                notices.append(f"{label}: {what} uden for horisonten {y0}-{y1} ignoreres "
                               f"({_list_text(dropped, width=width)}).")
        trial = {**trial_base, field: value}
        try:
            Scenario.from_json(trial)
        except ScenarioError as e:
            notices.append(f"{label} er ugyldig ({_reason(e)}); standardværdien bruges.")
            continue
        except Exception:  # noqa: BLE001
            notices.append(f"{label} er ugyldig; standardværdien bruges.")
            continue
        data = trial
    return Scenario.from_json(data)


_YEAR = re.compile(r"\s*[+-]?[0-9]{1,6}\s*")


def _year_of(value: Any) -> int | None:
    """`value` as a year: an int, or a year's text as JSON keys have it; None for anything else."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        return None
    if isinstance(value, str) and not _YEAR.fullmatch(value):
        return None
    return int(value)


def _in_horizon(year: Any, y0: int, y1: int) -> bool:
    """Whether `year` (an int, or a year's text as JSON keys have it) lies in the horizon y0-y1."""
    y = _year_of(year)
    return y is not None and y0 <= y <= y1


def _outside(year: Any, y0: int, y1: int) -> bool:
    """Whether `year` is a year outside the horizon y0-y1 (what is no year is left to the validation)."""
    y = _year_of(year)
    return y is not None and not y0 <= y <= y1


def _pool_within(pool: Any, y0: int, y1: int) -> tuple[Any, list[str]]:
    """The pool (JSON-shaped) without its years outside y0-y1 (or what is no year), and those years."""
    if not (isinstance(pool, Mapping) and isinstance(pool.get("per_year"), Mapping)):
        return pool, []
    outside = [y for y in pool["per_year"] if not _in_horizon(y, y0, y1)]
    if not outside:
        return pool, []
    return {**pool, "per_year": {y: a for y, a in pool["per_year"].items() if y not in outside}}, [str(y) for y in outside]


def _targets_within(targets: Any, y0: int, y1: int) -> tuple[Any, list[Any]]:
    """The savings targets (JSON-shaped) without those for a year outside y0-y1, and those targets
    (what is no year is left to the validation)."""
    if not isinstance(targets, list):
        return targets, []
    outside = [t for t in targets if isinstance(t, Mapping) and _outside(t.get("year"), y0, y1)]
    if not outside:
        return targets, []
    return [t for t in targets if not any(t is o for o in outside)], outside


def _target_years_within(targets: Any, y0: int, y1: int) -> tuple[Any, list[str]]:
    """`_targets_within`, with the dropped targets' years (each once, in order)."""
    kept, outside = _targets_within(targets, y0, y1)
    return kept, sorted({str(t.get("year")) for t in outside})


def _pools_within(pools: Any, y0: int, y1: int) -> tuple[Any, list[str]]:
    """The named pools (JSON-shaped) without their years outside y0-y1, and those years as
    "puljen 'drift' for 2030" texts."""
    if not isinstance(pools, list):
        return pools, []
    kept: list[Any] = []
    dropped: list[str] = []
    for p in pools:
        if isinstance(p, Mapping) and isinstance(p.get("per_year"), Mapping):
            outside = [y for y in p["per_year"] if _outside(y, y0, y1)]
            if outside:
                dropped += [f"puljen '{shown(p.get('name'), 40)}' for {shown(y, 10)}" for y in outside]
                p = {**p, "per_year": {y: a for y, a in p["per_year"].items() if y not in outside}}
        kept.append(p)
    return kept, dropped


def _parties_within(parties: Any, y0: int, y1: int) -> tuple[Any, list[str]]:
    """The parties (JSON-shaped) without their savings targets for years outside y0-y1, and those
    targets as "partiet 'A' for 2030" texts."""
    if not isinstance(parties, list):
        return parties, []
    kept: list[Any] = []
    dropped: list[str] = []
    for p in parties:
        if isinstance(p, Mapping):
            targets, outside = _targets_within(p.get("savings_targets"), y0, y1)
            if outside:
                dropped += [f"partiet '{shown(p.get('name'), 40)}' for {shown(t.get('year'), 10)}" for t in outside]
                p = {**p, "savings_targets": targets}
        kept.append(p)
    return kept, dropped


# the fields whose years outside the horizon the decoder drops: how, what the notice calls them,
# and how wide its list of them may be
_HORIZON_DROPS: dict[str, tuple[Callable[[Any, int, int], tuple[Any, list[str]]], str, int]] = {
    "pool": (_pool_within, "år", 30),
    "pools": (_pools_within, "år", 80),
    "savings_targets": (_target_years_within, "krav for år", 30),
    "parties": (_parties_within, "partiernes besparelseskrav for år", 80),
}


def _within(data: dict[str, Any], fields: Sequence[str], y0: int, y1: int) -> dict[str, Any]:
    """The JSON-shaped `data` with the years outside y0-y1 removed from `fields` (named pools'
    years, savings targets, the self-financing year)."""
    out = dict(data)
    if "pools" in fields:
        out["pools"] = _pools_within(list(out["pools"]), y0, y1)[0]
    if "savings_targets" in fields:
        out["savings_targets"] = _targets_within(list(out["savings_targets"]), y0, y1)[0]
    if "parties" in fields:
        out["parties"] = _parties_within(list(out["parties"]), y0, y1)[0]
    if "self_financing_by" in fields and out["self_financing_by"] is not None \
            and not _in_horizon(out["self_financing_by"], y0, y1):
        out["self_financing_by"] = None
    return out


def _is_horizon(value: Any) -> bool:
    return (isinstance(value, list | tuple) and len(value) == 2
            and all(isinstance(y, int) and not isinstance(y, bool) for y in value))


def fit_to_dataset(scenario: Scenario, ds: DataSet, *,
                   horizon_range: tuple[int, int] | None = None) -> tuple[Scenario, list[str]]:
    """The scenario with every catalogue, proposal and variant that the dataset does not have
    removed, a pool above `pool_limit` removed, and (with `horizon_range`) a horizon outside that
    range replaced by the default; a Danish notice per change. Never raises."""
    notices: list[str] = []
    known = [c.id for c in ds.catalogues]
    if not known:
        return scenario, ["Der er ingen kataloger i data."]
    data = scenario.to_json()
    if horizon_range is not None:
        _fit_horizon(data, horizon_range, notices)
    cats = [c for c in data["catalogues"] if c in known]
    gone = [c for c in data["catalogues"] if c not in known]
    if gone:
        notices.append(f"Kataloget/katalogerne {_list_text(gone)} findes ikke i data og er fjernet fra scenariet.")
    if not cats:
        cats = [c for c in Scenario().catalogues if c in known] or known[:1]
        notices.append(f"Scenariet har intet katalog, der findes i data; {_list_text(cats)} bruges.")
    data["catalogues"] = cats
    chosen = {p.key for c in ds.catalogues if c.id in cats for p in c.proposals}

    def keep_keys(field: str, what: str) -> None:
        keys = list(dict.fromkeys(data[field]))
        unknown = [k for k in keys if not ds.has(k)]
        outside = [k for k in keys if ds.has(k) and k not in chosen]
        if unknown:
            notices.append(f"{what}: forslag, der ikke findes i data, er fjernet: {_list_text(unknown)}.")
        if outside:
            notices.append(f"{what}: forslag uden for de valgte kataloger er fjernet: {_list_text(outside)}.")
        data[field] = [k for k in keys if k in chosen]

    keep_keys("force_in", "Tvunget med")
    keep_keys("force_out", "Tvunget fra")
    variants: dict[str, str] = {}
    for key, name in data["variants"].items():
        if key not in chosen:
            notices.append(f"Låst variant: forslaget {_show(key)} findes ikke i de valgte kataloger og er fjernet.")
        elif name not in ds.proposal(key).variant_names:
            notices.append(f"Låst variant: {_show(key)} har ingen variant '{_show(name)}'; låsen er fjernet.")
        else:
            variants[key] = name
    data["variants"] = variants
    _fit_targets(data, ds, notices)
    _fit_parties(data, ds, chosen, notices)
    try:
        fitted = _fit_party_pools(_fit_pool(Scenario.from_json(data), ds, notices), ds, notices)
    except ScenarioError as e:
        notices.append(f"Scenariet kunne ikke tilpasses data ({_reason(e)}); standardscenariet bruges.")
        fitted = Scenario.from_json({**Scenario().to_json(), "catalogues": cats})
    try:
        fitted.validate_for(ds)
    except ScenarioError as e:
        notices.append(f"Scenariet passer ikke til data ({_reason(e)}); pris- og lønindstillingerne nulstilles.")
        d = Scenario()
        reset = fitted.to_json() | {"base_year": d.base_year, "price_index": {}}
        try:
            fitted = _fit_party_pools(_fit_pool(Scenario.from_json(reset), ds, notices), ds, notices)
            fitted.validate_for(ds)
        except ScenarioError as e2:
            notices.append(f"Scenariet passer stadig ikke til data ({_reason(e2)}).")
    return fitted, notices


def _fit_horizon(data: dict[str, Any], horizon_range: tuple[int, int], notices: list[str]) -> None:
    """Replace a horizon outside `horizon_range` by the default one (dropping the per-year pools,
    savings targets and the self-financing year outside it) in the JSON-shaped `data`."""
    lo, hi = horizon_range
    y0, y1 = data["horizon"]
    if lo <= y0 and y1 <= hi:
        return
    d0, d1 = Scenario().horizon
    notices.append(f"Horisonten {y0}-{y1} ligger uden for {lo}-{hi}; standardhorisonten {d0}-{d1} bruges.")
    data["horizon"] = [d0, d1]
    pool, dropped = _pool_within(data.get("pool"), d0, d1)
    if dropped:
        notices.append(f"Puljen for {_list_text(dropped)} ligger uden for horisonten {d0}-{d1} og er fjernet.")
        data["pool"] = None if pool["total"] is None and not pool["per_year"] else pool
    data["pools"], dropped = _pools_within(data["pools"], d0, d1)
    if dropped:
        notices.append(f"Beløbene for {_list_text(dropped, width=80)} ligger uden for horisonten {d0}-{d1} og er "
                       "fjernet.")
    data["savings_targets"], dropped = _target_years_within(data["savings_targets"], d0, d1)
    if dropped:
        notices.append(f"Besparelseskravene for {_list_text(dropped)} ligger uden for horisonten {d0}-{d1} og er "
                       "fjernet.")
    data["parties"], dropped = _parties_within(data["parties"], d0, d1)
    if dropped:
        notices.append(f"Partiernes besparelseskrav for {_list_text(dropped, width=80)} ligger uden for horisonten "
                       f"{d0}-{d1} og er fjernet.")
    by = data["self_financing_by"]
    if by is not None and not d0 <= by <= d1:
        notices.append(f"Kravet om selvfinansiering senest {by} ligger uden for horisonten {d0}-{d1} og er fjernet.")
        data["self_financing_by"] = None


def _fit_targets(data: dict[str, Any], ds: DataSet, notices: list[str]) -> None:
    """Remove (with a notice) the savings targets of an udvalg that the chosen catalogues' data do not
    have, in the JSON-shaped `data`."""
    known = {ln.udvalg for c in ds.catalogues if c.id in data["catalogues"] for p in c.proposals for ln in p.lines}
    gone = [t for t in data["savings_targets"] if t["udvalg"] is not None and t["udvalg"] not in known]
    if gone:
        what = [f"{t['udvalg']} ({t['year']})" for t in gone]
        notices.append(f"Besparelseskrav til udvalg, der ikke findes i de valgte katalogers data, er fjernet: "
                       f"{_list_text(what, width=80)}.")
        data["savings_targets"] = [t for t in data["savings_targets"] if t not in gone]


def _fit_parties(data: dict[str, Any], ds: DataSet, chosen: Collection[str], notices: list[str]) -> None:
    """Remove (with a notice) from every party of the JSON-shaped `data` the demanded and refused
    proposals that are not in the chosen catalogues and the savings targets of an udvalg that the
    chosen catalogues' data do not have."""
    known = {ln.udvalg for c in ds.catalogues if c.id in data["catalogues"] for p in c.proposals for ln in p.lines}
    parties = []
    for party in data["parties"]:
        name = _show(party["name"])
        for field, what in (("must", "kræver"), ("never", "afviser")):
            gone = [k for k in party[field] if k not in chosen]
            if gone:
                notices.append(f"Partiet '{name}' {what} forslag, der ikke findes i de valgte kataloger; de er "
                               f"fjernet: {_list_text(gone)}.")
                party = {**party, field: [k for k in party[field] if k in chosen]}
        gone = [t for t in party["savings_targets"] if t["udvalg"] is not None and t["udvalg"] not in known]
        if gone:
            what = [f"{t['udvalg']} ({t['year']})" for t in gone]
            notices.append(f"Partiet '{name}': besparelseskrav til udvalg, der ikke findes i de valgte katalogers "
                           f"data, er fjernet: {_list_text(what, width=80)}.")
            party = {**party, "savings_targets": [t for t in party["savings_targets"] if t not in gone]}
        parties.append(party)
    data["parties"] = parties


def _fit_party_pools(scenario: Scenario, ds: DataSet, notices: list[str]) -> Scenario:
    """The scenario without the parties' pool caps above `pool_limit` (a notice names each, in mio. kr.)."""
    limit = pool_limit(ds, scenario)
    big = [p for p in scenario.parties if p.max_pool is not None and p.max_pool > limit]
    if not big:
        return scenario
    what = [f"partiet '{p.name}' ({_mio(p.max_pool or 0.0)})" for p in big]
    notices.append(_show(f"Puljeloftet for {shown_list(what, width=120)} er for stort og er fjernet: et puljeloft må "
                         f"højst være {fmt.tal(math.floor(limit / 100 + 1e-9) / 10, 1)} mio. kr.", 600))
    return scenario.replace(parties=[p.to_json() | ({"max_pool": None} if p in big else {})
                                     for p in scenario.parties])


def _mio(amount: float) -> str:
    """An amount in 1.000 kr. as people read it in a notice: exact, in mio. kr."""
    m = amount / 1000
    return f"{fmt.tal_exact(m, 6)} mio. kr." if abs(m) < 1e15 else f"over {fmt.tal(1e15)} mio. kr."


def _fit_pool(scenario: Scenario, ds: DataSet, notices: list[str]) -> Scenario:
    """The scenario without the pool amounts (the pool's and each named pool's) above `pool_limit`;
    the notice (for the dashboard: a link or a saved scenario) names the amounts and the limit in mio. kr."""
    if not pool_problems(ds, scenario):
        return scenario
    limit = pool_limit(ds, scenario)
    big: list[str] = []

    def fitted(what: str, pool: Any) -> dict[str, Any]:
        if pool.total is not None and pool.total > limit:
            big.append(f"{what} i alt ({_mio(pool.total)})")
        big.extend(f"{what} for {y} ({_mio(a)})" for y, a in sorted(pool.per_year.items()) if a > limit)
        return {"total": pool.total if pool.total is not None and pool.total <= limit else None,
                "per_year": {str(y): a for y, a in sorted(pool.per_year.items()) if a <= limit}}

    changes: dict[str, Any] = {}
    if scenario.pool is not None:
        kept = fitted("puljen", scenario.pool)
        changes["pool"] = None if kept["total"] is None and not kept["per_year"] else kept
    changes["pools"] = [{**p.to_json(), **fitted(f"puljen '{p.name}'", p)} for p in scenario.pools]
    invest = all_investments(ds, scenario)
    why = (f", dvs. {POOL_LIMIT_MULTIPLE} gange alle forslags investeringer i de valgte kataloger tilsammen "
           f"({fmt.mio(invest, 1)})" if limit <= POOL_LIMIT_MULTIPLE * invest + 1e-6 else "")
    text = _show(f"{shown_list(big, width=120)} er for stor og er fjernet fra scenariet: puljen må højst være "
                 f"{fmt.tal(math.floor(limit / 100 + 1e-9) / 10, 1)} mio. kr.{why}.", 600)
    notices.append(text[:1].upper() + text[1:])
    return scenario.replace(**changes)


def share_link(base_url: str, params: Mapping[str, str | Sequence[str]]) -> str:
    """The page address with the query parameters, percent-encoded (a key with '&', '#', '+' or a
    space survives), as `from_query` reads them back."""
    pairs = [(k, v) for k, vs in params.items() for v in ([vs] if isinstance(vs, str) else vs)]
    return f"{base_url}?{urlencode(pairs, quote_via=quote)}" if pairs else base_url
