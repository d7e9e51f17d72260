"""Read a saved ``.hotspots`` study (JSON: the layer paths and the settings).

The file is checked whole against the schema in ``_study_schema`` before any of it is
used, so a hand-edited or tampered study is one DataError naming the field, never a
traceback from deep in the engine. Nothing in a study is executed, and the messages quote
the study's own fields, never the content of the files its paths point at.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..study import Study
from ._study_schema import validate_study_dict
from .errors import DataError, disk_error

__all__ = ["read_study", "MAX_STUDY_BYTES"]

#: a study lists paths and settings; megabytes of it are not a study (or a runaway edit)
MAX_STUDY_BYTES = 8 << 20


class _RepeatedKey(ValueError):
    pass


class LongNumber(float):
    """A whole number too long to be any setting (5,000 digits): kept as infinity, so the
    schema names the field it was given for instead of ``int()`` failing while parsing."""

    digits: int = 0


def _whole_number(text: str) -> int | float:
    if len(text) <= 40:
        return int(text)
    big = LongNumber("inf")
    big.digits = len(text.lstrip("-"))
    return big


def _no_repeated_keys(pairs: list[tuple[str, object]]) -> dict[str, object]:
    """``json`` keeps the last of two equal keys without a word; a study must not."""
    out: dict[str, object] = {}
    for k, v in pairs:
        if k in out:
            raise _RepeatedKey(k)
        out[k] = v
    return out


def read_study(path: str | Path) -> Study:
    """Load a study; relative layer paths are taken relative to the study file."""
    from ._input_file import require_input

    path = Path(path)
    hint = "open a .hotspots file saved by this app"
    st = require_input(path, "study", not_found="study file not found")  # a FIFO would hang the app
    try:
        if st.st_size > MAX_STUDY_BYTES:
            raise DataError(path, f"not a hotspots study (larger than {MAX_STUDY_BYTES >> 20} MB)", hint=hint)
        with path.open("rb") as fh:
            raw = fh.read(MAX_STUDY_BYTES + 1)
    except OSError as exc:
        raise disk_error(path, exc, what="reading the study") from None
    try:
        d = json.loads(raw.decode("utf-8"), object_pairs_hook=_no_repeated_keys, parse_int=_whole_number)
    except _RepeatedKey as exc:
        raise DataError(path, f"the study file is not valid: '{exc.args[0]}' is given twice (which one is meant "
                              "cannot be told)", hint="keep one of them, or save the study again from the app") from None
    except UnicodeDecodeError:
        raise DataError(path, "not a hotspots study (not UTF-8 text)", hint=hint) from None
    except json.JSONDecodeError as exc:
        raise DataError(path, f"not a hotspots study ({exc.msg})", hint=hint, row=exc.lineno) from None
    except RecursionError:
        raise DataError(path, "not a hotspots study (its JSON is nested too deeply)", hint=hint) from None
    except ValueError as exc:  # read as JSON, but unusable: a number of 5,000 digits
        raise DataError(path, f"the study file is not valid: {str(exc).split(':')[0]}", hint=hint) from None
    validate_study_dict(d, path)
    return Study.from_dict(d, base=path.parent)
