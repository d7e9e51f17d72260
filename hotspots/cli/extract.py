"""The CLI's flags for a force's records extract (``--extract``, ``--columns``, ``--harm-table``,
``--span-days``), kept out of :mod:`hotspots.cli` so it stays one concern a module."""

from __future__ import annotations

import argparse
from typing import Any

__all__ = ["add_extract_arguments", "apply_extract_arguments"]


def add_extract_arguments(a: argparse.ArgumentParser) -> None:
    """The four flags, on the parser analyse and evaluate share."""
    a.add_argument("--extract", metavar="PATH",
                   help="a force's records extract (CSV/XLSX: offence code, committed from/to date and time, exact "
                        "grid reference) as the crime layer, beside or instead of --crimes; gives when to patrol")
    a.add_argument("--columns", metavar="MAPPING.json",
                   help="which extract column holds what (keys id, offence_code, offence, from_date, from_time, "
                        "to_date, to_time or from/to, x, y, crs or lat/lon, location, date_format); default: "
                        "found by common names")
    a.add_argument("--harm-table", metavar="PATH",
                   help="offence-level harm for the extract: CSV/XLSX of Home Office code and weight (ONS Crime "
                        "Severity Score) or days (Cambridge Crime Harm Index); default: police.uk category weights")
    a.add_argument("--span-days", type=float, default=7.0, metavar="DAYS",
                   help="extract crimes whose from-to span is longer than this are kept out of the day-by-hour "
                        "profiles (default 7)")


def apply_extract_arguments(args: argparse.Namespace, study: Any) -> None:
    """Put the extract flags on ``study`` (its settings get ``--span-days``)."""
    from ..data.errors import DataError

    if args.extract or args.columns or args.harm_table:
        if not args.extract:
            raise DataError("--extract", "--columns and --harm-table describe a records extract",
                            hint="give the extract with --extract PATH")
        study.extract, study.extract_columns, study.harm_table = args.extract, args.columns, args.harm_table
    span = args.span_days
    if not (span == span and 0 < span <= 366):  # NaN, zero, negative or absurd
        raise DataError("--span-days", f"{span:g} days is not a span limit", hint="use a number of days from 1 to 366 "
                        "(default 7)")
    study.settings.when_span_days = span
