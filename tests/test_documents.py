"""Our data against the source documents themselves (../shared/seeds/), parsed independently.

Every cash-flow line and every printed total of each catalogue proposal's Tabel 1 is read from the
catalogue's text and compared with data/cashflows.csv and data/stated_figures.csv.
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT.parent / "shared" / "seeds"
CATALOGUE = SEEDS / "002_2c93b4891c97f09c.txt"
YEARS = range(2019, 2025)

pytestmark = pytest.mark.skipif(not CATALOGUE.exists(), reason="the source documents are not beside the clone")


def _num(cell: str) -> int:
    s = re.sub(r"</?b>", "", cell).strip()
    return 0 if s in ("", "-") else int(s.replace(".", ""))


def _tabel1_rows() -> dict[str, list[tuple[bool, str, list[int]]]]:
    """key -> [(is_total, label, six amounts)] for every row of every Tabel 1 in the catalogue."""
    text = CATALOGUE.read_text(encoding="utf-8")
    heads = [m.start() for m in re.finditer(r"\n1\.000 kr\. 2020 p/l\tStyrings", text, flags=re.I)]
    titles = [(m.start(), m.group(1)) for m in
              re.finditer(r"Forslagets titel:(?:\*\*|</b>)?\s*(?:<[^>]+>)?\s*\t?\s*([A-Z]{2}\d{2})", text)]
    out: dict[str, list[tuple[bool, str, list[int]]]] = {}
    for h in heads:
        key = max((pos, k) for pos, k in titles if pos < h)[1]
        table = text[h + 1:].split("Tilbagebetalingstid")[0]
        rows = []
        for line in table.split("\n")[1:]:
            cells = line.split("\t")
            if len(cells) < 8:
                continue
            try:
                amounts = [_num(c) for c in cells[2:8]]
            except ValueError:
                continue
            rows.append((cells[0].startswith("<b>"), re.sub(r"</?b>", "", cells[0]).strip(), amounts))
        out[key] = rows
    return out


def _ours() -> dict[str, dict[str, list[list[float]]]]:
    lines: dict[tuple[str, str], dict] = {}
    for r in csv.DictReader((ROOT / "data" / "cashflows.csv").open(encoding="utf-8")):
        d = lines.setdefault((r["proposal_key"], r["line_id"]), {"label": r["label"], "amounts": {}})
        d["amounts"][int(r["year"])] = float(r["amount"])
    out: dict[str, dict[str, list[list[float]]]] = defaultdict(lambda: defaultdict(list))
    for (key, _), d in lines.items():
        out[key][d["label"]].append([d["amounts"].get(y, 0.0) for y in YEARS])
    return out


def _stated_tabel1() -> dict[tuple[str, str], list[float]]:
    out: dict[tuple[str, str], dict[int, float]] = defaultdict(dict)
    for r in csv.DictReader((ROOT / "data" / "stated_figures.csv").open(encoding="utf-8")):
        if r["table"] == "Tabel 1" and r["year"].isdigit():
            out[(r["proposal_key"], r["row"])][int(r["year"])] = float(r["value"])
    return {k: [v.get(y, 0.0) for y in YEARS] for k, v in out.items()}


def test_all_22_catalogue_tables_are_found():
    assert len(_tabel1_rows()) == 22


def test_every_tabel1_line_is_ours_with_the_same_amounts():
    ours = _ours()
    stated = _stated_tabel1()
    checked = 0
    for key, rows in _tabel1_rows().items():
        for is_total, label, amounts in rows:
            if is_total:
                continue
            checked += 1
            if label in ours[key]:
                assert amounts in ours[key][label], (key, label, amounts, ours[key][label])
            else:
                # a Tabel 1 row we keep at finer granularity: it must be a stated figure checked against its lines
                assert stated.get((key, label)) == amounts, (key, label)
    assert checked == 128


def test_every_printed_tabel1_total_is_in_our_stated_figures():
    stated = _stated_tabel1()
    checked = 0
    for key, rows in _tabel1_rows().items():
        for is_total, label, amounts in rows:
            if not is_total or not label.startswith("Samle"):
                continue  # section headings ("Varige ændringer", "Model 1", …)
            checked += 1
            assert stated.get((key, label)) == amounts, (key, label, amounts, stated.get((key, label)))
    assert checked == 22 * 3 + 2  # three totals each, SI05 has one more per model
