"""Hostile uploads and data folders: nothing hangs, exhausts memory, crashes or is read wrong.

Every hostile case runs through `tests.hostile.bounded` (a forked child under a memory and a time
limit) and must answer within `FAST_S` seconds with the expected error (UploadError or DataError)
whose message is Danish, names what and where (file, row, column; sheet and cell) and the limit,
and carries no English library text. The hostile files are generated here: tiny CSV catalogues,
the Excel template with its XML edited, and zip files built by hand so their headers can lie.
"""

from __future__ import annotations

import csv
import io
import math
import os
import re
import shutil
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterable, Mapping
from functools import cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portfolio.data import (
    FILES,
    MAX_AMOUNT,
    MAX_FILE_BYTES,
    MAX_YEAR,
    MAX_YEAR_SPAN,
    MIN_YEAR,
    DataError,
    build_dataset,
    default_data_dir,
    load_dataset,
    read_csv_dir,
)
from portfolio.fmt import tal
from portfolio.upload import (
    MAX_COLUMNS,
    MAX_COMPRESSION_RATIO,
    MAX_ROWS,
    MAX_UNCOMPRESSED,
    MAX_UPLOAD_BYTES,
    MAX_XML_ELEMENTS,
    MAX_ZIP_MEMBERS,
    UploadError,
    merge_catalogue,
    read_upload,
    template_csv_zip,
    template_xlsx,
)
from tests.hostile import FAST_S, Outcome, bounded, run_cli

BASE = read_csv_dir(default_data_dir())
TEMPLATE = template_xlsx()
YEARS = f"{MIN_YEAR}-{MAX_YEAR}"
AMOUNT_LIMIT = tal(MAX_AMOUNT)  # "1.000.000.000"
CASHFLOWS_SHEET = "xl/worksheets/sheet3.xml"  # the template's sheet 'cashflows'
WORKBOOK = "xl/workbook.xml"

# English texts of the libraries involved (zipfile, expat, csv, codecs, openpyxl, the OS), none of
# which may reach the user; and a few Danish words one of which every message has.
ENGLISH = re.compile(
    r"Error|error|Traceback|BadZip|File is|not a zip|[Ii]nvalid|undefined entity|unclosed token|"
    r"limit on input|amplification|not well-formed|mismatched tag|codec|can't decode|line contains|"
    r"field larger|Unable to|Bad CRC|Permission denied|No such file|Is a directory|Errno|could not|"
    r"NoneType|object has no|index out of range|literal for int|Worksheet|Workbook|zipfile|openpyxl"
)
DANISH = re.compile(r"\b(er|ikke|kan|højst|skal|må|har|mangler|findes|filen|række|celle|kolonne)\b")


# --------------------------------------------------------------------------------------------
# What runs in the child, and what the parent asserts about it
# --------------------------------------------------------------------------------------------


def upload(files: list[tuple[str, bytes]]) -> dict[str, object]:
    """Read and merge an upload, as the dashboard does; a small summary of a valid one."""
    ds = merge_catalogue(BASE, read_upload(files))
    new = ds.catalogues[-1]
    return {"catalogues": [c.id for c in ds.catalogues], "proposals": [p.key for p in new.proposals],
            "amounts": {f"{ln.proposal_key}/{ln.line_id}": dict(ln.amounts) for p in new.proposals
                        for ln in p.lines}}


def load_folder(path: str) -> int:
    """Load a data folder, as the CLI's --data does."""
    return len(load_dataset(path).proposals)


def build(tables: Mapping[str, list[dict[str, str]]]) -> int:
    return len(build_dataset(tables).proposals)


def hostile_then_valid(hostile: list[list[tuple[str, bytes]]], valid: list[tuple[str, bytes]]) -> dict:
    """Several hostile uploads, then a valid one, in one process: what each raised, what the valid
    one gives, and whether the process-wide state the readers touch is as before."""
    limit = csv.field_size_limit()
    raised: list[str | None] = []
    for files in hostile:
        try:
            upload(files)
            raised.append(None)
        except (UploadError, DataError) as e:
            raised.append(type(e).__name__)
    return {"raised": raised, "valid": upload(valid), "csv_limit_kept": csv.field_size_limit() == limit,
            "base_kept": read_csv_dir(default_data_dir()) == BASE}


def finished(o: Outcome) -> None:
    assert not o.timed_out, f"hangs: {o.detail}"
    assert not o.out_of_memory, f"exhausts memory: {o.detail}"
    assert o.seconds < FAST_S, f"took {o.seconds:.1f} s"


def danish(message: str) -> None:
    assert DANISH.search(message), f"not Danish: {message!r}"
    assert not ENGLISH.search(message), f"English library text leaked: {message!r}"


def refused(o: Outcome, error: str, *expected: str) -> str:
    """`o` raised `error` within the limits, with a Danish message holding every `expected` text."""
    finished(o)
    assert o.error_type == error, f"{o.error_type}: {o.message}\n{o.detail}"
    for text in expected:
        assert text in o.message, f"{text!r} is not in {o.message!r}"
    danish(o.message)
    return o.message


def accepted(o: Outcome) -> object:
    finished(o)
    assert not o.raised, f"{o.error_type}: {o.message}\n{o.detail}"
    return o.value


# --------------------------------------------------------------------------------------------
# Hostile files
# --------------------------------------------------------------------------------------------


def catalogue(n: int = 1) -> dict[str, list[dict[str, str]]]:
    """A tiny catalogue HX2025 with proposals HX01 … (2025-2026, one line each)."""
    keys = [f"HX{i:02d}" if n < 100 else f"HX{i:03d}" for i in range(1, n + 1)]
    return {
        "catalogues.csv": [{"id": "HX2025", "name": "Fjendtligt katalog", "price_level_year": "2025"}],
        "proposals.csv": [{"key": k, "title": f"Forslag {k}", "catalogue": "HX2025", "udvalg": "Socialudvalget",
                           "price_level_year": "2025", "first_year": "2025", "last_year": "2026", "risk": "lav",
                           "risk_explicit": "ja"} for k in keys],
        "cashflows.csv": [{"proposal_key": k, "line_id": "V1", "block": "varig", "label": "Besparelse",
                           "styringsomraade": "Service", "udvalg": "Socialudvalget", "year": "2025",
                           "amount": "-100"} for k in keys],
    }


def csv_bytes(name: str, rows: Iterable[Mapping[str, str]], columns: Iterable[str] | None = None) -> bytes:
    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=list(columns or FILES[name]), lineterminator="\n", extrasaction="ignore")
    w.writeheader()
    w.writerows(rows)
    return out.getvalue().encode()


def csv_files(tables: Mapping[str, list[dict[str, str]]]) -> list[tuple[str, bytes]]:
    return [(name, csv_bytes(name, rows)) for name, rows in tables.items()]


def with_cell(tables: dict[str, list[dict[str, str]]], name: str, column: str, value: str,
              row: int = 0) -> dict[str, list[dict[str, str]]]:
    tables[name][row][column] = value
    return tables


def rezip(data: bytes, changes: Mapping[str, bytes | None | Callable[[bytes], bytes]] = (),
          extra: Mapping[str, bytes] | None = None) -> bytes:
    """The zip `data` with members replaced (bytes), edited (a function) or dropped (None)."""
    changes = dict(changes)
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            content = src.read(info)
            change = changes.get(info.filename, content)
            if change is None:
                continue
            z.writestr(info.filename, change(content) if callable(change) else change)
        for name, content in (extra or {}).items():
            z.writestr(name, content)
    return out.getvalue()


def sheet_edit(old: bytes, new: bytes, count: int = 1) -> Callable[[bytes], bytes]:
    def edit(xml: bytes) -> bytes:
        assert old in xml, old
        return xml.replace(old, new, count)
    return edit


def before_end_of_data(rows: bytes) -> Callable[[bytes], bytes]:
    return sheet_edit(b"</sheetData>", rows + b"</sheetData>")


def claimed_dimension(ref: bytes) -> Callable[[bytes], bytes]:
    def edit(xml: bytes) -> bytes:
        return re.sub(rb'<dimension ref="[^"]*"\s*/>', b'<dimension ref="' + ref + b'" />', xml)
    return edit


def xlsx(sheet: Callable[[bytes], bytes] | None = None,
         parts: Mapping[str, bytes | None | Callable[[bytes], bytes]] | None = None) -> bytes:
    """The Excel template with the sheet 'cashflows' edited by `sheet` and other members by `parts`."""
    members = dict(parts or {})
    if sheet is not None:
        members[CASHFLOWS_SHEET] = sheet
    return rezip(TEMPLATE, members)


def inline(ref: str, text: str) -> bytes:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'.encode()


LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
          + b"".join(b'<!ENTITY lol%d "%s">' % (i, b"".join(b"&lol%d;" % (i - 1) if i > 1 else b"&lol;"
                                                            for _ in range(10))) for i in range(1, 10))
          + b"]>")
XXE = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
XXE_PARAMETER = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY % p SYSTEM "http://127.0.0.1:9/x.dtd"> %p;]>'


def raw_zip(entries: Iterable[tuple[str, bytes, int, int]], *, method: int = zipfile.ZIP_DEFLATED,
            flags: int = 0) -> bytes:
    """A zip built by hand, so its headers can lie: (name, packed data, CRC, declared size) per member."""
    out, central, count = bytearray(), bytearray(), 0
    for name, packed, crc, size in entries:
        fn = name.encode()
        offset = len(out)
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, flags, method, 0, 0x21, crc, len(packed), size,
                           len(fn), 0) + fn + packed
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, flags, method, 0, 0x21, crc, len(packed),
                               size, len(fn), 0, 0, 0, 0, 0, offset) + fn
        count += 1
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, len(central), len(out), 0)
    return bytes(out + central + end)


@cache
def zeros_deflated(gib: int) -> bytes:
    """A raw deflate stream of `gib` GiB of zero bytes (about 1 MB per GiB), made in a blink: full
    flushes make the 16 MiB blocks independent, so one of them is simply repeated."""
    co = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = 16 << 20
    first = co.compress(bytes(block)) + co.flush(zlib.Z_FULL_FLUSH)
    again = co.compress(bytes(block)) + co.flush(zlib.Z_FULL_FLUSH)
    return first + again * (gib * 64 - 1) + co.flush()


def deflated(data: bytes) -> bytes:
    co = zlib.compressobj(9, zlib.DEFLATED, -15)
    return co.compress(data) + co.flush()


def honest_zip(members: Mapping[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as z:
        for name, content in members.items():
            z.writestr(name, content)
    return out.getvalue()


# --------------------------------------------------------------------------------------------
# 1. Denial of service from tiny inputs: years
# --------------------------------------------------------------------------------------------


def test_a_tiny_upload_with_first_year_minus_a_billion_is_refused_at_once():
    files = csv_files(with_cell(catalogue(), "proposals.csv", "first_year", "-1000000000"))
    assert sum(len(b) for _, b in files) < 1000  # the 631-byte upload
    refused(bounded(upload, files), "DataError", "proposals.csv, række 2, kolonne 'first_year'",
            "året -1000000000 ligger uden for det tilladte interval", YEARS)


@pytest.mark.parametrize("name,column,value,where", [
    ("proposals.csv", "last_year", "1000000000", "proposals.csv, række 2, kolonne 'last_year'"),
    ("proposals.csv", "first_year", "1", "proposals.csv, række 2, kolonne 'first_year'"),
    ("proposals.csv", "last_year", "9999", "proposals.csv, række 2, kolonne 'last_year'"),
    ("proposals.csv", "first_year", str(MIN_YEAR - 1), "kolonne 'first_year'"),
    ("proposals.csv", "last_year", str(MAX_YEAR + 1), "kolonne 'last_year'"),
    ("proposals.csv", "price_level_year", "0", "proposals.csv, række 2, kolonne 'price_level_year'"),
    ("catalogues.csv", "price_level_year", "9999", "catalogues.csv, række 2, kolonne 'price_level_year'"),
    ("cashflows.csv", "year", "9999", "cashflows.csv, række 2, kolonne 'year'"),
    ("cashflows.csv", "year", "-1", "cashflows.csv, række 2, kolonne 'year'"),
    ("proposals.csv", "last_year", "9" * 5000, "9999999999"),  # longer than int() reads by default
])
def test_years_outside_the_window_are_refused(name, column, value, where):
    files = csv_files(with_cell(catalogue(), name, column, value))
    message = refused(bounded(upload, files), "DataError", where, YEARS, "ligger uden for")
    assert len(message) < 1000  # the cell is quoted shortened


@pytest.mark.parametrize("name,row,column", [
    ("stated_figures.csv", {"proposal_key": "HX01", "table": "Tabel 1", "row": "I alt", "selector": "block=varig",
                            "year": "3000", "value": "-100"}, "year"),
    ("udvalg_tables.csv", {"proposal_key": "HX01", "table": "Tabel 2", "measure": "maaltal",
                           "udvalg": "Socialudvalget", "year": "1", "value": "-100"}, "year"),
    ("price_index.csv", {"year": "10000", "index": "100", "source": "x", "assumption": "ja"}, "year"),
])
def test_years_in_the_other_tables_are_bounded_too(name, row, column):
    tables = catalogue() | {name: [row]}
    refused(bounded(upload, csv_files(tables)), "DataError", f"{name}, række 2, kolonne '{column}'", YEARS)


@pytest.mark.parametrize("first,last,ok", [
    ("1990", "2100", False), ("2000", str(2000 + MAX_YEAR_SPAN), False), ("2000", str(2000 + MAX_YEAR_SPAN - 1), True),
])
def test_a_proposals_year_span_is_bounded(first, last, ok):
    tables = catalogue()
    tables["proposals.csv"][0] |= {"first_year": first, "last_year": last, "price_level_year": first}
    tables["cashflows.csv"][0]["year"] = first
    o = bounded(upload, csv_files(tables))
    if ok:
        assert len(accepted(o)["amounts"]["HX01/V1"]) == MAX_YEAR_SPAN
    else:
        span = int(last) - int(first) + 1
        refused(o, "DataError", "proposals.csv, række 2, kolonne 'last_year'", f"spænder over {span} år",
                f"højst {MAX_YEAR_SPAN} år")


def test_a_stated_payback_time_is_bounded():
    files = csv_files(with_cell(catalogue(), "proposals.csv", "stated_payback_total_years", "1000000000"))
    refused(bounded(upload, files), "DataError", "kolonne 'stated_payback_total_years'", "tilbagebetalingstiden",
            "0-100")


# --------------------------------------------------------------------------------------------
# 2. No silent wrong data: amounts, digits, cycles, empty tables
# --------------------------------------------------------------------------------------------

NOT_FINITE = ["nan", "NaN", "-nan", "inf", "-inf", "+inf", "Infinity", "-INFINITY"]
TOO_LARGE = ["1e308", "-1e308", "1e309", "-1e400", str(MAX_AMOUNT + 1), "-1000000000.5", "1e10", "9" * 400]


@pytest.mark.parametrize("value", NOT_FINITE + TOO_LARGE)
def test_non_finite_and_absurd_amounts_are_refused_with_file_row_and_column(value):
    tables = catalogue()
    tables["cashflows.csv"].append(dict(tables["cashflows.csv"][0], year="2026", amount=value))  # row 3
    expected = "uendelig eller udefineret" if value in NOT_FINITE else AMOUNT_LIMIT
    refused(bounded(upload, csv_files(tables)), "DataError", "cashflows.csv, række 3, kolonne 'amount'", expected)


@pytest.mark.parametrize("value", [str(MAX_AMOUNT), f"-{MAX_AMOUNT}", "-1e9", "1.5e-7"])
def test_amounts_up_to_the_bound_are_accepted(value):
    files = csv_files(with_cell(catalogue(), "cashflows.csv", "amount", value))
    assert accepted(bounded(upload, files))["amounts"]["HX01/V1"][2025] == float(value)


@pytest.mark.parametrize("name,row,column,value,expected", [
    ("stated_figures.csv", {"proposal_key": "HX01", "table": "Tabel 1", "row": "I alt", "selector": "block=varig",
                            "year": "2025"}, "value", "inf", "uendelig"),
    ("udvalg_tables.csv", {"proposal_key": "HX01", "table": "Tabel 2", "measure": "maaltal",
                           "udvalg": "Socialudvalget", "year": "2025"}, "value", "-1e308", AMOUNT_LIMIT),
    ("price_index.csv", {"year": "2025", "source": "x", "assumption": "ja"}, "index", "1e308", "10.000"),
    ("price_index.csv", {"year": "2025", "source": "x", "assumption": "ja"}, "index", "nan", "uendelig"),
    ("price_index.csv", {"year": "2025", "source": "x", "assumption": "ja"}, "index", "1e-300", "mellem 1 og 10.000"),
])
def test_other_numbers_are_finite_and_bounded(name, row, column, value, expected):
    tables = catalogue() | {name: [row | {column: value}]}
    refused(bounded(upload, csv_files(tables)), "DataError", f"{name}, række 2, kolonne '{column}'", expected)


@pytest.mark.parametrize("column,value", [
    ("amount", "１２３"),  # full-width
    ("amount", "－１３００"),  # full-width minus and digits
    ("amount", "٣٤٥"),  # Arabic-Indic
    ("amount", "۱۲"),  # Extended Arabic-Indic (Persian)
    ("amount", "१२३"),  # Devanagari
    ("amount", "১২"),  # Bengali
    ("amount", "1.２00"),  # mixed
    ("amount", "²"),  # superscript two
    ("year", "２０２５"),
    ("year", "٢٠٢٥"),
])
def test_unicode_digits_are_refused_not_reinterpreted(column, value):
    files = csv_files(with_cell(catalogue(), "cashflows.csv", column, value))
    refused(bounded(upload, files), "DataError", f"cashflows.csv, række 2, kolonne '{column}'",
            "andre cifre end 0-9")


@pytest.mark.parametrize("value", ["1_000", "-1_300.5", "1_0e3"])
def test_digit_separators_python_would_accept_are_not_numbers(value):
    files = csv_files(with_cell(catalogue(), "cashflows.csv", "amount", value))
    refused(bounded(upload, files), "DataError", "cashflows.csv, række 2, kolonne 'amount'", "er ikke et tal")


def test_full_width_digits_typed_in_an_excel_text_cell_are_refused():
    data = xlsx(sheet_edit(b'<c r="K3" t="n"><v>-500</v></c>', inline("K3", "－５００")))
    refused(bounded(upload, [("katalog.xlsx", data)]), "DataError", "cashflows.csv, række 3, kolonne 'amount'",
            "andre cifre end 0-9")


def deps(*edges: tuple[str, str, str]) -> list[dict[str, str]]:
    return [{"proposal_key": a, "other_key": b, "kind": kind} for a, b, kind in edges]


@pytest.mark.parametrize("n,edges,expected", [
    (2, [("HX01", "HX02", "kræver"), ("HX02", "HX01", "kræver")], ["række 2", "ring: HX01 → HX02 → HX01"]),
    (3, [("HX01", "HX02", "kræver"), ("HX02", "HX03", "kræver"), ("HX03", "HX01", "kræver")],
     ["række 2", "ring: HX01 → HX02 → HX03 → HX01"]),
    (3, [("HX03", "HX01", "kræver"), ("HX01", "HX02", "kræver"), ("HX02", "HX01", "kræver")],
     ["række 3", "ring: HX01 → HX02 → HX01"]),  # HX03 only leads into the cycle
    (4, [("HX01", "HX02", "kræver"), ("HX02", "HX01", "kræver"), ("HX03", "HX04", "kræver"),
         ("HX04", "HX03", "Kræver")], ["HX01 → HX02 → HX01", "HX03 → HX04 → HX03"]),
    (1, [("HX01", "HX01", "kræver")], ["dependencies.csv, række 2, kolonne 'other_key'",
                                        "forslaget 'HX01' kan ikke afhænge af sig selv"]),
    (300, [(f"HX{i:03d}", f"HX{i % 300 + 1:03d}", "kræver") for i in range(1, 301)],
     ["række 2", "ring: HX001 → HX002", "…", "→ HX001"]),
])
def test_circular_requirements_are_refused_naming_the_cycle(n, edges, expected):
    tables = catalogue(n) | {"dependencies.csv": deps(*edges)}
    refused(bounded(upload, csv_files(tables)), "DataError", "dependencies.csv", *expected)


@pytest.mark.parametrize("edges", [
    [("HX01", "HX02", "kræver"), ("HX02", "HX01", "relateret")],
    [("HX01", "HX02", "kræver"), ("HX01", "HX03", "kræver"), ("HX02", "HX04", "kræver"), ("HX03", "HX04", "kræver")],
    [("HX01", "BU01", "kræver"), ("HX02", "HX01", "kræver")],  # on a built-in proposal, no cycle
])
def test_requirements_without_a_cycle_are_accepted(edges):
    tables = catalogue(4) | {"dependencies.csv": deps(*edges)}
    assert accepted(bounded(upload, csv_files(tables)))["proposals"] == ["HX01", "HX02", "HX03", "HX04"]


@pytest.mark.parametrize("empty", [["catalogues.csv"], ["proposals.csv"], ["cashflows.csv"],
                                   ["catalogues.csv", "proposals.csv", "cashflows.csv"]])
def test_a_header_only_upload_gets_a_clear_message(empty):
    tables = catalogue() | {name: [] for name in empty}
    message = refused(bounded(upload, csv_files(tables)), "DataError", "ingen rækker med data")
    for name in empty:
        assert f"{name}: tabellen har kun overskriftsrækken" in message


def test_a_header_only_workbook_gets_a_clear_message():
    def header_only(xml: bytes) -> bytes:
        return re.sub(rb'<row r="([2-9]|\d\d+)".*?</row>', b"", xml, flags=re.S)
    data = xlsx(parts={f"xl/worksheets/sheet{i}.xml": header_only for i in (1, 2, 3)})
    refused(bounded(upload, [("katalog.xlsx", data)]), "DataError", "catalogues.csv: tabellen har kun",
            "proposals.csv: tabellen har kun", "cashflows.csv: tabellen har kun")


# --------------------------------------------------------------------------------------------
# 1. Denial of service from tiny workbooks: read what is there, not what the header claims
# --------------------------------------------------------------------------------------------


def many_rows(n: int) -> Callable[[bytes], bytes]:
    rows = b"".join(b'<row r="%d"><c r="A%d"><v>%d</v></c></row>' % (r, r, r) for r in range(10, n + 10))
    return before_end_of_data(rows)


def many_cells(n: int) -> Callable[[bytes], bytes]:
    return before_end_of_data(b'<row r="10">' + b"<c/>" * n + b"</row>")


@pytest.mark.parametrize("edit,expected", [
    (lambda x: before_end_of_data(b'<row r="1048576">' + inline("A1048576", "x") + b"</row>")(
        claimed_dimension(b"A1:XFD1048576")(x)), ["ark 'cashflows'", "celle A1048576", f"højst {tal(MAX_ROWS)}"]),
    (before_end_of_data(b'<row r="2000000000">' + inline("A2000000000", "x") + b"</row>"),
     ["ark 'cashflows'", "A2000000000", tal(MAX_ROWS)]),
    (before_end_of_data(b'<row r="10">' + inline("XFD10", "x") + b"</row>"),
     ["ark 'cashflows', celle XFD10", "kolonne XFD", f"højst {MAX_COLUMNS} kolonner"]),
    (before_end_of_data(b'<row r="10"><c/>' + b"<c/>" * (MAX_COLUMNS - 1) + b"<c><v>1</v></c></row>"),
     ["ark 'cashflows'", "AY10", f"højst {MAX_COLUMNS} kolonner"]),
    (many_rows(MAX_ROWS), ["ark 'cashflows'", f"højst {tal(MAX_ROWS)} rækker"]),
    (many_cells(MAX_XML_ELEMENTS), ["sheet3.xml", "zip-bombe", f"{MAX_COMPRESSION_RATIO} gange"]),
])
def test_workbooks_claiming_or_holding_huge_ranges_are_refused_at_once(edit, expected):
    data = xlsx(edit)
    assert len(data) < 200_000
    refused(bounded(upload, [("katalog.xlsx", data)]), "UploadError", *expected)


@pytest.mark.parametrize("data", [
    rezip(TEMPLATE, extra={f"xl/fyld{i}.xml": b"<a>" + b"<b/>" * (MAX_XML_ELEMENTS // 5) + b"</a>" for i in range(6)}),
    xlsx(before_end_of_data(b"".join(b'<row r="%d"><c s="1"/></row>' % r for r in range(10, MAX_XML_ELEMENTS // 2 + 10)))),
])
def test_the_xml_elements_of_an_upload_are_counted(data):
    assert len(data) < 5_000_000
    refused(bounded(upload, [("katalog.xlsx", data)]), "UploadError", "katalog.xlsx: Excel-filen er for stor",
            f"mere end {tal(MAX_XML_ELEMENTS)} XML-elementer")


@pytest.mark.parametrize("edit", [
    claimed_dimension(b"A1:XFD1048576"),
    lambda x: before_end_of_data(b'<row r="1048576" customFormat="1"><c r="XFD1048576" s="1"/></row>')(
        claimed_dimension(b"A1:XFD1048576")(x)),  # formatting far away, no content
    before_end_of_data(b"".join(b'<row r="%d"><c r="A%d" s="1"/><c r="ZZ%d" s="1"/></row>' % (r, r, r)
                                for r in range(10, 5000, 7))),
])
def test_workbooks_that_only_claim_or_format_a_huge_range_are_read_as_they_are(edit):
    got = accepted(bounded(upload, [("katalog.xlsx", xlsx(edit))]))
    assert got["proposals"] == ["NY01"] and got["amounts"]["NY01/V1"] == {2025: 0, 2026: -500, 2027: -1000, 2028: -1000}


# --------------------------------------------------------------------------------------------
# 2. Formulas, error values and broken cell order in workbooks
# --------------------------------------------------------------------------------------------

K3 = b'<c r="K3" t="n"><v>-500</v></c>'


@pytest.mark.parametrize("cell", [b'<c r="K3"><f>-250*2</f></c>', b'<c r="K3"><f>-250*2</f><v></v></c>',
                                  b'<c r="K3"><f t="shared" ref="K3:K4" si="0">-250*2</f></c>'])
def test_a_formula_without_a_saved_value_is_refused_naming_sheet_and_cell(cell):
    refused(bounded(upload, [("katalog.xlsx", xlsx(sheet_edit(K3, cell)))]), "UploadError",
            "katalog.xlsx, ark 'cashflows', celle K3", "formel uden en gemt værdi")


def test_a_formula_with_a_saved_value_is_read_as_that_value():
    got = accepted(bounded(upload, [("katalog.xlsx", xlsx(sheet_edit(K3, b'<c r="K3"><f>-555</f><v>-555</v></c>')))]))
    assert got["amounts"]["NY01/V1"][2026] == -555


def test_formulas_without_values_are_counted():
    cells = b'<c r="K3"><f>1</f></c>', b'<c r="K4" t="n"><v>-1000</v></c>'
    edit = sheet_edit(K3, cells[0])
    data = xlsx(lambda x: sheet_edit(cells[1], b'<c r="K4"><f>2</f></c>')(edit(x)))
    refused(bounded(upload, [("katalog.xlsx", data)]), "UploadError", "celle K3 (og 1 celle mere)")


def test_an_error_value_is_refused_naming_sheet_and_cell():
    data = xlsx(sheet_edit(K3, b'<c r="K3" t="e"><f>1/0</f><v>#DIV/0!</v></c>'))
    refused(bounded(upload, [("katalog.xlsx", data)]), "UploadError", "ark 'cashflows', celle K3", "fejlværdi")


@pytest.mark.parametrize("edit,expected", [
    (sheet_edit(b'<row r="3">', b'<row r="2">'), "række 2 står efter række 2"),
    (sheet_edit(b'<c r="B3" t="inlineStr">', b'<c r="A3" t="inlineStr">'), "forkert rækkefølge"),
    (sheet_edit(b'<c r="B3" t="inlineStr">', b'<c r="1B" t="inlineStr">'), "cellereferencen '1B' er ugyldig"),
    (sheet_edit(b'<row r="3">', b'<row r="tre">'), "rækkenummeret 'tre' er ugyldigt"),
])
def test_cells_openpyxl_would_drop_or_overwrite_are_refused(edit, expected):
    refused(bounded(upload, [("katalog.xlsx", xlsx(edit))]), "UploadError", "katalog.xlsx", "beskadiget", expected)


def test_two_sheets_for_the_same_table_are_refused():
    def rename(xml: bytes) -> bytes:
        return xml.replace(b'name="dependencies"', b'name="Cashflows.csv"')
    refused(bounded(upload, [("katalog.xlsx", xlsx(parts={WORKBOOK: rename}))]), "UploadError",
            "ark 'Cashflows.csv'", "cashflows.csv", "kun være ét")


# --------------------------------------------------------------------------------------------
# 3. Faults: malformed XML, billion laughs, XXE, broken workbooks
# --------------------------------------------------------------------------------------------


def with_prolog(prolog: bytes, entity: bytes | None = None) -> Callable[[bytes], bytes]:
    def edit(xml: bytes) -> bytes:
        if entity is not None:
            xml = xml.replace(b"<t>NY01</t>", b"<t>" + entity + b"</t>", 1)
        return prolog + xml
    return edit


@pytest.mark.parametrize("data,expected", [
    (xlsx(lambda x: x[:-40]), ["katalog.xlsx", "beskadiget", "sheet3.xml er ikke gyldig XML", "linje 1"]),
    (xlsx(sheet_edit(b"<t>NY01</t>", b"<t>NY01</x>")), ["beskadiget", "ikke gyldig XML"]),
    (xlsx(sheet_edit(b"<t>NY01</t>", b"<t>&xxe;</t>")), ["beskadiget", "ikke gyldig XML"]),  # no DTD declares it
    (xlsx(sheet_edit(b"<t>NY01</t>", b"<t>NY\xff\xfe01</t>")), ["beskadiget", "ikke gyldig XML"]),
    (xlsx(with_prolog(LAUGHS, b"&lol9;")), ["afvises", "sheet3.xml", "DTD"]),
    (xlsx(parts={WORKBOOK: with_prolog(LAUGHS)}), ["afvises", "xl/workbook.xml", "DTD"]),
    (xlsx(parts={"xl/styles.xml": with_prolog(LAUGHS)}), ["afvises", "xl/styles.xml", "DTD"]),
    (xlsx(with_prolog(XXE, b"&xxe;")), ["afvises", "DTD", "læser filer på serveren"]),
    (xlsx(parts={"xl/_rels/workbook.xml.rels": with_prolog(XXE)}), ["afvises", "workbook.xml.rels"]),
    (xlsx(with_prolog(XXE_PARAMETER)), ["afvises", "DTD"]),
    (xlsx(parts={"[Content_Types].xml": None}), ["katalog.xlsx: filen kan ikke åbnes som Excel-fil (.xlsx)"]),
    (xlsx(parts={WORKBOOK: None}), ["katalog.xlsx: filen kan ikke åbnes som Excel-fil"]),
    (xlsx(sheet_edit(K3, b'<c r="K3" t="s"><v>99</v></c>')), ["filen kan ikke åbnes som Excel-fil"]),
    (xlsx(sheet_edit(K3, b'<c r="K3" t="n"><v>mange</v></c>')), ["filen kan ikke åbnes som Excel-fil"]),
    (honest_zip({"hej.txt": b"ikke en excel-fil"}), ["filen kan ikke åbnes som Excel-fil"]),
    (os.urandom(3000), ["filen kan ikke åbnes som Excel-fil"]),
    (b"PK\x03\x04" + os.urandom(200), ["filen kan ikke åbnes som Excel-fil"]),
    (TEMPLATE[: len(TEMPLATE) // 2], ["filen kan ikke åbnes som Excel-fil"]),
])
def test_broken_and_malicious_workbooks_are_refused_in_danish(data, expected):
    refused(bounded(upload, [("katalog.xlsx", data)]), "UploadError", *expected)


def test_a_workbook_whose_packed_data_is_corrupt_is_refused():
    data = bytearray(TEMPLATE)
    z = zipfile.ZipFile(io.BytesIO(bytes(data)))
    info = z.getinfo(CASHFLOWS_SHEET)
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    data[start + info.compress_size // 2] ^= 0xFF
    refused(bounded(upload, [("katalog.xlsx", bytes(data))]), "UploadError", "katalog.xlsx",
            "kan ikke åbnes som Excel-fil")


# --------------------------------------------------------------------------------------------
# 1. Zip bombs and lying zip headers
# --------------------------------------------------------------------------------------------


def test_a_member_inflating_to_2_gib_past_its_declared_1000_bytes_is_stopped():
    bomb = raw_zip([("cashflows.csv", zeros_deflated(2), zlib.crc32(bytes(1000)), 1000)])
    assert len(bomb) < 3_000_000
    refused(bounded(upload, [("katalog.zip", bomb)]), "UploadError", "katalog.zip", "cashflows.csv",
            "fylder mere end den udpakkede størrelse", "1.000 byte")


def test_a_member_with_a_plausible_header_is_unpacked_only_as_far_as_declared():
    size = 3_000_000  # the packed 2 GiB stream is 2 MB, so the header looks plausible
    bomb = raw_zip([("cashflows.csv", zeros_deflated(2), zlib.crc32(bytes(size)), size)])
    refused(bounded(upload, [("katalog.zip", bomb)]), "UploadError", "cashflows.csv", "NUL-tegn")


def test_an_xlsx_member_inflating_past_its_declared_size_is_stopped():
    z = zipfile.ZipFile(io.BytesIO(TEMPLATE))
    members = [(i.filename, z.read(i)) for i in z.infolist()]
    entries = [(name, zeros_deflated(2) if name == CASHFLOWS_SHEET else deflated(content), zlib.crc32(content),
                len(content)) for name, content in members]
    refused(bounded(upload, [("katalog.xlsx", raw_zip(entries))]), "UploadError", "katalog.xlsx",
            "sheet3.xml", "fylder mere end den udpakkede størrelse")


@pytest.mark.parametrize("members,expected", [
    ({"cashflows.csv": bytes(10_000_000)}, ["zip-bombe", f"{MAX_COMPRESSION_RATIO} gange"]),
    ({"cashflows.csv": b"a;b\n" * 6_000_000}, [f"{tal(MAX_FILE_BYTES)} byte"]),
    ({f"f{i}.csv": b"x" for i in range(MAX_ZIP_MEMBERS + 1)}, [f"højst {tal(MAX_ZIP_MEMBERS)}"]),
])
def test_honest_zip_bombs_are_refused_from_their_headers(members, expected):
    data = honest_zip(members)
    assert len(data) < 1_000_000
    refused(bounded(upload, [("katalog.zip", data)]), "UploadError", "katalog.zip", *expected)


def test_declared_sizes_beyond_the_total_are_refused_before_unpacking():
    each = MAX_FILE_BYTES - 1
    entries = [(name, deflated(b""), 0, each) for name in ("catalogues.csv", "proposals.csv", "cashflows.csv")]
    refused(bounded(upload, [("katalog.zip", raw_zip(entries))]), "UploadError", "zip-filen fylder for meget",
            f"{tal(MAX_UNCOMPRESSED)} byte")


@cache
def binary_digits_zip() -> bytes:
    """A zip with one member of 17 MB of random 0s and 1s: packs about 8 times, so not a bomb."""
    digits = os.urandom(17_000_000).translate(bytes(48 + (b & 1) for b in range(256)))
    return honest_zip({"cashflows.csv": digits})


def test_the_total_unpacked_size_counts_across_the_whole_upload():
    files = [(f"del{i}.zip", binary_digits_zip()) for i in range(3)]
    assert sum(len(b) for _, b in files) < MAX_UPLOAD_BYTES
    refused(bounded(upload, files), "UploadError", "del2.zip", f"{tal(MAX_UNCOMPRESSED)} byte")


@pytest.mark.parametrize("data,expected", [
    (raw_zip([("cashflows.csv", b"x" * 12, 0, 1)], flags=0x1), ["krypteret"]),
    (honest_zip({"cashflows.csv": b"a,b\n"}, zipfile.ZIP_BZIP2), ["cashflows.csv", "metode", "deflate"]),
    (honest_zip({"cashflows.csv": b"a,b\n"}, zipfile.ZIP_LZMA), ["metode"]),
    (raw_zip([("cashflows.csv", b"a", zlib.crc32(b"a"), 1)] * 2, method=zipfile.ZIP_STORED), ["to gange"]),
    (b"ikke en zip", ["katalog.zip: zip-filen kan ikke åbnes"]),
    (template_csv_zip()[:-30], ["zip-filen kan ikke åbnes"]),
    (raw_zip([("cashflows.csv", b"abc", 12345, 3)], method=zipfile.ZIP_STORED), ["zip-filen kan ikke åbnes"]),
    (raw_zip([]), ["ikke fundet nogen tabeller"]),
    (honest_zip({"katalog.xlsx": raw_zip([("cashflows.csv", zeros_deflated(2), 0, 1000)])}, zipfile.ZIP_STORED),
     ["katalog.xlsx", "fylder mere end den udpakkede størrelse"]),
])
def test_broken_zip_files_are_refused_in_danish(data, expected):
    refused(bounded(upload, [("katalog.zip", data)]), "UploadError", *expected)


def test_the_upload_itself_is_bounded():
    refused(bounded(upload, [("cashflows.csv", b"a" * (MAX_UPLOAD_BYTES // 2)), ("proposals.csv", b"b" * (
        MAX_UPLOAD_BYTES // 2 + 1))]), "UploadError", f"højst {tal(MAX_UPLOAD_BYTES)} byte")


# --------------------------------------------------------------------------------------------
# CSV uploads
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("data,expected", [
    (b"proposal_key,amount\n" + b"HX01,1\n" * (MAX_ROWS + 1), [f"mere end {tal(MAX_ROWS)} rækker"]),
    (b"proposal_key,note\nHX01,\"" + b"x" * 200_000 + b"\"\n", ["omkring linje 2", "131.072 tegn"]),
    (b"proposal_key,note\nHX01,\"uafsluttet\n", None),  # csv accepts it: one long cell, then the checks
    (",".join(f"k{i}" for i in range(MAX_COLUMNS + 1)).encode() + b"\n", [f"højst {MAX_COLUMNS} kan indlæses"]),
    (b"," * 5_000_000 + b"x\n", [f"højst {MAX_COLUMNS} kan indlæses"]),
    (b"proposal_key\x00,amount\n", ["NUL-tegn"]),
    (b"proposal_key,amount\nHX01,\x07\n", ["tekstfil"]),
])
def test_hostile_csv_uploads_are_bounded(data, expected):
    o = bounded(upload, [("cashflows.csv", data)])
    if expected is None:
        finished(o)
        assert o.error_type == "DataError" and not ENGLISH.search(o.message)
    else:
        refused(o, "UploadError", "cashflows.csv", *expected)


# --------------------------------------------------------------------------------------------
# 4. The CLI's --data folder
# --------------------------------------------------------------------------------------------


@pytest.fixture()
def folder(tmp_path: Path) -> Path:
    dst = tmp_path / "data"
    shutil.copytree(default_data_dir(), dst)
    return dst


def _replace(folder: Path, name: str) -> Path:
    f = folder / name
    f.unlink()
    return f


def _edit_csv(folder: Path, name: str, index: int | None, **changes: str) -> None:
    """Change row `index` of a data file (None: add a row)."""
    with (folder / name).open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        cols, rows = list(reader.fieldnames or []), list(reader)
    if index is None:
        rows.append(dict.fromkeys(cols, ""))
        index = -1
    rows[index].update(changes)
    with (folder / name).open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=cols, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


def _dir(folder: Path) -> None:
    _replace(folder, "cashflows.csv").mkdir()


def _dev_zero(folder: Path) -> None:
    _replace(folder, "cashflows.csv").symlink_to("/dev/zero")


def _fifo(folder: Path) -> None:
    os.mkfifo(_replace(folder, "cashflows.csv"))


def _sparse(folder: Path) -> None:
    with _replace(folder, "cashflows.csv").open("wb") as fh:
        fh.truncate(MAX_FILE_BYTES + 1)


def _utf16(folder: Path) -> None:
    f = folder / "proposals.csv"
    f.write_bytes(f.read_text(encoding="utf-8").encode("utf-16"))


def _utf16_without_bom(folder: Path) -> None:
    f = folder / "proposals.csv"
    f.write_bytes(f.read_text(encoding="utf-8").encode("utf-16-le"))


def _latin1(folder: Path) -> None:
    f = folder / "proposals.csv"
    f.write_bytes(f.read_text(encoding="utf-8").encode("latin-1", "replace"))


def _broken_link(folder: Path) -> None:
    _replace(folder, "cashflows.csv").symlink_to(folder / "findes-ikke.csv")


def _long_cell(folder: Path) -> None:
    with (folder / "document_notes.csv").open("a", encoding="utf-8") as fh:
        fh.write('BU01,Tabel 9,"' + "x" * 200_000 + '"\n')


def _header_only(folder: Path) -> None:
    f = folder / "cashflows.csv"
    f.write_text(f.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")


@pytest.mark.parametrize("make,expected", [
    (_dir, ["cashflows.csv", "det er en mappe"]),
    (_dev_zero, ["cashflows.csv", "ikke en almindelig fil", "/dev/zero"]),
    (_fifo, ["cashflows.csv", "ikke en almindelig fil"]),
    (_sparse, ["cashflows.csv", f"større end {tal(MAX_FILE_BYTES)} byte"]),
    (_utf16, ["proposals.csv", "UTF-16"]),
    (_utf16_without_bom, ["proposals.csv", "NUL-tegn"]),
    (_latin1, ["proposals.csv", "ikke gemt som UTF-8", "linje 2", "Latin-1"]),
    (_broken_link, ["cashflows.csv", "link til en fil, der ikke findes"]),
    (_long_cell, ["document_notes.csv", "131.072 tegn"]),
    (_header_only, ["cashflows.csv", "ingen rækker med data"]),
    (lambda d: _edit_csv(d, "cashflows.csv", 0, amount="nan"), ["cashflows.csv, række 2, kolonne 'amount'"]),
    (lambda d: _edit_csv(d, "cashflows.csv", 0, amount="1e308"), ["række 2, kolonne 'amount'", AMOUNT_LIMIT]),
    (lambda d: _edit_csv(d, "proposals.csv", 0, first_year="-1000000000"),
     ["proposals.csv, række 2, kolonne 'first_year'", YEARS]),
    (lambda d: _edit_csv(d, "dependencies.csv", None, proposal_key="HA06", other_key="HA08", kind="kræver"),
     ["dependencies.csv", "HA06 → HA08 → HA06"]),
])
def test_a_hostile_data_folder_gives_a_danish_data_error(folder, make, expected):
    make(folder)
    refused(bounded(load_folder, str(folder)), "DataError", *expected)


def test_a_data_folder_that_is_a_file(tmp_path):
    (tmp_path / "data").write_text("x")
    refused(bounded(load_folder, str(tmp_path / "data")), "DataError", "er ikke en mappe")


@pytest.mark.parametrize("make", [_dev_zero, _latin1, lambda d: _edit_csv(d, "cashflows.csv", 0, amount="inf")])
def test_the_cli_exits_3_with_a_danish_message(folder, make):
    make(folder)
    run = run_cli(["--data", str(folder), "proposals"], seconds=60)
    assert run.returncode == 3, run.stderr
    assert "Traceback" not in run.stderr and run.stdout == ""
    danish(run.stderr)


# --------------------------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------------------------

CASHFLOW_ROWS = len(BASE["cashflows.csv"])


def _spelled(x: float) -> st.SearchStrategy[str]:
    return st.sampled_from([repr(x), str(x), format(x, "e"), format(x, ".20g"), format(x, "E")])


absurd = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).filter(lambda x: not math.isfinite(x) or abs(x) > MAX_AMOUNT)
    .flatmap(_spelled),
    st.integers(min_value=MAX_AMOUNT + 1, max_value=10 ** 40).map(str),
    st.integers(max_value=-MAX_AMOUNT - 1, min_value=-(10 ** 40)).map(str),
    st.tuples(st.sampled_from(["", "+", "-"]), st.sampled_from(["nan", "NaN", "inf", "Inf", "infinity", "INFINITY"]))
    .map("".join),
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(row=st.integers(min_value=0, max_value=CASHFLOW_ROWS - 1), value=absurd)
def test_any_non_finite_or_absurd_amount_is_refused_where_it_is(row, value):
    tables = dict(BASE)
    tables["cashflows.csv"] = [dict(r) for r in BASE["cashflows.csv"]]
    tables["cashflows.csv"][row]["amount"] = value
    refused(bounded(build, tables), "DataError", f"cashflows.csv, række {row + 2}, kolonne 'amount'")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.sampled_from(["cashflows.csv", "katalog.xlsx", "katalog.zip", "proposals.txt"]),
       prefix=st.sampled_from([b"", b"PK\x03\x04", b"PK\x05\x06", b"\xef\xbb\xbf", b"\xff\xfe",
                               b"proposal_key,line_id\n"]),
       body=st.binary(max_size=3000))
def test_random_bytes_never_crash_nor_hang(name, prefix, body):
    o = bounded(upload, [(name, prefix + body)])
    finished(o)
    assert o.error_type in (None, "UploadError", "DataError"), f"{o.error_type}: {o.message}\n{o.detail}"
    if o.raised:
        danish(o.message)


SHEET = zipfile.ZipFile(io.BytesIO(TEMPLATE)).read(CASHFLOWS_SHEET)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edits=st.lists(st.tuples(st.integers(min_value=0, max_value=len(SHEET) - 1),
                                st.sampled_from(list(b'<>/="&;!?x0 \xff') + [0])), min_size=1, max_size=4))
def test_mutated_sheet_xml_never_crashes_nor_hangs(edits):
    sheet = bytearray(SHEET)
    for pos, byte in edits:
        sheet[pos] = byte
    o = bounded(upload, [("katalog.xlsx", xlsx(parts={CASHFLOWS_SHEET: bytes(sheet)}))])
    finished(o)
    assert o.error_type in (None, "UploadError", "DataError"), f"{o.error_type}: {o.message}\n{o.detail}"
    if o.raised:
        danish(o.message)


# --------------------------------------------------------------------------------------------
# State intact
# --------------------------------------------------------------------------------------------

VALID = [("katalog.xlsx", TEMPLATE)]
HOSTILE = [
    [("katalog.xlsx", xlsx(with_prolog(LAUGHS, b"&lol9;")))],
    [("katalog.zip", raw_zip([("cashflows.csv", zeros_deflated(2), zlib.crc32(bytes(1000)), 1000)]))],
    csv_files(with_cell(catalogue(), "proposals.csv", "first_year", "-1000000000")),
    csv_files(with_cell(catalogue(), "cashflows.csv", "amount", "nan")),
    [("katalog.xlsx", xlsx(sheet_edit(K3, b'<c r="K3"><f>1</f></c>')))],
]


def test_a_valid_upload_still_works_after_hostile_ones():
    got = accepted(bounded(hostile_then_valid, HOSTILE, VALID))
    assert got["raised"] == ["UploadError", "UploadError", "DataError", "DataError", "UploadError"]
    assert got["valid"] == upload(VALID)
    assert got["valid"]["catalogues"] == ["KK2020", "BC2017", "BC2018", "NYT2025"]
    assert got["valid"]["amounts"]["NY01/V1"] == {2025: 0, 2026: -500, 2027: -1000, 2028: -1000}
    assert got["csv_limit_kept"] and got["base_kept"]


def _numbers(path: str | None = None) -> tuple:
    ds = load_dataset(path)
    lines = [ln for p in ds.proposals for ln in p.lines]
    return (len(ds.proposals), len(lines), round(sum(a for ln in lines for a in ln.amounts.values()), 6),
            sum(len(ln.amounts) for ln in lines), len(ds.stated), len(ds.udvalg_tables), len(ds.dependencies),
            len(ds.price_index))


def test_the_built_in_dataset_still_loads_with_the_same_numbers():
    expected = (24, 152, -338718.0, 878, 1654, 70, 7, 16)  # as before the limits were added
    assert _numbers() == expected
    assert accepted(bounded(_numbers, str(default_data_dir()))) == expected
