"""Upload of a new catalogue: a template to fill in, reading CSV/Excel uploads into tables of string
cells, and merging them with the built-in data into a validated `DataSet`.

Accepted uploads (`read_upload`):

* CSV files named like ``data/*.csv`` (``catalogues.csv``, ``proposals.csv``, ``cashflows.csv``,
  optionally ``dependencies.csv``, ``stated_figures.csv``, ``udvalg_tables.csv``,
  ``document_notes.csv``, ``price_index.csv``); UTF-8 with or without BOM (Windows-1252, which
  Danish Excel writes for "CSV (semikolonsepareret)", is accepted too), separated by ``,``, ``;`` or
  tab (detected from the header row).
* One or more ``.xlsx`` workbooks with sheets named like the files (with or without ``.csv``);
  other sheets (such as 'Vejledning') are ignored. Numbers in Excel cells become strings like
  ``"-1300"`` or ``"98.5"`` (no thousands separator).
* A ``.zip`` with such CSV files (the CSV template is one).

Numbers written as text: in ``;``-separated files and in Excel text cells the Danish convention
is assumed, so ``-1.300`` means -1300 and ``98,5`` means 98.5; in ``,``-separated files ``.`` is the
decimal point. This applies only to the numeric columns (years, amounts, values, index).

Row numbers in messages are the rows the user sees (header = row 1); blank rows inside a table
are kept so the numbering stays right (and are reported, as every required cell is missing).
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Mapping, Sequence
from datetime import date, datetime, time
from pathlib import PurePath

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font

from .data import (
    FILES,
    OPTIONAL_COLUMNS,
    REQUIRED_FILES,
    DataError,
    Problem,
    build_dataset,
    columns_of,
)
from .model import Catalogue, DataSet

Tables = dict[str, list[dict[str, str]]]

NUMERIC_COLUMNS = frozenset({"price_level_year", "first_year", "last_year", "stated_payback_service_years",
                             "stated_payback_total_years", "year", "amount", "value", "index"})
TEMPLATE_FILES = ("catalogues.csv", "proposals.csv", "cashflows.csv", "dependencies.csv", "stated_figures.csv")
MAX_UNCOMPRESSED = 50_000_000  # bytes, for zip and xlsx uploads
_FILES_TEXT = ", ".join(FILES)


class UploadError(Exception):
    """An uploaded file cannot be read at all; the message is meant for the user (Danish)."""


# --------------------------------------------------------------------------------------------
# The template
# --------------------------------------------------------------------------------------------

EXAMPLE_CATALOGUE = "NYT2025"
EXAMPLE_KEY = "NY01"

_EXAMPLE: dict[str, list[dict[str, str]]] = {
    "catalogues.csv": [{
        "id": EXAMPLE_CATALOGUE, "name": "Eksempel: nyt investeringskatalog", "budget_round": "Budget 2025",
        "price_level_year": "2025", "source_document": "Navnet på jeres dokument",
        "note": "Erstat eksemplet med jeres eget katalog.",
    }],
    "proposals.csv": [{
        "key": EXAMPLE_KEY, "document_id": EXAMPLE_KEY, "title": "Eksempel: digital understøttelse af visitation",
        "catalogue": EXAMPLE_CATALOGUE, "section": "Eksempelafsnit", "presenting_forvaltning": "Socialforvaltningen",
        "affected_forvaltninger": "Socialforvaltningen", "udvalg": "Socialudvalget", "price_level_year": "2025",
        "first_year": "2025", "last_year": "2028", "risk": "lav", "risk_explicit": "ja",
        "risk_reason": "Kendt teknologi", "pool_applied": "Investeringspuljen",
        "stated_payback_service_years": "3", "stated_payback_total_years": "3", "variants": "",
        "description": "En investering på 1,0 mio. kr. i 2025-2026 giver en varig besparelse på 1,0 mio. kr. om året.",
    }],
    "cashflows.csv": [
        {"proposal_key": EXAMPLE_KEY, "line_id": "V1", "variant": "", "block": "varig",
         "label": "Færre visitationsmøder", "styringsomraade": "Service", "styringsomraade_kilde": "dokument",
         "udvalg": "Socialudvalget", "bevilling_udvalg": "", "year": str(y), "amount": str(a), "note": ""}
        for y, a in ((2025, 0), (2026, -500), (2027, -1000), (2028, -1000))
    ] + [
        {"proposal_key": EXAMPLE_KEY, "line_id": "I1", "variant": "", "block": "impl",
         "label": "Projektledelse og implementering", "styringsomraade": "Service",
         "styringsomraade_kilde": "dokument", "udvalg": "Socialudvalget", "bevilling_udvalg": "",
         "year": str(y), "amount": str(a), "note": ""}
        for y, a in ((2025, 800), (2026, 200), (2027, 0), (2028, 0))
    ],
    "dependencies.csv": [],
    "stated_figures.csv": [
        {"proposal_key": EXAMPLE_KEY, "variant": "", "table": "Tabel 1", "row": "Samlet økonomisk påvirkning",
         "selector": "block=net", "year": str(y), "value": str(v), "note": ""}
        for y, v in ((2025, 800), (2026, -300), (2027, -1000), (2028, -1000))
    ],
}

COLUMN_HELP: dict[str, dict[str, str]] = {
    "catalogues.csv": {
        "id": "Katalogets id, fx NYT2025. Må ikke være et id, der allerede findes (KK2020, BC2017, BC2018).",
        "name": "Katalogets navn, som det vises i dashboardet.",
        "budget_round": "Budgetrunden, fx Budget 2025.",
        "price_level_year": "Pris- og lønniveau (p/l) for katalogets beløb, fx 2025.",
        "source_document": "Kildedokumentet (til orientering).",
        "note": "Fri note.",
    },
    "proposals.csv": {
        "key": "Forslagets nøgle, unik på tværs af alle kataloger (også de indbyggede, fx BU01). Brug evt. et præfiks.",
        "document_id": "Forslagets nummer i dokumentet.",
        "title": "Forslagets titel.",
        "catalogue": "Id'et på det katalog, forslaget hører til (fra arket catalogues).",
        "section": "Afsnit eller målgruppe i kataloget.",
        "presenting_forvaltning": "Den forvaltning, der fremlægger forslaget.",
        "affected_forvaltninger": "Berørte forvaltninger, adskilt med semikolon.",
        "udvalg": "Berørte udvalg, adskilt med semikolon, fx Socialudvalget.",
        "price_level_year": "Forslagets p/l-år (beløbene i cashflows er i dette niveau).",
        "first_year": "Første år i forslagets økonomitabel (Tabel 1).",
        "last_year": "Sidste år i forslagets økonomitabel.",
        "risk": "Risiko: lav, middel eller høj.",
        "risk_explicit": "ja, hvis dokumentet selv angiver risikoen; ellers nej.",
        "risk_reason": "Kort begrundelse for risikoen.",
        "pool_applied": "Den pulje, der søges, fx Investeringspuljen.",
        "stated_payback_service_years": "Dokumentets tilbagebetalingstid baseret på serviceeffektivisering (år), hvis angivet.",
        "stated_payback_total_years": "Dokumentets tilbagebetalingstid baseret på totaløkonomi (år), hvis angivet.",
        "variants": "Varianter, der udelukker hinanden, adskilt med semikolon (fx Model 1;Model 2). Tom: ingen varianter.",
        "description": "Kort beskrivelse med egne ord.",
    },
    "cashflows.csv": {
        "proposal_key": "Forslagets nøgle (fra arket proposals).",
        "line_id": "Linjens id, unikt inden for forslaget: V1, V2 … for varige ændringer, I1, I2 … for investeringer.",
        "variant": "Tom: linjen gælder alle varianter. Ellers navnet på den variant, linjen hører til.",
        "block": "varig (varig ændring) eller impl (implementeringsomkostning, finansieres af puljen).",
        "label": "Linjens tekst, som i dokumentets Tabel 1.",
        "styringsomraade": "Service, Overførsler, Efterspørgselsstyret eller Anlæg.",
        "styringsomraade_kilde": "dokument, eller udledt hvis dokumentet ikke angiver styringsområdet.",
        "udvalg": "Det udvalg, hvis måltal linjen påvirker.",
        "bevilling_udvalg": "Det udvalg, hvor bevillingen ligger, hvis det er et andet (ellers tom).",
        "year": "Året. Én række pr. linje og år.",
        "amount": "Beløbet i 1.000 kr. i forslagets p/l. Besparelser med minus, udgifter og investeringer med plus.",
        "note": "Fri note.",
    },
    "dependencies.csv": {
        "proposal_key": "Forslaget, der afhænger af et andet (skal være et af jeres egne forslag).",
        "other_key": "Det forslag, der afhænges af (jeres eget eller et indbygget).",
        "kind": "kræver (må kun vælges sammen med det andet) eller relateret (kun til orientering).",
        "note": "Fri note.",
    },
    "stated_figures.csv": {
        "proposal_key": "Forslagets nøgle.",
        "variant": "Tom, eller den variant tallet gælder.",
        "table": "Tabellens navn i dokumentet, fx Tabel 1.",
        "row": "Rækkens navn i dokumentet.",
        "selector": "Hvilke linjer tallet summerer: block=varig, block=impl, block=net, styring=Service eller "
                    "lines=V1,V2 (kan kombineres med semikolon).",
        "year": "Året, eller I alt.",
        "value": "Tallet, som det står i dokumentet (1.000 kr.).",
        "note": "Fri note.",
    },
}

GUIDE_INTRO = (
    "Sådan uploader du et nyt investeringskatalog",
    "",
    "Udfyld arkene catalogues, proposals og cashflows (påkrævet) og eventuelt dependencies og "
    "stated_figures. Kolonneoverskrifterne i række 1 skal stå præcis som i skabelonen; rækkefølgen er ligegyldig.",
    "Fortegn: alle beløb er i 1.000 kr. i forslagets eget pris- og lønniveau. Besparelser skrives med minus "
    "(fx -1300), udgifter og investeringer med plus (fx 800) – som i dokumenternes Tabel 1.",
    "Tal skrives uden tusindtalsseparator. Tomme beløbsceller tæller som 0.",
    "cashflows er en lang tabel: én række pr. linje og år. En linje er enten en varig ændring (block = varig) "
    "eller en implementeringsomkostning (block = impl); kun implementeringsomkostninger i de "
    "styringsområder, puljen dækker, bruger af investeringspuljen.",
    "Nøgler og katalog-id'er skal være nye: de må ikke findes i de indbyggede data (fx BU01 eller KK2020).",
    "Pris- og lønindeks: de indbyggede indekstal (2015-2030, 2020 = 100) bruges, medmindre du tilføjer et ark "
    "price_index med kolonnerne year, index, source og assumption (det erstatter så de indbyggede).",
    "Fejl vises med ark (som filnavn, fx cashflows.csv), række og kolonne, så du kan rette dem i regnearket.",
    "Eksemplet (katalog NYT2025, forslag NY01) kan slettes eller overskrives.",
    "Som CSV: gem hvert ark som en fil med arkets navn (fx cashflows.csv), adskilt med semikolon eller komma, "
    "i UTF-8, og upload filerne samlet eller som én zip-fil.",
)


def _template_rows(name: str) -> list[list[str]]:
    cols = FILES[name]
    return [list(cols)] + [[r.get(c, "") for c in cols] for r in _EXAMPLE[name]]


def _xlsx_value(col: str, text: str) -> object:
    if col in NUMERIC_COLUMNS and re.fullmatch(r"-?\d+", text):
        return int(text)
    return text


def template_xlsx() -> bytes:
    """An Excel template: the sheets of a catalogue with their exact column headers, an example
    catalogue with one proposal, and a sheet 'Vejledning' explaining every column."""
    wb = Workbook()
    wb.remove(wb.active)
    bold = Font(bold=True)
    for name in TEMPLATE_FILES:
        ws = wb.create_sheet(name.removesuffix(".csv"))
        rows = _template_rows(name)
        for r, row in enumerate(rows, start=1):
            for c, v in enumerate(row, start=1):
                if v == "":
                    continue
                cell = ws.cell(row=r, column=c, value=_xlsx_value(rows[0][c - 1], v) if r > 1 else v)
                if isinstance(cell.value, str):
                    cell.data_type = "s"
                if r == 1:
                    cell.font = bold
        for c, col in enumerate(rows[0], start=1):
            width = max(len(col), *(len(str(row[c - 1])) for row in rows)) + 2
            ws.column_dimensions[ws.cell(row=1, column=c).column_letter].width = min(width, 50)
        ws.freeze_panes = "A2"
    guide = wb.create_sheet("Vejledning")
    wrap = Alignment(wrap_text=True, vertical="top")
    r = 1
    for line in GUIDE_INTRO:
        cell = guide.cell(row=r, column=1, value=line)
        cell.data_type = "s"
        if r == 1:
            cell.font = Font(bold=True, size=14)
        r += 1
    r += 1
    for c, head in enumerate(("Ark", "Kolonne", "Påkrævet", "Forklaring"), start=1):
        guide.cell(row=r, column=c, value=head).font = bold
    r += 1
    for name in TEMPLATE_FILES:
        sheet_required = name in REQUIRED_FILES
        for col in FILES[name]:
            required = "ja" if sheet_required and col not in OPTIONAL_COLUMNS else "nej"
            for c, v in enumerate((name.removesuffix(".csv"), col, required, COLUMN_HELP[name][col]), start=1):
                cell = guide.cell(row=r, column=c, value=v)
                cell.data_type = "s"
                if c == 4:
                    cell.alignment = wrap
            r += 1
    for col, width in zip("ABCD", (18, 30, 10, 90), strict=True):
        guide.column_dimensions[col].width = width
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def guide_text() -> str:
    """The 'Vejledning' as plain text (for the CSV template)."""
    lines = list(GUIDE_INTRO) + [""]
    for name in TEMPLATE_FILES:
        lines.append(f"{name}:")
        for col in FILES[name]:
            lines.append(f"  {col}: {COLUMN_HELP[name][col]}")
        lines.append("")
    return "\n".join(lines)


def template_csv_zip() -> bytes:
    """The template as CSV files (UTF-8 with BOM, ';'-separated, for Danish Excel) in a zip, with VEJLEDNING.txt."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name in TEMPLATE_FILES:
            out = io.StringIO()
            w = csv.writer(out, delimiter=";", lineterminator="\r\n")
            w.writerows(_template_rows(name))
            z.writestr(name, "\ufeff" + out.getvalue())
        z.writestr("VEJLEDNING.txt", "\ufeff" + guide_text())
    return buf.getvalue()


# --------------------------------------------------------------------------------------------
# Reading uploads
# --------------------------------------------------------------------------------------------


def _canonical(name: str) -> str:
    """'Cashflows', 'cashflows.csv' -> 'cashflows.csv'."""
    n = name.strip().lower()
    n = n.removesuffix(".csv")
    return n + ".csv"


_DK_THOUSANDS = re.compile(r"[+-]?\d{1,3}(?:\.\d{3})+(?:,\d+)?")
_DK_DECIMAL = re.compile(r"[+-]?\d+,\d+")
_SPACED = re.compile(r"[+-]?\d{1,3}(?:[ \u00a0]\d{3})+(?:[.,]\d+)?")


def normalise_number(text: str, danish: bool) -> str:
    """Undo number formatting in a numeric cell: Danish thousands dots and decimal comma
    (when `danish`), a lone decimal comma, spaces as thousands separators, the minus sign '−'."""
    t = text.strip().replace("\u2212", "-")
    if _SPACED.fullmatch(t):
        t = t.replace(" ", "").replace("\u00a0", "")
    if danish and _DK_THOUSANDS.fullmatch(t):
        return t.replace(".", "").replace(",", ".")
    if _DK_DECIMAL.fullmatch(t):
        return t.replace(",", ".")
    return t


def _table(file: str, header: Sequence[str], rows: Sequence[Sequence[str]], danish: bool) -> list[dict[str, str]]:
    cols = [h.strip().lstrip("\ufeff") for h in header]
    while cols and cols[-1] == "":
        cols.pop()
    if not cols:
        raise UploadError(f"{file}: overskriftsrækken (række 1) er tom.")
    seen: set[str] = set()
    for c in cols:
        if c and c in seen:
            raise UploadError(f"{file}, række 1: kolonnen '{c}' står to gange.")
        seen.add(c)
    body = [list(r) for r in rows]
    while body and all(not str(v).strip() for v in body[-1]):
        body.pop()
    out: list[dict[str, str]] = []
    for i, r in enumerate(body, start=2):
        extra = [v for v in r[len(cols):] if str(v).strip()]
        if extra:
            raise UploadError(f"{file}, række {i}: rækken har {len(r)} celler, men overskriftsrækken har "
                              f"{len(cols)} kolonner (står der et skilletegn i en tekst uden anførselstegn?).")
        cells = r[:len(cols)] + [""] * (len(cols) - len(r))
        row = {}
        for c, v in zip(cols, cells, strict=True):
            if not c:
                continue
            row[c] = normalise_number(v, danish) if c in NUMERIC_COLUMNS else v
        out.append(row)
    return out


def _decode(file: str, data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise UploadError(f"{file}: filen kan ikke læses som tekst.") from None
    if b"\x00" in data:
        raise UploadError(f"{file}: filen ser ikke ud som en tekstfil (CSV). Gem den som CSV (UTF-8) og prøv igen.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            raise UploadError(f"{file}: filen kan ikke læses som tekst; gem den som CSV (UTF-8) og prøv igen.") from None
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\r\n")
    if controls:
        raise UploadError(f"{file}: filen ser ikke ud som en tekstfil (CSV). Gem den som CSV (UTF-8) og prøv igen.")
    return text


def _read_csv(file: str, data: bytes) -> tuple[list[str], list[dict[str, str]]]:
    text = _decode(file, data)
    first = text.lstrip("\ufeff").splitlines()[0] if text.strip() else ""
    if not first.strip():
        raise UploadError(f"{file}: filen er tom eller mangler overskriftsrækken.")
    sep = max((";", ",", "\t"), key=first.count)
    try:
        rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""), delimiter=sep))
    except csv.Error as e:
        raise UploadError(f"{file}: filen kan ikke læses som CSV ({e}).") from None
    header = [h.strip() for h in rows[0]]
    table = _table(file, header, rows[1:], danish=(sep == ";"))
    return [h for h in header if h], table


def _cell_text(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "ja" if v else "nej"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if v.is_integer() and abs(v) < 1e15:
            return str(int(v))
        return format(v, ".15g")
    if isinstance(v, datetime | date | time):
        return v.isoformat()
    return str(v)


def _read_xlsx(file: str, data: bytes) -> dict[str, tuple[list[str], list[dict[str, str]]]]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            if sum(i.file_size for i in z.infolist()) > MAX_UNCOMPRESSED:
                raise UploadError(f"{file}: Excel-filen er for stor.")
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except UploadError:
        raise
    except Exception as e:  # noqa: BLE001 - openpyxl raises many kinds for broken files
        raise UploadError(f"{file}: filen kan ikke åbnes som Excel-fil (.xlsx): {type(e).__name__}.") from None
    out: dict[str, tuple[list[str], list[dict[str, str]]]] = {}
    try:
        for ws in wb.worksheets:
            name = _canonical(ws.title)
            if name not in FILES:
                continue
            values = [[_cell_text(v) for v in row] for row in ws.iter_rows(values_only=True)]
            if not values or not any(v.strip() for v in values[0]):
                raise UploadError(f"{file}, ark '{ws.title}': overskriftsrækken (række 1) er tom.")
            header = [h.strip() for h in values[0]]
            # text cells in numeric columns follow the Danish convention (as typed in Danish Excel)
            out[name] = ([h for h in header if h], _table(f"{name} (ark '{ws.title}')", header, values[1:], danish=True))
    finally:
        wb.close()
    return out


def _read_zip(file: str, data: bytes) -> list[tuple[str, bytes]]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            infos = [i for i in z.infolist() if not i.is_dir()]
            if sum(i.file_size for i in infos) > MAX_UNCOMPRESSED:
                raise UploadError(f"{file}: zip-filen er for stor.")
            members = []
            for i in infos:
                base = PurePath(i.filename).name
                if base.startswith((".", "__")) or not base.lower().endswith((".csv", ".xlsx")):
                    continue
                members.append((base, z.read(i)))
    except UploadError:
        raise
    except Exception as e:  # noqa: BLE001
        raise UploadError(f"{file}: zip-filen kan ikke åbnes: {type(e).__name__}.") from None
    return members


def read_upload(files: Sequence[tuple[str, bytes]]) -> Tables:
    """Read uploaded files (name, content) into tables of string cells, keyed like `data/*.csv`
    (plus '<name>:columns' with the header, as `portfolio.data.read_csv_dir` gives).
    Raises UploadError (Danish) for a file that cannot be read at all."""
    if not files:
        raise UploadError("Der er ingen filer at indlæse.")
    found: dict[str, tuple[str, list[str], list[dict[str, str]]]] = {}

    def add(name: str, source: str, header: list[str], rows: list[dict[str, str]]) -> None:
        if name in found:
            raise UploadError(f"{name} findes både i {found[name][0]} og i {source}; upload den kun én gang.")
        found[name] = (source, header, rows)

    queue = list(files)
    while queue:
        fname, data = queue.pop(0)
        base = PurePath(str(fname)).name
        lower = base.lower()
        if lower.endswith((".xlsx", ".xlsm")):
            for name, (header, rows) in _read_xlsx(base, data).items():
                add(name, base, header, rows)
        elif lower.endswith(".zip"):
            queue.extend(_read_zip(base, data))
        elif lower.endswith((".csv", ".txt")):
            name = _canonical(lower.removesuffix(".txt"))
            if name not in FILES:
                raise UploadError(f"{base}: filnavnet kendes ikke; brug et af {_FILES_TEXT}.")
            header, rows = _read_csv(base, data)
            add(name, base, header, rows)
        else:
            raise UploadError(f"{base}: kun CSV-filer (.csv), Excel-filer (.xlsx) og zip-filer kan uploades.")
    if not found:
        raise UploadError("Der blev ikke fundet nogen tabeller i det uploadede. Arkene eller filerne skal hedde "
                          f"som i skabelonen ({_FILES_TEXT}).")
    tables: Tables = {}
    for name, (_, header, rows) in found.items():
        tables[name] = rows
        tables[name + ":columns"] = [dict.fromkeys(header, "")]
    return tables


# --------------------------------------------------------------------------------------------
# Merging with the built-in data
# --------------------------------------------------------------------------------------------


def _cell(r: Mapping[str, str | None], col: str) -> str:
    return (r.get(col) or "").strip()


def merge_catalogue(base_tables: Mapping[str, list[dict[str, str]]],
                    uploaded: Mapping[str, list[dict[str, str]]]) -> DataSet:
    """The built-in tables with the uploaded rows added, validated into a DataSet.

    The base price index is used unless the upload has one. Raises DataError naming the uploaded
    file, row and column of every problem, including keys and catalogue ids that already exist."""
    problems: list[Problem] = []
    for name in REQUIRED_FILES:
        if name not in uploaded:
            problems.append(Problem(name, None, None, "mangler i det uploadede katalog (fil eller ark)"))
    for name in FILES:
        if name not in uploaded:
            continue
        have = set(columns_of(uploaded, name))
        for col in FILES[name]:
            if col not in have and col not in OPTIONAL_COLUMNS:
                problems.append(Problem(name, 1, col, "kolonnen mangler i overskriftsrækken"))
    if problems:
        raise DataError(problems)

    base_keys = {_cell(r, "key"): _cell(r, "title") for r in base_tables.get("proposals.csv", [])}
    base_cats = {_cell(r, "id") for r in base_tables.get("catalogues.csv", [])}
    for i, r in enumerate(uploaded.get("catalogues.csv", []), start=2):
        cid = _cell(r, "id")
        if cid in base_cats:
            problems.append(Problem("catalogues.csv", i, "id", f"kataloget '{cid}' findes allerede i de indbyggede "
                                                             "data; giv det nye katalog et andet id"))
    for i, r in enumerate(uploaded.get("proposals.csv", []), start=2):
        key = _cell(r, "key")
        if key in base_keys:
            problems.append(Problem("proposals.csv", i, "key",
                                    f"nøglen '{key}' findes allerede i de indbyggede data ({base_keys[key]}); "
                                    "giv forslaget en anden nøgle, fx med et præfiks"))
    for name in ("cashflows.csv", "stated_figures.csv", "udvalg_tables.csv", "document_notes.csv",
                 "dependencies.csv"):
        for i, r in enumerate(uploaded.get(name, []), start=2):
            key = _cell(r, "proposal_key")
            if key in base_keys:
                problems.append(Problem(name, i, "proposal_key",
                                        f"forslaget '{key}' hører til de indbyggede data; et uploadet katalog kan "
                                        "kun have rækker for sine egne forslag"))
    if problems:
        raise DataError(problems)

    merged: dict[str, list[dict[str, str]]] = {}
    for name in FILES:
        up = list(uploaded.get(name, []))
        if name == "price_index.csv" and name in uploaded:
            base_rows: list[dict[str, str]] = []
        else:
            base_rows = list(base_tables.get(name, []))
        if name not in uploaded and name not in base_tables:
            continue
        # uploaded rows first, so the row numbers in messages are the uploaded file's own
        merged[name] = up + base_rows
        cols = list(dict.fromkeys([*(columns_of(uploaded, name) if name in uploaded else []),
                                   *(columns_of(base_tables, name) if name in base_tables else [])]))
        merged[name + ":columns"] = [dict.fromkeys(cols, "")]
    ds = build_dataset(merged)

    # put the built-in catalogues (and proposals) first again
    new_keys = {_cell(r, "key") for r in uploaded.get("proposals.csv", [])}
    new_cats = {_cell(r, "id") for r in uploaded.get("catalogues.csv", [])}
    cats: list[Catalogue] = []
    for cat in sorted(ds.catalogues, key=lambda c: c.id in new_cats):
        props = sorted(cat.proposals, key=lambda p: p.key in new_keys)
        cats.append(Catalogue(id=cat.id, name=cat.name, budget_round=cat.budget_round,
                              price_level_year=cat.price_level_year, source_document=cat.source_document,
                              note=cat.note, proposals=tuple(props)))
    return DataSet(catalogues=tuple(cats), dependencies=ds.dependencies, stated=ds.stated,
                   udvalg_tables=ds.udvalg_tables, notes=ds.notes, price_index=ds.price_index)
