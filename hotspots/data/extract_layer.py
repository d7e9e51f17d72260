"""The records extract beside (or instead of) police.uk crimes in one crimes frame.

:func:`hotspots.load.load_layers` reads police.uk files into the crimes frame; this adds the
extract's crimes to it, so every stage sees one frame. police.uk rows carry no times
(``t_from = t_to = 0``: "untimed", left out of the time profiles) and no offence code. The
extract's LoadReport is kept under ``reports["extract"]``, police.uk's under ``"crimes"``.

Re-reading: the extract is read again only when its file, its mapping, the harm table or the
boundaries changed; a police.uk frame reused from the previous layers has the previous
extract's rows taken out first (they are the rows with a time span).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = ["load_extract_layer", "combine", "police_part", "without_extract", "EXTRACT_COLUMNS"]

#: columns an extract adds to the crimes frame (police.uk rows get neutral values)
EXTRACT_COLUMNS = ("t_from", "t_to", "offence_code", "harm_w")
NOT_MIXED = ("police.uk category weights for every crime: the offence-level harm table applies only when the "
             "extract is the only crime layer (police.uk crimes have no offence code, and two harm scales "
             "cannot be added)")


def police_part(crimes: pd.DataFrame | None) -> pd.DataFrame | None:
    """The police.uk rows of a combined frame, as the police.uk reader returned them."""
    if crimes is None or "t_from" not in crimes.columns:
        return crimes
    keep = crimes["t_to"].to_numpy() <= crimes["t_from"].to_numpy()
    if not keep.any():
        return None
    out = crimes.loc[keep, [c for c in crimes.columns if c not in EXTRACT_COLUMNS]].reset_index(drop=True)
    for c in out.columns:
        if isinstance(out[c].dtype, pd.CategoricalDtype):
            out[c] = out[c].cat.remove_unused_categories()
    return out


def _text_categories(col: pd.Series) -> pd.Categorical:
    cat = col.astype("category").array
    return pd.Categorical.from_codes(np.asarray(cat.codes), categories=pd.Index([str(c) for c in cat.categories],
                                                                                 dtype=object))


def combine(police: pd.DataFrame | None, extract: pd.DataFrame) -> pd.DataFrame:
    """One crimes frame: police.uk rows (untimed) then the extract's, categoricals united."""
    if police is None or not len(police):
        return extract
    from pandas.api.types import union_categoricals

    p = police.copy()
    p["t_from"] = np.zeros(len(p), np.int64)
    p["t_to"] = np.zeros(len(p), np.int64)
    p["offence_code"] = pd.Categorical(np.full(len(p), "", dtype=object))
    out = {}
    for c in extract.columns:
        a, b = p[c], extract[c]
        if isinstance(b.dtype, pd.CategoricalDtype):  # categories as plain text on both sides (Arrow vs object)
            out[c] = union_categoricals([_text_categories(a), _text_categories(b)], ignore_order=True)
        else:
            out[c] = np.concatenate([a.to_numpy(), b.to_numpy()])
    frame = pd.DataFrame(out)
    frame["lsoa"] = frame["lsoa"].astype(np.int32)
    return frame


def load_extract_layer(study: Any, boundaries: Any, crimes: pd.DataFrame | None, prev: Any, ids: dict,
                       reports: dict, timings: dict, boundaries_changed: bool) -> pd.DataFrame | None:
    """The crimes frame with the study's extract added (``crimes`` alone when there is none).

    ``ids`` gets the extract's file identity under ``"extract"`` (for the next re-read).
    """
    import time

    from .file_identity import file_identity

    path = getattr(study, "extract", None)
    if not path or boundaries is None:
        reports.pop("extract", None)
        return police_part(crimes)
    parts = [p for p in (path, getattr(study, "extract_columns", None), getattr(study, "harm_table", None)) if p]
    ident = file_identity(parts)
    ids["extract"] = ident
    if (prev is not None and prev.sources.get("extract") == ident and not boundaries_changed
            and prev.crimes is not None and "t_from" in prev.crimes.columns):
        if crimes is prev.crimes:  # police.uk and the extract both unchanged: the combined frame as it was
            return crimes
        if crimes is None and not getattr(study, "crimes", None):  # the extract alone, unchanged
            return prev.crimes
    t = time.perf_counter()
    from .extract import read_extract
    from .offence_codes import read_harm_table

    table = read_harm_table(study.harm_table) if getattr(study, "harm_table", None) else None
    frame, rep = read_extract(path, boundaries, columns=getattr(study, "extract_columns", None), harm_table=table)
    timings["load_extract"] = round(time.perf_counter() - t, 3)
    reports["extract"] = rep
    police = police_part(crimes)
    if police is not None and "harm_w" in frame.columns:  # one harm scale per run, never two mixed
        frame = frame.drop(columns=["harm_w"])
        rep.info["harm_source"] = NOT_MIXED
        rep.warn(NOT_MIXED)
    return combine(police, frame)


def without_extract(layers: Any, study: Any) -> tuple[Any, Any]:
    """Layers and study with the records extract removed (police.uk crimes, if any, stay)."""
    import copy

    new_study = copy.deepcopy(study)
    new_study.extract = new_study.extract_columns = new_study.harm_table = None
    reports = {k: v for k, v in layers.reports.items() if k != "extract"}
    sources = {k: v for k, v in layers.sources.items() if k != "extract"}
    return layers.replace(crimes=police_part(layers.crimes), reports=reports, sources=sources), new_study
