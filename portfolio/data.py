"""Loading and validating the dataset (CSV files in `data/`).

Every problem is reported with file, row (as Excel shows it: the header is row 1) and column,
in Danish, and nothing is dropped silently: a file with a problem is rejected as a whole.

Limits (checked before any work that depends on the values starts, each stated in its message):

* A CSV file in the data folder (``--data``) must be a regular file of at most `MAX_FILE_BYTES`
  bytes (no more is read, so a device such as ``/dev/zero`` or a huge file cannot exhaust memory)
  in UTF-8, with or without BOM; UTF-16, Latin-1/Windows-1252 and binary files are refused.
* Years (``year``, ``first_year``, ``last_year``, ``price_level_year``) lie in
  `MIN_YEAR`-`MAX_YEAR`, and a proposal's table spans at most `MAX_YEAR_SPAN` years.
* Amounts and values (1.000 kr.) are finite and at most `MAX_AMOUNT` in absolute value; a price
  index lies in `MIN_PRICE_INDEX`-`MAX_PRICE_INDEX`; a stated payback time in 0-`MAX_PAYBACK_YEARS`.
* A price index row may give the published growth on the year before (``growth``, percent, in
  `MIN_GROWTH`-`MAX_GROWTH`); the index must then agree with the year before's index times
  (1 + growth/100), up to the rounding of stored decimals (`CHAIN_TOLERANCE`, relative).
* Numbers are written with the digits 0-9 only: full-width (``"１２３"``), Arabic-Indic and other
  Unicode digits, ``nan``, ``inf`` and digit separators such as ``1_000`` are refused, never
  reinterpreted.
* ``kræver`` dependencies may not form a cycle (A kræver B, B kræver A, or longer), and no proposal
  depends on itself.
* The required tables (`REQUIRED_FILES`) must have at least one row below the header.
"""

from __future__ import annotations

import csv
import io
import math
import os
import re
from collections import Counter, defaultdict, deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from .fmt import tal, tal_exact
from .model import (
    Block,
    CashFlowLine,
    Catalogue,
    DataSet,
    Dependency,
    DocumentNote,
    PriceIndexEntry,
    Proposal,
    Risk,
    Selector,
    StatedFigure,
    Styring,
    UdvalgFigure,
)

MIN_YEAR = 1990  # the first year a catalogue may mention
MAX_YEAR = 2100  # the last year a catalogue may mention
MAX_YEAR_SPAN = 50  # years in one proposal's table (first_year-last_year, both included)
MAX_AMOUNT = 1_000_000_000  # largest absolute amount or value, in 1.000 kr. (1.000 mia. kr.)
MIN_PRICE_INDEX = 1.0  # price and wage index bounds (the built-in index has 2020 = 100)
MAX_PRICE_INDEX = 10_000.0
MIN_GROWTH, MAX_GROWTH = -50.0, 100.0  # percent a year, the optional `growth` of a price index row
CHAIN_TOLERANCE = 2e-8  # relative: an index stored with 6 decimals (2020 = 100) chains within it
MAX_PAYBACK_YEARS = 100  # largest stated payback time
MAX_FILE_BYTES = 20_000_000  # largest CSV file read (also per file in an uploaded zip)
SHOWN_CHARS = 60  # a cell's text is quoted in a message with at most this many characters

FILES: dict[str, tuple[str, ...]] = {
    "catalogues.csv": ("id", "name", "budget_round", "price_level_year", "source_document", "note"),
    "proposals.csv": (
        "key", "document_id", "title", "catalogue", "section", "presenting_forvaltning",
        "affected_forvaltninger", "udvalg", "price_level_year", "first_year", "last_year", "risk",
        "risk_explicit", "risk_reason", "pool_applied", "stated_payback_service_years",
        "stated_payback_total_years", "variants", "description",
    ),
    "cashflows.csv": (
        "proposal_key", "line_id", "variant", "block", "label", "styringsomraade",
        "styringsomraade_kilde", "udvalg", "bevilling_udvalg", "year", "amount", "note", "innovationspulje",
    ),
    "dependencies.csv": ("proposal_key", "other_key", "kind", "note"),
    "stated_figures.csv": ("proposal_key", "variant", "table", "row", "selector", "year", "value", "note"),
    "udvalg_tables.csv": ("proposal_key", "table", "measure", "udvalg", "year", "value"),
    "document_notes.csv": ("proposal_key", "table", "note"),
    "price_index.csv": ("year", "index", "growth", "source", "assumption"),
}
# Files a catalogue must have; the others may be absent (an uploaded catalogue need not state figures).
REQUIRED_FILES = ("catalogues.csv", "proposals.csv", "cashflows.csv")
OPTIONAL_COLUMNS = {"note", "bevilling_udvalg", "styringsomraade_kilde", "variant", "document_id",
                    "description", "risk_reason", "pool_applied", "stated_payback_service_years",
                    "stated_payback_total_years", "variants", "section", "affected_forvaltninger",
                    "presenting_forvaltning", "source_document", "budget_round", "growth", "innovationspulje"}

MEASURES = ("maaltal", "bevilling_service", "overfoersler", "efterspoergsel", "investering")
YES = {"ja": True, "nej": False, "": False}

Row = Mapping[str, str]

_INTEGER = re.compile(r"[+-]?[0-9]+")
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_LONGEST_INTEGER = 18  # digits; anything longer is out of every range here (and int() stays cheap)
_NOT_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # control characters a CSV file never has
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_AGAIN = "Gem den som CSV (UTF-8) og prøv igen."


def default_data_dir() -> Path:
    env = os.environ.get("PORTFOLIO_DATA")
    return Path(env) if env else Path(__file__).resolve().parent.parent / "data"


def shown(value: object, limit: int = SHOWN_CHARS) -> str:
    """`value` (a cell's text, a file name …) as quoted in a one-line message: at most `limit`
    characters (then '…'), every control or other non-printable character replaced by '?'.
    Never raises."""
    try:
        text = value if isinstance(value, str) else str(value)
    except Exception:  # noqa: BLE001 - e.g. an int too long to print
        text = f"<{type(value).__name__}>"
    cut = "".join(ch if ch.isprintable() else "?" for ch in text[:limit])
    return cut + ("…" if len(text) > limit else "")


@dataclass(frozen=True)
class Problem:
    file: str
    row: int | None  # spreadsheet row number (header = 1); None: the file as a whole
    column: str | None
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", række {self.row}"
        if self.column:
            where += f", kolonne '{self.column}'"
        return f"{where}: {self.message}"


class DataError(Exception):
    """Raised when the dataset cannot be loaded; carries every problem found."""

    def __init__(self, problems: Sequence[Problem]):
        self.problems = list(problems)
        head = "\n".join(str(p) for p in self.problems[:20])
        more = f"\n… og {len(self.problems) - 20} problemer mere" if len(self.problems) > 20 else ""
        super().__init__(f"Data kunne ikke indlæses ({len(self.problems)} problem(er)):\n{head}{more}")


def _not_a_number(text: str, what: str) -> str:
    """Why `text` (which is not digits 0-9 in the expected form) is not `what` ('et tal', 'et heltal')."""
    if any(ch.isdigit() and not ch.isascii() for ch in text):
        return (f"'{shown(text)}' indeholder andre cifre end 0-9 (fx fuldbredde- eller arabiske cifre); "
                "skriv tallet med almindelige cifre 0-9")
    try:
        special = not math.isfinite(float(text))
    except ValueError:
        special = False
    if special:
        return f"'{shown(text)}' er ikke {what}, men en uendelig eller udefineret værdi; skriv et almindeligt tal"
    hint = " (skriv fx -1300 uden tusindtalsseparator)" if what == "et tal" else ""
    return f"'{shown(text)}' er ikke {what}{hint}"


class _Checker:
    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, file: str, row: int | None, column: str | None, message: str) -> None:
        self.problems.append(Problem(file, row, column, message))

    def integer(self, file: str, row: int, col: str, text: str, *, low: int, high: int, what: str,
                blank_ok: bool = False) -> int | None:
        """A whole number in `low`-`high` (digits 0-9 only); `what` names it in the message."""
        t = text.strip()
        if not t:
            if not blank_ok:
                self.add(file, row, col, "mangler et heltal")
            return None
        if not _INTEGER.fullmatch(t):
            self.add(file, row, col, _not_a_number(t, "et heltal"))
            return None
        value = int(t) if len(t) <= _LONGEST_INTEGER else None
        if value is None or not low <= value <= high:
            self.add(file, row, col, f"{what} {shown(t)} ligger uden for det tilladte interval {low}-{high}")
            return None
        return value

    def year(self, file: str, row: int, col: str, text: str) -> int | None:
        """A calendar year in `MIN_YEAR`-`MAX_YEAR`."""
        return self.integer(file, row, col, text, low=MIN_YEAR, high=MAX_YEAR, what="året")

    def number(self, file: str, row: int, col: str, text: str, *, limit: float = MAX_AMOUNT,
               unit: str = " (1.000 kr.)") -> float | None:
        """A finite number of at most `limit` in absolute value; a blank cell counts as 0."""
        t = text.strip()
        if not t:
            return 0.0  # blank cells count as 0, like in the documents
        if not _NUMBER.fullmatch(t):
            self.add(file, row, col, _not_a_number(t, "et tal"))
            return None
        value = float(t)
        if not (math.isfinite(value) and abs(value) <= limit):
            self.add(file, row, col, f"tallet {shown(t)} er urimeligt stort: det må numerisk højst være "
                                     f"{tal(limit)}{unit}")
            return None
        return value


def decode_text(data: bytes, *, lenient: bool = False) -> str:
    """The text of a CSV file: UTF-8 with or without BOM. With `lenient` (uploads) also UTF-16 with
    a BOM and Windows-1252, which Danish Excel writes. Raises ValueError with a Danish message (for
    the file as a whole) when the bytes are not such text."""
    if data.startswith(_UTF16_BOMS):
        if not lenient:
            raise ValueError(f"filen er gemt som UTF-16, ikke som UTF-8. {_AGAIN}")
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise ValueError(f"filen kan ikke læses som tekst (UTF-16). {_AGAIN}") from None
    elif b"\x00" in data:
        raise ValueError("filen ser ikke ud som en tekstfil (CSV): den indeholder NUL-tegn (er den gemt som "
                         f"UTF-16 uden BOM, eller er det en anden slags fil?). {_AGAIN}")
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as e:
            if not lenient:
                line = data.count(b"\n", 0, e.start) + 1
                raise ValueError(f"filen er ikke gemt som UTF-8: linje {line} har byten 0x{data[e.start]:02X}, "
                                 "som ikke er gyldig UTF-8 (er filen gemt som Latin-1 eller Windows-1252?). "
                                 f"{_AGAIN}") from None
            try:
                text = data.decode("cp1252")
            except UnicodeDecodeError:
                raise ValueError(f"filen kan ikke læses som tekst. {_AGAIN}") from None
    if _NOT_TEXT.search(text):
        raise ValueError(f"filen ser ikke ud som en tekstfil (CSV). {_AGAIN}")
    return text.lstrip("\ufeff")


def _read_text_file(f: Path) -> str | None:
    """The text of the CSV file `f` (None: there is none), at most `MAX_FILE_BYTES` bytes of a regular
    file. Raises ValueError with a Danish message for anything else."""
    try:
        if not f.exists():
            if f.is_symlink():
                raise ValueError("filen er et link til en fil, der ikke findes")
            return None
        if f.is_dir():
            raise ValueError("her skal være en CSV-fil, men det er en mappe")
        if not f.is_file():
            raise ValueError("her skal være en CSV-fil, men det er ikke en almindelig fil (fx en enhed som "
                             "/dev/zero eller en pipe)")
        with f.open("rb") as fh:
            data = fh.read(MAX_FILE_BYTES + 1)
    except PermissionError:
        raise ValueError("filen kan ikke læses: adgang nægtet") from None
    except OSError:
        raise ValueError("filen kan ikke læses") from None
    if len(data) > MAX_FILE_BYTES:
        raise ValueError(f"filen er større end {tal(MAX_FILE_BYTES)} byte, som er det største, der kan indlæses "
                         "pr. fil")
    return decode_text(data)


def read_csv_dir(path: Path) -> dict[str, list[dict[str, str]]]:
    """Read every known CSV file in `path` into rows of strings (plus '<name>:columns' with the
    header). A file that cannot be read (see the module docstring) raises DataError naming it."""
    tables: dict[str, list[dict[str, str]]] = {}
    problems: list[Problem] = []
    for name in FILES:
        try:
            text = _read_text_file(path / name)
        except ValueError as e:
            problems.append(Problem(name, None, None, str(e)))
            continue
        if text is None:
            continue
        reader = csv.DictReader(io.StringIO(text, newline=""))
        try:
            tables[name] = [dict(r) for r in reader]
        except csv.Error:
            problems.append(Problem(name, None, None,
                                    f"filen kan ikke læses som CSV omkring linje {reader.line_num} (tjek "
                                    "anførselstegn og skilletegn, og at ingen celle er længere end "
                                    f"{tal(csv.field_size_limit())} tegn)"))
            continue
        tables[name + ":columns"] = [dict.fromkeys(reader.fieldnames or [], "")]
    if problems:
        raise DataError(problems)
    return tables


def load_dataset(path: Path | str | None = None) -> DataSet:
    """Load and validate the CSV files in `path` (default: the project's `data/`)."""
    p = Path(path) if path is not None else default_data_dir()
    if not p.is_dir():
        raise DataError([Problem(str(p), None, None, "er ikke en mappe" if p.exists() else "mappen findes ikke")])
    return build_dataset(read_csv_dir(p))


def columns_of(tables: Mapping[str, list[dict[str, str]]], name: str) -> list[str]:
    """The header of table `name` (as read, or its rows' keys, or the documented columns)."""
    cols = tables.get(name + ":columns")
    if cols:
        return list(cols[0].keys())
    rows = tables.get(name, [])
    return list(rows[0].keys()) if rows else list(FILES[name])


def structure_problems(tables: Mapping[str, list[dict[str, str]]], *,
                       missing: str = "filen mangler") -> list[Problem]:
    """What is wrong with the shape of `tables`: a required table missing (`missing` says so) or
    without rows below its header, and required columns missing from a header."""
    problems: list[Problem] = []
    for name in REQUIRED_FILES:
        if name not in tables:
            problems.append(Problem(name, None, None, missing))
        elif not tables[name]:
            problems.append(Problem(name, None, None, "tabellen har kun overskriftsrækken og ingen rækker med data"))
    for name in FILES:
        if name not in tables:
            continue
        have = set(columns_of(tables, name))
        for col in FILES[name]:
            if col not in have and col not in OPTIONAL_COLUMNS:
                problems.append(Problem(name, 1, col, "kolonnen mangler i overskriftsrækken"))
    return problems


def _cycles(edges: Mapping[str, Sequence[str]]) -> list[list[str]]:
    """One cycle (as the keys along it, from the smallest) for every strongly connected component of
    more than one proposal in the graph `edges` (key -> keys it requires): Tarjan's algorithm,
    iterative so a long chain cannot exhaust the stack."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)

    for root in sorted(edges):
        if root in index:
            continue
        visit(root)
        work = [(root, iter(edges[root]))]
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    visit(child)
                    work.append((child, iter(edges.get(child, ()))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component: set[str] = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.add(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        cycles.append(_cycle_through(min(component), edges, component))
    return sorted(cycles)


def _cycle_through(start: str, edges: Mapping[str, Sequence[str]], members: set[str]) -> list[str]:
    """A shortest cycle from `start` back to it inside the strongly connected `members`."""
    parent: dict[str, str | None] = {start: None}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for nxt in edges.get(node, ()):
            if nxt == start:
                path = [node]
                while (up := parent[path[-1]]) is not None:
                    path.append(up)
                return path[::-1]
            if nxt in members and nxt not in parent:
                parent[nxt] = node
                queue.append(nxt)
    raise AssertionError("a strongly connected component has a cycle through each member")


def _cycle_text(cycle: Sequence[str], most: int = 12) -> str:
    keys = [*cycle, cycle[0]]
    if len(keys) > most:
        keys = [*keys[: most - 1], "…", cycle[0]]
    return " → ".join(shown(k, 30) for k in keys)


def build_dataset(tables: Mapping[str, list[dict[str, str]]]) -> DataSet:
    """Validate tables of string cells (as read from CSV or Excel) and build the domain objects."""
    ck = _Checker()
    ck.problems.extend(structure_problems(tables))
    if ck.problems:
        raise DataError(ck.problems)

    def rows(name: str) -> Iterable[tuple[int, Row]]:
        for i, r in enumerate(tables.get(name, []), start=2):
            yield i, {k: (v or "") for k, v in r.items() if k is not None}

    # --- catalogues
    cats: dict[str, dict] = {}
    for i, r in rows("catalogues.csv"):
        cid = r.get("id", "").strip()
        if not cid:
            ck.add("catalogues.csv", i, "id", "mangler et id")
            continue
        if cid in cats:
            ck.add("catalogues.csv", i, "id", f"id '{shown(cid)}' findes allerede")
            continue
        pl = ck.year("catalogues.csv", i, "price_level_year", r.get("price_level_year", ""))
        cats[cid] = dict(id=cid, name=r.get("name", "").strip() or cid,
                         budget_round=r.get("budget_round", "").strip(), price_level_year=pl or 0,
                         source_document=r.get("source_document", "").strip(), note=r.get("note", "").strip())

    # --- proposals
    props: dict[str, dict] = {}
    for i, r in rows("proposals.csv"):
        f = "proposals.csv"
        key = r.get("key", "").strip()
        if not key:
            ck.add(f, i, "key", "mangler en nøgle")
            continue
        if key in props:
            ck.add(f, i, "key",
                   f"nøglen '{shown(key)}' er brugt to gange (første gang i række {props[key]['row']})")
            continue
        cat = r.get("catalogue", "").strip()
        if cat not in cats:
            ck.add(f, i, "catalogue", f"kataloget '{shown(cat)}' findes ikke i catalogues.csv")
        pl = ck.year(f, i, "price_level_year", r.get("price_level_year", ""))
        y0 = ck.year(f, i, "first_year", r.get("first_year", ""))
        y1 = ck.year(f, i, "last_year", r.get("last_year", ""))
        if y0 is not None and y1 is not None:
            if y1 < y0:
                ck.add(f, i, "last_year", f"sidste år {y1} ligger før første år {y0}")
            elif y1 - y0 + 1 > MAX_YEAR_SPAN:
                ck.add(f, i, "last_year", f"forslagets tabel spænder over {y1 - y0 + 1} år ({y0}-{y1}); "
                                          f"højst {MAX_YEAR_SPAN} år er tilladt")
        risk_text = r.get("risk", "").strip().lower()
        risk = None
        try:
            risk = Risk(risk_text)
        except ValueError:
            ck.add(f, i, "risk", f"ukendt risikoniveau '{shown(risk_text)}' (brug lav, middel eller høj)")
        explicit = r.get("risk_explicit", "").strip().lower()
        if explicit not in YES:
            ck.add(f, i, "risk_explicit", f"'{shown(explicit)}' skal være ja eller nej")
        payback = dict(low=0, high=MAX_PAYBACK_YEARS, what="tilbagebetalingstiden", blank_ok=True)
        pb_s = ck.integer(f, i, "stated_payback_service_years", r.get("stated_payback_service_years", ""), **payback)
        pb_t = ck.integer(f, i, "stated_payback_total_years", r.get("stated_payback_total_years", ""), **payback)
        variants = tuple(v.strip() for v in r.get("variants", "").split(";") if v.strip())
        if len(set(variants)) != len(variants):
            ck.add(f, i, "variants", "samme variant er nævnt to gange")
        udvalg = tuple(u.strip() for u in r.get("udvalg", "").split(";") if u.strip())
        if not udvalg:
            ck.add(f, i, "udvalg", "mangler mindst ét udvalg")
        title = r.get("title", "").strip()
        if not title:
            ck.add(f, i, "title", "mangler en titel")
        props[key] = dict(
            row=i, key=key, document_id=r.get("document_id", "").strip(), title=title, catalogue=cat,
            section=r.get("section", "").strip(), presenting_forvaltning=r.get("presenting_forvaltning", "").strip(),
            affected_forvaltninger=tuple(x.strip() for x in r.get("affected_forvaltninger", "").split(";") if x.strip()),
            udvalg=udvalg, price_level_year=pl, first_year=y0, last_year=y1, risk=risk,
            risk_explicit=YES.get(explicit, False), risk_reason=r.get("risk_reason", "").strip(),
            pool_applied=r.get("pool_applied", "").strip(), stated_payback_service=pb_s,
            stated_payback_total=pb_t, variant_names=variants, description=r.get("description", "").strip(),
        )

    # --- cash-flow lines (long table: one row per line and year)
    line_meta: dict[tuple[str, str], dict] = {}
    amounts: dict[tuple[str, str], dict[int, float]] = defaultdict(dict)
    order: list[tuple[str, str]] = []
    line_ids: dict[str, set[str]] = defaultdict(set)  # proposal key -> its line ids
    line_variants: dict[str, set[str | None]] = defaultdict(set)  # proposal key -> variants of its lines
    line_values: dict[tuple[str, str], dict[str, list[tuple[int, object]]]] = defaultdict(lambda: defaultdict(list))
    for i, r in rows("cashflows.csv"):
        f = "cashflows.csv"
        key = r.get("proposal_key", "").strip()
        if key not in props:
            ck.add(f, i, "proposal_key", f"forslaget '{shown(key)}' findes ikke i proposals.csv")
            continue
        p = props[key]
        lid = r.get("line_id", "").strip()
        if not lid:
            ck.add(f, i, "line_id", "mangler et linje-id")
            continue
        variant = r.get("variant", "").strip() or None
        if variant is not None and variant not in p["variant_names"]:
            ck.add(f, i, "variant", f"varianten '{shown(variant)}' er ikke defineret for {shown(key)} i proposals.csv")
        block_text = r.get("block", "").strip().lower()
        block = None
        try:
            block = Block(block_text)
        except ValueError:
            ck.add(f, i, "block", f"ukendt blok '{shown(block_text)}' (brug varig eller impl)")
        st_text = r.get("styringsomraade", "").strip()
        styring = _parse_styring(st_text)
        if styring is None:
            ck.add(f, i, "styringsomraade",
                   f"ukendt styringsområde '{shown(st_text)}' (brug {', '.join(s.value for s in Styring)})")
        kilde = r.get("styringsomraade_kilde", "").strip().lower() or "dokument"
        if kilde not in ("dokument", "udledt"):
            ck.add(f, i, "styringsomraade_kilde", f"'{shown(kilde)}' skal være dokument eller udledt")
        udvalg = r.get("udvalg", "").strip()
        if not udvalg:
            ck.add(f, i, "udvalg", "mangler et udvalg")
        innovation_text = r.get("innovationspulje", "").strip().lower()
        innovation = YES.get(innovation_text, False)
        if innovation_text not in YES:
            ck.add(f, i, "innovationspulje", f"'{shown(innovation_text)}' skal være ja, nej eller tom")
        elif innovation and block is not None and block != Block.IMPL:
            ck.add(f, i, "innovationspulje", "kun en investeringslinje (impl) kan finansieres af innovationspuljen")
        year = ck.year(f, i, "year", r.get("year", ""))
        amount = ck.number(f, i, "amount", r.get("amount", ""))
        if year is not None and p["first_year"] is not None and p["last_year"] is not None and not (
            p["first_year"] <= year <= p["last_year"]
        ):
            ck.add(f, i, "year", f"året {year} ligger uden for forslagets tabel ({p['first_year']}-{p['last_year']})")
            continue
        meta = dict(proposal_key=key, line_id=lid, variant=variant, block=block, label=r.get("label", "").strip(),
                    styring=styring, styring_inferred=(kilde == "udledt"), udvalg=udvalg,
                    bevilling_udvalg=r.get("bevilling_udvalg", "").strip() or None, note=r.get("note", "").strip(),
                    innovation=innovation)
        lk = (key, lid)
        if lk not in line_meta:
            line_meta[lk] = meta | {"row": i}
            order.append(lk)
            line_ids[key].add(lid)
            line_variants[key].add(variant)
        for fld in _LINE_FIELDS:
            line_values[lk][fld].append((i, meta[fld]))
        if year is not None and amount is not None:
            if year in amounts[lk]:
                ck.add(f, i, "year", f"linje {shown(key)}/{shown(lid)} har allerede et beløb for {year}")
            else:
                amounts[lk][year] = amount

    # A line's rows must agree on its attributes; the rows that differ from the line's most common
    # value (the first row's on a tie) are the ones reported, so the odd row is named.
    for (key, lid), fields in line_values.items():
        for fld, seen in fields.items():
            counts = Counter(v for _, v in seen)
            if len(counts) < 2:
                continue
            top = max(counts.values())
            usual = next(v for _, v in seen if counts[v] == top)
            where = next(row for row, v in seen if v == usual)
            for row, v in seen:
                if v != usual:
                    ck.add("cashflows.csv", row, _COLNAME.get(fld, fld),
                           f"linje {shown(key)}/{shown(lid)} har '{shown(str(v))}' her, men "
                           f"'{shown(str(usual))}' i række {where}")

    for key, p in props.items():
        if key not in line_ids:
            ck.add("proposals.csv", p["row"], "key", f"forslaget '{shown(key)}' har ingen linjer i cashflows.csv")
        for v in p["variant_names"]:
            if v not in line_variants[key]:
                ck.add("proposals.csv", p["row"], "variants", f"varianten '{shown(v)}' har ingen linjer i cashflows.csv")

    # --- dependencies
    deps: list[Dependency] = []
    requires: dict[str, list[str]] = defaultdict(list)  # 'kræver' edges between existing proposals
    edge_row: dict[tuple[str, str], int] = {}
    for i, r in rows("dependencies.csv"):
        f = "dependencies.csv"
        a, b = r.get("proposal_key", "").strip(), r.get("other_key", "").strip()
        kind = r.get("kind", "").strip().lower()
        for col, k in (("proposal_key", a), ("other_key", b)):
            if k not in props:
                ck.add(f, i, col, f"afhængighed til en nøgle, der ikke findes: '{shown(k)}'")
        if a == b:
            ck.add(f, i, "other_key", f"forslaget '{shown(a)}' kan ikke afhænge af sig selv")
        if kind not in ("kræver", "relateret"):
            ck.add(f, i, "kind", f"'{shown(kind)}' skal være kræver eller relateret")
        if kind == "kræver" and a != b and a in props and b in props and (a, b) not in edge_row:
            edge_row[(a, b)] = i
            requires[a].append(b)
        deps.append(Dependency(a, b, kind == "kræver", r.get("note", "").strip()))
    for cycle in _cycles(requires):
        ck.add("dependencies.csv", edge_row[(cycle[0], cycle[1])], "other_key",
               f"afhængighederne af typen 'kræver' danner en ring: {_cycle_text(cycle)}; et forslag kan ikke "
               "(heller ikke gennem andre forslag) kræve sig selv")

    # --- stated figures
    stated: list[StatedFigure] = []
    for i, r in rows("stated_figures.csv"):
        f = "stated_figures.csv"
        key = r.get("proposal_key", "").strip()
        if key not in props:
            ck.add(f, i, "proposal_key", f"forslaget '{shown(key)}' findes ikke i proposals.csv")
            continue
        variant = r.get("variant", "").strip() or None
        if variant is not None and variant not in props[key]["variant_names"]:
            ck.add(f, i, "variant", f"varianten '{shown(variant)}' er ikke defineret for {shown(key)}")
        sel = _parse_selector(ck, f, i, r.get("selector", ""), key, line_ids[key])
        ytext = r.get("year", "").strip()
        year = None if ytext.lower() == "i alt" else ck.year(f, i, "year", ytext)
        value = ck.number(f, i, "value", r.get("value", ""))
        if sel is not None and value is not None:
            stated.append(StatedFigure(key, variant, r.get("table", "").strip(), r.get("row", "").strip(),
                                       sel, year, value, r.get("note", "").strip()))

    # --- per-udvalg tables
    udv: list[UdvalgFigure] = []
    for i, r in rows("udvalg_tables.csv"):
        f = "udvalg_tables.csv"
        key = r.get("proposal_key", "").strip()
        if key not in props:
            ck.add(f, i, "proposal_key", f"forslaget '{shown(key)}' findes ikke i proposals.csv")
            continue
        measure = r.get("measure", "").strip()
        if measure not in MEASURES:
            ck.add(f, i, "measure", f"ukendt mål '{shown(measure)}' (brug {', '.join(MEASURES)})")
        year = ck.year(f, i, "year", r.get("year", ""))
        value = ck.number(f, i, "value", r.get("value", ""))
        if year is not None and value is not None:
            udv.append(UdvalgFigure(key, r.get("table", "").strip(), measure, r.get("udvalg", "").strip(), year, value))

    notes = [DocumentNote(r.get("proposal_key", "").strip(), r.get("table", "").strip(), r.get("note", "").strip())
             for _, r in rows("document_notes.csv")]

    # --- price index
    pidx: list[PriceIndexEntry] = []
    seen_years: set[int] = set()
    growth_rows: dict[int, tuple[int, float]] = {}  # year -> (row, growth in percent)
    for i, r in rows("price_index.csv"):
        f = "price_index.csv"
        year = ck.year(f, i, "year", r.get("year", ""))
        idx = ck.number(f, i, "index", r.get("index", ""), limit=MAX_PRICE_INDEX, unit="")
        if idx is not None and not MIN_PRICE_INDEX <= idx <= MAX_PRICE_INDEX:
            ck.add(f, i, "index", f"indekset skal ligge mellem {tal(MIN_PRICE_INDEX)} og {tal(MAX_PRICE_INDEX)} "
                                  "(de indbyggede tal har 2020 = 100)")
            idx = None
        a = r.get("assumption", "").strip().lower()
        if a not in YES:
            ck.add(f, i, "assumption", f"'{shown(a)}' skal være ja eller nej")
        if year is not None and year in seen_years:
            ck.add(f, i, "year", f"året {year} står to gange")
        growth_text = (r.get("growth") or "").strip()
        growth = ck.number(f, i, "growth", growth_text, limit=MAX_PRICE_INDEX, unit=" %") if growth_text else None
        if growth is not None and not MIN_GROWTH <= growth <= MAX_GROWTH:
            ck.add(f, i, "growth", f"stigningen skal ligge mellem {tal(MIN_GROWTH)} og {tal(MAX_GROWTH)} % om året")
            growth = None
        if year is not None and idx is not None:
            seen_years.add(year)
            pidx.append(PriceIndexEntry(year, idx, r.get("source", "").strip(), YES.get(a, True)))
            if growth is not None:
                growth_rows[year] = (i, growth)
    by_year = {e.year: e.index for e in pidx}
    for year, (i, growth) in sorted(growth_rows.items()):
        if year - 1 not in by_year:
            continue  # the first year's growth (on a year not in the file) is documentation only
        chained = by_year[year - 1] * (1 + growth / 100)
        if abs(by_year[year] - chained) > CHAIN_TOLERANCE * by_year[year]:
            ck.add("price_index.csv", i, "index",
                   f"indekset {tal_exact(by_year[year], 6)} passer ikke med stigningen {tal_exact(growth, 6)} % "
                   f"fra {year - 1} ({tal_exact(by_year[year - 1], 6)} × (1 + {tal_exact(growth, 6)}/100) = "
                   f"{tal_exact(chained, 6)}); ret indekset eller stigningen")

    if ck.problems:
        raise DataError(ck.problems)
    # --- build objects
    lines_by_key: dict[str, list[CashFlowLine]] = defaultdict(list)
    for lk in order:
        m = line_meta[lk]
        p = props[lk[0]]
        yrs = range(p["first_year"], p["last_year"] + 1)
        amt = {y: amounts[lk].get(y, 0.0) for y in yrs}
        lines_by_key[lk[0]].append(CashFlowLine(
            proposal_key=m["proposal_key"], line_id=m["line_id"], variant=m["variant"], block=m["block"],
            label=m["label"], styring=m["styring"], styring_inferred=m["styring_inferred"], udvalg=m["udvalg"],
            bevilling_udvalg=m["bevilling_udvalg"], amounts=amt, note=m["note"], innovation=m["innovation"]))
    proposals_by_cat: dict[str, list[Proposal]] = defaultdict(list)
    for key, p in props.items():
        proposals_by_cat[p["catalogue"]].append(Proposal(
            key=key, document_id=p["document_id"], title=p["title"], catalogue=p["catalogue"], section=p["section"],
            presenting_forvaltning=p["presenting_forvaltning"], affected_forvaltninger=p["affected_forvaltninger"],
            udvalg=p["udvalg"], price_level_year=p["price_level_year"],
            years=tuple(range(p["first_year"], p["last_year"] + 1)), risk=p["risk"], risk_explicit=p["risk_explicit"],
            risk_reason=p["risk_reason"], pool_applied=p["pool_applied"],
            stated_payback_service=p["stated_payback_service"], stated_payback_total=p["stated_payback_total"],
            variant_names=p["variant_names"], description=p["description"], lines=tuple(lines_by_key[key])))
    catalogues = tuple(Catalogue(**c, proposals=tuple(proposals_by_cat.get(c["id"], ()))) for c in cats.values())
    return DataSet(catalogues=catalogues, dependencies=tuple(deps), stated=tuple(stated),
                   udvalg_tables=tuple(udv), notes=tuple(notes), price_index=tuple(pidx))


_COLNAME = {"styring": "styringsomraade", "innovation": "innovationspulje"}
_LINE_FIELDS = ("variant", "block", "label", "styring", "udvalg", "bevilling_udvalg", "innovation")  # one value per line
_STYRING_ALIASES = {
    "service": Styring.SERVICE,
    "overførsler": Styring.OVERFORSLER,
    "overforsler": Styring.OVERFORSLER,
    "efterspørgselsstyret": Styring.EFTERSPOERGSEL,
    "efterspørgselsstyret indsats": Styring.EFTERSPOERGSEL,
    "anlæg": Styring.ANLAEG,
    "anlaeg": Styring.ANLAEG,
}


def _parse_styring(text: str) -> Styring | None:
    return _STYRING_ALIASES.get(" ".join(text.lower().split()))


def _parse_selector(ck: _Checker, file: str, row: int, text: str, key: str, line_ids: set[str]) -> Selector | None:
    block: str | None = None
    styring: list[Styring] = []
    lids: list[str] = []
    ok = True
    if not text.strip():
        ck.add(file, row, "selector", "mangler en udvælgelse (fx block=varig eller lines=V1,V2)")
        return None
    for part in text.split(";"):
        name, _, value = part.partition("=")
        name, value = name.strip(), value.strip()
        if name == "block" and value in ("varig", "impl", "net"):
            block = value
        elif name == "styring":
            for s in value.split(","):
                st = _parse_styring(s)
                if st is None:
                    ck.add(file, row, "selector", f"ukendt styringsområde '{shown(s.strip())}'")
                    ok = False
                else:
                    styring.append(st)
        elif name == "lines":
            for lid in value.split(","):
                lid = lid.strip()
                if lid not in line_ids:
                    ck.add(file, row, "selector", f"linjen '{shown(lid)}' findes ikke for {shown(key)}")
                    ok = False
                lids.append(lid)
        else:
            ck.add(file, row, "selector", f"kan ikke forstå '{shown(part.strip())}'")
            ok = False
    return Selector(block, tuple(styring), tuple(lids)) if ok else None
