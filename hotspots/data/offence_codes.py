"""Home Office offence codes -> police.uk categories, and offence-level harm tables.

The code list (``offence_codes.csv``, shipped with the package) is the ONS offence hierarchy
for police recorded crime with Home Office offence codes, 2017-18, as ONS published it in
github.com/ONSdigital/dp-hierarchy-builder (``cmd/hierarchy-transformer/output/
crimeWithHomeOffice_2017-2018/hierarchy.cypher``, commit 86ff9b0; MIT licence, Office for
National Statistics): 139 codes with their offence, ONS offence subgroup and group. The
``police_uk_category`` column is this tool's reading of the ONS groups into police.uk's 14
categories (violence against the person and sexual offences -> "Violence and sexual offences";
domestic and non-domestic burglary -> "Burglary"; theft from / of a vehicle and vehicle
interference -> "Vehicle crime"; code 46 -> "Shoplifting"; code 39 -> "Theft from the person";
miscellaneous crimes against society and fraud -> "Other crime"), so every police.uk filter,
preset and chart works on an extract.

Codes are matched after normalising how records systems write them: case, spaces and leading
zeros (``008N`` = ``8N``), ``037/02`` or ``37.02`` = ``37.2``. A code the list does not hold
(an older class such as ``5A``) takes its class number's category when every listed code of
that class falls in one category (``5A`` -> class 5 -> violence); otherwise the offence text
decides, and failing that the row is dropped as "unknown offence" and counted.

Harm. The ONS Crime Severity Score publishes a weight per offence code (Open Government
Licence), and the Cambridge Crime Harm Index gives days of imprisonment per offence. Neither
table could be obtained here (no internet), and weights are never invented: with no table the
police.uk category weights of :mod:`hotspots.harm` are used and every output says so. A user
loads either table with ``--harm-table`` (:func:`read_harm_table`: a CSV/XLSX of code and
weight or days, optionally a ``source`` column naming the release).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from ..categories import CATEGORIES
from .errors import DataError

__all__ = ["CODE_LIST_SOURCE", "NO_TABLE_SOURCE", "code_table", "normalise_code", "categories_for",
           "HarmTable", "read_harm_table"]

CODE_LIST_SOURCE = ("ONS offence hierarchy with Home Office offence codes 2017-18 "
                    "(ONSdigital/dp-hierarchy-builder, crimeWithHomeOffice_2017-2018)")
NO_TABLE_SOURCE = ("police.uk category weights (hotspots.harm; CCHI-style category means): no offence-level "
                   "table (ONS Crime Severity Score or Cambridge Crime Harm Index) was loaded; load one with "
                   "--harm-table")


@lru_cache(maxsize=1)
def code_table() -> pd.DataFrame:
    """The shipped code list: ho_code, offence, ons_subgroup, ons_group, police_uk_category."""
    with resources.files("hotspots.data").joinpath("offence_codes.csv").open("r", encoding="utf-8") as f:
        df = pd.read_csv(f, dtype=str, keep_default_na=False)
    df["key"] = [normalise_code(c) for c in df["ho_code"]]
    return df


_LEAD = re.compile(r"^0*(\d+)(.*)$")
_SUB = re.compile(r"^(\d+)[/.\-_](\d+)$")


def normalise_code(code: object) -> str:
    """``' 008n '`` -> ``'8N'``; ``'037/02'`` -> ``'37.2'``; ``'4.10'`` stays; text upper-cased."""
    s = re.sub(r"\s+", "", str(code)).upper()
    if s in ("", "NAN", "NONE", "NULL", "\\N"):
        return ""
    s = re.sub(r"^(HOC|HO)[:\-]?", "", s)
    m = _SUB.match(s)
    if m:
        return f"{int(m.group(1))}.{int(m.group(2))}"
    m = _LEAD.match(s)
    if m:
        return f"{int(m.group(1))}{m.group(2)}"
    return s


def _class_of(key: str) -> str:
    m = re.match(r"^(\d+)", key)
    return m.group(1) if m else ""


@lru_cache(maxsize=1)
def _lookups() -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    t = code_table()
    exact = dict(zip(t["key"], t["police_uk_category"], strict=True))
    by_class: dict[str, set[str]] = {}
    for k, c in exact.items():
        by_class.setdefault(_class_of(k), set()).add(c)
    classes = {k: next(iter(v)) for k, v in by_class.items() if len(v) == 1 and k}
    labels = {re.sub(r"[^a-z0-9]", "", lab.lower()): c for lab, c in zip(t["offence"], t["police_uk_category"],
                                                                          strict=True)}
    labels.update({re.sub(r"[^a-z0-9]", "", c.lower()): c for c in CATEGORIES})
    return exact, classes, labels


def categories_for(codes: pd.Series | None, offences: pd.Series | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """police.uk category per row (``""`` when unknown), the normalised code, and how it was found.

    ``how`` is "code", "class" (the class number's single category), "text" (the offence text
    names a category or a listed offence) or "" (unknown). Distinct values are looked up once.
    """
    exact, classes, labels = _lookups()
    n = len(codes) if codes is not None else len(offences)  # type: ignore[arg-type]
    cat = np.full(n, "", dtype=object)
    how = np.full(n, "", dtype=object)
    keys = np.full(n, "", dtype=object)
    if codes is not None:
        inv, uniq = pd.factorize(codes.astype(str).to_numpy())
        ukeys = np.array([normalise_code(u) for u in uniq], dtype=object)
        ucat = np.array([exact.get(k) or classes.get(_class_of(k), "") for k in ukeys], dtype=object)
        uhow = np.array(["code" if k in exact else ("class" if c else "") for k, c in zip(ukeys, ucat,
                                                                                           strict=True)],
                        dtype=object)
        keys, cat, how = ukeys[inv], ucat[inv], uhow[inv]
    if offences is not None:
        need = cat == ""
        if need.any():
            inv, uniq = pd.factorize(offences.astype(str).to_numpy()[need])
            ucat = np.array([labels.get(re.sub(r"[^a-z0-9]", "", u.lower()), "") for u in uniq], dtype=object)
            got = ucat[inv]
            idx = np.flatnonzero(need)
            cat[idx] = got
            how[idx[got != ""]] = "text"
    return cat, keys, how


@dataclass(frozen=True)
class HarmTable:
    """An offence-level harm table a user loaded: weight per normalised code, and its source."""

    weights: dict[str, float]
    source: str
    unit: str  # "CSS weight" or "CCHI days" or "weight"
    path: str = ""
    notes: list[str] = field(default_factory=list)

    def per_row(self, keys: np.ndarray, categories: np.ndarray) -> tuple[np.ndarray, int]:
        """Weight per row; a code missing from the table takes the mean weight of the table's
        codes in the row's police.uk category (from the shipped list), else the table's median.
        Returns the weights and the number of rows so filled (said in summary.json)."""
        t = code_table()
        cat_of_key = dict(zip(t["key"], t["police_uk_category"], strict=True))
        per_cat: dict[str, list[float]] = {}
        for k, w in self.weights.items():
            c = cat_of_key.get(k)
            if c:
                per_cat.setdefault(c, []).append(w)
        cat_mean = {c: float(np.mean(v)) for c, v in per_cat.items()}
        median = float(np.median(list(self.weights.values())))
        inv, uk = pd.factorize(np.asarray(keys, dtype=object))
        w = np.array([self.weights.get(k, np.nan) for k in uk])[inv]
        miss = np.isnan(w)
        if miss.any():
            fill = np.array([cat_mean.get(str(c), median) for c in np.asarray(categories)[miss]])
            w[miss] = fill
        return w, int(miss.sum())


def read_harm_table(path: str | Path) -> HarmTable:
    """A CSS or CCHI table: a code column and a weight (or days) column; ``source`` optional.

    Which harm it is comes from the weight column's name ("days" or "cchi" -> CCHI days; "css"
    or "severity" -> CSS weight) and the ``source`` column's first value, else the file name.
    """
    from ._tables import find_column, read_table, to_number

    df = read_table(path, "harm table", header_hint=["code", "weight", "days"])
    code_c = find_column(df, ["ho_code", "offence_code", "home_office_code", "hoc", "code", "offence code"], path,
                         "offence code", contains=True)
    w_c = find_column(df, ["weight", "css_weight", "severity_weight", "cchi", "days", "harm", "cchi_days"], path,
                      "weight", contains=True)
    src_c = find_column(df, ["source", "release"], path, "source", required=False)
    vals = to_number(df[w_c]).to_numpy(float)
    weights: dict[str, float] = {}
    for i, (code, v) in enumerate(zip(df[code_c], vals, strict=True)):
        key = normalise_code(code)
        if not key:
            continue
        if not np.isfinite(v) or v < 0:
            raise DataError(path, f"weight '{df[w_c].iloc[i]}' for code '{code}' is not a number >= 0",
                            hint="give each offence code a non-negative weight or number of days",
                            row=i + df.attrs.get("first_data_line", 2), column=w_c)
        weights[key] = float(v)
    if not weights:
        raise DataError(path, "the harm table has no offence codes with weights",
                        hint="give one row per Home Office offence code: code, weight")
    lower = str(w_c).lower()
    unit = ("CCHI days" if ("day" in lower or "cchi" in lower) else
            "CSS weight" if ("css" in lower or "severity" in lower) else "weight")
    named = str(df[src_c].iloc[0]).strip() if src_c is not None and len(df) else ""
    source = f"{named or Path(path).name} ({unit} by Home Office offence code, loaded from {Path(path).name})"
    return HarmTable(weights=weights, source=source, unit=unit, path=str(path))
