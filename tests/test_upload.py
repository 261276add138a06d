"""Catalogue upload: the templates, good CSV and Excel uploads that become selectable and optimisable
catalogues beside the built-in ones, and bad files with Danish errors per row and column."""

from __future__ import annotations

import csv
import io
import os
import zipfile

import pytest
from openpyxl import Workbook, load_workbook

from portfolio.data import FILES, DataError, default_data_dir, read_csv_dir
from portfolio.export import workbook_bytes
from portfolio.optimiser import optimise
from portfolio.scenario import Scenario
from portfolio.upload import (
    EXAMPLE_CATALOGUE,
    EXAMPLE_KEY,
    TEMPLATE_FILES,
    UploadError,
    merge_catalogue,
    normalise_number,
    read_upload,
    template_csv_zip,
    template_xlsx,
)

BUILT_IN = ("KK2020", "BC2017", "BC2018")


@pytest.fixture(scope="module")
def base():
    return read_csv_dir(default_data_dir())


def csv_bytes(name: str, rows: list[dict[str, str]], sep: str = ",", encoding: str = "utf-8",
              columns: tuple[str, ...] | None = None) -> bytes:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(columns or FILES[name]), delimiter=sep, lineterminator="\r\n",
                       extrasaction="ignore")
    w.writeheader()
    for r in rows:
        w.writerow({k: r.get(k, "") for k in (columns or FILES[name])})
    return buf.getvalue().encode(encoding)


def catalogue_rows(cid: str = "TEST2024") -> dict[str, list[dict[str, str]]]:
    """A small catalogue: T1 (two variants), T2 (requires T1) in 2024 p/l, T3 in 2019 p/l."""
    prop = {"catalogue": cid, "udvalg": "Socialudvalget;Børne- og Ungdomsudvalget", "risk": "lav",
            "risk_explicit": "ja", "price_level_year": "2024", "first_year": "2024", "last_year": "2027"}
    cash = []

    def line(key, lid, block, st, amounts, variant="", udvalg="Socialudvalget"):
        for y, a in zip(range(2024, 2028) if key != "T3" else range(2019, 2023), amounts, strict=True):
            cash.append({"proposal_key": key, "line_id": lid, "variant": variant, "block": block,
                         "label": f"Linje {lid} ({key})", "styringsomraade": st, "udvalg": udvalg,
                         "year": str(y), "amount": str(a)})

    line("T1", "V1", "varig", "Service", [0, -800, -1600, -1600])
    line("T1", "V2", "varig", "Overførsler", [0, -200, -400, -400], variant="Stor", udvalg="Børne- og Ungdomsudvalget")
    line("T1", "V3", "varig", "Service", [0, -100, -100, -100], variant="Lille")
    line("T1", "I1", "impl", "Service", [900, 300, 0, 0])
    line("T1", "I2", "impl", "Anlæg", [0, 500, 0, 0], variant="Stor")
    line("T2", "V1", "varig", "Service", [0, -300, -300, -300])
    line("T2", "I1", "impl", "Service", [200, 0, 0, 0])
    line("T3", "V1", "varig", "Efterspørgselsstyret", [0, -1300, -1300, -1300])
    line("T3", "I1", "impl", "Service", [1500, 0, 0, 0])
    return {
        "catalogues.csv": [{"id": cid, "name": "Testkatalog 2024", "budget_round": "Budget 2024",
                            "price_level_year": "2024"}],
        "proposals.csv": [
            prop | {"key": "T1", "title": "Første testforslag", "variants": "Lille;Stor"},
            prop | {"key": "T2", "title": "Andet testforslag", "risk": "middel"},
            prop | {"key": "T3", "title": "Tredje (2019 p/l)", "price_level_year": "2019", "first_year": "2019",
                    "last_year": "2022", "risk": "høj", "risk_explicit": "nej"},
        ],
        "cashflows.csv": cash,
        "dependencies.csv": [{"proposal_key": "T2", "other_key": "T1", "kind": "kræver"},
                             {"proposal_key": "T3", "other_key": "BU01", "kind": "relateret"}],
    }


def upload_csv(rows: dict[str, list[dict[str, str]]], **kw) -> list[tuple[str, bytes]]:
    return [(name, csv_bytes(name, r, **kw)) for name, r in rows.items()]


def problems_of(excinfo) -> set[tuple[str, int | None, str | None]]:
    return {(p.file, p.row, p.column) for p in excinfo.value.problems}


# --- templates ------------------------------------------------------------------------------------------


def test_template_xlsx_has_the_exact_headers_an_example_and_a_guide():
    wb = load_workbook(io.BytesIO(template_xlsx()))
    assert wb.sheetnames == [n.removesuffix(".csv") for n in TEMPLATE_FILES] + ["Vejledning"]
    for name in TEMPLATE_FILES:
        ws = wb[name.removesuffix(".csv")]
        assert tuple(c.value for c in ws[1]) == FILES[name]
    assert wb["catalogues"]["A2"].value == EXAMPLE_CATALOGUE and wb["proposals"]["A2"].value == EXAMPLE_KEY
    amounts = [r[10] for r in wb["cashflows"].iter_rows(min_row=2, values_only=True)]
    assert all(isinstance(a, int) for a in amounts) and min(amounts) < 0 < max(amounts)
    guide = "\n".join(str(c.value) for row in wb["Vejledning"].iter_rows() for c in row if c.value)
    for name in TEMPLATE_FILES:
        for col in FILES[name]:
            assert col in guide
    assert "minus" in guide and "1.000 kr." in guide


def test_csv_template_is_the_same_as_the_xlsx(base):
    z = zipfile.ZipFile(io.BytesIO(template_csv_zip()))
    assert set(z.namelist()) == {*TEMPLATE_FILES, "VEJLEDNING.txt"}
    assert z.read("cashflows.csv").startswith("\ufeff".encode())
    from_zip = read_upload([("skabelon.zip", template_csv_zip())])
    from_xlsx = read_upload([("skabelon.xlsx", template_xlsx())])
    assert from_zip == from_xlsx
    files = [(n, z.read(n)) for n in TEMPLATE_FILES]
    assert read_upload(files) == from_zip


@pytest.mark.parametrize("name,blob", [("skabelon.xlsx", template_xlsx), ("skabelon.zip", template_csv_zip)])
def test_the_template_itself_is_a_valid_optimisable_catalogue(base, name, blob):
    ds = merge_catalogue(base, read_upload([(name, blob())]))
    assert [c.id for c in ds.catalogues] == [*BUILT_IN, EXAMPLE_CATALOGUE]
    res = optimise(ds, Scenario(catalogues=(EXAMPLE_CATALOGUE,)))
    assert res.status == "optimal" and res.selected == ((EXAMPLE_KEY, None),)


# --- good uploads -----------------------------------------------------------------------------------------


def test_good_csv_upload_is_selectable_beside_the_built_in_ones(base):
    tables = read_upload(upload_csv(catalogue_rows()))
    ds = merge_catalogue(base, tables)
    assert [c.id for c in ds.catalogues] == [*BUILT_IN, "TEST2024"]
    assert [p.key for p in ds.catalogue("TEST2024").proposals] == ["T1", "T2", "T3"]
    assert ds.proposals[: len(read_csv_dir(default_data_dir())["proposals.csv"])][0].key == "BU01"
    assert ds.required_by("T2") == ("T1",)
    t1 = ds.proposal("T1")
    assert t1.variant_names == ("Lille", "Stor")
    assert dict(t1.lines[0].amounts) == {2024: 0, 2025: -800, 2026: -1600, 2027: -1600}
    res = optimise(ds, Scenario(catalogues=("TEST2024",)))
    assert res.status == "optimal"
    assert set(res.selected) == {("T1", "Stor"), ("T2", None), ("T3", None)}
    # beside a built-in catalogue, with a pool and the dependency
    both = optimise(ds, Scenario.from_json({"catalogues": ["KK2020", "TEST2024"], "pool": {"total": 15000},
                                            "force_out": ["T1"]}))
    assert both.status == "optimal" and "T2" not in {k for k, _ in both.selected}
    assert any(k.startswith("BU") or k.startswith("HA") for k, _ in both.selected)
    # the export works on the merged data
    assert workbook_bytes(ds, Scenario(catalogues=("TEST2024",)), res)[:2] == b"PK"


def test_semicolon_cp1252_csv_with_danish_numbers(base):
    rows = catalogue_rows()
    for r in rows["cashflows.csv"]:
        if r["amount"] == "-1300":
            r["amount"] = "-1.300"
        if r["amount"] == "-800":
            r["amount"] = "-800,0"
    files = upload_csv(rows, sep=";", encoding="cp1252")
    files = [(n.upper().replace(".CSV", ".csv"), b) for n, b in files]  # names are case-insensitive
    ds = merge_catalogue(base, read_upload(files))
    t3 = ds.proposal("T3")
    assert dict(t3.lines[0].amounts) == {2019: 0, 2020: -1300, 2021: -1300, 2022: -1300}
    assert ds.proposal("T1").lines[0].amounts[2025] == -800
    assert ds.proposal("T3").title == "Tredje (2019 p/l)" and ds.catalogue("TEST2024").name == "Testkatalog 2024"
    # UTF-8 with BOM and ';' too
    bom = [(n, "\ufeff".encode() + b) for n, b in upload_csv(catalogue_rows(), sep=";")]
    assert merge_catalogue(base, read_upload(bom)).proposal("T1").udvalg == (
        "Socialudvalget", "Børne- og Ungdomsudvalget")


def test_good_xlsx_upload_built_from_the_template(base, tmp_path):
    wb = load_workbook(io.BytesIO(template_xlsx()))
    wb["catalogues"]["A2"] = "XL2025"
    props = wb["proposals"]
    props["A2"] = "XL01"
    props["D2"] = "XL2025"
    props.append(["XL02", "XL02", "Andet forslag fra Excel", "XL2025", "", "", "", "Socialudvalget", 2025.0,
                  2025, 2028, "middel", "nej", "", "", None, None, None, "Tal som kommatal i Excel"])
    cash = wb["cashflows"]
    for row in cash.iter_rows(min_row=2):
        row[0].value = "XL01"
    for y, a in ((2025, 0.0), (2026, -1300.0), (2027, -1300.0), (2028, -1300.5)):
        cash.append(["XL02", "V1", None, "varig", "Besparelse", "Service", "dokument", "Socialudvalget", None, y, a])
    cash.append(["XL02", "I1", None, "impl", "Investering", "Anlæg", None, "Socialudvalget", None, 2025, 2000])
    stated = wb["stated_figures"]
    for row in stated.iter_rows(min_row=2):
        row[0].value = "XL01"
    path = tmp_path / "katalog.xlsx"
    wb.save(path)
    tables = read_upload([("katalog.xlsx", path.read_bytes())])
    amounts = [r["amount"] for r in tables["cashflows.csv"] if r["proposal_key"] == "XL02"]
    assert amounts == ["0", "-1300", "-1300", "-1300.5", "2000"]
    assert [r["price_level_year"] for r in tables["proposals.csv"]] == ["2025", "2025"]
    ds = merge_catalogue(base, tables)
    assert [c.id for c in ds.catalogues] == [*BUILT_IN, "XL2025"]
    assert ds.proposal("XL02").lines[0].amounts[2028] == -1300.5
    res = optimise(ds, Scenario(catalogues=("XL2025",)))
    assert res.status == "optimal" and {k for k, _ in res.selected} == {"XL01", "XL02"}


def test_uploaded_price_index_replaces_the_built_in_one(base):
    rows = catalogue_rows()
    rows["price_index.csv"] = [{"year": str(y), "index": str(100 + (y - 2020) * 3), "source": "Eget skøn",
                                "assumption": "ja"} for y in range(2015, 2031)]
    ds = merge_catalogue(base, read_upload(upload_csv(rows)))
    assert {e.year: e.index for e in ds.price_index}[2024] == 112
    assert all(e.source == "Eget skøn" for e in ds.price_index)


@pytest.mark.parametrize("text,danish,expected", [
    ("-1.300", True, "-1300"), ("-1.300", False, "-1.300"), ("98,5", False, "98.5"), ("1.300,25", True, "1300.25"),
    ("96.12", True, "96.12"), ("1 300", True, "1300"), ("\u22121300", False, "-1300"), (" 2019 ", True, "2019"),
    ("I alt", True, "I alt"),
])
def test_normalise_number(text, danish, expected):
    assert normalise_number(text, danish) == expected


# --- bad uploads --------------------------------------------------------------------------------------------


def test_missing_column_names_file_row_and_column(base):
    rows = catalogue_rows()
    cols = tuple(c for c in FILES["cashflows.csv"] if c != "amount")
    files = upload_csv({k: v for k, v in rows.items() if k != "cashflows.csv"})
    files.append(("cashflows.csv", csv_bytes("cashflows.csv", rows["cashflows.csv"], columns=cols)))
    with pytest.raises(DataError) as e:
        merge_catalogue(base, read_upload(files))
    assert problems_of(e) == {("cashflows.csv", 1, "amount")}
    assert "cashflows.csv, række 1, kolonne 'amount': kolonnen mangler i overskriftsrækken" in str(e.value)


def test_bad_cells_are_reported_per_row_and_column(base):
    rows = catalogue_rows()
    rows["cashflows.csv"][1]["amount"] = "abc"  # row 3
    rows["cashflows.csv"][5]["amount"] = "1.2.3"  # row 7
    rows["cashflows.csv"][0]["styringsomraade"] = "Drift"  # row 2
    rows["proposals.csv"][1]["risk"] = "meget høj"  # row 3
    rows["proposals.csv"][2]["catalogue"] = "FINDES_IKKE"  # row 4
    with pytest.raises(DataError) as e:
        merge_catalogue(base, read_upload(upload_csv(rows)))
    got = problems_of(e)
    assert {("cashflows.csv", 3, "amount"), ("cashflows.csv", 7, "amount"), ("cashflows.csv", 2, "styringsomraade"),
            ("proposals.csv", 3, "risk"), ("proposals.csv", 4, "catalogue")} <= got
    text = str(e.value)
    assert "cashflows.csv, række 3, kolonne 'amount': 'abc' er ikke et tal" in text
    assert "ukendt styringsområde 'Drift'" in text and "ukendt risikoniveau 'meget høj'" in text


def test_keys_and_ids_that_collide_with_built_in_ones(base):
    rows = catalogue_rows("KK2020")
    rows["proposals.csv"][0]["key"] = "BU01"
    for r in rows["cashflows.csv"]:
        if r["proposal_key"] == "T1":
            r["proposal_key"] = "BU01"
    rows["dependencies.csv"][0]["other_key"] = "BU01"
    with pytest.raises(DataError) as e:
        merge_catalogue(base, read_upload(upload_csv(rows)))
    got = problems_of(e)
    assert ("proposals.csv", 2, "key") in got and ("catalogues.csv", 2, "id") in got
    assert ("cashflows.csv", 2, "proposal_key") in got
    text = str(e.value)
    assert "nøglen 'BU01' findes allerede i de indbyggede data" in text
    assert "kataloget 'KK2020' findes allerede" in text


def test_duplicate_key_inside_the_upload(base):
    rows = catalogue_rows()
    rows["proposals.csv"].append(dict(rows["proposals.csv"][1]))  # T2 again, row 5
    with pytest.raises(DataError) as e:
        merge_catalogue(base, read_upload(upload_csv(rows)))
    assert ("proposals.csv", 5, "key") in problems_of(e)
    assert "første gang i række 3" in str(e.value)


def test_missing_required_files(base):
    rows = catalogue_rows()
    with pytest.raises(DataError) as e:
        merge_catalogue(base, read_upload(upload_csv({"catalogues.csv": rows["catalogues.csv"]})))
    assert problems_of(e) == {("proposals.csv", None, None), ("cashflows.csv", None, None)}


@pytest.mark.parametrize("files,message", [
    ([("cashflows.csv", os.urandom(64) + b"\x00\x01\x02")], "tekstfil"),
    ([("cashflows.csv", bytes(range(1, 32)) * 4)], "tekstfil"),
    ([("katalog.xlsx", b"PK\x03\x04 ikke en rigtig excel-fil")], "Excel-fil"),
    ([("katalog.xlsx", b"")], "Excel-fil"),
    ([("katalog.zip", b"ikke en zip")], "zip-filen"),
    ([("forslag.csv", b"key,title\nX,Y\n")], "filnavnet kendes ikke"),
    ([("data.pdf", b"%PDF-1.4")], "kun CSV-filer"),
    ([("cashflows.csv", b"")], "tom"),
    ([("cashflows.csv", b"proposal_key,line_id\nA,B,C\n")], "række 2"),
    ([("cashflows.csv", b"a,a\n1,2\n")], "står to gange"),
    ([("cashflows.csv", b"a\n1\n"), ("Cashflows.CSV", b"a\n1\n")], "kun én gang"),
    ([], "ingen filer"),
    ([("skabelon.xlsx", b"")], "Excel-fil"),
])
def test_unreadable_files_raise_upload_error_in_danish(files, message):
    with pytest.raises(UploadError, match=message):
        read_upload(files)


def test_workbook_without_known_sheets():
    wb = Workbook()
    wb.active.title = "Ark1"
    wb.active["A1"] = "hej"
    buf = io.BytesIO()
    wb.save(buf)
    with pytest.raises(UploadError, match="ingen tabeller|ikke fundet nogen tabeller"):
        read_upload([("x.xlsx", buf.getvalue())])


def test_blank_rows_keep_the_row_numbers(base):
    rows = catalogue_rows()
    data = csv_bytes("cashflows.csv", rows["cashflows.csv"]).decode()
    lines = data.split("\r\n")
    lines.insert(3, "")  # a blank line: the 4th row of the sheet
    lines[6] = lines[6].replace(",varig,", ",forkert,")  # row 7 (after the blank row)
    files = upload_csv({k: v for k, v in rows.items() if k != "cashflows.csv"})
    files.append(("cashflows.csv", "\r\n".join(lines).encode()))
    tables = read_upload(files)
    with pytest.raises(DataError) as e:
        merge_catalogue(base, tables)
    got = problems_of(e)
    assert ("cashflows.csv", 7, "block") in got and ("cashflows.csv", 4, "proposal_key") in got
