"""Actions taken on StreetSafe concerns: the "we did" of "you said, we did".

The inquiry asks agencies to "provide regular updates on what action has been taken as a
result of the concerns reported via Street Safe". Officers keep a log, one row an action:
``concern_id, date, action, agency, status`` (CSV or XLSX), where ``concern_id`` is the
stable id of :mod:`hotspots.streetsafe.concerns` (``SS-E612300N165450``) copied from
``streetsafe_concerns.csv``. A bad row stops the run with a DataError naming its line: an
update that silently dropped an action would tell the public less than was done.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from ._tables import find_column, read_table
from .errors import DataError
from .report import LoadReport

__all__ = ["ACTION_COLUMNS", "read_actions", "actions_from_records", "actions_to_records", "study_actions"]

#: Columns of an actions table, in order.
ACTION_COLUMNS = ["concern_id", "date", "action", "agency", "status"]
_ID = re.compile(r"^SS-E\d{6}N\d{6,7}$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$")
_DMY = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_BLANK = {"", "nan", "none", "\\n", "null"}


def _date(text: str) -> str | None:
    """ISO date ("YYYY-MM-DD", or "YYYY-MM" for a month) from ISO or UK day-first text."""
    s = text.strip()
    for pattern, order in ((_ISO, (1, 2, 3)), (_DMY, (3, 2, 1))):
        if m := pattern.match(s):
            y, mo, d = (int(m.group(i)) for i in order)
            try:
                return pd.Timestamp(year=y, month=mo, day=d).strftime("%Y-%m-%d")
            except ValueError:
                return None
    if (m := _MONTH.match(s)) and 1 <= int(m.group(2)) <= 12:
        return f"{int(m.group(1)):04d}-{int(m.group(2)):02d}"
    return None


def actions_from_records(records: list[dict], source: str = "actions") -> pd.DataFrame:
    """Validate action rows (dicts with :data:`ACTION_COLUMNS`) into a tidy frame.

    ``records[k]`` is reported as line ``k + 2`` (a header line first), as in a CSV.

    Raises
    ------
    DataError
        A row with no or a malformed concern id, no action, or a date that cannot be read.
    """
    rows = []
    for k, rec in enumerate(records):
        line = int(rec.get("_line", k + 2))
        vals = {c: str(rec.get(c, "") if rec.get(c) is not None else "").strip() for c in ACTION_COLUMNS}
        vals = {c: ("" if v.lower() in _BLANK else v) for c, v in vals.items()}
        if not any(vals.values()):
            continue
        cid = vals["concern_id"].upper()
        if not _ID.match(cid):
            raise DataError(source, f"concern id {vals['concern_id']!r} is not a StreetSafe concern id",
                            hint="copy the concern_id from streetsafe_concerns.csv (like SS-E612300N165450)",
                            row=line, column="concern_id")
        if not vals["action"]:
            raise DataError(source, f"no action is given for concern {cid}",
                            hint="say what was done (e.g. 'street lights repaired')", row=line, column="action")
        date = _date(vals["date"]) if vals["date"] else ""
        if date is None:
            raise DataError(source, f"date {vals['date']!r} cannot be read",
                            hint="write dates as YYYY-MM-DD or DD/MM/YYYY", row=line, column="date")
        rows.append({**vals, "concern_id": cid, "date": date})
    return pd.DataFrame(rows, columns=ACTION_COLUMNS).astype(object)


def actions_to_records(actions: pd.DataFrame | None) -> list[dict]:
    """Plain dicts for saving in a study file (round-trips through :func:`actions_from_records`)."""
    if actions is None or not len(actions):
        return []
    return [{c: str(r.get(c, "") or "") for c in ACTION_COLUMNS} for r in actions.to_dict("records")]


def read_actions(path: str | Path) -> tuple[pd.DataFrame, LoadReport]:
    """Read an actions log (CSV or XLSX: ``concern_id, date, action, agency, status``).

    Returns
    -------
    actions : DataFrame with :data:`ACTION_COLUMNS` (dates ISO), blank rows skipped
    report : LoadReport (blank rows counted as dropped "blank row")

    Raises
    ------
    DataError
        Missing file or columns, or a bad row (the message names its line).
    """
    path = Path(path)
    report = LoadReport.for_path(path, "actions")
    df = read_table(path, "actions", header_hint=["concernid", "action", "agency", "status"], report=report)
    report.files = [str(path)]
    report.rows_read = len(df)
    cols = {c: find_column(df, [c, c.replace("_", " ")] + (["concern", "id"] if c == "concern_id" else []),
                           path, c, required=c in ("concern_id", "action"))
            for c in ACTION_COLUMNS}
    first = int(df.attrs.get("first_data_line", 2))
    records = []
    for k, row in enumerate(df.itertuples(index=False)):
        rec = dict(zip(df.columns, row, strict=True))
        records.append({c: (rec[col] if col else "") for c, col in cols.items()} | {"_line": first + k})
    actions = actions_from_records(records, str(path))
    report.rows_kept = len(actions)
    report.drop("blank row", report.rows_read - len(actions))
    report.info["concerns_with_actions"] = int(actions["concern_id"].nunique()) if len(actions) else 0
    report.check_balance()
    return actions, report


def study_actions(study: object) -> pd.DataFrame | None:
    """The study's actions: its actions file, then the rows edited in the GUI (None when neither).

    Every row is kept, identical ones too: two officers can do the same thing for the same
    concern on the same day, and an update that merged them would report less than was done."""
    frames = []
    path = getattr(study, "actions", None)
    if path:
        frames.append(read_actions(path)[0])
    rows = getattr(study, "action_rows", None) or []
    if rows:
        frames.append(actions_from_records(list(rows), "the study's actions table"))
    if not frames:
        return None
    return pd.concat(frames, ignore_index=True)
