"""The ONS LSOA (2011) to LSOA (2021) exact-fit lookup, and deprivation carried across it.

IMD 2019 is published on 2011 LSOAs and IoD 2025 on 2021 LSOAs, while boundaries (and
police.uk's LSOA codes) come in either vintage. The ONS lookup (``LSOA11CD, LSOA21CD,
CHGIND``, one row per 2011-2021 pair) says how each area changed: ``U`` unchanged, ``S`` a
2011 LSOA split into several 2021 ones, ``M`` several 2011 LSOAs merged into one, ``X`` an
irregular redrawing. :func:`convert_deprivation` moves a deprivation table onto the other
vintage:

- a target LSOA with one source (U; the parts of a split going 2011 -> 2021; the members of a
  merge going 2021 -> 2011) copies its source's values: every part of a split area has the
  deprivation of the area it came from;
- a target with several sources (a merge going 2011 -> 2021, a split going 2021 -> 2011, and
  X) takes their population-weighted mean score (rank, when the file has no scores), and its
  decile is re-read from where that value falls among the release's own LSOAs (MHCLG's
  deciles: decile d holds national ranks ((d-1)N/10, dN/10]). Weights are the sources'
  populations (IoD 2019 File 6 for 2011 LSOAs, a 2021 population for 2021 ones) where given;
  otherwise the mean is unweighted and the report says so.

Every converted row is flagged (``imd_lookup``: U, S, M or X) so a bid never quotes a
blended decile as if it were published.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ._tables import find_column, read_table
from .districts import lad_columns
from .errors import DataError
from .report import LoadReport

__all__ = ["read_lsoa_lookup", "convert_deprivation", "CHANGE_CODES", "VALUE_COLUMNS"]

CHANGE_CODES = ("U", "S", "M", "X")
#: deprivation columns carried across (those read_deprivation produces)
VALUE_COLUMNS = ("imd_score", "imd_rank", "imd_decile", "crime_score", "crime_decile")
_NATIONAL = {"IMD2019": 32_844, "IoD2025": 33_755}


def read_lsoa_lookup(path: str | Path) -> tuple[pd.DataFrame, LoadReport]:
    """Read the ONS exact-fit lookup (CSV or XLSX) into ``lsoa11, lsoa21, chgind``.

    Rows with a missing code or a change code other than U/S/M/X are dropped and counted;
    repeated pairs are dropped once counted (ONS files have none, hand-edited ones may).
    """
    path = Path(path)
    report = LoadReport.for_path(path, "LSOA lookup")
    df = read_table(path, "LSOA 2011-2021 lookup", header_hint=["lsoa11cd", "lsoa21cd", "chgind"], report=report)
    report.files = [str(path)]
    report.rows_read = len(df)
    c11 = find_column(df, ["LSOA11CD", "lsoa11_code", "LSOA code (2011)", "lsoa11"], path, "LSOA11CD", required=False)
    c21 = find_column(df, ["LSOA21CD", "lsoa21_code", "LSOA code (2021)", "lsoa21"], path, "LSOA21CD", required=False)
    chg = find_column(df, ["CHGIND", "change_indicator", "change", "chgind21"], path, "CHGIND", required=False)
    missing = [n for n, c in (("LSOA11CD", c11), ("LSOA21CD", c21), ("CHGIND", chg)) if c is None]
    if missing:
        shown = ", ".join(repr(c) for c in list(df.columns)[:12])
        raise DataError(path, f"not the ONS LSOA 2011 to 2021 lookup: no {', '.join(missing)} column "
                              f"(the file has {shown})",
                        hint="use the ONS 'LSOA (2011) to LSOA (2021) to LAD (2022) Exact Fit Lookup' CSV",
                        column=missing[0])
    out = pd.DataFrame({"lsoa11": df[c11].astype(str).str.strip().str.upper(),
                        "lsoa21": df[c21].astype(str).str.strip().str.upper(),
                        "chgind": df[chg].astype(str).str.strip().str.upper(),
                        **lad_columns(df)})  # LAD22CD/LAD22NM: the districts (hotspots.districts)
    blank = out["lsoa11"].isin(["", "NAN"]) | out["lsoa21"].isin(["", "NAN"])
    report.drop("missing LSOA code", int(blank.sum()))
    bad = ~blank & ~out["chgind"].isin(CHANGE_CODES)
    if bad.any():
        first = int(np.flatnonzero(bad.to_numpy())[0])
        report.warn(f"{int(bad.sum())} row(s) had a change code other than U/S/M/X and were dropped "
                    f"(first on line {first + df.attrs.get('first_data_line', 2)}: {out['chgind'].iloc[first]!r})")
    report.drop("change code not U/S/M/X", int(bad.sum()))
    keep = ~blank & ~bad
    dup = keep & out.duplicated(["lsoa11", "lsoa21"])
    report.drop("repeated 2011-2021 pair", int(dup.sum()))
    keep &= ~dup
    if not keep.any():
        raise DataError(path, "no usable lookup rows", hint="check the file is the ONS exact-fit lookup")
    out = out[keep].reset_index(drop=True)
    report.rows_kept = len(out)
    report.info.update({"pairs": len(out), "by_change": out["chgind"].value_counts().to_dict()})
    report.check_balance()
    return out, report


def _weights(codes: pd.Series, population: pd.DataFrame | None) -> pd.Series:
    if population is None or not len(population):
        return pd.Series(np.nan, index=codes.index)
    pop = population.drop_duplicates("lsoa_code").set_index("lsoa_code")["population"].astype(float)
    return codes.map(pop)


def _decile_of(values: np.ndarray, national: np.ndarray, n: int, higher_is_worse: bool) -> np.ndarray:
    """MHCLG decile of each value by its position among the release's national values."""
    ref = np.sort(national[np.isfinite(national)])
    # scores: rank 1 = the highest score; ranks: the value is a rank already
    rank = len(ref) - np.searchsorted(ref, values, side="right") + 1 if higher_is_worse else values
    return np.clip(np.ceil(np.asarray(rank, float) * 10.0 / n), 1, 10)


def convert_deprivation(
    imd: pd.DataFrame,
    lookup: pd.DataFrame,
    target_year: str,
    *,
    population: pd.DataFrame | None = None,
    report: LoadReport | None = None,
) -> pd.DataFrame:
    """Move a deprivation table (from ``read_deprivation``) onto ``target_year`` LSOAs.

    Parameters
    ----------
    imd : deprivation table with ``lsoa_code`` and ``attrs["vintage"]`` ("IMD2019"/"IoD2025")
    lookup : from :func:`read_lsoa_lookup`
    target_year : "2011" or "2021", the boundaries' vintage
    population : ``lsoa_code, population`` of the *source* LSOAs, for the weights
    report : where the counts and the weighting note go (``info["lookup"]``)

    Returns
    -------
    A table of the same columns keyed by target codes, plus ``imd_lookup`` (U/S/M/X) and
    ``imd_sources`` (how many source LSOAs fed the row); ``attrs["lsoa_year"]`` is the target
    year. A table already on ``target_year`` is returned unchanged.
    """
    vintage = imd.attrs.get("vintage", "IMD2019")
    source_year = {"IMD2019": "2011", "IoD2025": "2021"}.get(vintage, "2011")
    target_year = str(target_year)
    if target_year == source_year or target_year not in ("2011", "2021"):
        return imd
    src_col, tgt_col = ("lsoa11", "lsoa21") if source_year == "2011" else ("lsoa21", "lsoa11")
    pairs = lookup[[src_col, tgt_col, "chgind"]].rename(columns={src_col: "src", tgt_col: "tgt"})
    values = imd.drop_duplicates("lsoa_code").set_index("lsoa_code")
    pairs = pairs[pairs["src"].isin(values.index)].copy()
    cols = [c for c in VALUE_COLUMNS if c in values.columns]
    for c in cols:
        pairs[c] = pairs["src"].map(values[c].astype(float))
    pairs["w"] = _weights(pairs["src"], population)
    if "population" in imd and pairs["w"].isna().any():  # the file's own denominators (IoD File 7)
        pairs["w"] = pairs["w"].fillna(_weights(pairs["src"], imd[["lsoa_code", "population"]]))
    n_src = pairs.groupby("tgt")["src"].transform("size")
    multi = pairs[n_src > 1]
    weighted_ok = multi.groupby("tgt")["w"].transform(lambda w: bool(np.isfinite(w).all() and (w > 0).all()))
    pairs["w_eff"] = 1.0
    pairs["weighted"] = False
    pairs.loc[multi.index, "w_eff"] = np.where(weighted_ok.astype(bool), multi["w"], 1.0)
    pairs.loc[multi.index, "weighted"] = weighted_ok.astype(bool).to_numpy()

    g = pairs.groupby("tgt", sort=True)
    out = pd.DataFrame(index=g.size().index)
    out.index.name = "lsoa_code"
    for c in cols:
        num = (pairs[c] * pairs["w_eff"]).groupby(pairs["tgt"]).sum(min_count=1)
        den = pairs["w_eff"].where(pairs[c].notna()).groupby(pairs["tgt"]).sum()
        out[c] = num / den.replace(0, np.nan)
    sizes = g.size()
    out["imd_sources"] = sizes.astype(int)
    flags = g["chgind"].agg(lambda s: "X" if (s == "X").any() else s.iloc[0])
    out["imd_lookup"] = flags
    blended = sizes > 1
    n = max(_NATIONAL.get(vintage, len(values)), len(values))
    if blended.any():
        b = out.index[blended]
        if "imd_score" in out and values["imd_score"].notna().any():
            out.loc[b, "imd_decile"] = _decile_of(out.loc[b, "imd_score"].to_numpy(float),
                                                  values["imd_score"].to_numpy(float), n, True)
            out.loc[b, "imd_rank"] = np.nan  # a blended area has no published rank
        elif "imd_rank" in out and out.loc[b, "imd_rank"].notna().any():
            out.loc[b, "imd_rank"] = out.loc[b, "imd_rank"].round()
            out.loc[b, "imd_decile"] = _decile_of(out.loc[b, "imd_rank"].to_numpy(float), np.array([]), n, False)
        else:
            out.loc[b, "imd_decile"] = out.loc[b, "imd_decile"].round()
        if "crime_decile" in out:
            if "crime_score" in out and values["crime_score"].notna().any():
                out.loc[b, "crime_decile"] = _decile_of(out.loc[b, "crime_score"].to_numpy(float),
                                                        values["crime_score"].to_numpy(float), n, True)
            else:
                out.loc[b, "crime_decile"] = out.loc[b, "crime_decile"].round()
    for c in ("imd_rank", "imd_decile", "crime_decile"):
        if c in out:
            out[c] = out[c].round().astype("Int64")
    for c in ("lad_code", "lad_name"):  # the district of the first source LSOA (an LSOA keeps its district)
        if c in values:
            out[c] = pairs["src"].map(values[c]).groupby(pairs["tgt"]).first().reindex(out.index)
    out = out.reset_index()
    out.attrs.update(imd.attrs)
    out.attrs["lsoa_year"] = target_year
    unweighted = int((blended & ~g["weighted"].all()).sum())
    info = {"from": source_year, "to": target_year, "lsoas": len(out),
            "by_change": out["imd_lookup"].value_counts().to_dict(), "blended": int(blended.sum()),
            "blended_unweighted": unweighted,
            "sources_missing": int((~lookup[src_col].isin(values.index)).sum())}
    if report is not None:
        report.info["lookup"] = info
        if unweighted:
            report.warn(f"{unweighted:,} {target_year} LSOA(s) built from several {source_year} LSOAs took an "
                        f"unweighted mean of their deprivation (no {source_year} population was loaded; "
                        f"add --population for {source_year} LSOAs to weight by population)")
    out.attrs["lookup"] = info
    return out
