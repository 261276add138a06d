"""Price and wage level (p/l) conversion with a service price/wage index.

The index is data (`data/price_index.csv`), each figure with its source and whether it is an
assumption. The user may override any year's index.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .model import PriceIndexEntry


class PriceIndexError(ValueError):
    pass


@dataclass(frozen=True)
class PriceIndex:
    entries: Mapping[int, PriceIndexEntry]

    @classmethod
    def from_entries(cls, entries: tuple[PriceIndexEntry, ...] | list[PriceIndexEntry]) -> PriceIndex:
        return cls({e.year: e for e in entries})

    def with_overrides(self, overrides: Mapping[int, float]) -> PriceIndex:
        """A copy where the given years use user-supplied index values (marked as the user's own)."""
        new = dict(self.entries)
        for year, value in overrides.items():
            if value <= 0:
                raise PriceIndexError(f"Indekset for {year} skal være større end 0")
            new[int(year)] = PriceIndexEntry(int(year), float(value), "Angivet af brugeren", True)
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

    def uses_assumption(self, from_year: int, to_year: int) -> bool:
        if from_year == to_year:
            return False
        return self.entries[from_year].assumption or self.entries[to_year].assumption
