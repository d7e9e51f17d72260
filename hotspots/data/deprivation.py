"""English Indices of Deprivation by LSOA: IMD 2019 (2011 LSOAs) and IoD 2025 (2021 LSOAs).

Analysts pass whatever deprivation file they have: the MHCLG workbook (a Notes sheet first),
its CSV export (UTF-8 BOM, ranks quoted as ``"29,199"``), File 1 (IMD rank and decile only),
File 2 (all domains, ranks and deciles), File 5/7 (scores too), or a re-shaped copy with short
headers (``lsoa21_code``, ``IMD_decile``). All of them become one tidy table keyed by
``lsoa_code``, so a Safer Streets bid can quote the decile of every hot-spot LSOA.

The trap this module guards against is the *vintage*: IMD 2019 is published for 2011 LSOAs and
IoD 2025 for 2021 LSOAs. Joining one to boundaries of the other silently loses a few percent of
areas (the ones that were split or merged in 2021), so :func:`check_join` says so loudly.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from ._tables import find_column, read_table, to_number
from .districts import lad_columns
from .errors import DataError
from .report import LoadReport

__all__ = [
    "read_deprivation",
    "check_join",
    "find_code_column",
    "parse_numbers",
    "CODE_ALIASES",
    "NATIONAL_LSOAS",
    "VINTAGES",
]

#: Number of LSOAs in England for each release; deciles derived from ranks use these.
NATIONAL_LSOAS = {"IMD2019": 32_844, "IoD2025": 33_755}
#: Release -> LSOA boundary vintage it is published on.
VINTAGES = {"IMD2019": "2011", "IoD2025": "2021"}
#: The highest 2011 LSOA code in England; codes above it exist only in the 2021 set.
LAST_2011_CODE = "E01033768"

CODE_ALIASES = [
    "lsoa_code", "LSOA code (2011)", "LSOA code (2021)", "lsoa11_code", "lsoa21_code",
    "lsoa11cd", "lsoa21cd", "LSOA code", "lsoa", "lsoa_cd", "geography code", "geo_code",
    "area code", "areacode", "code",
]
_CODE_CONTAINS = ["lsoacode", "lsoa11cd", "lsoa21cd", "lsoa11code", "lsoa21code"]

# field -> (exact aliases, aliases that may appear inside a longer MHCLG header)
_FIELDS: dict[str, tuple[list[str], list[str]]] = {
    "imd_score": (["imd_score", "IMD score", "imd19_score", "imd25_score", "imd_2019_score",
                   "imd_2025_score", "Index of Multiple Deprivation (IMD) Score"],
                  ["indexofmultipledeprivationimdscore", "imdscore"]),
    "imd_rank": (["imd_rank", "IMD rank", "imd19_rank", "imd25_rank", "imd_2019_rank",
                  "imd_2025_rank", "rank", "Index of Multiple Deprivation (IMD) Rank"],
                 ["indexofmultipledeprivationimdrank", "imdrank"]),
    "imd_decile": (["imd_decile", "IMD decile", "imd19_decile", "imd25_decile", "imd_2019_decile",
                    "imd_2025_decile", "decile", "Index of Multiple Deprivation (IMD) Decile"],
                   ["indexofmultipledeprivationimddecile", "imddecile"]),
    "crime_score": (["crime_score", "Crime Score", "crime_domain_score"], ["crimescore"]),
    "crime_rank": (["crime_rank", "Crime Rank", "crime_domain_rank"], ["crimerank"]),
    "crime_decile": (["crime_decile", "Crime Decile", "crime_domain_decile"], ["crimedecile"]),
}
_HEADER_HINT = ["lsoacode", "lsoa11cd", "lsoa21cd", "imd", "indexofmultipledeprivation", "decile", "rank"]
FIX_VINTAGE = ("load the ONS 'LSOA (2011) to LSOA (2021) Exact Fit Lookup' CSV (LSOA11CD, LSOA21CD, CHGIND) "
               "with --lsoa-lookup PATH to carry the deprivation across, or use IMD 2019 with 2011 LSOA "
               "boundaries and IoD 2025 with 2021 LSOA boundaries")


def _columns_text(df: pd.DataFrame, limit: int = 15) -> str:
    cols = [repr(c) for c in df.columns]
    more = f" and {len(cols) - limit} more" if len(cols) > limit else ""
    return ", ".join(cols[:limit]) + more


def _find(df: pd.DataFrame, exact: list[str], contains: list[str], path: Path, what: str) -> str | None:
    """Exact header match first (any style), then a specific key inside a long MHCLG header."""
    col = find_column(df, exact, path, what, required=False)
    if col is None and contains:
        col = find_column(df, contains, path, what, required=False, contains=True)
    return col


def find_code_column(df: pd.DataFrame, path: Path, what: str) -> str:
    """The LSOA code column, or a DataError that lists the columns the file does have."""
    col = _find(df, CODE_ALIASES, _CODE_CONTAINS, path, "LSOA code")
    if col is None:
        raise DataError(path, f"no LSOA code column in the {what} (the file has {_columns_text(df)})",
                        hint="name the column 'lsoa_code' (or 'LSOA code (2011)' / 'LSOA code (2021)')",
                        column="lsoa_code")
    return col


def parse_numbers(df: pd.DataFrame, col: str, path: Path, what: str,
                  report: LoadReport | None = None) -> tuple[pd.Series, pd.Series]:
    """Parse a numeric column; return (values, unparseable mask).

    A column in which *no* filled cell is a number is the wrong column, not a few bad rows,
    so it raises a DataError that points at the first offending line. The exception is a
    column that writes the number inside the same words in every cell ("Decile 3",
    "3 - most deprived"), as hand-made tables do: the number is taken and ``report`` says so.
    """
    raw = df[col].astype(str).str.strip()
    vals = to_number(df[col])
    filled = ~raw.isin(["", "\\N", "NULL", "null", "NaN", "nan", "N/A", "n/a", "NA", "#N/A", "-"])
    bad = filled & vals.isna()
    if bad.any() and not (filled & vals.notna()).any():
        embedded = _embedded_numbers(raw[filled])
        if embedded is not None:
            vals = vals.copy()
            vals[filled] = embedded
            if report is not None:
                report.warn(f"'{col}' holds text such as {raw[filled].iloc[0]!r}; the number in each cell "
                            f"was used as the {what}")
            return vals, filled & vals.isna()
        first = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(path, f"the {what} column holds no numbers (found {raw.iloc[first]!r})",
                        hint=f"check that '{col}' is the {what} column",
                        row=first + df.attrs.get("first_data_line", 2), column=col)
    return vals, bad


def _embedded_numbers(cells: pd.Series) -> pd.Series | None:
    """The one number inside each cell, when every cell is the same words around one number.

    The number must stand alone ("Decile 3"), so names such as "Ashford 001A" never qualify.
    """
    low = cells.str.lower()
    number = r"(?<![a-z0-9.])\d+(?:\.\d+)?(?![a-z0-9])"
    numbers = low.str.findall(number)
    if not (numbers.str.len() == 1).all():
        return None
    templates = low.str.replace(number, "#", regex=True).str.split().str.join(" ")
    if templates.nunique() > 3:  # names and free text ("City of London 001A") differ row to row
        return None
    return pd.to_numeric(numbers.str[0], errors="coerce")


def _vintage(code_col: str, codes: pd.Series, df: pd.DataFrame, report: LoadReport) -> str:
    """IMD2019 or IoD2025 from the code column name, else the codes, else other headers."""
    if (codes.str.startswith("E01") & (codes > LAST_2011_CODE)).any():
        return "IoD2025"
    key = re.sub(r"[^0-9a-z]", "", code_col.lower())
    if "2011" in key or "11" in key:
        return "IMD2019"
    if "2021" in key or "21" in key:
        return "IoD2025"
    headers = " ".join(map(str, df.columns)).lower()
    if "2025" in headers or "2021" in headers:
        return "IoD2025"
    if "2019" in headers or "2011" in headers:
        return "IMD2019"
    report.warn("could not tell whether the deprivation file uses 2011 or 2021 LSOA codes; "
                "assumed IMD 2019 (2011 LSOAs)")
    return "IMD2019"


def _deciles_from_rank(rank: pd.Series, n: int) -> pd.Series:
    """MHCLG deciles: decile d holds ranks in ((d-1)N/10, dN/10], N = LSOAs in England."""
    return np.ceil(rank * 10.0 / n)


def _valid_decile(d: pd.Series) -> pd.Series:
    return d.notna() & (d == d.round()) & (d >= 1) & (d <= 10)


def read_deprivation(path: str | Path) -> tuple[pd.DataFrame, LoadReport]:
    """Read an IMD 2019 / IoD 2025 table into one row per LSOA.

    Parameters
    ----------
    path : CSV or XLSX (MHCLG File 1, 2, 5, 7 of IMD 2019, IoD 2025 File 7, or a re-shaped copy)

    Returns
    -------
    imd : DataFrame with ``lsoa_code``, ``imd_score`` (float, NaN when the file has no score),
        ``imd_rank`` (Int64), ``imd_decile`` (Int64, 1 = most deprived 10%), plus
        ``crime_decile`` (Int64) and ``crime_score`` (float) when the file has the crime domain,
        and ``population`` (float) when it has a total-population column (IoD File 7).
        ``imd.attrs["vintage"]`` is "IMD2019" or "IoD2025".
    report : LoadReport; ``info["vintage"]`` is "IMD2019" (2011 LSOAs) or "IoD2025" (2021 LSOAs).

    Notes
    -----
    A decile missing from the file is derived from the rank as ``ceil(rank * 10 / N)`` with N the
    national count of LSOAs, because File 1 style subsets often keep only the rank. Rows with no
    code, no usable decile, a decile outside 1..10 or a repeated code are dropped and counted.

    Raises
    ------
    DataError
        Missing, empty or header-only file, no LSOA code or IMD rank/decile column, non-UTF-8
        text, or a rank/decile column that holds no numbers.
    """
    path = Path(path)
    report = LoadReport.for_path(path, "deprivation")
    df = read_table(path, "deprivation (IMD)", header_hint=_HEADER_HINT, report=report)
    report.files = [str(path)]
    report.rows_read = len(df)

    code_col = find_code_column(df, path, "deprivation file")
    cols = {f: _find(df, ex, co, path, f) for f, (ex, co) in _FIELDS.items()}
    if cols["imd_rank"] is None and cols["imd_decile"] is None:
        raise DataError(path, f"no IMD rank or decile column (the file has {_columns_text(df)})",
                        hint="use an MHCLG IMD file (File 1, 2, 5 or 7) or name the columns "
                             "'IMD_decile' and 'IMD_rank'", column="IMD_decile")

    codes = df[code_col].astype(str).str.strip().str.upper()
    vintage = _vintage(code_col, codes, df, report)
    national = max(NATIONAL_LSOAS[vintage], len(df))

    parsed: dict[str, pd.Series] = {}
    for field, col in cols.items():
        if col is None:
            parsed[field] = pd.Series(np.nan, index=df.index)
            continue
        parsed[field], bad = parse_numbers(df, col, path, field.replace("_", " "), report)
        if bad.any():
            report.info[f"{field}_unparseable"] = int(bad.sum())

    decile = parsed["imd_decile"]
    derive = decile.isna() & parsed["imd_rank"].notna()
    if derive.any():
        decile = decile.where(~derive, _deciles_from_rank(parsed["imd_rank"], national))
        report.info["deciles_from_rank"] = int(derive.sum())
    crime = parsed["crime_decile"]
    crime_derive = crime.isna() & parsed["crime_rank"].notna()
    crime = crime.where(~crime_derive, _deciles_from_rank(parsed["crime_rank"], national))

    keep = pd.Series(True, index=df.index)
    no_code = codes.isin(["", "NAN", "NONE", "\\N"])
    report.drop("no LSOA code", int(no_code.sum()))
    keep &= ~no_code
    no_value = keep & decile.isna()
    report.drop("no IMD rank or decile", int(no_value.sum()))
    keep &= ~no_value
    bad_decile = keep & ~_valid_decile(decile)
    if bad_decile.any():
        first = int(np.flatnonzero(bad_decile.to_numpy())[0])
        report.warn(f"{int(bad_decile.sum())} row(s) had an IMD decile outside 1..10 and were dropped "
                    f"(first on line {first + df.attrs.get('first_data_line', 2)}: {decile.iloc[first]:g})")
    report.drop("IMD decile outside 1..10", int(bad_decile.sum()))
    keep &= ~bad_decile
    dup = keep & codes.where(keep).duplicated(keep="first")
    if dup.any():
        report.warn(f"{int(dup.sum())} repeated LSOA code(s) dropped, first kept "
                    f"(e.g. {codes[dup].iloc[0]})")
    report.drop("duplicate LSOA code", int(dup.sum()))
    keep &= ~dup
    if not keep.any():
        raise DataError(path, "no usable deprivation rows (every row lacked a code or a valid decile)",
                        hint="check the file is an IMD table with LSOA codes and deciles 1..10")

    out = pd.DataFrame({
        "lsoa_code": codes[keep].to_numpy(),
        "imd_score": parsed["imd_score"][keep].astype(float).to_numpy(),
        "imd_rank": parsed["imd_rank"][keep].round().astype("Int64").array,
        "imd_decile": decile[keep].round().astype("Int64").array,
    })
    has_crime = any(cols[f] is not None for f in ("crime_score", "crime_rank", "crime_decile"))
    if has_crime:
        crime = crime[keep]
        bad_crime = crime.notna() & ~_valid_decile(crime)
        if bad_crime.any():
            report.warn(f"{int(bad_crime.sum())} crime-domain decile(s) outside 1..10 were left blank")
            report.info["crime_decile_invalid"] = int(bad_crime.sum())
        out["crime_decile"] = crime.where(~bad_crime).round().astype("Int64").array
        out["crime_score"] = parsed["crime_score"][keep].astype(float).to_numpy()
    # IoD File 7 carries the population denominators (2022 for IoD 2025): they weight the blends
    # of the LSOA 2011-2021 lookup (hotspots.data.lsoa_lookup), so keep them when present
    pop_col = _find(df, ["Total population"], ["totalpopulation"], path, "population")
    if pop_col is not None:
        pop, _bad = parse_numbers(df, pop_col, path, "population", report)
        out["population"] = pop[keep].astype(float).to_numpy()
        report.info["population_column"] = pop_col
    for key, vals in lad_columns(df).items():  # the local authority of each LSOA (hotspots.districts)
        out[key] = vals[keep.to_numpy()]
    out.attrs["vintage"] = vintage

    report.rows_kept = len(out)
    report.info.update({
        "vintage": vintage,
        "lsoa_vintage": VINTAGES[vintage],
        "code_column": code_col,
        "columns_used": {f: c for f, c in cols.items() if c is not None},
        "has_score": cols["imd_score"] is not None,
        "has_crime_domain": has_crime,
        "lsoas": len(out),
    })
    report.check_balance()
    return out, report


def _boundary_year(boundary_vintage: str) -> str | None:
    key = re.sub(r"[^0-9a-z]", "", str(boundary_vintage).lower())
    if "2011" in key or "2019" in key or key.endswith("11") or "lsoa11" in key:
        return "2011"
    if "2021" in key or "2025" in key or key.endswith("21") or "lsoa21" in key:
        return "2021"
    return None


def _imd_vintage(imd: pd.DataFrame, report: LoadReport) -> str | None:
    v = imd.attrs.get("vintage") or report.info.get("vintage")
    if v in VINTAGES:
        return v
    codes = imd["lsoa_code"].astype(str)
    if (codes.str.startswith("E01") & (codes > LAST_2011_CODE)).any():
        return "IoD2025"
    return None


def check_join(
    imd: pd.DataFrame,
    lsoa_codes: Sequence[str],
    boundary_vintage: str,
    report: LoadReport,
) -> dict:
    """Join deprivation to the study's LSOAs and warn when the LSOA vintages differ.

    Parameters
    ----------
    imd : the table from :func:`read_deprivation`
    lsoa_codes : the boundary layer's LSOA codes
    boundary_vintage : "2011" or "2021" (``read_boundaries``' ``info["vintage"]``; "LSOA11",
        "IMD2019" and the like are understood too)
    report : where the warning goes (usually the deprivation LoadReport)

    Returns
    -------
    dict with ``joined``, ``unmatched_lsoas``, ``unmatched_examples`` (up to 10 codes) and
    ``vintage_mismatch``; it is also stored in ``report.info["join"]``.
    """
    codes = pd.Index(pd.Series(list(lsoa_codes), dtype=str).str.strip().str.upper().unique())
    known = pd.Index(imd["lsoa_code"].astype(str))
    matched = codes.isin(known)
    unmatched = sorted(codes[~matched].tolist())
    result = {
        "joined": int(matched.sum()),
        "unmatched_lsoas": len(unmatched),
        "unmatched_examples": unmatched[:10],
        "vintage_mismatch": False,
    }
    b_year = _boundary_year(boundary_vintage)
    imd_v = _imd_vintage(imd, report)
    total = len(codes)
    # a table carried across the ONS lookup (hotspots.data.lsoa_lookup) is on the boundaries' vintage
    imd_year = imd.attrs.get("lsoa_year") or (VINTAGES[imd_v] if imd_v else None)
    if imd.attrs.get("lookup"):
        result["lookup"] = dict(imd.attrs["lookup"])
    if b_year and imd_year and imd_year != b_year:
        result["vintage_mismatch"] = True
        label = "IMD 2019" if imd_v == "IMD2019" else "IoD 2025"
        report.warn(
            f"LSOA vintages differ: the deprivation data are {label} on {imd_year} LSOAs but "
            f"the boundaries are {b_year} LSOAs; {len(unmatched):,} of {total:,} LSOAs did not join "
            f"to a deprivation decile. Fix: {FIX_VINTAGE}."
        )
    elif unmatched:
        shown = ", ".join(unmatched[:5])
        report.warn(f"{len(unmatched):,} of {total:,} LSOAs have no deprivation values (e.g. {shown}); "
                    "check both files use the same LSOA vintage")
    report.info["join"] = dict(result)
    return result
