#!/usr/bin/env python3
"""Render an output folder's report.html in headless Chromium and check what a reader sees.

    python3 ci/report_check.py OUT [--lang nl|en] [--screenshot FILE.png] [--docs-shot FILE.png]

Checks (each failure is listed, exit 1):
- Chromium logs no console message (a blocked fetch, a script, a CSP violation all log one);
- the screenshot of the first screen is not blank (enough ink, several colours);
- the rendered page (Chromium's DOM after layout) holds no <script>, and each cluster's CPI 7 and
  CPI 8 headline gap and CPI 6 investment equal the Parquet values of the same folder, formatted
  by this script's own formatter (Belgian in Dutch, English in English), or "c" where the
  published table suppresses them.
--docs-shot writes a small PNG of the first screen for README (docs/).
"""
import argparse
import html.parser
import os
import shutil
import subprocess
import sys
import tempfile

import pyarrow.parquet as pq
from PIL import Image


def number(value, decimals, lang):
    """Independent of pipeline/src/report/format.rs: Python's own grouping, separators swapped for Dutch."""
    text = f"{abs(value):,.{decimals}f}"
    if lang == "nl":
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    nonzero = any(ch.isdigit() and ch != "0" for ch in text)
    return ("-" if value < 0 and nonzero else "") + text


def points(value, lang):
    text = number(value, 1, lang)
    nonzero = any(ch.isdigit() and ch != "0" for ch in text)
    return ("+" + text) if value > 0 and nonzero else text


def million(value, lang):
    return number(value / 1e6, 1, lang)


def chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    sys.exit("report_check: no chromium on PATH (.ci/run installs the distribution's package)")


def render(page, args_extra):
    """Runs headless Chromium on `page`; returns (stdout, console lines)."""
    cmd = [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
           "--enable-logging=stderr", "--v=0", "--window-size=1000,1400", *args_extra, f"file://{page}"]
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    if run.returncode != 0:
        sys.exit(f"report_check: chromium failed ({run.returncode}): {run.stderr[-2000:]}")
    console = [line for line in run.stderr.splitlines() if ":CONSOLE" in line]
    return run.stdout, console


class Cells(html.parser.HTMLParser):
    """The text of every <td data-measure>, by (table id, row data-cluster, data-measure)."""

    def __init__(self):
        super().__init__()
        self.table = self.cluster = self.measure = None
        self.cells = {}
        self.scripts = 0
        self.text = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "script":
            self.scripts += 1
        elif tag == "table":
            self.table = a.get("id")
        elif tag == "tr":
            self.cluster = a.get("data-cluster")
        elif tag == "td" and a.get("data-measure"):
            self.measure = a["data-measure"]
            self.text = []

    def handle_data(self, data):
        if self.measure is not None:
            self.text.append(data)

    def handle_endtag(self, tag):
        if tag == "td" and self.measure is not None:
            self.cells[(self.table, self.cluster, self.measure)] = "".join(self.text).strip()
            self.measure = None


def expected_cells(out, lang):
    """(table id, cluster, measure) -> the text the page must show, from the Parquet files."""
    want = {}
    for file, table, indicator, measure, fmt in [
        ("cpi7_turnover", "headline-table", "cpi7", "headline_gap_pp", points),
        ("cpi8_employment", "headline-table", "cpi8", "headline_gap_pp", points),
        ("cpi6_investment", "cpi6-table", "cpi6", "investment_eur", million),
    ]:
        for r in pq.read_table(os.path.join(out, f"{file}.parquet")).to_pylist():
            v = r[measure]
            text = "c" if v is None and r["suppressed_reason"] else (":" if v is None else fmt(v, lang))
            want[(f"{table}-{r['reference_year']}", r["cluster_id"], f"{indicator}.{measure}")] = text
    return want


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--lang", default="nl", choices=["nl", "en"])
    ap.add_argument("--screenshot")
    ap.add_argument("--docs-shot")
    args = ap.parse_args()
    page = os.path.abspath(os.path.join(args.out, "report.html"))
    problems = []

    with tempfile.TemporaryDirectory() as tmp:
        shot = args.screenshot or os.path.join(tmp, "report.png")
        _, console = render(page, [f"--screenshot={shot}"])
        dom, console_dom = render(page, ["--dump-dom"])
        problems += [f"console: {line}" for line in console + console_dom]

        image = Image.open(shot).convert("RGB")
        small = image.resize((image.width // 4, image.height // 4))
        pixels = list(small.get_flattened_data())
        ink = sum(1 for p in pixels if sum(p) < 600) / len(pixels)
        colours = len(set(pixels))
        if ink < 0.02 or colours < 8:
            problems.append(f"screenshot looks blank: {ink:.1%} ink, {colours} colours")
        if args.docs_shot:
            first = image.crop((0, 0, image.width, min(image.height, 1250)))
            first = first.resize((first.width * 7 // 10, first.height * 7 // 10), Image.LANCZOS)
            first.quantize(colors=256, method=Image.Quantize.FASTOCTREE).save(args.docs_shot, optimize=True)

    parser = Cells()
    parser.feed(dom)
    if parser.scripts:
        problems.append(f"the page holds {parser.scripts} <script> element(s)")
    if f'lang="{args.lang}"' not in dom:
        problems.append(f"the page is not in language {args.lang}")

    checked = 0
    for key, text in sorted(expected_cells(args.out, args.lang).items()):
        shown = parser.cells.get(key)
        if shown != text:
            problems.append(f"{key}: the page shows {shown!r}, the Parquet value is {text!r}")
        checked += 1

    if problems:
        print("report_check: FAILED\n  " + "\n  ".join(problems))
        sys.exit(1)
    print(f"report_check: {page} ({args.lang}) OK: no console message, not blank, {checked} headline cells equal to the Parquet values")


if __name__ == "__main__":
    main()
