"""A scenario: every setting of one optimisation, as a frozen, JSON-serialisable object.

The JSON format (all fields optional) is the one the CLI reads and the dashboard saves:

    {"catalogues": ["KK2020"], "base_year": 2020, "horizon": [2019, 2024], "objective": "net",
     "discount_rate": 0.035, "npv_extra_years": 0,
     "pool": {"total": 20000, "per_year": {"2019": 5000}}, "pool_covers": ["Service", "Anlæg"],
     "max_risk": "middel", "max_risky_share": 0.5, "risk_haircut": {"lav": 0, "middel": 0.25, "høj": 0.5},
     "max_payback_years": 4, "force_in": ["TV01"], "force_out": [], "variants": {"SI05": "Model 2"},
     "dependencies": true, "solver": "highs", "time_limit": 10, "mip_gap": 0,
     "alignment": "forskudt", "extend_permanent": true, "price_index": {"2018": 98.5}}

Amounts are in 1.000 kr. at the scenario's base p/l. `Scenario.from_json` checks the format;
`validate_for(dataset)` checks the scenario against a dataset (catalogues, keys, variants, index,
the size of the pool). Every problem raises `ScenarioError` with a one-line Danish message that
names the field and, for a limit, the limit.

Limits (hostile or mistaken input is refused before any work, in time linear in its size):

* JSON text: at most `MAX_SCENARIO_BYTES` (1 MB) and `MAX_NESTING_DEPTH` (20) levels of ``{}``/``[]``,
  checked before the JSON parser runs; UTF-8 (with or without BOM) or UTF-16 with BOM
  (`decode_scenario`), any other encoding is refused; a key twice in one object, ``NaN``,
  ``Infinity``, a number that overflows (``1e999``) and integers longer than `MAX_NUMBER_DIGITS`
  digits are refused.
* `force_in`, `force_out`, `variants`, `catalogues`, `pool_covers`: at most `MAX_KEYS` entries
  each; a key twice in `force_in` or `force_out` is refused, naming the key.
* years (`base_year`, `horizon`, the years of `pool.per_year` and `price_index`): between
  `MIN_YEAR` and `MAX_YEAR` (1990-2100, the window `portfolio.data` allows for a catalogue); the
  horizon is shorter than `MAX_HORIZON_YEARS` (50) years.
* the pool (in total and every year's): at most `pool_limit(ds, scenario)`, i.e.
  `POOL_LIMIT_MULTIPLE` times the largest variant's investment of every proposal in the chosen
  catalogues together (at the scenario's p/l), but never less than `POOL_LIMIT_FLOOR`
  (checked in `validate_for`: the format alone does not know the catalogues).
"""

from __future__ import annotations

import codecs
import json
import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence, Sized
from enum import Enum
from typing import Annotated, Any, Literal, NoReturn

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    Strict,
    ValidationError,
    field_validator,
    model_validator,
)

from . import fmt
from .data import MAX_YEAR, MIN_YEAR, shown
from .flows import Alignment, FlowSettings
from .model import DataSet, Risk, Styring
from .objectives import MINIMISED_OBJECTIVES, OBJECTIVE_LABELS  # noqa: F401 - the scenario's objectives, by name
from .prices import PriceIndex, PriceIndexError

MAX_SCENARIO_BYTES = 1_000_000  # a scenario file or text may be at most this long
MAX_NESTING_DEPTH = 20  # levels of {} and [] in a scenario's JSON (a valid one has 3)
MAX_NUMBER_DIGITS = 30  # digits of an integer literal in a scenario's JSON
MAX_KEYS = 1_000  # entries of force_in, force_out, variants, catalogues and pool_covers
MAX_HORIZON_YEARS = 50  # the horizon is shorter than this
POOL_LIMIT_MULTIPLE = 100  # the pool may be at most this many times all proposals' investments
MAX_MIP_GAP = 0.5  # the largest relative gap a scenario may allow (`Scenario.mip_gap`): 50 %
POOL_LIMIT_FLOOR = 100_000.0  # ... but a pool up to this (1.000 kr.) is always allowed
MAX_PROBLEMS_SHOWN = 10  # a message lists at most this many problems, then "og N flere"

ObjectiveKind = Literal["net", "permanent", "annual", "npv", "min_pool"]
SolverName = Literal["highs", "cbc"]
RiskName = Literal["lav", "middel", "høj"]
AlignmentName = Literal["forskudt", "kalender"]


def _plausible_year(year: int) -> int:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueError(f"året {year} ligger uden for {MIN_YEAR}-{MAX_YEAR}")
    return year


StrictYear = Annotated[int, Strict(), AfterValidator(_plausible_year)]
Amount = Annotated[float, Strict(), Field(ge=0, allow_inf_nan=False)]
Share = Annotated[float, Strict(), Field(ge=0, le=1, allow_inf_nan=False)]
Key = Annotated[str, Strict(), Field(min_length=1)]



class ScenarioError(ValueError):
    """The scenario is malformed or does not fit the dataset. The message is meant for the user."""


# --------------------------------------------------------------------------------------------
# Text in messages
# --------------------------------------------------------------------------------------------


def shown_list(items: Sequence[object], limit: int = 8, width: int = 30) -> str:
    """The first `limit` items (each `shown`), comma separated, then "og N flere"."""
    text = ", ".join(shown(x, width) for x in items[:limit])
    return text + (f" og {len(items) - limit} flere" if len(items) > limit else "")


def _listed(problems: Sequence[str]) -> str:
    """Problems joined with '; ', at most `MAX_PROBLEMS_SHOWN` of them."""
    more = len(problems) - MAX_PROBLEMS_SHOWN
    return "; ".join(problems[:MAX_PROBLEMS_SHOWN]) + (f"; og {more} fejl mere" if more > 0 else "")


def _amount(x: float) -> str:
    return fmt.tal(x) if abs(x) < 1e15 else f"{x:.3g}"


# --------------------------------------------------------------------------------------------
# JSON text -> data (bounded, strict)
# --------------------------------------------------------------------------------------------

_UTF32_BOMS = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
# a JSON string (an unterminated one runs to the end of the text) or a bracket: one pass, no backtracking
_JSON_TOKEN = re.compile(r'"(?:[^"\\]++|\\.)*+"?|[\[\]{}]', re.DOTALL)
_JSON_ERROR_TEXT = {
    "Expecting value": "forventede en værdi",
    "Expecting property name enclosed in double quotes": "forventede et feltnavn i dobbelte anførselstegn",
    "Expecting ':' delimiter": "forventede ':'",
    "Expecting ',' delimiter": "forventede ','",
    "Unterminated string starting at": "en tekst mangler sit afsluttende anførselstegn",
    "Invalid control character at": "en tekst indeholder et kontroltegn",
    "Invalid \\escape": "en tekst har en ugyldig \\-sekvens",
    "Invalid \\uXXXX escape": "en tekst har en ugyldig \\u-sekvens",
    "Extra data": "der står mere efter JSON-objektet",
    "Illegal trailing comma before end of object": "et komma for meget før }",
    "Illegal trailing comma before end of array": "et komma for meget før ]",
}


def decode_scenario(data: bytes) -> str:
    """The text of a scenario file: UTF-8 (with or without BOM) or UTF-16 with BOM. Every other
    encoding (Latin-1, UTF-16 without BOM, UTF-32, binary) raises ScenarioError saying so."""
    if len(data) > MAX_SCENARIO_BYTES:
        raise ScenarioError(f"Scenariet er for stort: {len(data)} byte (højst {MAX_SCENARIO_BYTES} byte)")
    if data.startswith(_UTF32_BOMS):
        raise ScenarioError("Scenariet er kodet som UTF-32; gem det som UTF-8")
    if data.startswith(_UTF16_BOMS):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as e:
            raise ScenarioError(f"Scenariet er ikke gyldig UTF-16 (byte {e.start}); gem det som UTF-8") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise ScenarioError(f"Scenariet er ikke kodet som UTF-8 (ugyldig byte 0x{data[e.start]:02x} ved "
                            f"position {e.start}; er det Latin-1/Windows-1252?); gem det som UTF-8") from None


def _check_depth(text: str) -> None:
    """Refuse more than `MAX_NESTING_DEPTH` levels of brackets (outside strings) before parsing."""
    depth = 0
    for m in _JSON_TOKEN.finditer(text):
        ch = m.group()
        if ch in "[{":
            depth += 1
            if depth > MAX_NESTING_DEPTH:
                line = text.count("\n", 0, m.start()) + 1
                raise ScenarioError(f"Scenariet er indlejret for dybt: mere end {MAX_NESTING_DEPTH} niveauer "
                                    f"af {{ }} og [ ] (linje {line})")
        elif ch in "]}":
            depth = max(depth - 1, 0)


def _unique_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise ScenarioError(f"Scenariet har nøglen '{shown(k)}' to gange i samme objekt; fjern den ene")
        out[k] = v
    return out


def _refuse_constant(name: str) -> NoReturn:
    raise ScenarioError(f"Scenariet indeholder '{name}', som ikke er et endeligt tal (NaN og uendelig er ikke tilladt)")


def _finite_float(text: str) -> float:
    x = float(text)
    if not math.isfinite(x):
        raise ScenarioError(f"Scenariet indeholder tallet '{shown(text, 30)}', som er for stort til at være et "
                            "endeligt tal")
    return x


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_NUMBER_DIGITS:
        raise ScenarioError(f"Scenariet indeholder et heltal med {len(text.lstrip('-'))} cifre "
                            f"(højst {MAX_NUMBER_DIGITS}): '{shown(text, 20)}'")
    return int(text)


def parse_scenario_text(text: str) -> Any:
    """JSON text -> data, with the limits of the module docstring. Raises ScenarioError."""
    if len(text) > MAX_SCENARIO_BYTES:
        raise ScenarioError(f"Scenariet er for stort: {len(text)} tegn (højst {MAX_SCENARIO_BYTES})")
    if not text.strip():
        raise ScenarioError("Scenariet er tomt; det skal være et JSON-objekt ({...})")
    if "\x00" in text:
        raise ScenarioError("Scenariet indeholder NUL-tegn (en binær fil, eller UTF-16 uden BOM?); "
                            "gem det som UTF-8")
    _check_depth(text)
    try:
        return json.loads(text, object_pairs_hook=_unique_object, parse_constant=_refuse_constant,
                          parse_float=_finite_float, parse_int=_bounded_int)
    except json.JSONDecodeError as e:
        what = next((da for en, da in _JSON_ERROR_TEXT.items() if e.msg.startswith(en)), "ugyldig syntaks")
        raise ScenarioError(f"Scenariet er ikke gyldig JSON: {what} (linje {e.lineno}, kolonne {e.colno})") from None
    except RecursionError:  # not reachable after _check_depth; kept so that no input gives a traceback
        raise ScenarioError(f"Scenariet er indlejret for dybt (højst {MAX_NESTING_DEPTH} niveauer)") from None


# --------------------------------------------------------------------------------------------
# The model
# --------------------------------------------------------------------------------------------

_YEAR_TEXT = re.compile(r"\s*[0-9]{1,6}\s*")


def _year_keys(value: Any) -> Any:
    """JSON object keys are strings: accept "2019" (and 2019 from Python) as a year, in the
    plausible window, each year once."""
    if not isinstance(value, Mapping):
        return value
    out: dict[int, Any] = {}
    for k, v in value.items():
        if isinstance(k, int) and not isinstance(k, bool):
            year = k
        elif isinstance(k, str) and _YEAR_TEXT.fullmatch(k):
            year = int(k)
        else:
            raise ValueError(f"'{shown(k, 20)}' er ikke et årstal")
        _plausible_year(year)
        if year in out:
            raise ValueError(f"året {year} står flere gange")
        out[year] = v
    return out


def _each_once(keys: tuple[str, ...]) -> tuple[str, ...]:
    """A list of proposal keys in which every key stands once (else a Danish ValueError naming them)."""
    twice = [k for k, n in Counter(keys).items() if n > 1]
    if twice:
        raise ValueError(f"{shown_list(twice)} står flere gange")
    return keys


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class Pool(_Frozen):
    """The investment pool (investeringspuljen): a total over the horizon and/or per year."""

    total: Amount | None = None
    per_year: dict[int, Amount] = Field(default_factory=dict)

    @field_validator("per_year", mode="before")
    @classmethod
    def _years(cls, v: Any) -> Any:
        return _year_keys(v)

    def to_json(self) -> dict[str, Any]:
        return {"total": self.total, "per_year": {str(y): a for y, a in sorted(self.per_year.items())}}


# the pool categories: the styringsområder and model.INNOVATION_POOL (a test checks they agree)
PoolCoverName = Literal["Service", "Overførsler", "Efterspørgselsstyret", "Anlæg", "Innovationspulje"]
MAX_POOLS = 20  # named pools in one scenario
MAX_TARGETS = 100  # savings targets in one scenario
MAX_NAME_LENGTH = 60  # a pool's name


class NamedPool(Pool):
    """One more pool (e.g. the drift, anlæg or innovation part of investeringspuljen): the
    investments in the styringsområder it `covers` (or, with "Innovationspulje", the lines a
    proposal marks for the innovation pool) are at most `total` over the horizon and at most
    `per_year[y]` in year y. Amounts in 1.000 kr., base p/l."""

    name: Annotated[str, Strict(), Field(min_length=1, max_length=MAX_NAME_LENGTH)]
    covers: tuple[PoolCoverName, ...]

    @field_validator("name")
    @classmethod
    def _readable(cls, v: str) -> str:
        if not v.strip() or not v.isprintable():
            raise ValueError("et puljenavn skal være en læsbar tekst")
        return v.strip()

    @field_validator("covers")
    @classmethod
    def _some_cover(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        if not v:
            raise ValueError("en pulje skal dække mindst ét styringsområde (eller Innovationspulje)")
        if len(set(v)) < len(v):
            raise ValueError("et styringsområde står flere gange i 'covers'")
        return v

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "covers": list(self.covers), **super().to_json()}


TargetMeasure = Literal["maaltal", "varig"]


class SavingsTarget(_Frozen):
    """In `year` the chosen portfolio's savings are at least `min` (1.000 kr., base p/l, savings
    positive, the documents' figures without risk haircut): the service permanent changes (the
    måltal, `measure` "maaltal") or all permanent changes ("varig"), of one udvalg or all together."""

    year: StrictYear
    min: Amount
    measure: TargetMeasure = "maaltal"
    udvalg: Annotated[str, Strict(), Field(min_length=1, max_length=200)] | None = None

    def to_json(self) -> dict[str, Any]:
        return {"year": self.year, "min": self.min, "measure": self.measure, "udvalg": self.udvalg}


MAX_PARTIES = 20  # parties at the table in one scenario
_COLOUR = r"^#[0-9a-fA-F]{6}$"


class Party(_Frozen):
    """A party's position at the negotiating table: proposals it must have (`must`), proposals it
    will not accept (`never`), optionally a pool it will not exceed (`max_pool`: the pool-covered
    investment over the horizon, 1.000 kr.) and savings it insists on (`savings_targets`, as the
    scenario's). Every demand is a rule of the common ground; each can be priced and conceded."""

    name: Annotated[str, Strict(), Field(min_length=1, max_length=MAX_NAME_LENGTH)]
    colour: Annotated[str, Strict(), Field(pattern=_COLOUR)] | None = None
    must: tuple[Key, ...] = ()
    never: tuple[Key, ...] = ()
    max_pool: Amount | None = None
    savings_targets: tuple[SavingsTarget, ...] = ()

    @field_validator("name")
    @classmethod
    def _readable(cls, v: str) -> str:
        if not v.strip() or not v.isprintable():
            raise ValueError("et partinavn skal være en læsbar tekst")
        return v.strip()

    _keys_once = field_validator("must", "never")(lambda v: _each_once(v))

    @model_validator(mode="after")
    def _consistent(self) -> Party:
        both = sorted(set(self.must) & set(self.never))
        if both:
            raise ValueError(f"partiet {shown(self.name)} både kræver og afviser {shown_list(both)}")
        same = [t for t, k in Counter((t.year, t.measure, t.udvalg) for t in self.savings_targets).items() if k > 1]
        if same:
            raise ValueError(f"partiet {shown(self.name)} har to besparelseskrav for {same[0][0]}; slå dem sammen")
        return self

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "colour": self.colour, "must": list(self.must), "never": list(self.never),
                "max_pool": self.max_pool, "savings_targets": [t.to_json() for t in self.savings_targets]}


class RiskHaircut(_Frozen):
    """Share of each saving NOT counted in the objective, by risk level (expected value)."""

    lav: Share = 0.0
    middel: Share = 0.0
    hoej: Share = Field(0.0, alias="høj")

    def for_risk(self, risk: Risk | str) -> float:
        r = Risk(risk)
        return {Risk.LAV: self.lav, Risk.MIDDEL: self.middel, Risk.HOJ: self.hoej}[r]

    def by_rank(self) -> tuple[float, float, float]:
        return (self.lav, self.middel, self.hoej)

    def to_json(self) -> dict[str, float]:
        return {"lav": self.lav, "middel": self.middel, "høj": self.hoej}


def _plain(value: Any) -> Any:
    """A field's value in the JSON format: nested models by their `to_json`, enums by value,
    tuples as lists, maps with text keys in key order."""
    if isinstance(value, BaseModel):
        return value.to_json()  # type: ignore[attr-defined]
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    return value


_COUNTED_FIELDS = ("catalogues", "pool_covers", "force_in", "force_out", "variants")
_COUNT_LIMITS = {"pools": MAX_POOLS, "savings_targets": MAX_TARGETS, "parties": MAX_PARTIES}


def _ui(param: str, widget: str, label: str, **more: Any) -> dict[str, Any]:
    """A field's declaration: its URL parameter, the key (prefix) of the dashboard widget that edits
    it, and the Danish label of its exported row (or the prefix of its rows)."""
    return {"param": param, "widget": widget, "label": label, **more}


class Scenario(_Frozen):
    """Every setting of one optimisation. Each field declares beside it (``json_schema_extra``, `_ui`) its
    URL parameter (``param``; `portfolio.urlstate` reads its parameter names from here, see
    `field_params`), the dashboard widget that edits it (``widget``, `field_widget`) and the Danish
    label of its row, or the prefix of its rows, in the exported settings (``label``;
    `portfolio.export.assumption_rows`, see `field_label`)."""

    catalogues: tuple[Key, ...] = Field(("KK2020",), json_schema_extra=_ui("cat", "catalogues", "Kataloger"))
    base_year: StrictYear = Field(2020, json_schema_extra=_ui("base", "base_year", "Pris- og lønniveau (basisår)"))
    horizon: tuple[StrictYear, StrictYear] = Field((2019, 2024),
                                                   json_schema_extra=_ui("horizon", "horizon", "Horisont"))
    objective: ObjectiveKind = Field("net", json_schema_extra=_ui("objective", "objective", "Mål"))
    discount_rate: Annotated[float, Strict(), Field(ge=0, le=1, allow_inf_nan=False)] = Field(
        0.035, json_schema_extra=_ui("rate", "discount", "Diskonteringsrate"))
    npv_extra_years: Annotated[int, Strict(), Field(ge=0, le=100)] = Field(
        0, json_schema_extra=_ui("npv_years", "npv_extra", "Ekstra år i nutidsværdien"))
    # the pool spans two URL parameters: "pool" (its total) and its companion "pool_year" (its years)
    pool: Pool | None = Field(None, json_schema_extra=_ui("pool", "pool_text", "Investeringspulje",
                                                          companions=["pool_year"]))
    pool_covers: tuple[Styring, ...] = Field((Styring.SERVICE, Styring.ANLAEG),
                                             json_schema_extra=_ui("covers", "pool_covers", "Puljen dækker"))
    max_risk: RiskName | None = Field(None, json_schema_extra=_ui("risk", "max_risk", "Højeste risiko"))
    max_risky_share: Share | None = Field(
        None, json_schema_extra=_ui("risky", "risky_share", "Højeste andel til middel og høj risiko"))
    risk_haircut: RiskHaircut = Field(default_factory=RiskHaircut,
                                      json_schema_extra=_ui("haircut", "haircut_", "Risikofradrag"))
    max_payback_years: Annotated[int, Strict(), Field(ge=1, le=100)] | None = Field(
        None, json_schema_extra=_ui("payback", "max_payback", "Højeste tilbagebetalingstid (år)"))
    force_in: tuple[Key, ...] = Field((), json_schema_extra=_ui("in", "proposals_editor", "Tvunget med"))
    force_out: tuple[Key, ...] = Field((), json_schema_extra=_ui("out", "proposals_editor", "Tvunget fra"))
    variants: dict[Key, Key] = Field(default_factory=dict,
                                     json_schema_extra=_ui("variant", "proposals_editor", "Låste varianter"))
    dependencies: Annotated[bool, Strict()] = Field(
        True, json_schema_extra=_ui("deps", "dependencies", "Afhængigheder respekteres"))
    solver: SolverName = Field("highs", json_schema_extra=_ui("solver", "solver", "Løser"))
    time_limit: Annotated[float, Strict(), Field(gt=0, le=3600, allow_inf_nan=False)] = Field(
        10.0, json_schema_extra=_ui("time", "time_limit", "Tidsgrænse (sekunder)"))
    # the relative gap the optimiser may stop at, as a fraction (0.05 = 5 %; the dashboard's field
    # is in percent): 0 = proven optimal. A portfolio stopped at the gap is reported "within_gap",
    # with the proven bound and the remaining gap (`Result.bound`, `Result.gap`)
    mip_gap: Annotated[float, Strict(), Field(allow_inf_nan=False)] = Field(
        0.0, json_schema_extra=_ui("gap", "mip_gap", "Tilladt afstand til optimum"))
    alignment: AlignmentName = Field(
        "forskudt", json_schema_extra=_ui("align", "alignment", "Placering af ældre business cases"))
    extend_permanent: Annotated[bool, Strict()] = Field(True, json_schema_extra=_ui(
        "extend", "extend_permanent", "Varige ændringer fortsætter efter tabellens sidste år"))
    price_index: dict[int, Annotated[float, Strict(), Field(gt=0, allow_inf_nan=False)]] = Field(
        default_factory=dict, json_schema_extra=_ui("pl", "price_index_editor", "Pris- og lønindeks"))
    pools: tuple[NamedPool, ...] = Field((), json_schema_extra=_ui("pools", "pools_editor", "Pulje"))
    savings_targets: tuple[SavingsTarget, ...] = Field(
        (), json_schema_extra=_ui("target", "targets_editor", "Besparelseskrav"))
    no_maaltal_increase: Annotated[bool, Strict()] = Field(
        False, json_schema_extra=_ui("no_maaltal", "no_maaltal", "Intet udvalgs måltal må stige"))
    self_financing_by: StrictYear | None = Field(
        None, json_schema_extra=_ui("selffin", "self_financing", "Selvfinansierende senest"))
    parties: tuple[Party, ...] = Field((), json_schema_extra=_ui("parties", "parties_editor", "Parti"))

    @model_validator(mode="before")
    @classmethod
    def _counted(cls, data: Any) -> Any:
        """At most `MAX_KEYS` entries per list or map of keys, refused before any entry is checked."""
        if isinstance(data, Mapping):
            for name in _COUNTED_FIELDS:
                value = data.get(name)
                if isinstance(value, Sized) and not isinstance(value, str | bytes) and len(value) > MAX_KEYS:
                    raise ValueError(f"'{name}' har {len(value)} elementer; højst {MAX_KEYS} er tilladt")
            for name, limit in _COUNT_LIMITS.items():
                value = data.get(name)
                if isinstance(value, Sized) and not isinstance(value, str | bytes) and len(value) > limit:
                    raise ValueError(f"'{name}' har {len(value)} elementer; højst {limit} er tilladt")
            parties = data.get("parties")
            if isinstance(parties, list | tuple) and any(isinstance(p, Mapping) and "name" not in p for p in parties):
                # a party without a name is called by its place at the table
                data = {**data, "parties": [{"name": f"Parti {n}", **p} if isinstance(p, Mapping) and "name" not in p
                                            else p for n, p in enumerate(parties, start=1)]}
        return data

    @field_validator("mip_gap")
    @classmethod
    def _gap(cls, v: float) -> float:
        if not 0.0 <= v <= MAX_MIP_GAP:
            raise ValueError(f"den tilladte afstand til optimum skal være mellem 0 og {MAX_MIP_GAP:g}".replace(".", ",")
                             + f" (0–{MAX_MIP_GAP * 100:g} %; 0 = bevist optimal)")
        return float(v)

    @field_validator("pool")
    @classmethod
    def _no_empty_pool(cls, v: Pool | None) -> Pool | None:
        """A pool with neither a total nor any year is no pool: one form for one meaning."""
        return None if v is not None and v.total is None and not v.per_year else v

    @field_validator("price_index", mode="before")
    @classmethod
    def _index_years(cls, v: Any) -> Any:
        return _year_keys(v)

    @field_validator("catalogues")
    @classmethod
    def _some_catalogue(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        if not v:
            raise ValueError("vælg mindst ét katalog")
        return v

    _keys_once = field_validator("force_in", "force_out")(lambda v: _each_once(v))

    @model_validator(mode="after")
    def _consistent(self) -> Scenario:
        y0, y1 = self.horizon
        if y1 < y0:
            raise ValueError(f"horisonten er i forkert rækkefølge: {y0} ligger efter {y1}")
        if y1 - y0 >= MAX_HORIZON_YEARS:
            raise ValueError(f"horisonten {y0}-{y1} er længere end {MAX_HORIZON_YEARS} år")
        if self.pool is not None:
            outside = sorted(y for y in self.pool.per_year if not y0 <= y <= y1)
            if outside:
                raise ValueError(f"puljen har beløb for år uden for horisonten {y0}-{y1}: "
                                 + ", ".join(str(y) for y in outside))
        both = sorted(set(self.force_in) & set(self.force_out))
        if both:
            raise ValueError(f"{shown_list(both)} er både tvunget med og tvunget fra")
        names = [p.name for p in self.pools]
        twice = [n for n, k in Counter(names).items() if k > 1]
        if twice:
            raise ValueError(f"puljenavnet {shown_list(twice)} står flere gange i 'pools'")
        for p in self.pools:
            outside = sorted(y for y in p.per_year if not y0 <= y <= y1)
            if outside:
                raise ValueError(f"puljen '{shown(p.name)}' har beløb for år uden for horisonten {y0}-{y1}: "
                                 + ", ".join(str(y) for y in outside))
        outside = sorted({t.year for t in self.savings_targets if not y0 <= t.year <= y1})
        if outside:
            raise ValueError(f"'savings_targets' har krav for år uden for horisonten {y0}-{y1}: "
                             + ", ".join(str(y) for y in outside))
        same = [t for t, k in Counter((t.year, t.measure, t.udvalg) for t in self.savings_targets).items() if k > 1]
        if same:
            y, m, u = same[0]
            raise ValueError(f"'savings_targets' har to krav for {y} ({m}, {u or 'alle udvalg'}); slå dem sammen")
        names = [p.name for p in self.parties]
        twice = [n for n, k in Counter(names).items() if k > 1]
        if twice:
            raise ValueError(f"partinavnet {shown_list(twice)} står flere gange i 'parties'")
        outside = sorted({t.year for p in self.parties for t in p.savings_targets if not y0 <= t.year <= y1})
        if outside:
            raise ValueError(f"et partis besparelseskrav ligger uden for horisonten {y0}-{y1}: "
                             + ", ".join(str(y) for y in outside))
        if self.self_financing_by is not None and not y0 <= self.self_financing_by <= y1:
            raise ValueError(f"'self_financing_by' ({self.self_financing_by}) ligger uden for horisonten {y0}-{y1}")
        return self

    # --- JSON -------------------------------------------------------------------------------

    @classmethod
    def from_json(cls, data: str | bytes | Mapping[str, Any]) -> Scenario:
        """Parse a scenario from JSON text (str, or bytes as read from a file: see
        `decode_scenario`) or an already parsed dict. Raises ScenarioError."""
        if isinstance(data, bytes):
            data = decode_scenario(data)
        if isinstance(data, str):
            data = parse_scenario_text(data)
        if not isinstance(data, Mapping):
            raise ScenarioError(f"Scenariet skal være et JSON-objekt ({{...}}), ikke {_json_kind(data)}")
        try:
            return cls.model_validate(dict(data))
        except ValidationError as e:
            raise ScenarioError(_describe(e)) from None

    def to_json(self) -> dict[str, Any]:
        """Every field, in the format `from_json` reads (JSON-serialisable), derived from the
        model's own fields: a field added to the class is in the JSON, the cache key and every
        copy made with `replace` without further code."""
        return {name: _plain(getattr(self, name)) for name in type(self).model_fields}

    def replace(self, **changes: Any) -> Scenario:
        """A validated copy with some fields changed (values in the JSON format or as objects)."""
        data = self.to_json()
        for k, v in changes.items():
            data[k] = _plain(v)
        return Scenario.from_json(data)

    # --- convenience --------------------------------------------------------------------------

    @property
    def years(self) -> tuple[int, ...]:
        return tuple(range(self.horizon[0], self.horizon[1] + 1))

    @property
    def max_risk_rank(self) -> int | None:
        return None if self.max_risk is None else Risk(self.max_risk).rank

    def __hash__(self) -> int:
        return hash(self.cache_key())

    def cache_key(self) -> str:
        """A hashable, canonical form (for caches)."""
        return json.dumps(self.to_json(), sort_keys=True, ensure_ascii=False)

    def validate_for(self, ds: DataSet) -> None:
        """Check the scenario against a dataset; raises ScenarioError naming every problem.
        Linear in the number of keys."""
        problems: list[str] = []
        known_cats = {c.id for c in ds.catalogues}
        for cid in self.catalogues:
            if cid not in known_cats:
                problems.append(f"ukendt katalog '{shown(cid, 30)}' (kendte: {', '.join(sorted(known_cats))})")
        chosen = {p.key for c in ds.catalogues if c.id in self.catalogues for p in c.proposals}

        def check_key(key: str, what: str) -> bool:
            if not ds.has(key):
                problems.append(f"{what}: ukendt forslag '{shown(key, 30)}'")
                return False
            if key not in chosen:
                problems.append(f"{what}: forslaget '{shown(key, 30)}' er ikke med i de valgte kataloger")
                return False
            return True

        for key in self.force_in:
            check_key(key, "force_in")
        for key in self.force_out:
            check_key(key, "force_out")
        for key, name in self.variants.items():
            if check_key(key, "variants"):
                names = ds.proposal(key).variant_names
                if not names:
                    problems.append(f"variants: {key} har ingen varianter")
                elif name not in names:
                    problems.append(f"variants: {key} har ingen variant '{shown(name, 30)}' "
                                    f"(brug {' eller '.join(names)})")
        # price index: every p/l year that must be converted needs a value
        index_years = {e.year for e in ds.price_index} | set(self.price_index)
        needed = {self.base_year}
        for c in ds.catalogues:
            if c.id in self.catalogues:
                needed |= {p.price_level_year for p in c.proposals}
        if needed != {self.base_year} or self.price_index:
            missing = sorted(y for y in needed if y not in index_years)
            if missing:
                problems.append("pris- og lønindekset mangler en værdi for " + ", ".join(str(y) for y in missing))
        problems += pool_problems(ds, self)
        known_udvalg = {ln.udvalg for c in ds.catalogues if c.id in self.catalogues for p in c.proposals
                        for ln in p.lines} if self.savings_targets or any(p.savings_targets for p in self.parties) else set()
        for t in self.savings_targets:
            if t.udvalg is not None and t.udvalg not in known_udvalg:
                problems.append(f"savings_targets: ukendt udvalg '{shown(t.udvalg, 60)}' (kendte: "
                                f"{shown_list(sorted(known_udvalg), limit=12, width=40)})")
        for party in self.parties:
            where = f"parties ({shown(party.name, 40)})"
            for key in party.must:
                check_key(key, f"{where}, must")
            for key in party.never:
                check_key(key, f"{where}, never")
            for t in party.savings_targets:
                if t.udvalg is not None and t.udvalg not in known_udvalg:
                    problems.append(f"{where}: ukendt udvalg '{shown(t.udvalg, 60)}'")
            if party.max_pool is not None and party.max_pool > pool_limit(ds, self):
                problems.append(f"{where}: puljeloftet på {_amount(party.max_pool)} (1.000 kr.) er for stort: højst "
                                f"{_amount(pool_limit(ds, self))} (1.000 kr.)")
        if problems:
            raise ScenarioError("Scenariet passer ikke til data: " + _listed(problems))


def _declaration(name: str) -> Mapping[str, Any]:
    extra = Scenario.model_fields[name].json_schema_extra  # KeyError for a name that is no field
    if not isinstance(extra, Mapping):
        raise KeyError(f"Scenario.{name} declares no URL parameter and export label")
    return extra


def field_param(name: str) -> str:
    """The URL parameter a Scenario field declares (e.g. ``field_param("force_in") == "in"``)."""
    return str(_declaration(name)["param"])


def field_params(name: str) -> tuple[str, ...]:
    """Every URL parameter of a field: its own and its documented companions (the pool's
    ``pool_year``)."""
    return (field_param(name), *(str(p) for p in _declaration(name).get("companions", ())))  # type: ignore[union-attr]


def field_widget(name: str) -> str:
    """The key (or key prefix) of the dashboard widget that edits a field: a sidebar entry, or for
    the proposals' choices the proposals table ("proposals_editor")."""
    return str(_declaration(name)["widget"])


def field_label(name: str) -> str:
    """The Danish label of a field's row in the exported settings, or the prefix of its rows
    ("Investeringspulje" for "Investeringspulje i alt" and "Investeringspulje 2019")."""
    return str(_declaration(name)["label"])


def all_investments(ds: DataSet, scenario: Scenario) -> float:
    """All proposals' investments together (1.000 kr., at the scenario's p/l): the sum over the
    proposals of the scenario's catalogues of their largest variant's total investment, converted to
    the scenario's p/l where the index allows (else taken in the proposal's own p/l). A pool larger
    than this can never be used up; `pool_limit` is a multiple of it."""
    try:
        index: PriceIndex | None = PriceIndex.from_entries(ds.price_index).with_overrides(scenario.price_index)
    except PriceIndexError:
        index = None
    from . import linetable  # noqa: PLC0415 - numpy, only when a pool is checked

    tab = linetable.table(ds)  # each variant's own total investment, as `own_figures` gives it
    largest = tab.largest_own_investment().tolist()
    factors: dict[int, float] = {}
    chosen = {k for k, c in enumerate(tab.cat_ids) if c in scenario.catalogues}
    total = 0.0
    for k, cat, pl in zip(range(len(largest)), tab.prop_cat.tolist(), tab.prop_pl.tolist(), strict=True):
        if cat not in chosen:
            continue
        factor = factors.get(pl)
        if factor is None:
            try:
                factor = index.factor(pl, scenario.base_year) if index is not None else 1.0
            except PriceIndexError:
                factor = 1.0
            factors[pl] = factor
        total += max(largest[k], 0.0) * factor
    return total


def pool_limit(ds: DataSet, scenario: Scenario) -> float:
    """The largest pool (in total, and for any one year) `scenario` may state:
    `POOL_LIMIT_MULTIPLE` times `all_investments` (the proposals of the scenario's catalogues),
    and at least `POOL_LIMIT_FLOOR`."""
    return max(POOL_LIMIT_MULTIPLE * all_investments(ds, scenario), POOL_LIMIT_FLOOR)


def pool_problems(ds: DataSet, scenario: Scenario) -> list[str]:
    """A Danish problem naming every pool amount (the pool's and each named pool's, in total and per
    year) above `pool_limit` (or none)."""
    pools: list[tuple[str, Pool]] = [("puljen", scenario.pool)] if scenario.pool is not None else []
    pools += [(f"puljen '{shown(p.name)}'", p) for p in scenario.pools]
    if not any(p.total is not None or p.per_year for _, p in pools):
        return []
    limit = pool_limit(ds, scenario)
    too_large = []
    for what, pool in pools:
        if pool.total is not None and pool.total > limit:
            too_large.append(f"{what} i alt på {_amount(pool.total)} (1.000 kr.)")
        too_large += [f"{what} for {y} på {_amount(a)} (1.000 kr.)" for y, a in sorted(pool.per_year.items())
                      if a > limit]
    if not too_large:
        return []
    return [f"{shown_list(too_large, width=60)} er for stor: højst {_amount(limit)} (1.000 kr.), dvs. "
            f"{POOL_LIMIT_MULTIPLE} gange alle forslags investeringer i de valgte kataloger tilsammen (mindst "
            f"{_amount(POOL_LIMIT_FLOOR)})"]


def _json_kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "et tal"
    if isinstance(value, str):
        return "en tekst"
    if isinstance(value, list | tuple):
        return "en liste"
    return type(value).__name__


# --------------------------------------------------------------------------------------------
# pydantic's errors in Danish
# --------------------------------------------------------------------------------------------

# every error type the model can produce; {name} is filled from the error's context
_ERROR_TEXT: dict[str, str] = {
    "extra_forbidden": "ukendt felt",
    "missing": "mangler",
    "literal_error": "ugyldig værdi, brug {expected}",
    "enum": "ugyldig værdi, brug {expected}",
    "int_type": "skal være et heltal",
    "int_from_float": "skal være et heltal",
    "int_parsing": "skal være et heltal",
    "int_parsing_size": "er et for stort heltal",
    "float_type": "skal være et tal",
    "float_parsing": "skal være et tal",
    "finite_number": "skal være et endeligt tal (ikke NaN eller uendelig)",
    "bool_type": "skal være true eller false",
    "bool_parsing": "skal være true eller false",
    "string_type": "skal være en tekst",
    "string_too_short": "må ikke være tom",
    "string_too_long": "er for lang (højst {max_length} tegn)",
    "string_unicode": "skal være en gyldig tekst",
    "tuple_type": "skal være en liste",
    "list_type": "skal være en liste",
    "set_type": "skal være en liste",
    "iterable_type": "skal være en liste",
    "dict_type": "skal være et objekt",
    "model_type": "skal være et objekt",
    "model_attributes_type": "skal være et objekt",
    "dataclass_type": "skal være et objekt",
    "too_short": "har for få elementer (mindst {min_length})",
    "too_long": "har for mange elementer (højst {max_length})",
    "greater_than": "skal være større end {gt}",
    "greater_than_equal": "skal være mindst {ge}",
    "less_than": "skal være mindre end {lt}",
    "less_than_equal": "må højst være {le}",
    "multiple_of": "skal gå op i {multiple_of}",
    "none_required": "skal være null",
    "is_instance_of": "har en ugyldig type",
    "frozen_instance": "kan ikke ændres",
    "frozen_field": "kan ikke ændres",
    "recursion_loop": "henviser til sig selv",
    "union_tag_invalid": "ugyldig værdi",
    "union_tag_not_found": "ugyldig værdi",
}
_FALLBACK_TEXT = "ugyldig værdi"  # for an error type not above: pydantic's English text is never shown


def _error_text(kind: str, ctx: Mapping[str, Any]) -> str:
    if kind == "greater_than_equal" and ctx.get("ge") in (0, 0.0):
        return "må ikke være negativ"
    if kind in ("value_error", "assertion_error"):
        return shown(ctx.get("error", _FALLBACK_TEXT), 200)
    template = _ERROR_TEXT.get(kind, _FALLBACK_TEXT)
    if kind in ("literal_error", "enum"):
        expected = str(ctx.get("expected", "")).replace(" or ", " eller ")
        return template.format(expected=shown(expected, 120)) if expected else "ugyldig værdi"
    return template.format_map(_Context({str(k): shown(v, 30) for k, v in ctx.items()}))


class _Context(dict[str, str]):
    """An error's context for `str.format_map`: a missing entry shows as '?'."""

    def __missing__(self, key: str) -> str:
        return "?"


def _input_text(value: object) -> str:
    try:
        text = json.dumps(value, ensure_ascii=False, default=str)
    except (TypeError, ValueError, RecursionError):
        text = f"<{type(value).__name__}>"
    return shown(text, 60)


def _location(loc: tuple[int | str, ...]) -> str:
    parts = ["(nøgle)" if x == "[key]" else shown(x, 30) for x in loc]
    return ".".join(parts) or "scenariet"


def _describe(err: ValidationError) -> str:
    """pydantic's errors as one Danish line; pydantic's own English text is never used."""
    parts = []
    for e in err.errors(include_url=False):
        kind = e["type"]
        text = _error_text(kind, e.get("ctx") or {})
        loc = _location(tuple(e["loc"]))
        if kind == "extra_forbidden":
            parts.append(f"'{loc}': {text}")
        elif kind in ("value_error", "assertion_error") and not e["loc"]:
            parts.append(text)
        elif kind in ("value_error", "assertion_error") and isinstance(e.get("input"), Mapping):
            parts.append(f"'{loc}': {text}")  # a whole object's own check: its text names what is wrong
        else:
            parts.append(f"'{loc}': {text} (fik {_input_text(e.get('input'))})")
    return "Ugyldigt scenarie: " + _listed(parts)


def flow_settings(ds: DataSet, scenario: Scenario) -> FlowSettings:
    """The flow settings (base p/l with the scenario's index overrides, horizon, alignment) a scenario implies.
    Raises ScenarioError when the price index cannot be used."""
    try:
        index = PriceIndex.from_entries(ds.price_index).with_overrides(scenario.price_index)
    except PriceIndexError as e:
        raise ScenarioError(str(e)) from None
    return FlowSettings(base_year=scenario.base_year, index=index, horizon=scenario.horizon,
                        alignment=Alignment(scenario.alignment), extend_permanent=scenario.extend_permanent)
