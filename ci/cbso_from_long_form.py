#!/usr/bin/env python3
"""An independent writer of the National Bank's CBSO JSON deliveries (issue #32, "an independent
held-out delivery"): turns an input folder whose accounts are in the long form into the same
folder with the accounts as the NBB delivers them, written here from the format's description
(schemas/cbso.json and its sources) without any of cpi's Rust code, so that cpi's JSON reader is
checked against a second implementation of the format. .ci/run draws a held-out input (a seed
used nowhere else), writes it both ways and requires byte-identical published tables.

The shapes are chosen to differ from `cpi generate --accounts-format cbso` wherever the format
allows it:
  * the daily-extract shape: a zip of reference records (one camelCase JSON object per member)
    and a zip of accounting-data documents per deposit year, under other member names;
  * the per-company shape for a few companies: a loose `references` answer (a JSON array of
    PascalCase records, dates with a time part) and one loose accounting-data document per
    deposit, pretty-printed;
  * rubric values as decimal strings with two decimals, or as JSON numbers;
  * the filer's seat only on the reference record for half the deposits, only as coded values
    of the document (`pcd:m2000`, `cty:mBE`, LegalForm as {LegalFormCode: lgf:m...}) for the
    others;
  * deposits the NBB corrected (a share of them, seeded): the deposit as filed carries other
    figures (turnover and FTE changed); the correction comes in an improved product: a zip of
    reference records with dataVersion `corrected` and correctedData `aa`, and a zip of
    documents that carry no version inside, only the label `-aa-corrected` in their member
    names. The long form holds the corrected figures, so cpi must use the correction.
  * deposits whose social balance alone the NBB corrected (another share, from a stream of
    its own): the deposit as filed carries another average FTE (1003, the social balance's);
    the correction comes in the improved product with correctedData `sb` and the label
    `-sb-corrected`, its document carrying the social balance's rubrics only (1003 of both
    periods). The long form holds the corrected FTE and the filed other figures, so cpi must
    replace the social balance, and only it.
  * with --xbrl-before DATE --concepts TABLE: the documents of the deposits made before DATE
    (the NBB's JSON starts with the deposits of 4 April 2022) as XBRL instances of the pfs
    taxonomy instead (member `data/<reference>.xbrl`, its reference record still JSON), written
    from the XBRL 2.1 specification: contexts named as the NBB names them (CurrentDuration,
    PrecedingDuration), the entity as BE<number> under the scheme http://www.fgov.be, units
    U-EUR and U-Pure, one element per rubric value named by the concept TABLE gives the rubric
    (config/pfs_concepts.csv's columns), in a namespace of the taxonomy's date.

usage: cbso_from_long_form.py LONG_FORM_INPUT OUTPUT [--corrected-share 0.05] [--sb-corrected-share 0.05] [--seed 3]
                              [--xbrl-before 2022-04-04 --concepts TABLE]
"""
import argparse
import csv
import io
import json
import pathlib
import random
import shutil
import zipfile
from collections import defaultdict
from datetime import date, timedelta
from xml.sax.saxutils import escape

HEADER = ["enterprise_number", "reference_number", "deposit_date", "exercise_start", "exercise_end", "model_type", "rubric_code", "period", "value"]
FIXED_TIME = (2025, 2, 3, 4, 5, 6)


def register_seats(kbo: pathlib.Path) -> dict[str, tuple[str, str]]:
    """Enterprise number -> (postcode, country code) of its registered seat (REGO) in the KBO
    extract's address.csv (loose, or inside the extract zip)."""
    def rows(text: str):
        for r in csv.DictReader(io.StringIO(text)):
            # a seat in Belgium (CountryNL empty); a seat abroad is written as none
            if r["TypeOfAddress"] == "REGO" and not r["CountryNL"]:
                yield r["EntityNumber"], (r["Zipcode"], "BE")
    loose = kbo / "address.csv"
    if loose.exists():
        return dict(rows(loose.read_text(encoding="utf-8")))
    for z in kbo.glob("*.zip"):
        with zipfile.ZipFile(z) as archive:
            return dict(rows(archive.read("address.csv").decode("utf-8")))
    return {}


def deposits(accounts: pathlib.Path) -> dict[str, dict]:
    """The long form's rows grouped by deposit (reference number), in file order."""
    out: dict[str, dict] = {}
    for path in sorted(accounts.rglob("*.csv")):
        with path.open(encoding="utf-8", newline="") as f:
            reader = csv.reader(f)
            if next(reader) != HEADER:
                raise SystemExit(f"{path}: not the long form")
            for number, reference, deposit, start, end, model, code, period, value in reader:
                d = out.setdefault(reference, {"number": number, "reference": reference, "deposit": deposit, "start": start, "end": end,
                                               "model": model, "rubrics": []})
                d["rubrics"].append((code, period, value))
    return out


def value_text(value: str, as_number: bool):
    """A rubric value as a JSON string with two decimals, or as a JSON number (a value that is
    not a number stays the text it was, for cpi to reject as the long form's reader does)."""
    try:
        number = float(value)
    except ValueError:
        return value
    if as_number:
        return int(number) if number == int(number) else number
    return f"{number:.2f}"


def concept_table(path: pathlib.Path) -> dict[str, tuple[str, str]]:
    """Rubric code -> (concept, unit) from a table of pfs concepts (concept, rubric_code, unit, ...)."""
    out = {}
    with path.open(encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            out.setdefault(r["rubric_code"], (r["concept"], r["unit"]))
    return out


def xbrl_instance(d: dict, rubrics: list, concepts: dict[str, tuple[str, str]]) -> str:
    """The deposit's rubric values as an XBRL instance of the pfs taxonomy: the exercise's and the
    previous exercise's durations (the previous one ends the day before the exercise starts)."""
    start = date.fromisoformat(d["start"])
    previous_end = start - timedelta(days=1)
    previous_start = start.replace(year=start.year - 1) if not (start.month == 2 and start.day == 29) else start - timedelta(days=365)
    # the enterprise number's ten digits (the long form may write BE, dots or spaces)
    entity = "BE" + "".join(ch for ch in d["number"] if ch.isdigit()).zfill(10)
    ns = "http://www.nbb.be/be/fr/pfs/ci/2021-04-01"
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             f'<xbrl xmlns="http://www.xbrl.org/2003/instance" xmlns:link="http://www.xbrl.org/2003/linkbase" xmlns:xlink="http://www.w3.org/1999/xlink" '
             f'xmlns:iso="http://www.xbrl.org/2003/iso4217" xmlns:p="{ns}" xmlns:gcd="http://www.nbb.be/be/fr/pfs/ci/gcd/2021-04-01">',
             f'<link:schemaRef xlink:type="simple" xlink:href="{ns}/be-gaap-ci-{d["model"].split("-")[0]}.xsd"/>',
             '<gcd:EntityInformation><gcd:EntityName><gcd:EntityCurrentLegalName contextRef="CurrentDuration">'
             f'Company {escape(entity)}</gcd:EntityCurrentLegalName></gcd:EntityName></gcd:EntityInformation>']
    # facts before the contexts and units they name: XBRL 2.1 leaves the order free
    for code, period, value in rubrics:
        if code not in concepts:
            raise SystemExit(f"no pfs concept for rubric {code}: add it to the concept table")
        concept, unit = concepts[code]
        context = "CurrentDuration" if period == "N" else "PrecedingDuration"
        unit_id = "U-Pure" if unit == "pure" else "U-EUR"
        lines.append(f'<p:{concept} contextRef="{context}" unitRef="{unit_id}" decimals="INF">{escape(value_text(value, False))}</p:{concept}>')
    for cid, (s, e) in {"CurrentDuration": (start, d["end"]), "PrecedingDuration": (previous_start, previous_end)}.items():
        lines.append(f'<context id="{cid}"><entity><identifier scheme="http://www.fgov.be">{entity}</identifier></entity>'
                     f'<period><startDate>{s}</startDate><endDate>{e}</endDate></period></context>')
    lines.append('<unit id="U-EUR"><measure>iso:EUR</measure></unit>')
    lines.append('<unit id="U-Pure"><measure>pure</measure></unit>')
    lines.append("</xbrl>")
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("input")
    ap.add_argument("output")
    ap.add_argument("--corrected-share", type=float, default=0.05)
    ap.add_argument("--sb-corrected-share", type=float, default=0.05)
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--xbrl-before", default="")
    ap.add_argument("--concepts", default="")
    args = ap.parse_args()
    concepts = concept_table(pathlib.Path(args.concepts)) if args.xbrl_before else {}
    src, dst = pathlib.Path(args.input), pathlib.Path(args.output)
    if dst.exists():
        shutil.rmtree(dst)
    shutil.copytree(src, dst, ignore=lambda d, names: ["accounts"] if pathlib.Path(d) == src else [])
    seats = register_seats(src / "kbo")
    rng = random.Random(args.seed)
    sb_rng = random.Random(args.seed + 1)  # its own stream: the aa corrections stay those of the seed
    all_deposits = deposits(src / "accounts")
    companies = sorted({d["number"] for d in all_deposits.values()})
    per_company = set(companies[:3])  # the per-company shape for three companies

    out = dst / "accounts" / "nbb"
    out.mkdir(parents=True)
    by_year = defaultdict(list)
    loose = defaultdict(list)
    for d in all_deposits.values():
        (loose[d["number"]] if d["number"] in per_company else by_year[d["deposit"][:4]]).append(d)
    counts = {"deposits": len(all_deposits), "corrected": 0, "sb_corrected": 0, "per_company": sum(len(v) for v in loose.values()), "xbrl": 0}

    def reference_record(d: dict, pascal: bool, version: str | None, with_seat: bool, corrected_data: str = "aa") -> dict:
        digits = d["number"].replace(".", "")
        postcode, country = seats.get(d["number"], ("", ""))
        time = "T00:00:00" if pascal else ""
        r = {"ReferenceNumber": d["reference"], "DepositDate": d["deposit"] + time,
             "ExerciseDates": {"startDate": d["start"] + time, "endDate": d["end"] + time},
             "EnterpriseNumber": digits, "EnterpriseName": f"Company {digits}", "ModelType": d["model"], "DepositType": "Initial",
             "Language": "NL", "Currency": "EUR", "LegalSituation": "000"}
        if with_seat and postcode:
            r["Address"] = {"Street": "Stationsstraat", "Number": "2", "Box": None, "PostalCode": postcode, "City": "Gemeente", "CountryCode": country}
        if version:
            r["DataVersion"], r["CorrectedData"], r["ImprovementDate"] = version, corrected_data, "2025-01-15"
        elif int(d["reference"][-1]) % 2 == 0:
            # the deposit as filed: named on half of the records (any case), absent on the others
            r["DataVersion"] = "authentic"
        # camelCase in the extracts, PascalCase from the per-company service
        return r if pascal else {k[0].lower() + k[1:]: v for k, v in r.items()}

    def document(d: dict, rubrics: list, with_seat: bool, as_numbers: bool) -> dict:
        postcode, country = seats.get(d["number"], ("", ""))
        doc = {"ReferenceNumber": d["reference"], "EnterpriseName": f"Company {d['number']}",
               "Rubrics": [{"Code": c, "Period": p, "Value": value_text(v, as_numbers)} for c, p, v in rubrics]}
        if with_seat and postcode:
            doc["Address"] = {"Street": "Stationsstraat", "Number": "2", "City": f"pcd:m{postcode}", "Country": f"cty:m{country}"}
            doc["LegalForm"] = {"LegalFormCode": "lgf:m610", "LegalForm": "Besloten vennootschap"}
        return doc

    def as_filed(rubrics: list) -> list:
        """The figures of the deposit as filed, before the NBB's correction: turnover and FTE off."""
        changed = []
        for c, p, v in rubrics:
            try:
                if c == "70":
                    v = str(float(v) * 1.5 + 1000)
                elif c in ("1003", "9087"):
                    v = str(round(float(v) + 7.5, 1))
            except ValueError:
                pass
            changed.append((c, p, v))
        return changed

    def social_balance_as_filed(rubrics: list) -> list:
        """The deposit as filed before the NBB corrected its social balance: FTE (1003) off."""
        return [(c, p, str(round(float(v) + 2.5, 1)) if c == "1003" and p == "N" else v) for c, p, v in rubrics]

    def add(archive: zipfile.ZipFile, name: str, doc, pretty: bool = False) -> None:
        info = zipfile.ZipInfo(name, FIXED_TIME)
        info.compress_type = zipfile.ZIP_DEFLATED
        archive.writestr(info, doc if isinstance(doc, str) else json.dumps(doc, indent=2 if pretty else None))

    def add_document(archive: zipfile.ZipFile, name: str, d: dict, rubrics: list, with_seat: bool, as_numbers: bool) -> None:
        """The deposit's document: an XBRL instance for a deposit before --xbrl-before (the
        reference number in its member name), else JSON."""
        if args.xbrl_before and d["deposit"] < args.xbrl_before:
            add(archive, name.replace(".json", ".xbrl"), xbrl_instance(d, rubrics, concepts))
        else:
            add(archive, name, document(d, rubrics, with_seat, as_numbers))

    for year in sorted(by_year):
        improved = None
        with zipfile.ZipFile(out / f"extract_{year}_references.zip", "w") as refs, zipfile.ZipFile(out / f"extract_{year}_accountingdata.zip", "w") as data:
            for i, d in enumerate(sorted(by_year[year], key=lambda d: d["reference"])):
                seat_on_reference = i % 2 == 0
                corrected = rng.random() < args.corrected_share
                has_fte = any(c == "1003" and p == "N" for c, p, _ in d["rubrics"])
                sb_corrected = sb_rng.random() < args.sb_corrected_share and has_fte and not corrected
                add(refs, f"refs/{d['reference']}.json", reference_record(d, False, None, seat_on_reference))
                filed = as_filed(d["rubrics"]) if corrected else social_balance_as_filed(d["rubrics"]) if sb_corrected else d["rubrics"]
                counts["xbrl"] += bool(args.xbrl_before and d["deposit"] < args.xbrl_before)
                add_document(data, f"data/{d['reference']}.json", d, filed, not seat_on_reference, i % 3 == 0)
                if (corrected or sb_corrected) and improved is None:
                    improved = (zipfile.ZipFile(out / f"improved_{year}_references.zip", "w"), zipfile.ZipFile(out / f"improved_{year}_accountingdata.zip", "w"))
                if corrected:
                    counts["corrected"] += 1
                    add(improved[0], f"refs/{d['reference']}-aa-corrected.json", reference_record(d, False, "corrected", seat_on_reference))
                    add_document(improved[1], f"data/{d['reference']}-aa-corrected.json", d, d["rubrics"], not seat_on_reference, False)
                if sb_corrected:
                    counts["sb_corrected"] += 1
                    social_balance = [(c, p, v) for c, p, v in d["rubrics"] if c == "1003"]
                    add(improved[0], f"refs/{d['reference']}-sb-corrected.json", reference_record(d, False, "corrected", seat_on_reference, "sb"))
                    add_document(improved[1], f"data/{d['reference']}-sb-corrected.json", d, social_balance, False, False)
        if improved:
            for archive in improved:
                archive.close()

    # The per-company shape: the references answer (a JSON array) and one document per deposit.
    for number in sorted(loose):
        folder = out / "per_company" / number.replace(".", "")
        folder.mkdir(parents=True)
        ds = sorted(loose[number], key=lambda d: d["reference"])
        (folder / "references.json").write_text(json.dumps([reference_record(d, True, None, True) for d in ds], indent=2))
        for d in ds:
            (folder / f"{d['reference']}.json").write_text(json.dumps(document(d, d["rubrics"], False, True), indent=2))
    print(json.dumps(counts))


if __name__ == "__main__":
    main()
