"""Export of a scenario and its optimal portfolio: an Excel workbook, CSV files and the scenario JSON.

**Formula neutralisation (one rule for the whole module).** Text that comes from data (titles,
labels, descriptions, notes, reasons) is never written as a formula:

* In the workbook **no cell is a formula**. Every text cell is stored as a string (openpyxl
  ``data_type == "s"``), so its content is exactly the data's text, also when it begins with
  ``=``, ``+``, ``-`` or ``@``; such cells additionally carry Excel's *quotePrefix* style, so the
  text stays text when a user edits the cell in Excel. Characters that XML cannot hold are removed.
* In CSV (where a cell has no type) text beginning with ``=``, ``+``, ``-``, ``@``, tab or carriage
  return (or the full-width ``＝ ＋ － ＠``) gets a leading apostrophe, as OWASP advises
  (`safe_text`). A text that is a plain number (``-1300``, ``-12,5``) is left as it is: it cannot
  run anything. Numbers are written as numbers.

**Numbers in the workbook** are numbers (never text). Amounts are in **mio. kr.** (what people
read and say at the table): a cell holds the figure in 1.000 kr. divided by 1.000, rounded to 9
decimals (a thousandth of a krone), with the format ``#,##0.00`` (Excel shows the user's own
separators: ``-185,03``); amounts a person typed (the pool) keep every decimal they have
(``#,##0.00####``). The unit is in each sheet's title row (row 2, repeated on every printed page)
and in the column header where a sheet mixes units. Only the sheet "Afvigelser" keeps the
documents' own unit, 1.000 kr. in the proposal's own p/l, so each figure can be found in its
document; its title and headers say so. Counts, years and shares have their own formats.

**Sign convention everywhere**: the documents' (savings negative, costs positive), also for the
optimiser's objective (`fmt.shown_objective`) and the toggle prices, which are the change in net
effect (``-delta``: negative = a larger saving).

**Ready to forward.** Every sheet prints landscape, fitted to the page width (as many pages down
as needed), on A4, with the title and header rows (1-3) repeated on every page and "Side n af m"
in the footer. No cell holds an internal code (status codes, solver ids, enum names, file names
of source documents): statuses, solvers and sources are named in Danish (`SOLVER_LABELS`,
`source_title`). The scenario as JSON (to load it again) is in the workbook's document properties,
not in a cell: custom properties ``Scenarie (JSON) 1``, ``2`` … of at most 255 characters each
(what Excel keeps of a text property), to be joined in order (`scenario_from_workbook`).

**The agreement.** When the scenario has parties at the table (`Scenario.parties`), the workbook
starts with the sheet "Aftale" (`AGREEMENT_SHEET`, content from `portfolio.agreement`): the common
ground (the scenario's optimum, status and objective), its figures and the agreed portfolio, then per
party each demand with "Opfyldt"/"Ikke opfyldt" (checked against the portfolio and its rule
figures) and its price (the change in the objective as shown if the demand alone were dropped), and
each party's price; without an agreement, the explanation and the verified concessions.
`agreement_html` is the same content as a self-contained, printable HTML document.

**CSV format.** Made for Excel with Danish regional settings, which is what a Danish municipal
economist opens it with: UTF-8 *with BOM* (so Excel reads æ, ø, å), ``;`` as separator (Danish
Excel's list separator), decimal comma and no thousands separator (``-185,0315``), CRLF line ends.
Amounts are as in the workbook: mio. kr. at the scenario's p/l, savings negative, rounded to six
decimals (whole kroner), with the unit in every amount column's header and in the column
``Enhed``.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from openpyxl import Workbook
from openpyxl.packaging.custom import StringProperty
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from . import fmt
from .agreement import NO_PRICE as AGREEMENT_NO_PRICE
from .agreement import agreement
from .agreement import agreement_html as agreement_html
from .effects import MEASURE_LABELS, MEASURES
from .figures import investment, net, permanent, variant_figures
from .flows import Flows, variant_flows
from .keyfigures import KeyFigures, scenario_conversions, scenario_key_figures
from .model import INNOVATION_POOL, DataSet, Styring, Variant
from .negotiation import Negotiation, negotiate
from .optimiser import CODE_LABELS, SOLVER_LABELS, Result
from .optimiser.build import minimised_pool_covers
from .register import compute_register
from .scenario import OBJECTIVE_LABELS, Scenario, field_label, flow_settings
from .tables import tabel1

FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)?\Z")
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_MAX_CELL = 32_767

AMOUNT_FORMAT = "#,##0.00"  # amounts in mio. kr. (tables: 2 decimals)
EXACT_FORMAT = "#,##0.00####"  # typed amounts in mio. kr.: every decimal they have
KR_FORMAT = "#,##0"  # the register's amounts, in the documents' 1.000 kr.
INT_FORMAT = "0"
PCT_FORMAT = "0.0%"
INDEX_FORMAT = "0.00####"  # the index as stored (6 decimals, 2020 = 100)
GROWTH_FORMAT = "0.0#"  # a yearly growth in percent
STORED_DECIMALS = 6
MIO_DECIMALS = 9  # an amount in mio. kr. to a thousandth of a krone
CSV_MIO_DECIMALS = 6  # an amount in mio. kr. in CSV, to whole kroner
PRINT_TITLE_ROWS = "1:3"  # the title, the unit and the header row repeat on every printed page
SCENARIO_PROPERTY = "Scenarie (JSON)"  # custom document properties "Scenarie (JSON) 1", "2", … (joined in order)
PROPERTY_CHARS = 255  # the longest text property Excel keeps

SHEETS = ("Forudsætninger", "Nøgletal", "Valgte forslag", "Økonomi pr. år", "Måltal pr. udvalg",
          "Alle forslag", "Afvigelser")
AGREEMENT_SHEET = "Aftale"  # first, when the scenario has parties at the table

STATUS_LABELS = {"optimal": "Optimal løsning fundet", "infeasible": "Ingen løsning: reglerne kan ikke "
                 "overholdes samtidig", "time_limit": "Tidsgrænsen blev nået",
                 "within_gap": "Inden for den tilladte afstand til optimum (ikke bevist optimal)"}
BOUND_LABEL = "Bevist grænse for målværdien (mio. kr.; besparelse negativ)"
GAP_LABEL = "Afstand til optimum højst"
ALIGNMENT_TEXT = {
    "forskudt": "forskudt: et forslags første år flyttes til horisontens første år",
    "kalender": "kalender: forslagenes egne kalenderår bruges",
}
SIGN_TEXT = "Besparelser er negative, udgifter og investeringer positive (dokumenternes fortegn)."
OBJECTIVE_VALUE_LABEL = "Målværdi (mio. kr.; besparelse negativ)"
PRICE_HEADER = "Ændring i nettoeffekt ved skift (mio. kr.; negativ = større besparelse)"
NO_PRICE = "Ingen løsning ved skiftet"
REGISTER_KINDS = {"total": "Total i dokumentet", "detaljerække": "Detaljerække", "udvalgstabel": "Udvalgstabel",
                  "tilbagebetalingstid": "Tilbagebetalingstid", "styringsområde": "Styringsområde udledt"}

# The source documents of the built-in catalogues by file name, named as the documents name
# themselves (first lines); an uploaded catalogue's source is shown as its catalogue states it.
SOURCE_TITLES = {
    "000_24239eb3fbd11930.txt": "Business case \"Pilotprojekt vedr. helhedsorienteret indsats for udsatte familier\" "
                                "(Smarte investeringer i kernevelfærden)",
    "001_26f18f534cdc8a4f.txt": "Løsningsbeskrivelse \"Helhedsorienteret indsats for udsatte familier\"",
    "002_2c93b4891c97f09c.txt": "Investeringskatalog (offentlig version)",
    "003_f46e4a4487877893.txt": "Orientering til Socialudvalget vedr. pilotprojekt om en helhedsorienteret indsats "
                                "for udsatte familier",
    "004_7f2dc314c006b409.txt": "Business case \"BU06: Investeringsforslag – større flow og mere systematisk "
                                "opfølgning i familiebaserede indsatser\" (Smarte investeringer i kernevelfærden)",
}
_FILE_NAME = re.compile(r"(?<![\w.-])[\w-]+\.(?:txt|pdf|docx?|xlsx?|csv|html?)(?![\w-])", re.IGNORECASE)


# --------------------------------------------------------------------------------------------
# Neutralisation and number text
# --------------------------------------------------------------------------------------------


def safe_text(value: str) -> str:
    """Neutralise a text a spreadsheet would read as a formula (CSV): prefix an apostrophe when it
    begins with = + - @ tab or CR (or their full-width forms), unless it is a plain number."""
    if value.startswith(FORMULA_START) and not _PLAIN_NUMBER.match(value):
        return "'" + value
    return value


def looks_like_formula(value: str) -> bool:
    """True when a spreadsheet would take the text for a formula if it were typed in."""
    return value.startswith(FORMULA_START) and not _PLAIN_NUMBER.match(value)


def csv_number(x: float | None, decimals: int = 3) -> str:
    """A number for Danish Excel: decimal comma, no thousands separator, at most `decimals` decimals."""
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return ""
    r = round(float(x), decimals)
    if r == 0:
        return "0"
    if r == int(r):
        return str(int(r))
    return f"{r:.{decimals}f}".rstrip("0").replace(".", ",")


def source_title(ds: DataSet, file_name: str) -> str:
    """A source document by its name instead of its file name: the document's own title
    (`SOURCE_TITLES`), else the name of the catalogue that cites it, else the text as it is (an
    uploaded catalogue may name its document in words)."""
    name = file_name.strip()
    if name in SOURCE_TITLES:
        return SOURCE_TITLES[name]
    if _FILE_NAME.fullmatch(name):
        for cat in ds.catalogues:
            if cat.source_document.strip() == name:
                return cat.name
    return name


def readable_sources(ds: DataSet, text: str) -> str:
    """`text` with every file name of a known source document replaced by its title, in quotes."""
    def title(m: re.Match[str]) -> str:
        t = source_title(ds, m.group(0))
        return m.group(0) if t == m.group(0) else f"«{t}»"

    return _FILE_NAME.sub(title, text)


def scenario_json(scenario: Scenario) -> str:
    """The scenario in exactly the format the CLI reads (`Scenario.to_json`), pretty-printed."""
    return json.dumps(scenario.to_json(), ensure_ascii=False, indent=2) + "\n"


# --------------------------------------------------------------------------------------------
# Shared computations
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Context:
    ds: DataSet
    scenario: Scenario
    result: Result
    years: tuple[int, ...]
    variants: tuple[Variant, ...]  # the selected variants, in the result's order
    flows: dict[tuple[str, str | None], Flows]
    kf: KeyFigures
    unit: str  # the unit of the amounts people read: mio. kr. at the base p/l


def _variant(ds: DataSet, key: str, name: str | None) -> Variant:
    return next(v for v in ds.proposal(key).variants if v.name == name)


def _context(ds: DataSet, scenario: Scenario, result: Result) -> _Context:
    settings = flow_settings(ds, scenario)
    variants = tuple(_variant(ds, k, n) for k, n in result.selected)
    flows = {(v.key, v.name): variant_flows(v, settings) for v in variants}
    kf = scenario_key_figures(ds, scenario, result.selected, flows)
    return _Context(ds, scenario, result, scenario.years, variants, flows, kf, fmt.mio_unit(scenario.base_year))


def _in_scope(ds: DataSet, scenario: Scenario) -> list[Variant]:
    return [v for c in ds.catalogues if c.id in scenario.catalogues for p in c.proposals for v in p.variants]


@dataclass(frozen=True)
class _Line:
    """One row of a per-year table: label, second label, values per year, total, style."""

    label: str
    sub: str
    values: dict[int, float | None]
    total: float | None
    bold: bool = False


def _economy_lines(c: _Context) -> list[_Line]:
    kf, years = c.kf, c.years
    zeros = dict.fromkeys(years, 0.0)
    out: list[_Line] = []
    for name, by_styring, by_year in (("Investeringer", kf.investment_by_styring, kf.investment_by_year),
                                      ("Varige ændringer", kf.permanent_by_styring, kf.permanent_by_year)):
        for s in Styring:
            vals = by_styring.get(s.value, zeros)
            out.append(_Line(name, s.value, dict(vals), sum(vals.values())))
        out.append(_Line(f"{name} i alt", "", dict(by_year), sum(by_year.values()), True))
    out.append(_Line("Nettoeffekt (samlet økonomisk påvirkning)", "", dict(kf.net_by_year), kf.net_total, True))
    out.append(_Line("Akkumuleret nettoeffekt", "", dict(kf.cumulative_net), None))
    covers = ", ".join(s.value for s in c.scenario.pool_covers) or "ingen styringsområder"
    out.append(_Line("Puljeforbrug", f"investeringer i {covers}", dict(kf.pool.per_year_used),
                     kf.pool.total_used, True))
    if kf.pool.per_year_limit:
        lim = {y: kf.pool.per_year_limit.get(y) for y in years}
        out.append(_Line("Puljeramme pr. år", "", lim, None))
        out.append(_Line("Tilbage i puljen pr. år", "",
                         {y: (None if lim[y] is None else lim[y] - kf.pool.per_year_used[y]) for y in years}, None))
    if kf.pool.total_limit is not None:
        out.append(_Line("Pulje i alt", "", dict.fromkeys(years), kf.pool.total_limit))
        out.append(_Line("Tilbage i puljen i alt", "", dict.fromkeys(years), kf.pool.total_limit - kf.pool.total_used))
    return out


def _price_cell(prices: Mapping[str, object] | None, v: Variant) -> float | str | None:
    """The toggle price of `v` as the change in net effect (1.000 kr., savings negative: ``-delta``),
    a text as given, `NO_PRICE` when the toggle has no portfolio, "" when there is no price. A
    number and an object with that `delta` give the same cell (the dashboard passes numbers, the
    CLI `TogglePrice` objects)."""
    if prices is None:
        return None
    label = v.label if v.label in prices else v.key
    if label not in prices:
        return ""
    value = prices[label]
    if value is not None and not isinstance(value, int | float | str):
        value = getattr(value, "delta", None)
    if value is None:
        return NO_PRICE
    if isinstance(value, bool):
        return "ja" if value else "nej"
    if isinstance(value, int | float):
        return -float(value) + 0.0 if math.isfinite(value) else ""
    return str(value)


# --------------------------------------------------------------------------------------------
# CSV
# --------------------------------------------------------------------------------------------


def _csv(rows: Sequence[Sequence[object]]) -> str:
    """Rows as CSV for Danish Excel; a plain number is an amount in 1.000 kr., written in mio. kr."""
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    for row in rows:
        out = []
        for v in row:
            if v is None:
                out.append("")
            elif isinstance(v, bool):
                out.append("ja" if v else "nej")
            elif isinstance(v, int | float):
                out.append(csv_number(v / 1000, CSV_MIO_DECIMALS))
            else:
                out.append(safe_text(str(v)))
        w.writerow(out)
    return "\ufeff" + buf.getvalue()


def _catalogue_name(ds: DataSet, cid: str) -> str:
    return next((cat.name for cat in ds.catalogues if cat.id == cid), cid)


def selected_csv(ds: DataSet, scenario: Scenario, result: Result) -> str:
    """The selected proposals, one row each: key, variant, title, catalogue (by name), risk, then
    investment, permanent change and net effect per horizon year and in total (mio. kr. at the
    scenario's p/l, savings negative; the unit in every amount column's header)."""
    c = _context(ds, scenario, result)
    ys = c.years
    head: list[object] = ["Nøgle", "Variant", "Titel", "Katalog", "Risiko"]
    for name in ("Investering", "Varig ændring (besparelse negativ)", "Nettoeffekt"):
        head += [f"{name} {y} (mio. kr.)" for y in ys] + [f"{name} i alt (mio. kr.)"]
    head.append("Enhed")
    rows: list[list[object]] = [head]
    for v in c.variants:
        fl = c.flows[(v.key, v.name)]
        row: list[object] = [v.key, v.name or "", v.proposal.title, _catalogue_name(ds, v.proposal.catalogue),
                             v.proposal.risk.value]
        for d in (investment(fl), permanent(fl), net(fl)):
            row += [d[y] for y in ys] + [sum(d[y] for y in ys)]
        row.append(c.unit)
        rows.append(row)
    return _csv(rows)


def economy_csv(ds: DataSet, scenario: Scenario, result: Result) -> str:
    """The portfolio's economy per year (as the sheet 'Økonomi pr. år'): investments and permanent
    changes by styringsområde, net effect, cumulative net effect and the pool (mio. kr., savings
    negative; the unit in every amount column's header)."""
    c = _context(ds, scenario, result)
    rows: list[list[object]] = [["Post", "Styringsområde", *[f"{y} (mio. kr.)" for y in c.years], "I alt (mio. kr.)",
                                 "Enhed"]]
    for ln in _economy_lines(c):
        rows.append([ln.label, ln.sub, *[ln.values.get(y) for y in c.years], ln.total, c.unit])
    return _csv(rows)


# --------------------------------------------------------------------------------------------
# The workbook
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Num:
    """A number stored as it is, with an explicit Excel number format (a count, a year, a share,
    an amount in the documents' 1.000 kr.). Plain floats and ints are amounts, see `Mio`."""

    value: float | int
    format: str = INT_FORMAT


@dataclass(frozen=True)
class Mio:
    """An amount given in 1.000 kr., stored in mio. kr. (`mio_value`) with a 2-decimal format, or
    `EXACT_FORMAT` for an amount a person typed. A plain float or int in a row is a `Mio`."""

    amount: float | int  # in 1.000 kr.
    format: str = AMOUNT_FORMAT


def mio_value(amount_1000kr: float) -> float:
    """What a workbook cell stores for an amount in 1.000 kr.: mio. kr., to a thousandth of a krone."""
    return round(amount_1000kr / 1000, MIO_DECIMALS) + 0.0


_BOLD = Font(bold=True)
_TITLE = Font(bold=True, size=14)
_ITALIC = Font(italic=True)
_BOLD_ITALIC = Font(bold=True, italic=True)
_WRAP = Alignment(wrap_text=True, vertical="top")
_WRAP_AT = 60


def _stored(x: float | int) -> float | int:
    """Floats are stored rounded to 6 decimals (a thousandth of a krone): openpyxl writes 16
    significant digits, so this keeps the stored value exactly the one written."""
    return round(x, STORED_DECIMALS) if isinstance(x, float) else x


def _clean(text: str) -> str:
    return _ILLEGAL_XML.sub("", text)[:_MAX_CELL]


class _Sheet:
    """Writes rows to a worksheet; every text is stored as text, numbers as numbers."""

    def __init__(self, ws: Worksheet) -> None:
        self.ws = ws
        self.r = 1
        self.widths: dict[int, float] = {}

    def put(self, row: int, col: int, value: object, font: Font | None = None) -> None:
        if value is None or value == "":
            return
        cell = self.ws.cell(row=row, column=col)
        width: float
        if isinstance(value, bool):
            value = "ja" if value else "nej"
        elif isinstance(value, int | float):
            value = Mio(value)
        if isinstance(value, Num):
            cell.value = _stored(value.value)
            cell.number_format = value.format
            width = len(fmt.tal(float(value.value))) + 2
        elif isinstance(value, Mio):
            if not math.isfinite(value.amount):
                return
            cell.value = mio_value(value.amount)
            cell.number_format = value.format
            width = len(fmt.tal_exact(cell.value, 6, 2)) + 2
        else:
            text = _clean(str(value))
            cell.value = text
            cell.data_type = "s"  # never a formula, whatever the text begins with
            if looks_like_formula(text):
                cell.quotePrefix = True
            longest = max((len(part) for part in text.split("\n")), default=0)
            if longest > _WRAP_AT:
                cell.alignment = _WRAP
            width = min(longest, _WRAP_AT) + 2
        if font is not None:
            cell.font = font
        self.widths[col] = max(self.widths.get(col, 0), width)

    def row(self, values: Sequence[object], font: Font | None = None) -> int:
        r = self.r
        for col, v in enumerate(values, start=1):
            self.put(r, col, v, font)
        self.r += 1
        return r

    def title(self, title: str, subtitle: str) -> None:
        self.put(1, 1, title, _TITLE)
        self.put(2, 1, subtitle, _ITALIC)
        self.ws.cell(row=2, column=1).alignment = Alignment(wrap_text=False)
        self.widths.pop(1, None)
        self.r = 3

    def header(self, values: Sequence[object], freeze_col: int = 1) -> int:
        r = self.row(values, _BOLD)
        if r == 3:
            self.ws.freeze_panes = self.ws.cell(row=r + 1, column=freeze_col).coordinate
        return r

    def blank(self) -> None:
        self.r += 1

    def finish(self, min_width: float = 8, fixed: Mapping[int, float] | None = None) -> None:
        for col, w in self.widths.items():
            self.ws.column_dimensions[get_column_letter(col)].width = max(min_width, w)
        for col, w in (fixed or {}).items():
            self.ws.column_dimensions[get_column_letter(col)].width = w
        print_setup(self.ws)


def print_setup(ws: Worksheet) -> None:
    """Ready to print and forward: landscape A4, fitted to the page width (any number of pages
    down), the title, unit and header rows on every page, page numbers in the footer."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = PRINT_TITLE_ROWS
    ws.print_options.horizontalCentered = False
    ws.oddFooter.left.text = "&A"
    ws.oddFooter.right.text = "Side &P af &N"


def _year_cells(values: Mapping[int, float | None], years: Sequence[int]) -> list[object]:
    return [values.get(y) for y in years]


_BEST = "Det, optimeringen gør så gunstigt som muligt: "
OBJECTIVE_EXPLANATIONS = {
    "net": _BEST + "den største samlede besparelse over horisonten (varige ændringer og investeringer)",
    "permanent": _BEST + "de største varige besparelser over horisonten (investeringerne tælles ikke med, men "
                         "begrænses af puljen)",
    "annual": _BEST + "den største varige besparelse i horisontens sidste år",
    "npv": _BEST + "den største nutidsværdi af besparelsen (nettoeffekten diskonteret til horisontens første år)",
    "min_pool": _BEST + "den mindste samlede investering i {covers} (puljernes styringsområder; uden pulje Service "
                        "og Anlæg), mens alle reglerne, fx besparelseskravene, overholdes",
}
TARGET_MEASURE_TEXT = {"maaltal": "besparelse på måltallet", "varig": "varig besparelse"}
TARGET_EXPLANATION = "Mindst så stor besparelse i året ({unit}), dokumenternes tal uden risikofradrag"


def objective_explanation(s: Scenario) -> str:
    """What the scenario's objective makes as favourable as possible, in words."""
    text = OBJECTIVE_EXPLANATIONS[s.objective]
    if s.objective != "min_pool":
        return text
    covers = minimised_pool_covers(s)
    return text.format(covers=" og ".join([", ".join(covers[:-1]), covers[-1]]) if len(covers) > 1 else covers[0])


def _pool_covers_text(covers: Sequence[str]) -> str:
    text = "Investeringer i disse styringsområder tæller i puljen"
    if INNOVATION_POOL in covers:
        text += f" ({INNOVATION_POOL}: de investeringslinjer, som forslagene selv henfører til innovationspuljen)"
    return text


def assumption_rows(ds: DataSet, s: Scenario, unit: str) -> list[tuple[str, object, str]]:
    """Every setting of `s` as (Danish label, value, explanation), as the sheet "Forudsætninger"
    lists them; values are text, booleans, `Num` or `Mio` (an amount, typed: exact). Also what a
    comparison of two scenarios compares (`portfolio.compare.settings_differences`). Each label is
    the one its field declares (`scenario.field_label`), or begins with it ("Investeringspulje i alt")."""
    none = "Ingen grænse"
    label = field_label

    def keys_text(keys: Sequence[str]) -> str:
        if not keys:
            return "Ingen"
        return "; ".join(f"{k} ({ds.proposal(k).title})" if ds.has(k) else k for k in keys)

    cat_names = {cat.id: cat.name for cat in ds.catalogues}
    rows: list[tuple[str, object, str]] = [
        (label("catalogues"), "; ".join(f"{cid} ({cat_names.get(cid, 'ukendt katalog')})" for cid in s.catalogues),
         "Forslagene i disse kataloger kan vælges"),
        (label("base_year"), Num(s.base_year, INT_FORMAT), "Alle beløb er omregnet til dette p/l-niveau"),
        (label("horizon"), f"{s.horizon[0]}-{s.horizon[1]}", "Årene, som målet og puljen gælder for"),
        (label("objective"), OBJECTIVE_LABELS[s.objective], objective_explanation(s)),
        (label("discount_rate"), Num(s.discount_rate, PCT_FORMAT), "Bruges kun ved målet nutidsværdi"),
        (label("npv_extra_years"), Num(s.npv_extra_years, INT_FORMAT),
         "År efter horisonten, hvor sidste års varige effekt regnes med (kun nutidsværdi)"),
    ]
    pool = label("pool")
    if s.pool is None:
        rows.append((pool, "Ingen pulje", "Investeringerne er ikke begrænset af en pulje"))
    else:
        rows.append((f"{pool} i alt", Mio(s.pool.total, EXACT_FORMAT) if s.pool.total is not None else none,
                     f"Loft over de puljedækkede investeringer over horisonten ({unit})"))
        for y, a in sorted(s.pool.per_year.items()):
            rows.append((f"{pool} {y}", Mio(a, EXACT_FORMAT),
                         f"Loft over de puljedækkede investeringer i {y} ({unit})"))
    rows.append((label("pool_covers"), ", ".join(x.value for x in s.pool_covers) or "Ingen styringsområder",
                 _pool_covers_text([])))
    for p in s.pools:
        named = f"{label('pools')} '{p.name}'"
        rows.append((f"{named} dækker", ", ".join(p.covers), _pool_covers_text(p.covers)))
        rows.append((f"{named} i alt", Mio(p.total, EXACT_FORMAT) if p.total is not None else none,
                     f"Loft over puljens investeringer over horisonten ({unit})"))
        rows += [(f"{named} {y}", Mio(a, EXACT_FORMAT), f"Loft over puljens investeringer i {y} ({unit})")
                 for y, a in sorted(p.per_year.items())]
    haircut, cut = label("risk_haircut"), "Andel af besparelsen, der ikke tælles i målet"
    rows += [
        (label("max_risk"), s.max_risk or none, "Forslag med højere risiko kan ikke vælges"),
        (label("max_risky_share"), Num(s.max_risky_share, PCT_FORMAT) if s.max_risky_share is not None else none,
         "Andel af de valgte puljedækkede investeringer"),
        (f"{haircut}, lav", Num(s.risk_haircut.lav, PCT_FORMAT), cut),
        (f"{haircut}, middel", Num(s.risk_haircut.middel, PCT_FORMAT), cut),
        (f"{haircut}, høj", Num(s.risk_haircut.hoej, PCT_FORMAT), cut),
        (label("max_payback_years"),
         Num(s.max_payback_years, INT_FORMAT) if s.max_payback_years is not None else none,
         "Beregnet på forslagets egen tabel"),
    ]
    rows += [(f"{label('savings_targets')} {t.year} ({TARGET_MEASURE_TEXT[t.measure]}, {t.udvalg or 'alle udvalg'})",
              Mio(t.min, EXACT_FORMAT), TARGET_EXPLANATION.format(unit=unit)) for t in s.savings_targets]
    rows += [
        (label("no_maaltal_increase"), s.no_maaltal_increase,
         "Ved ja: de valgte forslag må ikke få noget udvalgs måltal til at stige i noget år i horisonten"),
        (label("self_financing_by"),
         Num(s.self_financing_by, INT_FORMAT) if s.self_financing_by is not None else "Intet krav",
         "Den samlede nettoeffekt (varige ændringer og investeringer, alle styringsområder) fra horisontens første "
         "år til og med dette år må ikke være en udgift"),
        (label("force_in"), keys_text(s.force_in), ""),
        (label("force_out"), keys_text(s.force_out), ""),
        (label("variants"), "; ".join(f"{k}: {v}" for k, v in sorted(s.variants.items())) or "Ingen", ""),
        (label("dependencies"), s.dependencies, "Et forslag, der kræver et andet, vælges kun sammen med det"),
        (label("alignment"), ALIGNMENT_TEXT[s.alignment], ""),
        (label("extend_permanent"), s.extend_permanent, ""),
        (label("solver"), SOLVER_LABELS.get(s.solver, s.solver.upper()),
         "Programmet, der finder den bedste portefølje"),
        (label("time_limit"), Num(s.time_limit, "0.0"), ""),
        (label("mip_gap"), Num(s.mip_gap, PCT_FORMAT),
         "0 %: optimeringen stopper først, når porteføljen er bevist den bedste; ellers, når den bedst mulige "
         "portefølje er bevist højst så meget bedre"),
    ]
    rows += [(f"{label('price_index')} {y} (indtastet)", Num(v, INDEX_FORMAT),
              "KL's service-PL, indtastet; bruges frem for Økonomistyrelsens tal for året")
             for y, v in sorted(s.price_index.items())]
    for p in s.parties:
        party = f"{label('parties')} {p.name}:"
        rows += [(f"{party} kræver", keys_text(p.must), "Forslag, partiet kræver med i aftalen"),
                 (f"{party} afviser", keys_text(p.never), "Forslag, partiet ikke vil have med i aftalen"),
                 (f"{party} puljeloft", Mio(p.max_pool, EXACT_FORMAT) if p.max_pool is not None else "Intet loft",
                  f"Loft over de puljedækkede investeringer over horisonten, som partiet accepterer ({unit})")]
        rows += [(f"{party} besparelseskrav {t.year} ({TARGET_MEASURE_TEXT[t.measure]}, {t.udvalg or 'alle udvalg'})",
                  Mio(t.min, EXACT_FORMAT), TARGET_EXPLANATION.format(unit=unit) + "; partiets krav")
                 for t in p.savings_targets]
        if p.colour is not None:
            rows.append((f"{party} farve", p.colour, "Partiets farve i dashboardet"))
    return rows


def _sheet_assumptions(sh: _Sheet, c: _Context, created: datetime) -> None:
    s, ds = c.scenario, c.ds
    sh.title("Forudsætninger", f"Scenariets indstillinger. Beløb i {c.unit}. {SIGN_TEXT}")
    sh.header(["Indstilling", "Værdi", "Forklaring"])
    rows: list[tuple[str, object, str]] = [("Oprettet", created.strftime("%d.%m.%Y kl. %H:%M"),
                                            "Tidspunktet for udtrækket")]
    rows += assumption_rows(c.ds, s, c.unit)
    rows += [("Fortegn", SIGN_TEXT, ""),
             ("Scenariet som fil", "I projektmappens egenskaber (Filer > Oplysninger > Egenskaber > Avancerede "
              "egenskaber > Brugerdefineret)", "Hent den som 'Scenarie (JSON)' i dashboardet; kommandolinjen læser den "
              "med --scenario")]
    for label, value, expl in rows:
        sh.row([label, value, expl])

    sh.blank()
    _price_index_rows(sh, ds, s)

    sh.blank()
    sh.row(["Kataloger"], _BOLD)
    sh.row(["Id", "Navn", "Budgetrunde", "p/l", "Kildedokument", "Antal forslag", "Med i scenariet", "Note"], _BOLD)
    for cat in ds.catalogues:
        sh.row([cat.id, cat.name, cat.budget_round, Num(cat.price_level_year, INT_FORMAT),
                source_title(ds, cat.source_document), Num(len(cat.proposals), INT_FORMAT), cat.id in s.catalogues,
                readable_sources(ds, cat.note)])
    sh.finish(fixed={1: 42, 2: 50, 3: 60})


def _price_index_rows(sh: _Sheet, ds: DataSet, s: Scenario) -> None:
    """The p/l index of the sheet "Forudsætninger": one row per year used (the base year, every
    proposal's own p/l and each year whose growth a conversion used), with its source, then the
    conversions in words (which index and which years, as the dashboard says)."""
    sh.row(["Pris- og lønindeks (2020 = 100)"], _BOLD)
    sh.row(["År", "Indeks", "Kilde", "Antagelse", "Stigning fra året før (%)", "Bruges til"], _BOLD)
    index = flow_settings(ds, s).index
    converted = scenario_conversions(ds, s)
    uses: dict[int, list[str]] = {s.base_year: ["basisår"]}
    for c in converted:
        y = c.conversion.from_year
        uses.setdefault(y, []).append(f"indekset for forslag i {y} p/l ({', '.join(c.keys)})")
        for step in c.conversion.steps:
            uses.setdefault(step.year, []).append(f"stigningen indgår i omregningen fra {y} p/l")
    for y in s.price_index:
        uses.setdefault(y, ["angivet i scenariet, ikke brugt"])
    for y in sorted(uses):
        use = "; ".join(uses[y])
        e = index.entries.get(y) if index is not None else None
        if e is None:
            sh.row([Num(y, INT_FORMAT), "mangler", "", "", "", use])
            continue
        growth = index.growth(y)
        sh.row([Num(y, INT_FORMAT), Num(e.index, INDEX_FORMAT), e.source, e.assumption,
                Num(round(growth, 6), GROWTH_FORMAT) if growth is not None else "", use])
    for c in converted:
        sh.row([f"Omregning af {', '.join(c.keys)}", c.conversion.text()])


def _sheet_key_figures(sh: _Sheet, c: _Context) -> None:
    kf, r, s = c.kf, c.result, c.scenario
    ys = c.years
    sh.title("Nøgletal", f"Beløb i {c.unit}. {SIGN_TEXT}")
    sh.header(["Nøgletal", "Værdi", "Forklaring"])
    total_inv = sum(kf.investment_by_year.values())
    rows: list[tuple[str, object, str]] = [
        ("Status", STATUS_LABELS.get(r.status, "Ukendt status"), r.explanation or ""),
        ("Mål", OBJECTIVE_LABELS.get(r.objective_kind, "Ukendt mål"), ""),
        (OBJECTIVE_VALUE_LABEL, fmt.shown_objective(r.objective) if r.objective is not None else "Ingen løsning",
         "Målets værdi for porteføljen i dokumenternes fortegn, inklusive eventuelle risikofradrag"),
        *([(BOUND_LABEL, fmt.shown_objective(r.bound), "Ingen portefølje kan give en bedre målværdi end denne"),
           (GAP_LABEL, Num(r.gap, PCT_FORMAT), r.gap_text() or "")]
          if r.status != "optimal" and r.bound is not None and r.gap is not None else []),
        ("Nettoeffekt over horisonten (mio. kr.)", kf.net_total,
         f"Sum af nettoeffekten {ys[0]}-{ys[-1]}; besparelse negativ"),
        ("Varig årlig effekt (mio. kr.; besparelse negativ)", kf.annual_effect,
         f"Den varige ændring i {ys[-1]} (fuld indfasning)"),
        ("Investering i alt (mio. kr.)", total_inv, "Implementeringsomkostninger i alle styringsområder"),
        ("Puljeforbrug (mio. kr.)", kf.pool.total_used,
         "Investeringer i " + (", ".join(x.value for x in s.pool_covers) or "ingen styringsområder")),
        ("Pulje i alt (mio. kr.)",
         Mio(kf.pool.total_limit, EXACT_FORMAT) if kf.pool.total_limit is not None else "Ingen samlet pulje", ""),
        ("Andel af puljen brugt",
         Num(kf.pool.share_used, PCT_FORMAT) if kf.pool.share_used is not None else "–", ""),
        ("Antal forslag", Num(kf.n_proposals, INT_FORMAT), ""),
        ("Tilbagebetalingstid (år)", Num(kf.payback, INT_FORMAT) if kf.payback is not None
         else "Ikke inden for horisonten", "Første år, hvor den akkumulerede nettoeffekt er negativ"),
    ]
    for label, value, expl in rows:
        sh.row([label, value, expl])

    sh.blank()
    sh.row(["Risikomix"], _BOLD)
    sh.row(["Risiko", "Antal forslag", "Puljedækket investering (mio. kr.)"], _BOLD)
    for risk, n in kf.risk_mix.items():
        sh.row([risk, Num(n, INT_FORMAT), kf.risk_investment[risk]])
    sh.row(["I alt", Num(sum(kf.risk_mix.values()), INT_FORMAT), sum(kf.risk_investment.values())], _BOLD)

    sh.blank()
    sh.row([f"Pr. år ({c.unit})", "", *[str(y) for y in ys], "I alt"], _BOLD)
    per_year: list[tuple[str, Mapping[int, float | None], float | None, bool]] = [
        ("Investering", kf.investment_by_year, total_inv, False),
        ("Puljeforbrug", kf.pool.per_year_used, kf.pool.total_used, False),
    ]
    if kf.pool.per_year_limit:
        per_year.append(("Puljeramme", {y: kf.pool.per_year_limit.get(y) for y in ys}, None, False))
    per_year += [("Varige ændringer (besparelse negativ)", kf.permanent_by_year, sum(kf.permanent_by_year.values()),
                  False),
                 ("Nettoeffekt", kf.net_by_year, kf.net_total, True),
                 ("Akkumuleret nettoeffekt", kf.cumulative_net, None, False)]
    for label, vals, total, bold in per_year:
        sh.row([label, "", *_year_cells(vals, ys), total], _BOLD if bold else None)
    sh.finish(fixed={1: 40, 3: 60})


def _sheet_selected(sh: _Sheet, c: _Context) -> None:
    ys = c.years
    ds = c.ds
    settings = flow_settings(ds, c.scenario)
    sh.title("Valgte forslag", f"Tabel 1 for hvert valgt forslag på horisonten, {c.unit}. {SIGN_TEXT}")
    sh.header(["Nøgle", "Linje", "Styringsområde", *[str(y) for y in ys], "I alt"], freeze_col=4)
    if not c.variants:
        sh.row(["", "Ingen forslag er valgt"])
    for v in c.variants:
        t = tabel1(ds, v, settings)
        status = c.result.status_of(v.key, v.name)
        sh.row([v.key, f"{v.label}: {v.proposal.title}", f"Risiko {v.proposal.risk.value}; {status.reason}"],
               _BOLD)
        for tr in t.rows:
            if tr.kind == "header":
                sh.row([v.key, tr.label], _BOLD_ITALIC)
            elif tr.kind in ("line", "total"):
                vals = [tr.values.get(y, 0.0) for y in ys]
                sh.row([v.key, tr.label, tr.styring, *vals, sum(vals)], _BOLD if tr.kind == "total" else None)
            else:
                sh.row([v.key, tr.label, fmt.years_text(tr.number)])
        sh.blank()
    kf = c.kf
    zeros = dict.fromkeys(ys, 0.0)
    sh.row(["I alt", "Porteføljen i alt"], _BOLD)
    for name, by_styring, by_year, total_label in (
            ("Varige ændringer", kf.permanent_by_styring, kf.permanent_by_year, "Samlet varig ændring"),
            ("Implementeringsomkostninger", kf.investment_by_styring, kf.investment_by_year,
             "Samlede implementeringsomkostninger")):
        sh.row(["I alt", name], _BOLD_ITALIC)
        for st in Styring:
            vals = by_styring.get(st.value, zeros)
            sh.row(["I alt", name, st.value, *_year_cells(vals, ys), sum(vals.values())])
        sh.row(["I alt", total_label, "", *_year_cells(by_year, ys), sum(by_year.values())], _BOLD)
    sh.row(["I alt", "Samlet økonomisk påvirkning", "", *_year_cells(kf.net_by_year, ys), kf.net_total], _BOLD)
    sh.row(["I alt", "Tilbagebetalingstid baseret på totaløkonomi", fmt.years_text(kf.payback)])
    sh.finish(fixed={2: 60, 3: 24})


def _sheet_economy(sh: _Sheet, c: _Context) -> None:
    ys = c.years
    sh.title("Økonomi pr. år", f"Porteføljens økonomi pr. år og styringsområde, {c.unit}. {SIGN_TEXT}")
    sh.header(["Post", "Styringsområde", *[str(y) for y in ys], "I alt"], freeze_col=3)
    for ln in _economy_lines(c):
        sh.row([ln.label, ln.sub, *_year_cells(ln.values, ys), ln.total], _BOLD if ln.bold else None)
    sh.finish(fixed={1: 40})


def _sheet_udvalg(sh: _Sheet, c: _Context) -> None:
    ys = c.years
    eff = c.kf.effects
    sh.title("Måltal pr. udvalg",
             f"Porteføljens effekt pr. udvalg og år, {c.unit}. Måltal og investeringer står på det udvalg, hvis "
             "måltal linjen påvirker; bevilling, overførsler og efterspørgselsstyrede udgifter på det udvalg, "
             f"hvor bevillingen ligger. {SIGN_TEXT}")
    sh.header(["Mål", "Udvalg", *[str(y) for y in ys], "I alt"], freeze_col=3)
    any_rows = False
    for m in MEASURES:
        table = eff.table(m)
        if not table:
            continue
        any_rows = True
        label = MEASURE_LABELS[m]
        for u in sorted(table):
            vals = table[u]
            sh.row([label, u, *_year_cells(vals, ys), sum(vals.get(y, 0.0) for y in ys)])
        tot = eff.total(m)
        sh.row([label, "I alt", *_year_cells(tot, ys), sum(tot.get(y, 0.0) for y in ys)], _BOLD)
        sh.blank()
    if not any_rows:
        sh.row(["Ingen forslag er valgt"])
    sh.finish(fixed={1: 34, 2: 40})


def _sheet_all(sh: _Sheet, c: _Context, prices: Mapping[str, object] | None) -> None:
    ds, s, r = c.ds, c.scenario, c.result
    settings = flow_settings(ds, s)
    sh.title("Alle forslag", f"Alle forslag i scenariets kataloger med status og begrundelse. Beløb over horisonten "
                             f"{s.horizon[0]}-{s.horizon[1]} i {c.unit}. {SIGN_TEXT}")
    head = ["Nøgle", "Variant", "Titel", "Katalog", "Status", "Begrundelse"]
    if prices is not None:
        head.append(PRICE_HEADER)
    head += ["Risiko", "Investering i alt (mio. kr.)", "Varig årlig effekt (mio. kr.; besparelse negativ)",
             "Nettoeffekt over horisonten (mio. kr.)",
             "Tilbagebetalingstid (år, forslagets egen tabel)", "Risikobegrundelse", "Beskrivelse"]
    sh.header(head, freeze_col=3)
    by_item = {(st.key, st.variant): st for st in r.statuses}
    for v in _in_scope(ds, s):
        st = by_item.get((v.key, v.name))
        fl = c.flows.get((v.key, v.name)) or variant_flows(v, settings)
        inv, perm = investment(fl), permanent(fl)
        own = variant_figures(v)
        row: list[object] = [v.key, v.name or "", v.proposal.title, _catalogue_name(ds, v.proposal.catalogue),
                             CODE_LABELS[st.code] if st else "Ikke med i resultatet", st.reason if st else ""]
        if prices is not None:
            row.append(_price_cell(prices, v))
        row += [v.proposal.risk.value, sum(inv[y] for y in c.years), perm[c.years[-1]],
                sum(inv[y] + perm[y] for y in c.years),
                Num(own.payback, INT_FORMAT) if own.payback is not None else "ikke inden for tabellen",
                v.proposal.risk_reason, v.proposal.description]
        sh.row(row, _BOLD if st is not None and st.chosen else None)
    sh.finish(fixed={3: 60, 4: 40, 6: 60, len(head) - 1: 60, len(head): 80})


def _sheet_register(sh: _Sheet, c: _Context) -> None:
    items = compute_register(c.ds)
    sh.title("Afvigelser", "Steder, hvor dokumenternes egne tal ikke stemmer med deres rækker. Beløb i 1.000 kr. i "
                           "forslagets eget p/l-niveau, som i dokumenterne (ikke mio. kr.); forskel = angivet - "
                           "beregnet. " + SIGN_TEXT)
    sh.header(["Forslag", "Variant", "Tabel", "Række", "År", "Angivet (1.000 kr.)", "Beregnet (1.000 kr.)",
               "Forskel (1.000 kr.)", "Type", "Note"], freeze_col=2)

    def value(x: float | str | None) -> object:
        if isinstance(x, int | float) and not isinstance(x, bool):
            return Num(x, KR_FORMAT)
        return "" if x is None else str(x)

    for d in items:
        year: object = Num(int(d.year), INT_FORMAT) if d.year.isdigit() else d.year
        sh.row([d.proposal_key, d.variant or "", d.table, d.row, year, value(d.stated), value(d.computed),
                value(d.difference), REGISTER_KINDS.get(d.kind, d.kind), readable_sources(c.ds, d.note)])
    if not items:
        sh.row(["Ingen afvigelser"])
    sh.finish(fixed={4: 50, 10: 60})


def _sheet_agreement(sh: _Sheet, c: _Context, negotiation: Negotiation) -> None:
    """The agreement (`portfolio.agreement`): the common ground and its figures, the agreed
    portfolio, each party's demands (met or not, and each one's price), each party's price, and
    without an agreement the explanation and the verified concessions."""
    a = agreement(c.ds, c.scenario, negotiation, c.result)
    names = ", ".join(p.title for p in a.parties)
    sh.title(AGREEMENT_SHEET, f"Forhandlingens resultat ({names}): den aftalte portefølje, hvert partis krav og "
                              f"prisen for dem. Beløb i {c.unit}. {SIGN_TEXT}")
    sh.header(["Punkt", "Værdi", "Forklaring"])
    sh.row(["Partier ved bordet", names, ""])
    sh.row(["Fælles grundlag", a.status_text, ""])
    sh.row(["Mål", a.objective_name, objective_explanation(c.scenario)])
    if a.solved:
        sh.row([a.objective_label, a.objective, "Målets værdi for den aftalte portefølje, inklusive eventuelle "
                                                "risikofradrag"])
        for label, amount, expl in a.figures:
            sh.row([label, amount, expl])
        sh.row(["Antal forslag", Num(a.n_proposals, INT_FORMAT), ""])
    if a.explanation:
        sh.row(["Forklaring", a.explanation])

    if a.solved:
        sh.blank()
        sh.row(["Aftalt portefølje"], _BOLD)
        sh.row(["Nøgle", "Titel", "Variant", "Nettoeffekt over horisonten (mio. kr.)"], _BOLD)
        for p in a.portfolio:
            sh.row([p.key, p.title, p.variant or "", p.net_total])
        if not a.portfolio:
            sh.row(["", "Ingen forslag er valgt"])

    for party in a.parties:
        sh.blank()
        sh.row([party.title] + ([f"Farve {party.colour}"] if party.colour else []), _BOLD)
        sh.row(["Krav", "Opfyldt", "Kravets beløb (mio. kr.)", "Porteføljen", "Porteføljens tal (mio. kr.; "
                "besparelse negativ)", a.price_header], _BOLD)
        for d in party.demands:
            sh.row([d.text, d.status, Mio(d.limit, EXACT_FORMAT) if d.limit is not None else "", d.value_text,
                    d.value, d.price if d.price is not None else AGREEMENT_NO_PRICE])
        if not party.demands:
            sh.row(["Ingen krav"])
        sh.row([a.party_price_label, "", "", "", None,
                party.price if party.price is not None else AGREEMENT_NO_PRICE], _BOLD)

    if a.concessions:
        sh.blank()
        sh.row(["Indrømmelser, der giver en aftale (hver er afprøvet)"], _BOLD)
        sh.row(["Indrømmelse", a.objective_label, "Porteføljen"], _BOLD)
        for con in a.concessions:
            sh.row([con.text, con.objective, ", ".join(con.selected)])
        if a.summary:
            sh.row([a.summary])
    sh.finish(fixed={1: 60, 2: 40, 3: 24, 4: 24, 5: 24, 6: 40})


def scenario_from_workbook(data: bytes) -> Scenario:
    """The scenario a workbook of `workbook_bytes` was made for, from its document properties.
    Raises ScenarioError (Danish) when the workbook has none."""
    from openpyxl import load_workbook  # noqa: PLC0415

    from .scenario import ScenarioError  # noqa: PLC0415

    props = {p.name: p.value for p in load_workbook(io.BytesIO(data)).custom_doc_props.props}
    parts, n = [], 1
    while (part := props.get(f"{SCENARIO_PROPERTY} {n}")) is not None:
        parts.append(str(part))
        n += 1
    if not parts:
        raise ScenarioError("Projektmappen har ikke scenariet i sine egenskaber.")
    return Scenario.from_json("".join(parts))


def workbook_bytes(ds: DataSet, scenario: Scenario, result: Result, *,
                   prices: Mapping[str, object] | None = None, created: datetime | None = None,
                   negotiation: Negotiation | None = None) -> bytes:
    """The scenario and its portfolio as an .xlsx workbook (sheets: see `SHEETS`; first the sheet
    "Aftale" when the scenario has parties: `result` is then the common ground, and `negotiation`
    its `negotiation.negotiate(ds, scenario)`, computed here when not given).

    `prices` maps a proposal key (or a variant label such as 'SI05 (Model 1)') to its toggle price:
    a number (the change in the objective, 1.000 kr., savings positive: `TogglePrice.delta`; None
    when the toggle has no portfolio), a text, or an object with such a `delta`. The workbook
    shows it as the change in net effect (``-delta``, mio. kr.).
    """
    created = created or datetime.now()
    c = _context(ds, scenario, result)
    wb = Workbook()
    wb.remove(wb.active)
    if scenario.parties:
        _sheet_agreement(_Sheet(wb.create_sheet(AGREEMENT_SHEET)), c, negotiation or negotiate(ds, scenario))
    writers = {name: _Sheet(wb.create_sheet(name)) for name in SHEETS}
    _sheet_assumptions(writers["Forudsætninger"], c, created)
    _sheet_key_figures(writers["Nøgletal"], c)
    _sheet_selected(writers["Valgte forslag"], c)
    _sheet_economy(writers["Økonomi pr. år"], c)
    _sheet_udvalg(writers["Måltal pr. udvalg"], c)
    _sheet_all(writers["Alle forslag"], c, prices)
    _sheet_register(writers["Afvigelser"], c)
    naive = created.replace(tzinfo=None)
    wb.properties.creator = "Investeringsportefølje"
    wb.properties.title = "Investeringsportefølje: scenarie og portefølje"
    wb.properties.created = naive
    wb.properties.modified = naive
    wb.properties.description = (f"Scenariet som JSON står i de brugerdefinerede egenskaber '{SCENARIO_PROPERTY} 1', "
                                 "'2' … (sættes sammen i rækkefølge).")
    text = json.dumps(scenario.to_json(), ensure_ascii=False, separators=(",", ":"))
    for n, start in enumerate(range(0, len(text), PROPERTY_CHARS), start=1):
        wb.custom_doc_props.append(StringProperty(name=f"{SCENARIO_PROPERTY} {n}",
                                                  value=text[start:start + PROPERTY_CHARS]))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
