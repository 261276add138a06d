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

Excel cells holding a formula are read as the value Excel saved with the formula (what the user
sees in Excel). A formula without a saved value (a file written by a program that does not
calculate) is refused with its sheet and cell, never read as blank or 0; so are error values such
as ``#REF!``.

Limits, checked before the work they bound starts (each message states its limit):

* `MAX_UPLOAD_BYTES`: all uploaded files together, as uploaded.
* `MAX_UNCOMPRESSED`: bytes unpacked from the zip and xlsx files of one upload together;
  `MAX_FILE_BYTES` per unpacked member (and per CSV file); a member larger than
  `RATIO_FREE_BYTES` may not unpack to more than `MAX_COMPRESSION_RATIO` times its packed size;
  at most `MAX_ZIP_MEMBERS` members per archive. The sizes in the zip headers are checked first,
  and the bytes are counted again while unpacking (in chunks), so a member that inflates past
  what its header says is stopped at the limit. openpyxl never unpacks anything itself: it reads
  a copy of the workbook whose members were unpacked this way.
* Every XML part of a workbook is scanned (expat, streaming) before openpyxl parses it: a DTD
  (``<!DOCTYPE``, which entity expansion such as "billion laughs" and external entities, XXE, need)
  is refused, malformed XML is reported, and at most `MAX_XML_ELEMENTS` elements are allowed in
  the workbooks of one upload together.
* A table (sheet or CSV file) has at most `MAX_ROWS` rows below its header and `MAX_COLUMNS`
  columns. For a sheet these count the cells that hold something, whatever the sheet's
  ``<dimension>`` claims, and only that range is read.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
import zipfile
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import PurePath
from xml.parsers import expat

from openpyxl import Workbook
from openpyxl.reader.excel import ExcelReader
from openpyxl.styles import Alignment, Font
from openpyxl.utils.cell import coordinate_to_tuple, get_column_letter
from openpyxl.utils.exceptions import CellCoordinatesException
from openpyxl.xml.constants import SHEET_MAIN_NS

from .data import (
    FILES,
    MAX_FILE_BYTES,
    OPTIONAL_COLUMNS,
    REQUIRED_FILES,
    DataError,
    Problem,
    build_dataset,
    columns_of,
    decode_text,
    shown,
    structure_problems,
)
from .fmt import tal
from .model import Catalogue, DataSet

Tables = dict[str, list[dict[str, str]]]

NUMERIC_COLUMNS = frozenset({"price_level_year", "first_year", "last_year", "stated_payback_service_years",
                             "stated_payback_total_years", "year", "amount", "value", "index"})
TEMPLATE_FILES = ("catalogues.csv", "proposals.csv", "cashflows.csv", "dependencies.csv", "stated_figures.csv")
MAX_UPLOAD_BYTES = 20_000_000  # all uploaded files together, as uploaded
MAX_UNCOMPRESSED = 50_000_000  # bytes unpacked from the zip and xlsx files of one upload together
MAX_COMPRESSION_RATIO = 200  # unpacked / packed size of one member larger than RATIO_FREE_BYTES
RATIO_FREE_BYTES = 1_000_000
MAX_ZIP_MEMBERS = 1_000  # members of one zip or xlsx file
MAX_XML_ELEMENTS = 1_000_000  # XML elements in the workbooks of one upload together
MAX_ROWS = 20_000  # rows below the header in one table (sheet or CSV file)
MAX_COLUMNS = 50  # columns in one table (A-AX)
_CHUNK = 1 << 16  # bytes unpacked at a time
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
         "udvalg": "Socialudvalget", "bevilling_udvalg": "", "year": str(y), "amount": str(a), "note": "", "innovationspulje": ""}
        for y, a in ((2025, 0), (2026, -500), (2027, -1000), (2028, -1000))
    ] + [
        {"proposal_key": EXAMPLE_KEY, "line_id": "I1", "variant": "", "block": "impl",
         "label": "Projektledelse og implementering", "styringsomraade": "Service",
         "styringsomraade_kilde": "dokument", "udvalg": "Socialudvalget", "bevilling_udvalg": "",
         "year": str(y), "amount": str(a), "note": "", "innovationspulje": ""}
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
        "innovationspulje": "ja: investeringslinjen søger innovationspuljen (dokumentets 'Innovationspulje (sæt X)'); "
                            "ellers tom.",
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


_DK_THOUSANDS = re.compile(r"[+-]?[0-9]{1,3}(?:\.[0-9]{3})+(?:,[0-9]+)?")
_DK_DECIMAL = re.compile(r"[+-]?[0-9]+,[0-9]+")
_SPACED = re.compile(r"[+-]?[0-9]{1,3}(?:[ \u00a0][0-9]{3})+(?:[.,][0-9]+)?")


def normalise_number(text: str, danish: bool) -> str:
    """Undo number formatting in a numeric cell: Danish thousands dots and decimal comma
    (when `danish`), a lone decimal comma, spaces as thousands separators, the minus sign '−'.
    Only the digits 0-9 count as digits: anything else is left for the validation to refuse."""
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
    if len(cols) > MAX_COLUMNS:
        raise UploadError(f"{file}, række 1: overskriftsrækken har {tal(len(cols))} kolonner; højst {MAX_COLUMNS} "
                          "kan indlæses.")
    seen: set[str] = set()
    for c in cols:
        if c and c in seen:
            raise UploadError(f"{file}, række 1: kolonnen '{shown(c)}' står to gange.")
        seen.add(c)
    body = [list(r) for r in rows]
    while body and all(not str(v).strip() for v in body[-1]):
        body.pop()
    out: list[dict[str, str]] = []
    for i, r in enumerate(body, start=2):
        extra = [v for v in r[len(cols):] if str(v).strip()]
        if extra:
            raise UploadError(f"{file}, række {i}: rækken har {tal(len(r))} celler, men overskriftsrækken har "
                              f"{len(cols)} kolonner (står der et skilletegn i en tekst uden anførselstegn?).")
        cells = r[:len(cols)] + [""] * (len(cols) - len(r))
        row = {}
        for c, v in zip(cols, cells, strict=True):
            if not c:
                continue
            row[c] = normalise_number(v, danish) if c in NUMERIC_COLUMNS else v
        out.append(row)
    return out


def _too_many_rows(file: str) -> UploadError:
    return UploadError(f"{file}: tabellen har mere end {tal(MAX_ROWS)} rækker under overskriftsrækken; højst "
                       f"{tal(MAX_ROWS)} kan indlæses.")


def _read_csv(file: str, data: bytes) -> tuple[list[str], list[dict[str, str]]]:
    try:
        text = decode_text(data, lenient=True)
    except ValueError as e:
        raise UploadError(f"{file}: {e}") from None
    first = text.partition("\n")[0].rstrip("\r")
    if not first.strip():
        raise UploadError(f"{file}: filen er tom eller mangler overskriftsrækken.")
    sep = max((";", ",", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    try:
        rows = list(itertools.islice(reader, MAX_ROWS + 1))  # the header and MAX_ROWS rows
        more = any(any(c.strip() for c in r) for r in reader)
    except csv.Error:
        raise UploadError(f"{file}: filen kan ikke læses som CSV omkring linje {reader.line_num} (tjek anførselstegn "
                          f"og skilletegn, og at ingen celle er længere end {tal(csv.field_size_limit())} tegn)."
                          ) from None
    if more:
        raise _too_many_rows(file)
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


# --- unpacking zip and xlsx files within the limits ---------------------------------------------------

_ARCHIVE = {  # kind -> (the archive in a message, what to say when it cannot be opened)
    "zip": ("zip-filen", "zip-filen kan ikke åbnes; den er beskadiget eller er ikke en zip-fil"),
    "xlsx": ("Excel-filen", "filen kan ikke åbnes som Excel-fil (.xlsx); den er beskadiget eller er ikke en Excel-fil"),
}


@dataclass
class _Budget:
    """What one upload has used of the limits that hold for it as a whole."""

    unpacked: int = 0  # bytes unpacked from zip and xlsx files
    elements: int = 0  # XML elements in xlsx files


def _unpack(file: str, data: bytes, kind: str, budget: _Budget,
            want: Callable[[str], bool] = lambda name: True) -> list[tuple[str, bytes]]:
    """The members of the archive `data` (a zip or xlsx file, `kind`) whose names `want` picks,
    unpacked within the limits of the module docstring. Raises UploadError (Danish) for a broken
    archive or one beyond a limit; no library error escapes."""
    what, broken = _ARCHIVE[kind]
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            infos = [i for i in z.infolist() if not i.is_dir()]
            if len(infos) > MAX_ZIP_MEMBERS:
                raise UploadError(f"{file}: {what} indeholder {tal(len(infos))} filer; højst {tal(MAX_ZIP_MEMBERS)} "
                                  "kan indlæses.")
            if len({i.filename for i in infos}) != len(infos):
                raise UploadError(f"{file}: {broken} (den samme fil står to gange i den).")
            picked = [i for i in infos if want(i.filename)]
            declared = sum(i.file_size for i in picked)
            if budget.unpacked + declared > MAX_UNCOMPRESSED:
                raise _too_big(file, what)
            for i in picked:
                _check_header(file, what, i)
            return [(i.filename, _read_member(file, what, z, i, budget)) for i in picked]
    except UploadError:
        raise
    except MemoryError:
        raise
    except Exception:  # noqa: BLE001 - zipfile and the decompressors raise many kinds for broken files
        raise UploadError(f"{file}: {broken}.") from None


def _too_big(file: str, what: str) -> UploadError:
    return UploadError(f"{file}: {what} fylder for meget udpakket: højst {tal(MAX_UNCOMPRESSED)} byte kan pakkes ud "
                       "(for alt det uploadede tilsammen).")


def _too_packed(file: str, what: str, member: str) -> UploadError:
    return UploadError(f"{file}: {shown(member)} i {what} er pakket usædvanligt tæt (udpakket mere end "
                       f"{MAX_COMPRESSION_RATIO} gange sin pakkede størrelse) og afvises som en mulig zip-bombe.")


def _member_too_big(file: str, what: str, member: str) -> UploadError:
    return UploadError(f"{file}: {shown(member)} i {what} fylder mere end {tal(MAX_FILE_BYTES)} byte udpakket, som er "
                       "det største, der kan indlæses pr. fil.")


def _check_header(file: str, what: str, info: zipfile.ZipInfo) -> None:
    """What a member's header says, checked before it is unpacked."""
    if info.flag_bits & 0x1:
        raise UploadError(f"{file}: {shown(info.filename)} i {what} er krypteret (beskyttet med adgangskode); gem "
                          "den uden adgangskode, og prøv igen.")
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        # bzip2 and lzma members unpack without a bound per read in zipfile; Excel and zip tools use deflate
        raise UploadError(f"{file}: {shown(info.filename)} i {what} er pakket med en metode, der ikke kan læses her "
                          "(kun almindelig zip-komprimering, deflate); pak filen igen med et almindeligt zip-program.")
    if info.file_size > MAX_FILE_BYTES:
        raise _member_too_big(file, what, info.filename)
    if info.file_size > RATIO_FREE_BYTES and info.file_size > MAX_COMPRESSION_RATIO * info.compress_size:
        raise _too_packed(file, what, info.filename)
    # packed data cannot be much larger than what it unpacks to; if it is, the header understates it
    if info.compress_size > info.file_size + info.file_size // 64 + 1024:
        raise UploadError(f"{file}: {what} er beskadiget: de pakkede data for {shown(info.filename)} fylder mere end "
                          f"den udpakkede størrelse, den angiver ({tal(info.file_size)} byte).")


def _read_member(file: str, what: str, z: zipfile.ZipFile, info: zipfile.ZipInfo, budget: _Budget) -> bytes:
    """Unpack one member in chunks, counting the bytes against the limits while reading."""
    parts: list[bytes] = []
    size = 0
    with z.open(info) as fh:
        while chunk := fh.read(_CHUNK):
            size += len(chunk)
            budget.unpacked += len(chunk)
            if size > MAX_FILE_BYTES:
                raise _member_too_big(file, what, info.filename)
            if budget.unpacked > MAX_UNCOMPRESSED:
                raise _too_big(file, what)
            if size > RATIO_FREE_BYTES and size > MAX_COMPRESSION_RATIO * info.compress_size:
                raise _too_packed(file, what, info.filename)
            parts.append(chunk)
    return b"".join(parts)


# --- scanning the XML of a workbook before openpyxl parses it -----------------------------------------

_NS = SHEET_MAIN_NS + " "  # expat's name for an element of the worksheet namespace: "<namespace> <name>"
_SHEET_DATA, _ROW, _CELL = _NS + "sheetData", _NS + "row", _NS + "c"
_VALUE, _INLINE, _FORMULA = _NS + "v", _NS + "is", _NS + "f"
_XML_NAMES = (".xml", ".rels", ".vml")
_XML_STARTS = (b"<", b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")


@dataclass
class _SheetScan:
    """What one XML part holds of cells, as openpyxl will read them (all empty for a part that is
    not a worksheet). 'Content' is a value, an inline string or a formula."""

    rows: int = 0  # the last row with content
    columns: int = 0  # the last column with content
    deep: str | None = None  # the first cell with content below row MAX_ROWS + 1
    wide: str | None = None  # the first cell with content right of column MAX_COLUMNS
    no_value: list[str] = field(default_factory=list)  # cells with a formula but no saved value
    errors: list[str] = field(default_factory=list)  # cells holding an error value (#REF!, #DIV/0! …)


class _XmlScan:
    """One pass of expat over an XML part of a workbook (see the module docstring)."""

    def __init__(self, file: str, member: str, budget: _Budget):
        self.file, self.member, self.budget = file, member, budget
        self.scan = _SheetScan()
        self.in_data = self.in_row = False
        self.row = self.col = 0
        self.cell: dict[str, bool] | None = None  # the cell being read: which of v (with text), is, f it has
        self.parser = expat.ParserCreate(namespace_separator=" ")

    def run(self, data: bytes) -> _SheetScan:
        p = self.parser
        p.StartDoctypeDeclHandler = self.refuse_dtd
        p.EntityDeclHandler = self.refuse_dtd
        p.StartElementHandler = self.start
        p.EndElementHandler = self.end
        try:
            p.Parse(data, True)
        except expat.ExpatError as e:
            raise UploadError(f"{self.file}: Excel-filen er beskadiget: {shown(self.member)} er ikke gyldig XML "
                              f"(linje {e.lineno}, kolonne {e.offset + 1}).") from None
        return self.scan

    def broken(self, why: str) -> UploadError:
        return UploadError(f"{self.file}: Excel-filen er beskadiget: {why} i {shown(self.member)}.")

    def refuse_dtd(self, *_: object) -> None:
        raise UploadError(f"{self.file}: Excel-filen afvises: {shown(self.member)} indeholder en DTD (DOCTYPE) med "
                          "egne entiteter, som Excel-filer aldrig har; den slags bruges til angreb, der fylder "
                          "hukommelsen op eller læser filer på serveren.")

    def start(self, name: str, attrs: dict[str, str]) -> None:
        self.budget.elements += 1
        if self.budget.elements > MAX_XML_ELEMENTS:
            raise UploadError(f"{self.file}: Excel-filen er for stor: det uploadede har mere end "
                              f"{tal(MAX_XML_ELEMENTS)} XML-elementer (celler, rækker, tekster …), som er det "
                              "meste, der kan indlæses. Fjern overflødige ark og celler, eller gem arkene som CSV.")
        if name == _SHEET_DATA:
            self.in_data = True
        elif not self.in_data:
            return
        elif name == _ROW:
            self.start_row(attrs.get("r"))
        elif name == _CELL and self.in_row:
            self.start_cell(attrs.get("r"), attrs.get("t", "n"))
        elif self.cell is not None and name in (_INLINE, _FORMULA):
            self.cell[name] = True
        elif self.cell is not None and name == _VALUE:
            # openpyxl reads an empty <v></v> as no value, so only its text counts
            self.parser.CharacterDataHandler = self.value_text

    def value_text(self, text: str) -> None:
        if text and self.cell is not None:
            self.cell[_VALUE] = True

    def start_row(self, r: str | None) -> None:
        # as openpyxl numbers rows; it would drop a row that does not come after the one before
        try:
            number = self.row + 1 if r is None else _row_number(r)
        except ValueError:
            raise self.broken(f"rækkenummeret '{shown(r or '')}' er ugyldigt") from None
        if number <= self.row:
            raise self.broken(f"række {number} står efter række {self.row}")
        self.row, self.col, self.in_row = number, 0, True

    def start_cell(self, r: str | None, kind: str) -> None:
        # as openpyxl places cells; it would let a later cell in the same column overwrite an earlier one
        try:
            col = self.col + 1 if r is None else coordinate_to_tuple(r)[1]
        except (CellCoordinatesException, ValueError, TypeError):
            raise self.broken(f"cellereferencen '{shown(r or '')}' er ugyldig") from None
        if col <= self.col:
            raise self.broken(f"to celler i række {self.row} står i kolonne {get_column_letter(col)} eller i "
                              "forkert rækkefølge")
        self.col = col
        self.cell = {"error": kind == "e"}

    def end(self, name: str) -> None:
        if name == _VALUE:
            self.parser.CharacterDataHandler = None
        elif name == _SHEET_DATA:
            self.in_data = False
        elif name == _ROW:
            self.in_row = False
        elif name == _CELL and self.cell is not None:
            cell, self.cell = self.cell, None
            if not (cell.get(_VALUE) or cell.get(_INLINE) or cell.get(_FORMULA)):
                return
            s = self.scan
            ref = f"{get_column_letter(self.col)}{self.row}"
            s.rows, s.columns = self.row, max(s.columns, self.col)
            if self.row > MAX_ROWS + 1 and s.deep is None:
                s.deep = ref
            if self.col > MAX_COLUMNS and s.wide is None:
                s.wide = ref
            if cell.get(_FORMULA) and not cell.get(_VALUE):
                s.no_value.append(ref)
            elif cell["error"] and cell.get(_VALUE):
                s.errors.append(ref)


def _row_number(r: str) -> int:
    try:
        return int(r)
    except ValueError:
        value = float(r)
        if not value.is_integer():
            raise
        return int(value)


def _cells_text(refs: Sequence[str]) -> str:
    more = len(refs) - 1
    return refs[0] + ("" if not more else " (og 1 celle mere)" if more == 1 else f" (og {tal(more)} celler mere)")


def _check_sheet(where: str, scan: _SheetScan) -> None:
    """Refuse a sheet beyond the row or column limit, or with formulas without values or error values."""
    if scan.deep:
        raise UploadError(f"{where}: der er indhold i celle {scan.deep}, men højst {tal(MAX_ROWS)} rækker under "
                          "overskriftsrækken kan indlæses.")
    if scan.wide:
        raise UploadError(f"{where}, celle {scan.wide}: der er indhold i kolonne "
                          f"{scan.wide.rstrip('0123456789')}, men højst {MAX_COLUMNS} kolonner "
                          f"(A-{get_column_letter(MAX_COLUMNS)}) kan indlæses.")
    if scan.no_value:
        raise UploadError(f"{where}, celle {_cells_text(scan.no_value)}: cellen har en formel uden en gemt værdi "
                          "(filen er lavet af et program, der ikke regner formler ud). Åbn og gem filen i Excel, "
                          "eller skriv værdien i stedet for formlen.")
    if scan.errors:
        raise UploadError(f"{where}, celle {_cells_text(scan.errors)}: cellen har en fejlværdi (fx #REF! eller "
                          "#DIV/0!) i stedet for et tal eller en tekst; ret formlen.")


def _repack(members: Sequence[tuple[str, bytes]]) -> bytes:
    """The members as a zip without compression: what openpyxl reads, so it never unpacks anything."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        for name, content in members:
            z.writestr(name, content)
    return buf.getvalue()


def _read_xlsx(file: str, data: bytes, budget: _Budget) -> dict[str, tuple[list[str], list[dict[str, str]]]]:
    """The known sheets of a workbook as (header, rows), within the limits of the module docstring."""
    broken = _ARCHIVE["xlsx"][1]
    members = _unpack(file, data, "xlsx", budget)
    scans = {name: _XmlScan(file, name, budget).run(content) for name, content in members
             if name.lower().endswith(_XML_NAMES) or content.lstrip().startswith(_XML_STARTS)}
    out: dict[str, tuple[list[str], list[dict[str, str]]]] = {}
    titles: dict[str, str] = {}
    wb = None
    try:
        reader = ExcelReader(io.BytesIO(_repack(members)), read_only=True, data_only=True, keep_links=False)
        reader.read()
        wb = reader.wb
        paths = {sheet.name: rel.target for sheet, rel in reader.parser.find_sheets()}
        for ws in wb.worksheets:
            name = _canonical(ws.title)
            if name not in FILES:
                continue
            where = f"{file}, ark '{shown(ws.title)}'"
            if name in titles:
                raise UploadError(f"{where}: arket '{shown(titles[name])}' er også {name}; der må kun være ét.")
            titles[name] = ws.title
            scan = scans.get(paths.get(ws.title, ""))
            if scan is None:
                raise UploadError(f"{where}: {broken}.")
            _check_sheet(where, scan)
            ws.reset_dimensions()  # read what is there, not what the sheet's <dimension> claims
            rows = ws.iter_rows(max_row=scan.rows, max_col=scan.columns, values_only=True) if scan.rows else ()
            values = [[_cell_text(v) for v in row] for row in rows]
            if not values or not any(v.strip() for v in values[0]):
                raise UploadError(f"{where}: overskriftsrækken (række 1) er tom.")
            header = [h.strip() for h in values[0]]
            # text cells in numeric columns follow the Danish convention (as typed in Danish Excel)
            out[name] = ([h for h in header if h], _table(f"{name} (ark '{shown(ws.title)}')", header, values[1:],
                                                          danish=True))
    except UploadError:
        raise
    except MemoryError:
        raise
    except Exception:  # noqa: BLE001 - openpyxl raises many kinds for broken files
        raise UploadError(f"{file}: {broken}.") from None
    finally:
        if wb is not None:
            wb.close()
    return out


def _wanted_in_zip(name: str) -> bool:
    base = PurePath(name).name
    return not base.startswith((".", "__")) and base.lower().endswith((".csv", ".xlsx"))


def _read_zip(file: str, data: bytes, budget: _Budget) -> list[tuple[str, bytes]]:
    return [(PurePath(name).name, content) for name, content in _unpack(file, data, "zip", budget, _wanted_in_zip)]


def read_upload(files: Sequence[tuple[str, bytes]]) -> Tables:
    """Read uploaded files (name, content) into tables of string cells, keyed like `data/*.csv`
    (plus '<name>:columns' with the header, as `portfolio.data.read_csv_dir` gives).
    Raises UploadError (Danish) for a file that cannot be read at all or is beyond a limit."""
    if not files:
        raise UploadError("Der er ingen filer at indlæse.")
    total = sum(len(data) for _, data in files)
    if total > MAX_UPLOAD_BYTES:
        raise UploadError(f"Det uploadede fylder {tal(total)} byte; højst {tal(MAX_UPLOAD_BYTES)} byte kan indlæses "
                          "ad gangen.")
    budget = _Budget()
    found: dict[str, tuple[str, list[str], list[dict[str, str]]]] = {}

    def add(name: str, source: str, header: list[str], rows: list[dict[str, str]]) -> None:
        if name in found:
            raise UploadError(f"{name} findes både i {found[name][0]} og i {source}; upload den kun én gang.")
        found[name] = (source, header, rows)

    queue = deque(files)
    while queue:
        fname, data = queue.popleft()
        real = PurePath(str(fname)).name
        base, lower = shown(real), real.lower()
        if lower.endswith((".xlsx", ".xlsm")):
            for name, (header, rows) in _read_xlsx(base, data, budget).items():
                add(name, base, header, rows)
        elif lower.endswith(".zip"):
            queue.extend(_read_zip(base, data, budget))
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
    problems = structure_problems(uploaded, missing="mangler i det uploadede katalog (fil eller ark)")
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
