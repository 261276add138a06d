"""Domain objects of the investment portfolio.

All amounts are in 1.000 kr. in the price level (p/l) stated on the proposal, with the documents'
sign convention: savings are negative, costs and investments positive.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum


def variant_label(key: str, variant: str | None) -> str:
    """How a variant is named to users: 'SI05 (Model 1)', or just the key."""
    return f"{key} ({variant})" if variant else key


class Block(StrEnum):
    """Which part of the document's Tabel 1 a line belongs to."""

    VARIG = "varig"  # varige ændringer: permanent yearly changes
    IMPL = "impl"  # implementeringsomkostninger: one-off investments financed by the pool


class Styring(StrEnum):
    SERVICE = "Service"
    OVERFORSLER = "Overførsler"
    EFTERSPOERGSEL = "Efterspørgselsstyret"
    ANLAEG = "Anlæg"


INNOVATION_POOL = "Innovationspulje"  # the pool category of investment lines marked for the innovation pool


class Risk(StrEnum):
    LAV = "lav"
    MIDDEL = "middel"
    HOJ = "høj"

    @property
    def rank(self) -> int:
        return _RISK_RANK[self]


_RISK_RANK = {Risk.LAV: 0, Risk.MIDDEL: 1, Risk.HOJ: 2}

BLOCK_LABEL = {Block.VARIG: "Varige ændringer", Block.IMPL: "Implementeringsomkostninger"}


@dataclass(frozen=True)
class CashFlowLine:
    """One line of a proposal's economy table, with its amount per year."""

    proposal_key: str
    line_id: str
    variant: str | None  # None: the line belongs to every variant of the proposal
    block: Block
    label: str
    styring: Styring
    styring_inferred: bool  # True when the document left styringsområde blank
    udvalg: str  # the udvalg whose måltal / ramme the line moves
    bevilling_udvalg: str | None  # where the document places the bevilling, if elsewhere
    amounts: Mapping[int, float]
    note: str = ""
    innovation: bool = False  # an investment line marked for the innovation pool ("Innovationspulje (sæt X)")

    @property
    def bevilling(self) -> str:
        return self.bevilling_udvalg or self.udvalg


@dataclass(frozen=True)
class Proposal:
    key: str
    document_id: str
    title: str
    catalogue: str
    section: str
    presenting_forvaltning: str
    affected_forvaltninger: tuple[str, ...]
    udvalg: tuple[str, ...]
    price_level_year: int
    years: tuple[int, ...]  # the columns of the document's Tabel 1
    risk: Risk
    risk_explicit: bool
    risk_reason: str
    pool_applied: str
    stated_payback_service: int | None
    stated_payback_total: int | None
    variant_names: tuple[str, ...]  # empty: the proposal has no variants
    description: str
    lines: tuple[CashFlowLine, ...]

    @property
    def has_variants(self) -> bool:
        return bool(self.variant_names)

    def lines_for(self, variant: str | None) -> tuple[CashFlowLine, ...]:
        """Lines of one variant: the common lines plus the variant's own."""
        return tuple(ln for ln in self.lines if ln.variant is None or ln.variant == variant)

    @property
    def variants(self) -> tuple[Variant, ...]:
        names: Iterable[str | None] = self.variant_names or (None,)
        return tuple(Variant(self, name) for name in names)


@dataclass(frozen=True)
class Variant:
    """The selectable unit: a proposal, in one of its variants (name None when it has none).

    Variants of one proposal exclude each other.
    """

    proposal: Proposal
    name: str | None

    @property
    def key(self) -> str:
        return self.proposal.key

    @property
    def label(self) -> str:
        return variant_label(self.key, self.name)

    @property
    def lines(self) -> tuple[CashFlowLine, ...]:
        return self.proposal.lines_for(self.name)


@dataclass(frozen=True)
class Catalogue:
    id: str
    name: str
    budget_round: str
    price_level_year: int
    source_document: str
    note: str
    proposals: tuple[Proposal, ...] = ()


@dataclass(frozen=True)
class Dependency:
    proposal_key: str
    other_key: str
    required: bool  # True: proposal_key may only be chosen together with other_key
    note: str


@dataclass(frozen=True)
class StatedFigure:
    """A figure printed in a document (a total or a row of a detail table) to check our rows against."""

    proposal_key: str
    variant: str | None  # None: computed over all lines of the proposal
    table: str
    row: str
    selector: Selector
    year: int | None  # None: the table's 'I alt' column
    value: float
    note: str = ""


@dataclass(frozen=True)
class Selector:
    """Which lines a stated figure sums: by block (varig/impl/net), styringsområde or line ids."""

    block: str | None = None  # "varig", "impl" or "net"
    styring: tuple[Styring, ...] = ()
    line_ids: tuple[str, ...] = ()

    def matches(self, line: CashFlowLine) -> bool:
        if self.line_ids and line.line_id not in self.line_ids:
            return False
        if self.block in (Block.VARIG.value, Block.IMPL.value) and line.block.value != self.block:
            return False
        return not (self.styring and line.styring not in self.styring)

    def __str__(self) -> str:
        parts = []
        if self.block:
            parts.append(f"block={self.block}")
        if self.styring:
            parts.append("styring=" + ",".join(s.value for s in self.styring))
        if self.line_ids:
            parts.append("lines=" + ",".join(self.line_ids))
        return ";".join(parts)


@dataclass(frozen=True)
class UdvalgFigure:
    """A cell of a document's per-udvalg table (måltal, bevilling, overførsler, investering)."""

    proposal_key: str
    table: str
    measure: str
    udvalg: str  # "Total" for the table's total row
    year: int
    value: float


@dataclass(frozen=True)
class DocumentNote:
    proposal_key: str
    table: str
    note: str


@dataclass(frozen=True)
class PriceIndexEntry:
    year: int
    index: float
    source: str
    assumption: bool


@dataclass(frozen=True)
class DataSet:
    catalogues: tuple[Catalogue, ...]
    dependencies: tuple[Dependency, ...]
    stated: tuple[StatedFigure, ...]
    udvalg_tables: tuple[UdvalgFigure, ...]
    notes: tuple[DocumentNote, ...]
    price_index: tuple[PriceIndexEntry, ...]
    _by_key: dict[str, Proposal] = field(default_factory=dict, compare=False, repr=False)
    _requires: dict[str, tuple[str, ...]] = field(default_factory=dict, compare=False, repr=False)
    # figures derived from the (immutable) data, computed once per dataset (`figures.own_figures`)
    memo: dict[object, object] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        for cat in self.catalogues:
            for p in cat.proposals:
                self._by_key[p.key] = p
        requires: dict[str, list[str]] = {}
        for d in self.dependencies:
            if d.required:
                requires.setdefault(d.proposal_key, []).append(d.other_key)
        self._requires.update({k: tuple(v) for k, v in requires.items()})

    @property
    def proposals(self) -> tuple[Proposal, ...]:
        return tuple(p for cat in self.catalogues for p in cat.proposals)

    def proposal(self, key: str) -> Proposal:
        return self._by_key[key]

    def has(self, key: str) -> bool:
        return key in self._by_key

    def catalogue(self, cat_id: str) -> Catalogue:
        for cat in self.catalogues:
            if cat.id == cat_id:
                return cat
        raise KeyError(cat_id)

    def required_by(self, key: str) -> tuple[str, ...]:
        """Keys that `key` requires (stated dependencies), in the file's order."""
        return self._requires.get(key, ())
