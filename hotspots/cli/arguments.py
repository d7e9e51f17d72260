"""The ``hotspots`` argument parser: the flags analyse and evaluate share, and each sub-command's own."""

from __future__ import annotations

import argparse

from .extract import add_extract_arguments
from .parser import _Parser

__all__ = ["build_parser"]


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="hotspots", description="Crime hot spots and patrol zones from police.uk, ONS and IMD data.")
    p.add_argument("--version", action="store_true", help="print the version and exit")
    sub = p.add_subparsers(dest="command", parser_class=_Parser)

    a = _Parser(add_help=False)  # the inputs and flags analyse and evaluate share
    src = a.add_mutually_exclusive_group(required=True)
    src.add_argument("--demo", action="store_true", help="use the synthetic demo town in gis_data/demo")
    src.add_argument("--boundaries", metavar="PATH", help="LSOA polygons (GeoJSON/GPKG/SHP/zip; 2011 or 2021 codes)")
    a.add_argument("--crimes", metavar="PATH", nargs="+", help="police.uk street CSV(s), folder(s) or bulk zip")
    add_extract_arguments(a)  # a force's records extract (hotspots.cli.extract)
    a.add_argument("--imd", metavar="PATH", help="IMD 2019 / IoD 2025 file (CSV or XLSX)")
    a.add_argument("--pubs", metavar="PATH", help="pubs: Open Pubs CSV, OSM GeoJSON, or CSV with lat/lon or E/N")
    a.add_argument("--streetsafe", metavar="PATH", help="StreetSafe report export (CSV or XLSX)")
    a.add_argument("--population", metavar="PATH", help="population per LSOA (IoD2019 File 6 or code,population)")
    a.add_argument("--harm-weights", metavar="PATH", help="CSV of category,weight overriding the harm weights")
    a.add_argument("--lsoa-lookup", metavar="PATH",
                   help="ONS LSOA 2011 to 2021 exact-fit lookup CSV (LSOA11CD, LSOA21CD, CHGIND): joins IMD 2019 "
                        "to 2021 boundaries and IoD 2025 to 2011 boundaries")
    a.add_argument("--actions", metavar="PATH",
                   help="StreetSafe actions log (CSV/XLSX: concern_id,date,action,agency,status) for 'You said, we did'")
    a.add_argument("--crime-type", metavar="NAME", action="append",
                   help="police.uk category or slug (repeatable), e.g. 'Violence and sexual offences' or violent-crime")
    a.add_argument("--from", dest="month_from", metavar="YYYY-MM", help="first month to include")
    a.add_argument("--to", dest="month_to", metavar="YYYY-MM", help="last month to include")
    a.add_argument("--measure", choices=["count", "harm", "rate", "density"], default="count")
    a.add_argument("--weights", default="queen", metavar="SPEC", help="queen (default), rook, knn:K or distance:METRES")
    a.add_argument("--permutations", type=int, default=999, metavar="N")
    a.add_argument("--seed", type=int, default=12345, metavar="N")
    a.add_argument("--alpha", type=float, default=0.05, metavar="A")
    a.add_argument("--fdr", action="store_true", help="control the false discovery rate (Benjamini-Hochberg)")
    a.add_argument("--n-jobs", type=int, default=2, metavar="N", help="threads for the permutations (default 2)")
    a.add_argument("--draws", choices=["stable", "esda", "fast"], default="stable",
                   help="permutation draws: stable (default; one random stream per LSOA code, more permutations "
                        "where a p-value is near a cut-off: the map does not depend on the row order and "
                        "hardly on the seed), esda (the same seed gives esda's p-values exactly) or fast "
                        "(esda's scheme, quicker; agrees with esda within Monte Carlo error)")
    a.add_argument("--cell", type=float, default=150.0, metavar="METRES",
                   help="patrol-spot grid cell side in metres, 50-500 (default 150)")
    a.add_argument("--spots", type=int, default=20, metavar="N", help="patrol spots in the plan (default 20)")
    a.add_argument("--keep-partner-places", action="store_true",
                   help="keep hospital sites, police stations, prisons and shoplifting-dominated retail places in "
                        "the patrol spots and zones (by default they are left out and listed in partner_places.csv)")
    a.add_argument("--zones", type=int, default=40, metavar="N",
                   help="at most N patrol zones, compact groups of top-ranked cells in a 2 km square (default 40)")
    a.add_argument("--zone-share", type=float, default=0.35, metavar="S",
                   help="patrol zones are built from the top-ranked cells that together hold this share of the "
                        "crime, 0.01-0.9 (default 0.35)")
    a.add_argument("--out", required=True, metavar="DIR", help="output folder (created if missing)")
    a.add_argument("--evidence-area", metavar="AREA", default=None,
                   help="area of evidence.docx: top[:N] zones (default top:3), zone:K, lsoa:CODE,..., district:NAME")
    a.add_argument("--no-exports", action="store_true", help="write only lsoa_results.csv and summary.json")
    a.add_argument("--public", action="store_true",
                   help="write a publication set instead of the working files: counts below --suppress-below as "
                        "'fewer than N', areas only (no crime or StreetSafe points), no free text, the public "
                        "'you said, we did', and disclosure.txt listing every suppression")
    a.add_argument("--suppress-below", type=int, default=5, metavar="N",
                   help="in a publication set, counts from 1 to N-1 are shown as 'fewer than N' (default 5)")
    a.add_argument("--sensitive-type", metavar="NAME", action="append", default=None,
                   help="a crime type published only at LSOA level and above the threshold (repeatable; sexual "
                        "offences always are)")
    a.add_argument("--under-review", action="store_true",
                   help="the public 'you said, we did' also lists concerns with no action yet, as 'Under review'")
    a.add_argument("--marking", metavar="TEXT", default=None,
                   help="protective marking line on the working map, briefing, evidence pack, workbooks and "
                        "summary.json (default 'OFFICIAL - SENSITIVE: not for publication')")
    a.add_argument("--title", metavar="TEXT", default=None,
                   help="the study's name on the map, briefing, evidence pack and workbook (default: the places it "
                        "covers, e.g. 'Kent and Medway', from the LSOAs' districts)")
    a.add_argument("--quiet", action="store_true", help="no progress messages")
    a.add_argument("--debug", action="store_true", help="show tracebacks for unexpected errors")
    sub.add_parser("analyse", aliases=["analyze"], parents=[a],
                        help="count crime per LSOA, find hot spots and patrol spots, write results",
                        description="Count crime per LSOA, run Local Moran's I and Getis-Ord Gi* with permutation "
                                    "inference, find patrol spots on a micro-place grid, and write "
                                    "lsoa_results.csv and summary.json (and the exports).")
    ev = sub.add_parser("evaluate", parents=[a], help="backtest the patrol plans: build on training months, "
                        "score on test months",
                        description="Build the patrol plans and two naive rankings on the training months and "
                                    "score them on the test months (share of test crime, crimes per km², PAI, "
                                    "Levine's RRI, PEI* against the hindsight ceiling, at each plan's area and at "
                                    "equal area), and say the verdict in one sentence; writes evaluation.json, "
                                    "evaluation.csv and concentration.png. With --rolling K every month from "
                                    "--test-from to --test-to is scored from the K months before it.")
    for flag, what in (("--train-from", "first training month (not with --rolling)"),
                       ("--train-to", "last training month (not with --rolling)"),
                       ("--test-from", "first test month"), ("--test-to", "last test month")):
        ev.add_argument(flag, metavar="YYYY-MM", help=what)
    ev.add_argument("--rolling", metavar="K", default=None,
                    help="rolling backtest: each month from --test-from to --test-to is a window trained on the K "
                         "months before it (e.g. --rolling 3 --test-from 2021-04 --test-to 2021-12)")

    # imported here so ``python -m hotspots.cli.fetch`` does not find its module loaded by the package
    from .fetch import add_parser as add_fetch_parser

    add_fetch_parser(sub, _Parser)

    d = sub.add_parser("demo", help="generate the synthetic demo town",
                       description="Write the synthetic demo study (boundaries, crimes, IMD, pubs, StreetSafe).")
    d.add_argument("--out", default=None, metavar="DIR", help="folder to write (default gis_data/demo)")
    d.add_argument("--seed", type=int, default=None, metavar="N")
    return p
