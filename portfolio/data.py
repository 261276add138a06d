"""Loading and validating the dataset (CSV files in `data/`).

Every problem is reported with file, row (as Excel shows it: the header is row 1) and column,
in Danish, and nothing is dropped silently: a file with a problem is rejected as a whole.
"""

from __future__ import annotations

import csv
import os
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

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
        "styringsomraade_kilde", "udvalg", "bevilling_udvalg", "year", "amount", "note",
    ),
    "dependencies.csv": ("proposal_key", "other_key", "kind", "note"),
    "stated_figures.csv": ("proposal_key", "variant", "table", "row", "selector", "year", "value", "note"),
    "udvalg_tables.csv": ("proposal_key", "table", "measure", "udvalg", "year", "value"),
    "document_notes.csv": ("proposal_key", "table", "note"),
    "price_index.csv": ("year", "index", "source", "assumption"),
}
# Files a catalogue must have; the others may be absent (an uploaded catalogue need not state figures).
REQUIRED_FILES = ("catalogues.csv", "proposals.csv", "cashflows.csv")
OPTIONAL_COLUMNS = {"note", "bevilling_udvalg", "styringsomraade_kilde", "variant", "document_id",
                    "description", "risk_reason", "pool_applied", "stated_payback_service_years",
                    "stated_payback_total_years", "variants", "section", "affected_forvaltninger",
                    "presenting_forvaltning", "source_document", "budget_round"}

MEASURES = ("maaltal", "bevilling_service", "overfoersler", "efterspoergsel", "investering")
YES = {"ja": True, "nej": False, "": False}

Row = Mapping[str, str]


def default_data_dir() -> Path:
    env = os.environ.get("PORTFOLIO_DATA")
    return Path(env) if env else Path(__file__).resolve().parent.parent / "data"


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


class _Checker:
    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, file: str, row: int | None, column: str | None, message: str) -> None:
        self.problems.append(Problem(file, row, column, message))

    def integer(self, file: str, row: int, col: str, text: str, *, blank_ok: bool = False) -> int | None:
        t = text.strip()
        if not t:
            if not blank_ok:
                self.add(file, row, col, "mangler et heltal")
            return None
        try:
            return int(t)
        except ValueError:
            self.add(file, row, col, f"'{t}' er ikke et heltal")
            return None

    def number(self, file: str, row: int, col: str, text: str) -> float | None:
        t = text.strip()
        if not t:
            return 0.0  # blank cells count as 0, like in the documents
        try:
            return float(t)
        except ValueError:
            self.add(file, row, col, f"'{t}' er ikke et tal (skriv fx -1300 uden tusindtalsseparator)")
            return None


def read_csv_dir(path: Path) -> dict[str, list[dict[str, str]]]:
    """Read every known CSV file in `path` into rows of strings."""
    tables: dict[str, list[dict[str, str]]] = {}
    for name in FILES:
        f = path / name
        if not f.exists():
            continue
        with f.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            tables[name] = [dict(r) for r in reader]
            tables[name + ":columns"] = [dict.fromkeys(reader.fieldnames or [], "")]
    return tables


def load_dataset(path: Path | str | None = None) -> DataSet:
    """Load and validate the CSV files in `path` (default: the project's `data/`)."""
    p = Path(path) if path is not None else default_data_dir()
    if not p.is_dir():
        raise DataError([Problem(str(p), None, None, "mappen findes ikke")])
    return build_dataset(read_csv_dir(p))


def columns_of(tables: Mapping[str, list[dict[str, str]]], name: str) -> list[str]:
    """The header of table `name` (as read, or its rows' keys, or the documented columns)."""
    cols = tables.get(name + ":columns")
    if cols:
        return list(cols[0].keys())
    rows = tables.get(name, [])
    return list(rows[0].keys()) if rows else list(FILES[name])


def build_dataset(tables: Mapping[str, list[dict[str, str]]]) -> DataSet:
    """Validate tables of string cells (as read from CSV or Excel) and build the domain objects."""
    ck = _Checker()
    for name in REQUIRED_FILES:
        if name not in tables:
            ck.add(name, None, None, "filen mangler")
    for name in FILES:
        if name not in tables:
            continue
        have = set(columns_of(tables, name))
        for col in FILES[name]:
            if col not in have and col not in OPTIONAL_COLUMNS:
                ck.add(name, 1, col, "kolonnen mangler i overskriftsrækken")
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
            ck.add("catalogues.csv", i, "id", f"id '{cid}' findes allerede")
            continue
        pl = ck.integer("catalogues.csv", i, "price_level_year", r.get("price_level_year", ""))
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
            ck.add(f, i, "key", f"nøglen '{key}' er brugt to gange (første gang i række {props[key]['row']})")
            continue
        cat = r.get("catalogue", "").strip()
        if cat not in cats:
            ck.add(f, i, "catalogue", f"kataloget '{cat}' findes ikke i catalogues.csv")
        pl = ck.integer(f, i, "price_level_year", r.get("price_level_year", ""))
        y0 = ck.integer(f, i, "first_year", r.get("first_year", ""))
        y1 = ck.integer(f, i, "last_year", r.get("last_year", ""))
        if y0 is not None and y1 is not None and y1 < y0:
            ck.add(f, i, "last_year", f"sidste år {y1} ligger før første år {y0}")
        risk_text = r.get("risk", "").strip().lower()
        risk = None
        try:
            risk = Risk(risk_text)
        except ValueError:
            ck.add(f, i, "risk", f"ukendt risikoniveau '{risk_text}' (brug lav, middel eller høj)")
        explicit = r.get("risk_explicit", "").strip().lower()
        if explicit not in YES:
            ck.add(f, i, "risk_explicit", f"'{explicit}' skal være ja eller nej")
        pb_s = ck.integer(f, i, "stated_payback_service_years", r.get("stated_payback_service_years", ""), blank_ok=True)
        pb_t = ck.integer(f, i, "stated_payback_total_years", r.get("stated_payback_total_years", ""), blank_ok=True)
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
    for i, r in rows("cashflows.csv"):
        f = "cashflows.csv"
        key = r.get("proposal_key", "").strip()
        if key not in props:
            ck.add(f, i, "proposal_key", f"forslaget '{key}' findes ikke i proposals.csv")
            continue
        p = props[key]
        lid = r.get("line_id", "").strip()
        if not lid:
            ck.add(f, i, "line_id", "mangler et linje-id")
            continue
        variant = r.get("variant", "").strip() or None
        if variant is not None and variant not in p["variant_names"]:
            ck.add(f, i, "variant", f"varianten '{variant}' er ikke defineret for {key} i proposals.csv")
        block_text = r.get("block", "").strip().lower()
        block = None
        try:
            block = Block(block_text)
        except ValueError:
            ck.add(f, i, "block", f"ukendt blok '{block_text}' (brug varig eller impl)")
        st_text = r.get("styringsomraade", "").strip()
        styring = _parse_styring(st_text)
        if styring is None:
            ck.add(f, i, "styringsomraade",
                   f"ukendt styringsområde '{st_text}' (brug {', '.join(s.value for s in Styring)})")
        kilde = r.get("styringsomraade_kilde", "").strip().lower() or "dokument"
        if kilde not in ("dokument", "udledt"):
            ck.add(f, i, "styringsomraade_kilde", f"'{kilde}' skal være dokument eller udledt")
        udvalg = r.get("udvalg", "").strip()
        if not udvalg:
            ck.add(f, i, "udvalg", "mangler et udvalg")
        year = ck.integer(f, i, "year", r.get("year", ""))
        amount = ck.number(f, i, "amount", r.get("amount", ""))
        if year is not None and p["first_year"] is not None and p["last_year"] is not None and not (
            p["first_year"] <= year <= p["last_year"]
        ):
            ck.add(f, i, "year", f"året {year} ligger uden for forslagets tabel ({p['first_year']}-{p['last_year']})")
            continue
        meta = dict(proposal_key=key, line_id=lid, variant=variant, block=block, label=r.get("label", "").strip(),
                    styring=styring, styring_inferred=(kilde == "udledt"), udvalg=udvalg,
                    bevilling_udvalg=r.get("bevilling_udvalg", "").strip() or None, note=r.get("note", "").strip())
        lk = (key, lid)
        if lk not in line_meta:
            line_meta[lk] = meta | {"row": i}
            order.append(lk)
        else:
            first = line_meta[lk]
            for fld in ("variant", "block", "label", "styring", "udvalg", "bevilling_udvalg"):
                if first[fld] != meta[fld]:
                    ck.add(f, i, _COLNAME.get(fld, fld),
                           f"linje {key}/{lid} har '{meta[fld]}' her, men '{first[fld]}' i række {first['row']}")
        if year is not None and amount is not None:
            if year in amounts[lk]:
                ck.add(f, i, "year", f"linje {key}/{lid} har allerede et beløb for {year}")
            else:
                amounts[lk][year] = amount

    for key, p in props.items():
        if not any(k == key for k, _ in order):
            ck.add("proposals.csv", p["row"], "key", f"forslaget '{key}' har ingen linjer i cashflows.csv")
        for v in p["variant_names"]:
            if not any(line_meta[lk]["variant"] == v for lk in order if lk[0] == key):
                ck.add("proposals.csv", p["row"], "variants", f"varianten '{v}' har ingen linjer i cashflows.csv")

    # --- dependencies
    deps: list[Dependency] = []
    for i, r in rows("dependencies.csv"):
        f = "dependencies.csv"
        a, b = r.get("proposal_key", "").strip(), r.get("other_key", "").strip()
        kind = r.get("kind", "").strip().lower()
        for col, k in (("proposal_key", a), ("other_key", b)):
            if k not in props:
                ck.add(f, i, col, f"afhængighed til en nøgle, der ikke findes: '{k}'")
        if a == b:
            ck.add(f, i, "other_key", "et forslag kan ikke afhænge af sig selv")
        if kind not in ("kræver", "relateret"):
            ck.add(f, i, "kind", f"'{kind}' skal være kræver eller relateret")
        deps.append(Dependency(a, b, kind == "kræver", r.get("note", "").strip()))

    # --- stated figures
    stated: list[StatedFigure] = []
    for i, r in rows("stated_figures.csv"):
        f = "stated_figures.csv"
        key = r.get("proposal_key", "").strip()
        if key not in props:
            ck.add(f, i, "proposal_key", f"forslaget '{key}' findes ikke i proposals.csv")
            continue
        variant = r.get("variant", "").strip() or None
        if variant is not None and variant not in props[key]["variant_names"]:
            ck.add(f, i, "variant", f"varianten '{variant}' er ikke defineret for {key}")
        sel = _parse_selector(ck, f, i, r.get("selector", ""), key,
                              {lid for (k, lid) in order if k == key})
        ytext = r.get("year", "").strip()
        year = None if ytext.lower() == "i alt" else ck.integer(f, i, "year", ytext)
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
            ck.add(f, i, "proposal_key", f"forslaget '{key}' findes ikke i proposals.csv")
            continue
        measure = r.get("measure", "").strip()
        if measure not in MEASURES:
            ck.add(f, i, "measure", f"ukendt mål '{measure}' (brug {', '.join(MEASURES)})")
        year = ck.integer(f, i, "year", r.get("year", ""))
        value = ck.number(f, i, "value", r.get("value", ""))
        if year is not None and value is not None:
            udv.append(UdvalgFigure(key, r.get("table", "").strip(), measure, r.get("udvalg", "").strip(), year, value))

    notes = [DocumentNote(r.get("proposal_key", "").strip(), r.get("table", "").strip(), r.get("note", "").strip())
             for _, r in rows("document_notes.csv")]

    # --- price index
    pidx: list[PriceIndexEntry] = []
    seen_years: set[int] = set()
    for i, r in rows("price_index.csv"):
        f = "price_index.csv"
        year = ck.integer(f, i, "year", r.get("year", ""))
        idx = ck.number(f, i, "index", r.get("index", ""))
        if idx is not None and idx <= 0:
            ck.add(f, i, "index", "indekset skal være større end 0")
            idx = None
        a = r.get("assumption", "").strip().lower()
        if a not in YES:
            ck.add(f, i, "assumption", f"'{a}' skal være ja eller nej")
        if year is not None and year in seen_years:
            ck.add(f, i, "year", f"året {year} står to gange")
        if year is not None and idx is not None:
            seen_years.add(year)
            pidx.append(PriceIndexEntry(year, idx, r.get("source", "").strip(), YES.get(a, True)))

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
            bevilling_udvalg=m["bevilling_udvalg"], amounts=amt, note=m["note"]))
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


_COLNAME = {"styring": "styringsomraade"}
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
                    ck.add(file, row, "selector", f"ukendt styringsområde '{s.strip()}'")
                    ok = False
                else:
                    styring.append(st)
        elif name == "lines":
            for lid in value.split(","):
                lid = lid.strip()
                if lid not in line_ids:
                    ck.add(file, row, "selector", f"linjen '{lid}' findes ikke for {key}")
                    ok = False
                lids.append(lid)
        else:
            ck.add(file, row, "selector", f"kan ikke forstå '{part.strip()}'")
            ok = False
    return Selector(block, tuple(styring), tuple(lids)) if ok else None
