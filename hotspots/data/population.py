"""LSOA population, the denominator for crime *rates*.

A busy town centre has many crimes partly because it has many people; a rate per 1,000
residents (with empirical-Bayes smoothing later on) separates "many people" from "unsafe".
The population comes from IoD 2019 File 6 ("Total population: mid 2015 (excluding
prisoners)", quoted as ``"1,296"``), from IoD 2025 File 7's population column, or from any
table with an LSOA code column and a population column (Census 2021 ``All usual residents``).

A deprivation file that itself carries the denominators (IoD 2025 File 7 and IMD 2019 File 7
have "Total population: mid 20xx" beside the scores) is a population layer too:
:func:`population_from_deprivation` reads it from there, so an analyst need not load the
same numbers twice. Only an unmistakable *total* population header counts there (a
deprivation file's "count" or "rank" columns must never be taken for residents).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ._tables import find_column, normalise, read_table
from .deprivation import LAST_2011_CODE, find_code_column, parse_numbers
from .errors import DataError
from .report import LoadReport

__all__ = ["read_population", "population_from_deprivation", "carries_population", "POPULATION_ALIASES"]

POPULATION_ALIASES = [
    "population", "pop", "total", "usual_residents", "all_usual_residents", "All usual residents",
    "total_population", "Total population", "persons", "all persons", "all_ages", "All Ages",
    "residents", "obs_value", "count",
]
#: a resident count an area can have: at least one person; no LSOA (or any area the rate is
#: asked of) holds ten million
MIN_POPULATION = 1.0
MAX_POPULATION = 10_000_000.0
_POPULATION_CONTAINS = ["totalpopulation", "allusualresidents", "usualresidents", "allpersons", "allages"]
_HEADER_HINT = ["lsoacode", "lsoa11cd", "lsoa21cd", "population", "usualresidents"]


def _population_column(df: pd.DataFrame, path: Path) -> str:
    col = find_column(df, POPULATION_ALIASES, path, "population", required=False)
    if col is None:
        col = find_column(df, _POPULATION_CONTAINS, path, "population", required=False, contains=True)
    if col is None:
        # A single header that mentions population (not an age band) is unambiguous enough.
        mentions = [c for c in df.columns if "population" in normalise(c)]
        if len(mentions) == 1:
            col = mentions[0]
    if col is None:
        shown = ", ".join(repr(c) for c in df.columns[:15])
        raise DataError(path, f"no population column (the file has {shown})",
                        hint="name the column 'population' (or use IoD File 6 / Census 'All usual residents')",
                        column="population")
    return col


def read_population(path: str | Path) -> tuple[pd.DataFrame, LoadReport]:
    """Read LSOA populations.

    Parameters
    ----------
    path : CSV or XLSX with an LSOA code column and a population column

    Returns
    -------
    population : DataFrame with ``lsoa_code`` and ``population`` (float, > 0)
    report : LoadReport; ``info`` names the columns used and the LSOA vintage ("2011"/"2021")

    Notes
    -----
    Rows with no code, a missing or unreadable population, a population of zero or less
    (a rate would divide by it) or a repeated code are dropped and counted.

    Raises
    ------
    DataError
        Missing, empty or header-only file, no code or population column, non-UTF-8 text,
        or a population column that holds no numbers.
    """
    path = Path(path)
    report = LoadReport.for_path(path, "population")
    df = read_table(path, "population", header_hint=_HEADER_HINT, report=report)
    report.files = [str(path)]
    report.rows_read = len(df)

    code_col = find_code_column(df, path, "population file")
    pop_col = _population_column(df, path)
    codes = df[code_col].astype(str).str.strip().str.upper()
    pop, bad = parse_numbers(df, pop_col, path, "population", report)

    keep = pd.Series(True, index=df.index)
    no_code = codes.isin(["", "NAN", "NONE", "\\N"])
    report.drop("no LSOA code", int(no_code.sum()))
    keep &= ~no_code
    missing = keep & pop.isna()
    if (missing & bad).any():
        first = int(np.flatnonzero((missing & bad).to_numpy())[0])
        report.warn(f"{int((missing & bad).sum())} population value(s) were not numbers "
                    f"(first on line {first + df.attrs.get('first_data_line', 2)}: {df[pop_col].iloc[first]!r})")
    report.drop("population missing or not a number", int(missing.sum()))
    keep &= ~missing
    nonpos = keep & (pop <= 0)
    report.drop("population zero or negative", int(nonpos.sum()))
    keep &= ~nonpos
    # a count of residents is at least one person and finite; 1e-300 or inf would make every
    # rate 0 or infinite (the analysis then sees the same value in every area)
    implausible = keep & ~((pop >= MIN_POPULATION) & (pop <= MAX_POPULATION))
    if implausible.any():
        first = int(np.flatnonzero(implausible.to_numpy())[0])
        report.warn(f"{int(implausible.sum())} population value(s) are not a count of residents (below "
                    f"{MIN_POPULATION:g}, above {MAX_POPULATION:,.0f} or infinite; first on line "
                    f"{first + df.attrs.get('first_data_line', 2)}: {df[pop_col].iloc[first]!r})")
    report.drop("population not a count of residents", int(implausible.sum()))
    keep &= ~implausible
    dup = keep & codes.where(keep).duplicated(keep="first")
    if dup.any():
        report.warn(f"{int(dup.sum())} repeated LSOA code(s) dropped, first kept (e.g. {codes[dup].iloc[0]})")
    report.drop("duplicate LSOA code", int(dup.sum()))
    keep &= ~dup
    if not keep.any():
        raise DataError(path, "no usable population rows (every row lacked a code or a population of "
                              f"{MIN_POPULATION:g} to {MAX_POPULATION:,.0f} residents)",
                        hint=f"check that '{pop_col}' holds resident counts", column=pop_col)

    out = pd.DataFrame({
        "lsoa_code": codes[keep].to_numpy(),
        "population": pop[keep].astype(float).to_numpy(),
    })
    kept_codes = out["lsoa_code"]
    if not kept_codes.str.match(r"^[EW]01\d{6}$").any():
        report.warn(f"the codes in '{code_col}' do not look like LSOA codes (e.g. {kept_codes.iloc[0]}); "
                    "rates need LSOA-level populations")
    key = normalise(code_col)
    vintage = "2011" if "11" in key else "2021" if "21" in key else "unknown"
    if (kept_codes.str.startswith("E01") & (kept_codes > LAST_2011_CODE)).any():
        vintage = "2021"
    report.rows_kept = len(out)
    report.info.update({
        "code_column": code_col,
        "population_column": pop_col,
        "lsoa_vintage": vintage,
        "lsoas": len(out),
        "total_population": float(out["population"].sum()),
    })
    report.check_balance()
    return out, report


#: header keys (normalised) that name a *total* population in a deprivation file
_TOTAL_KEYS = ("totalpopulation", "allusualresidents")


def carries_population(columns: list[object]) -> str | None:
    """The header of the total-population column among ``columns``, or None.

    Stricter than :func:`read_population`'s search: a deprivation file has many numeric
    columns, so only "Total population ..." / "All usual residents" style headers (or one
    named exactly ``population``) qualify, never an age band ("... aged 0-15").
    """
    for c in columns:
        key = normalise(c)
        if key == "population" or (any(key.startswith(k) for k in _TOTAL_KEYS) and "aged" not in key):
            return str(c)
    return None


def population_from_deprivation(path: str | Path) -> tuple[pd.DataFrame, LoadReport] | None:
    """Population denominators from a deprivation file that carries them, else None.

    Parameters
    ----------
    path : the file given as the deprivation layer (``--imd``)

    Returns
    -------
    (population, report) as :func:`read_population` returns them, with
    ``report.info["from_deprivation_file"] = True``; None when the file has no total
    population column (IMD 2019 Files 1/2, the re-shaped IoD 2025 scores table).

    Notes
    -----
    IoD 2025 File 7 ("File_7_IoD2025_All_Ranks_Scores_Deciles_Population_Denominators") holds
    "Total population: mid 2022 (excluding prisoners)" on 2021 LSOAs; IMD 2019 File 7 holds the
    mid-2015 figures of File 6 on 2011 LSOAs.
    """
    path = Path(path)
    probe = LoadReport.for_path(path, "population")
    head = read_table(path, "deprivation (IMD)", header_hint=_HEADER_HINT + ["imd", "decile"], report=probe)
    col = carries_population(list(head.columns))
    if col is None:
        return None
    pop, report = read_population(path)
    if report.info.get("population_column") != col:
        # read_population's looser search found another column first: trust the strict one
        raise DataError(path, f"two candidate population columns ({report.info.get('population_column')!r} "
                        f"and {col!r})", hint="pass the population separately with --population",
                        column=col)
    report.info["from_deprivation_file"] = True
    return pop, report
