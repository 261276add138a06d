"""A scenario: every setting of one optimisation, as a frozen, JSON-serialisable object.

The JSON format (all fields optional) is the one the CLI reads and the dashboard saves:

    {"catalogues": ["KK2020"], "base_year": 2020, "horizon": [2019, 2024], "objective": "net",
     "discount_rate": 0.035, "npv_extra_years": 0,
     "pool": {"total": 20000, "per_year": {"2019": 5000}}, "pool_covers": ["Service", "Anlæg"],
     "max_risk": "middel", "max_risky_share": 0.5, "risk_haircut": {"lav": 0, "middel": 0.25, "høj": 0.5},
     "max_payback_years": 4, "force_in": ["TV01"], "force_out": [], "variants": {"SI05": "Model 2"},
     "dependencies": true, "solver": "highs", "time_limit": 10,
     "alignment": "forskudt", "extend_permanent": true, "price_index": {"2018": 98.5}}

Amounts are in 1.000 kr. at the scenario's base p/l. `Scenario.from_json` checks the format;
`validate_for(dataset)` checks the scenario against a dataset (catalogues, keys, variants, index).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    Strict,
    ValidationError,
    field_validator,
    model_validator,
)

from .flows import Alignment, FlowSettings
from .model import DataSet, Risk, Styring
from .prices import PriceIndex, PriceIndexError

ObjectiveKind = Literal["net", "permanent", "annual", "npv"]
SolverName = Literal["highs", "cbc"]
RiskName = Literal["lav", "middel", "høj"]
AlignmentName = Literal["forskudt", "kalender"]

StrictYear = Annotated[int, Strict()]
Amount = Annotated[float, Strict(), Field(ge=0, allow_inf_nan=False)]
Share = Annotated[float, Strict(), Field(ge=0, le=1, allow_inf_nan=False)]
Key = Annotated[str, Strict(), Field(min_length=1)]

OBJECTIVE_LABELS: dict[str, str] = {
    "net": "Samlet nettoeffekt over horisonten",
    "permanent": "Varige ændringer over horisonten",
    "annual": "Varig årlig effekt i horisontens sidste år",
    "npv": "Nutidsværdi af nettoeffekten",
}


class ScenarioError(ValueError):
    """The scenario is malformed or does not fit the dataset. The message is meant for the user."""


def _year_keys(value: Any) -> Any:
    """JSON object keys are strings: accept "2019" (and 2019 from Python) as a year."""
    if not isinstance(value, Mapping):
        return value
    out: dict[int, Any] = {}
    for k, v in value.items():
        if isinstance(k, bool):
            raise ValueError(f"'{k}' er ikke et årstal")
        if isinstance(k, int):
            year = k
        elif isinstance(k, str) and k.strip().isdigit():
            year = int(k.strip())
        else:
            raise ValueError(f"'{k}' er ikke et årstal")
        out[year] = v
    return out


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


class Scenario(_Frozen):
    catalogues: tuple[Key, ...] = ("KK2020",)
    base_year: StrictYear = 2020
    horizon: tuple[StrictYear, StrictYear] = (2019, 2024)
    objective: ObjectiveKind = "net"
    discount_rate: Annotated[float, Strict(), Field(ge=0, le=1, allow_inf_nan=False)] = 0.035
    npv_extra_years: Annotated[int, Strict(), Field(ge=0, le=100)] = 0
    pool: Pool | None = None
    pool_covers: tuple[Styring, ...] = (Styring.SERVICE, Styring.ANLAEG)
    max_risk: RiskName | None = None
    max_risky_share: Share | None = None
    risk_haircut: RiskHaircut = Field(default_factory=RiskHaircut)
    max_payback_years: Annotated[int, Strict(), Field(ge=1, le=100)] | None = None
    force_in: tuple[Key, ...] = ()
    force_out: tuple[Key, ...] = ()
    variants: dict[Key, Key] = Field(default_factory=dict)
    dependencies: Annotated[bool, Strict()] = True
    solver: SolverName = "highs"
    time_limit: Annotated[float, Strict(), Field(gt=0, le=3600, allow_inf_nan=False)] = 10.0
    alignment: AlignmentName = "forskudt"
    extend_permanent: Annotated[bool, Strict()] = True
    price_index: dict[int, Annotated[float, Strict(), Field(gt=0, allow_inf_nan=False)]] = Field(
        default_factory=dict)

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

    @model_validator(mode="after")
    def _consistent(self) -> Scenario:
        y0, y1 = self.horizon
        if y1 < y0:
            raise ValueError(f"horisonten er i forkert rækkefølge: {y0} ligger efter {y1}")
        if y1 - y0 >= 50:
            raise ValueError(f"horisonten {y0}-{y1} er længere end 50 år")
        if self.pool is not None:
            outside = sorted(y for y in self.pool.per_year if not y0 <= y <= y1)
            if outside:
                raise ValueError(f"puljen har beløb for år uden for horisonten {y0}-{y1}: "
                                 + ", ".join(str(y) for y in outside))
        both = sorted(set(self.force_in) & set(self.force_out))
        if both:
            raise ValueError(f"{', '.join(both)} er både tvunget med og tvunget fra")
        return self

    # --- JSON -------------------------------------------------------------------------------

    @classmethod
    def from_json(cls, data: str | bytes | Mapping[str, Any]) -> Scenario:
        """Parse a scenario from JSON text or an already parsed dict. Raises ScenarioError."""
        if isinstance(data, str | bytes):
            try:
                data = json.loads(data)
            except json.JSONDecodeError as e:
                raise ScenarioError(f"Scenariet er ikke gyldig JSON: {e.msg} (linje {e.lineno}, kolonne {e.colno})") from None
        if not isinstance(data, Mapping):
            raise ScenarioError("Scenariet skal være et JSON-objekt ({...})")
        try:
            return cls.model_validate(dict(data))
        except ValidationError as e:
            raise ScenarioError(_describe(e)) from None

    def to_json(self) -> dict[str, Any]:
        """Every field, in the format `from_json` reads (JSON-serialisable)."""
        return {
            "catalogues": list(self.catalogues),
            "base_year": self.base_year,
            "horizon": list(self.horizon),
            "objective": self.objective,
            "discount_rate": self.discount_rate,
            "npv_extra_years": self.npv_extra_years,
            "pool": None if self.pool is None else self.pool.to_json(),
            "pool_covers": [s.value for s in self.pool_covers],
            "max_risk": self.max_risk,
            "max_risky_share": self.max_risky_share,
            "risk_haircut": self.risk_haircut.to_json(),
            "max_payback_years": self.max_payback_years,
            "force_in": list(self.force_in),
            "force_out": list(self.force_out),
            "variants": dict(self.variants),
            "dependencies": self.dependencies,
            "solver": self.solver,
            "time_limit": self.time_limit,
            "alignment": self.alignment,
            "extend_permanent": self.extend_permanent,
            "price_index": {str(y): v for y, v in sorted(self.price_index.items())},
        }

    def replace(self, **changes: Any) -> Scenario:
        """A validated copy with some fields changed (values in the JSON format or as objects)."""
        data = self.to_json()
        for k, v in changes.items():
            data[k] = v.to_json() if isinstance(v, Pool | RiskHaircut) else v
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
        """Check the scenario against a dataset; raises ScenarioError naming every problem."""
        problems: list[str] = []
        known_cats = {c.id for c in ds.catalogues}
        for cid in self.catalogues:
            if cid not in known_cats:
                problems.append(f"ukendt katalog '{cid}' (kendte: {', '.join(sorted(known_cats))})")
        chosen = {p.key for c in ds.catalogues if c.id in self.catalogues for p in c.proposals}

        def check_key(key: str, what: str) -> bool:
            if not ds.has(key):
                problems.append(f"{what}: ukendt forslag '{key}'")
                return False
            if key not in chosen:
                problems.append(f"{what}: forslaget '{key}' er ikke med i de valgte kataloger")
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
                    problems.append(f"variants: {key} har ingen variant '{name}' (brug {' eller '.join(names)})")
        for dup, what in ((self.force_in, "force_in"), (self.force_out, "force_out")):
            seen = sorted({k for k in dup if dup.count(k) > 1})
            if seen:
                problems.append(f"{what}: {', '.join(seen)} står flere gange")
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
        if problems:
            raise ScenarioError("Scenariet passer ikke til data: " + "; ".join(problems))


_ERROR_TEXT = {
    "extra_forbidden": "ukendt felt",
    "missing": "mangler",
    "literal_error": "ugyldig værdi",
    "enum": "ugyldig værdi",
    "int_type": "skal være et heltal",
    "float_type": "skal være et tal",
    "bool_type": "skal være true eller false",
    "string_type": "skal være en tekst",
    "tuple_type": "skal være en liste",
    "dict_type": "skal være et objekt",
    "model_type": "skal være et objekt",
    "greater_than_equal": "må ikke være negativ",
    "too_short": "har for få elementer",
    "too_long": "har for mange elementer",
}


def _describe(err: ValidationError) -> str:
    parts = []
    for e in err.errors(include_url=False):
        loc = ".".join(str(x) for x in e["loc"]) or "scenariet"
        kind = e["type"]
        text = _ERROR_TEXT.get(kind)
        if kind == "greater_than_equal" and e.get("ctx", {}).get("ge") not in (0, 0.0):
            text = None
        if kind in ("literal_error", "enum"):
            expected = str(e.get("ctx", {}).get("expected", "")).replace(" or ", " eller ")
            text = f"ugyldig værdi, brug {expected}" if expected else "ugyldig værdi"
        if kind == "less_than_equal":
            text = f"må højst være {e.get('ctx', {}).get('le')}"
        if kind == "greater_than":
            text = f"skal være større end {e.get('ctx', {}).get('gt')}"
        if kind == "value_error":
            text = str(e.get("ctx", {}).get("error", e["msg"]))
        if text is None:
            text = e["msg"]
        if kind == "extra_forbidden":
            parts.append(f"'{loc}': {text}")
        elif kind == "value_error" and not e["loc"]:
            parts.append(text)
        else:
            parts.append(f"'{loc}': {text} (fik {json.dumps(e.get('input'), ensure_ascii=False, default=str)})")
    return "Ugyldigt scenarie: " + "; ".join(parts)


def flow_settings(ds: DataSet, scenario: Scenario) -> FlowSettings:
    """The flow settings (base p/l with the scenario's index overrides, horizon, alignment) a scenario implies.
    Raises ScenarioError when the price index cannot be used."""
    try:
        index = PriceIndex.from_entries(ds.price_index).with_overrides(scenario.price_index)
    except PriceIndexError as e:
        raise ScenarioError(str(e)) from None
    return FlowSettings(base_year=scenario.base_year, index=index, horizon=scenario.horizon,
                        alignment=Alignment(scenario.alignment), extend_permanent=scenario.extend_permanent)
