"""Price and wage level (p/l) conversion with a price/wage index.

The index is data (`data/price_index.csv`, 2020 = 100), each figure with its source and whether it
is an assumption. The built-in series is Økonomistyrelsen's annual "generel pris- og lønstigning"
(oes.dk, "Fastprisberegninger"): the STATE's index, not KL's municipal service-PL. The file keeps
the published growth rates (column `growth`, percent on the year before) beside the index chained
from them both ways from 2020 (index[y] = index[y-1] x (1 + growth[y]/100)), stored with 6
decimals, so a conversion is exact to the krone (`data.py` checks the chain). Years without a
published figure are assumptions, labelled so in the file.

A user may override any year's index with KL's pris- og lønskøn for serviceudgifter (service-PL),
on the same 2020 = 100 scale (scenario field `price_index`); an entered figure takes precedence
over the built-in one. `PriceIndex.conversion` says which index and which years a conversion used.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from . import fmt
from .model import PriceIndexEntry


class PriceIndexError(ValueError):
    pass


OES_SOURCE = ("Økonomistyrelsen, generel pris- og lønstigning, oes.dk, Fastprisberegninger "
              "(statens indeks, ikke KL's kommunale service-PL)")
KL_SOURCE = "KL's pris- og lønskøn for serviceudgifter (service-PL), indtastet"

# which source a year's figure comes from, as people read it
KIND_OES = "Økonomistyrelsen"
KIND_KL = "KL (indtastet)"
KIND_ASSUMED = "antagelse"
KIND_OTHER = "anden kilde"
_KIND_RANK = {KIND_OES: 0, KIND_OTHER: 1, KIND_ASSUMED: 2, KIND_KL: 3}  # a step between two years: the weaker
_KIND_PHRASE = {
    KIND_OES: "Økonomistyrelsens generelle pris- og lønstigning",
    KIND_KL: "KL's service-PL (indtastet)",
    KIND_ASSUMED: "en antaget pris- og lønstigning",
    KIND_OTHER: "pris- og lønindekset i data",
}


def entry_kind(entry: PriceIndexEntry) -> str:
    """Økonomistyrelsen, KL (indtastet), antagelse or anden kilde (e.g. an uploaded index)."""
    if entry.source == KL_SOURCE:
        return KIND_KL
    if entry.assumption:
        return KIND_ASSUMED
    if entry.source.startswith("Økonomistyrelsen"):
        return KIND_OES
    return KIND_OTHER


def year_span(first: int, last: int) -> str:
    return str(first) if first == last else f"{first}–{last}"


def growth_text(growth: float) -> str:
    """A yearly growth in percent, Danish, 1 or 2 decimals: 1.9 -> '1,9 %', 2 -> '2,0 %'."""
    return f"{fmt.tal_exact(round(growth, 2), 2, 1)} %"


@dataclass(frozen=True)
class Step:
    """One year's growth on the year before (percent) and where it comes from."""

    year: int
    growth: float
    kind: str


@dataclass(frozen=True)
class Conversion:
    """How amounts in `from_year` p/l were expressed in `to_year` p/l."""

    from_year: int
    to_year: int
    factor: float  # multiply an amount in from_year p/l by this
    steps: tuple[Step, ...]  # every year's growth between the two (empty when a year in between is missing)
    index_from: float
    index_to: float
    kinds: tuple[str, str]  # the sources of the two index values (from, to)

    @property
    def years(self) -> tuple[int, ...]:
        """The years whose growth the conversion used (from the later of the two back to the earlier)."""
        return tuple(s.year for s in self.steps)

    def phrase(self) -> str:
        """'fra 2017 p/l til 2020 p/l med Økonomistyrelsens generelle pris- og lønstigning (2018–2020:
        1,9 %, 1,3 %, 1,1 %; faktor 1,0436)'."""
        head = f"fra {self.from_year} p/l til {self.to_year} p/l med "
        factor = f"faktor {fmt.tal(self.factor, 4)}"
        if not self.steps:
            k0, k1 = self.kinds
            if k0 == k1:
                src = _KIND_PHRASE[k0].replace("stigning", "indeks")
                return (f"{head}{src} ({self.from_year}: {fmt.tal_exact(self.index_from, 6)}, "
                        f"{self.to_year}: {fmt.tal_exact(self.index_to, 6)}; {factor})")
            return (f"{head}pris- og lønindekset ({self.from_year}: {fmt.tal_exact(self.index_from, 6)}, {k0}; "
                    f"{self.to_year}: {fmt.tal_exact(self.index_to, 6)}, {k1}; {factor})")
        runs: list[list[Step]] = []
        for s in self.steps:
            if runs and runs[-1][-1].kind == s.kind:
                runs[-1].append(s)
            else:
                runs.append([s])
        values = lambda run: ", ".join(growth_text(s.growth) for s in run)  # noqa: E731
        if len(runs) == 1:
            run = runs[0]
            return f"{head}{_KIND_PHRASE[run[0].kind]} ({year_span(run[0].year, run[-1].year)}: {values(run)}; {factor})"
        parts = [f"{year_span(r[0].year, r[-1].year)} {r[0].kind}: {values(r)}" for r in runs]
        return f"{head}pris- og lønstigningen ({'; '.join(parts)}; {factor})"

    def text(self) -> str:
        """'Omregnet fra 2017 p/l til 2020 p/l med …' (see `phrase`)."""
        return "Omregnet " + self.phrase()

    @property
    def uses_assumption(self) -> bool:
        return KIND_ASSUMED in self.kinds or any(s.kind == KIND_ASSUMED for s in self.steps)


@dataclass(frozen=True)
class PriceIndex:
    entries: Mapping[int, PriceIndexEntry]

    @classmethod
    def from_entries(cls, entries: tuple[PriceIndexEntry, ...] | list[PriceIndexEntry]) -> PriceIndex:
        return cls({e.year: e for e in entries})

    def with_overrides(self, overrides: Mapping[int, float]) -> PriceIndex:
        """A copy where the given years use user-entered index values: KL's service-PL on the
        2020 = 100 scale, which take precedence over the built-in figures."""
        new = dict(self.entries)
        for year, value in overrides.items():
            if value <= 0:
                raise PriceIndexError(f"Indekset for {year} skal være større end 0")
            new[int(year)] = PriceIndexEntry(int(year), float(value), KL_SOURCE, False)
        return PriceIndex(new)

    def index(self, year: int) -> float:
        try:
            return self.entries[year].index
        except KeyError:
            raise PriceIndexError(
                f"Pris- og lønindekset har ingen værdi for {year} "
                f"(kendte år: {min(self.entries)}-{max(self.entries)})"
            ) from None

    def factor(self, from_year: int, to_year: int) -> float:
        """Multiply an amount in `from_year` p/l by this to express it in `to_year` p/l."""
        if from_year == to_year:
            return 1.0
        return self.index(to_year) / self.index(from_year)

    def convert(self, amount: float, from_year: int, to_year: int) -> float:
        return amount * self.factor(from_year, to_year)

    def kind(self, year: int) -> str:
        """Where the figure in use for `year` comes from (see `entry_kind`)."""
        self.index(year)  # a missing year raises PriceIndexError
        return entry_kind(self.entries[year])

    def growth(self, year: int) -> float | None:
        """The growth (percent) from `year - 1` to `year`; None when either year has no figure."""
        if year not in self.entries or year - 1 not in self.entries:
            return None
        return (self.entries[year].index / self.entries[year - 1].index - 1) * 100

    def step_kind(self, year: int) -> str:
        """The source of the growth into `year`: the weaker of the two years' sources
        (an entered KL figure, then an assumption, outranks the published series)."""
        return max(self.kind(year - 1), self.kind(year), key=_KIND_RANK.__getitem__)

    def conversion(self, from_year: int, to_year: int) -> Conversion:
        """Which index and which years converting from `from_year` to `to_year` p/l uses."""
        factor = self.factor(from_year, to_year)
        lo, hi = sorted((from_year, to_year))
        years = range(lo + 1, hi + 1)
        steps: tuple[Step, ...] = ()
        if all(y in self.entries for y in range(lo, hi + 1)):
            steps = tuple(Step(y, self.growth(y) or 0.0, self.step_kind(y)) for y in years)
        return Conversion(from_year, to_year, factor, steps, self.index(from_year), self.index(to_year),
                          (self.kind(from_year), self.kind(to_year)))

    def kinds_text(self, years: Iterable[int]) -> str:
        """The source in use per year, consecutive years with the same source together:
        '2015–2024: Økonomistyrelsen · 2025–2030: antagelse'."""
        runs: list[list[int | str]] = []
        for y in sorted(set(years)):
            k = self.kind(y)
            if runs and runs[-1][2] == k and runs[-1][1] == y - 1:
                runs[-1][1] = y
            else:
                runs.append([y, y, k])
        return " · ".join(f"{year_span(int(a), int(b))}: {k}" for a, b, k in runs)

    def uses_assumption(self, from_year: int, to_year: int) -> bool:
        if from_year == to_year:
            return False
        return self.conversion(from_year, to_year).uses_assumption
