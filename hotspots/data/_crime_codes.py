"""Compact columns for millions of crime rows: coded text and hashed Crime IDs.

The crimes reader keeps a nation's year of police.uk rows in a few bytes a row: each file's
text columns become codes into dictionaries shared by all files as soon as the file is read,
and Crime IDs become two 64-bit hashes, compared to find repeats.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

__all__ = ["Accumulator", "CodedFile", "code_table", "duplicate_ids", "hash_ids"]

#: rows from which :meth:`Accumulator.finish` joins the columns on two threads (a county's few
#: hundred thousand rows join in a few milliseconds: no thread is worth starting)
_JOIN_ON_TWO = 1_000_000


class Accumulator:
    """Turns each file's Arrow table into compact NumPy columns as soon as it is read.

    Text columns become int32 codes into one dictionary per column shared by all files;
    Crime IDs become two independent 64-bit hashes. Peak memory is then one file's table
    plus a few bytes a row, rather than every file's text at once.
    """

    TEXT = ("month", "crime_type", "location", "lsoa_code_csv")

    def __init__(self) -> None:
        self.values: dict[str, list[str]] = {c: [] for c in self.TEXT}
        self._lookup: dict[str, dict[str, int]] = {c: {} for c in self.TEXT}
        self._parts: dict[str, list[np.ndarray]] = {}
        self._files: list[tuple[str, int]] = []  # (name, rows) in the order added

    def locate(self, row: int) -> tuple[str, int]:
        """(file name, line) of a row of the concatenated table (line 1 is the header).

        The line is exact for files without quoted line breaks (police.uk files have none) or
        skipped malformed rows before it.
        """
        for name, rows in self._files:
            if row < rows:
                return name, row + 2
            row -= rows
        raise IndexError(row)

    def _put(self, name: str, arr: np.ndarray) -> None:
        self._parts.setdefault(name, []).append(arr)

    def add(self, table: pa.Table, name: str = "") -> None:
        """Code one file's table (see :func:`code_table` and :meth:`add_coded`)."""
        self.add_coded(code_table(table), name)

    def add_coded(self, coded: CodedFile, name: str = "") -> None:
        """Merge one file's codes into the shared dictionaries, in the order files are added.

        Only this part touches shared state, so files can be coded on worker threads and
        merged here in file order: the dictionaries (and so the categories) come out exactly
        as if each file had been added whole, one after another.
        """
        self._files.append((name, coded.rows))
        for c in ("longitude", "latitude"):
            self._put(c, coded.numbers[c])
        for c in self.TEXT:
            dictionary, idx, nulls = coded.text[c]
            lookup, values = self._lookup[c], self.values[c]
            remap = np.empty(len(dictionary), dtype=np.int32)
            for i, v in enumerate(dictionary):
                v = (v or "").strip()
                code = lookup.get(v)
                if code is None:
                    code = lookup[v] = len(values)
                    values.append(v)
                remap[i] = code
            if nulls is not None:
                empty = lookup.setdefault("", len(values))
                if empty == len(values):
                    values.append("")
                idx = np.where(nulls, -1, idx)
                self._put(c, np.where(idx < 0, empty, remap[np.maximum(idx, 0)]).astype(np.int32))
            else:
                self._put(c, remap[idx])
        for c in ("id_h1", "id_h2", "has_id"):
            self._put(c, coded.numbers[c])

    def finish(self) -> dict[str, np.ndarray]:
        """Each column's parts joined into one array.

        A national year is ~300 MB of columns, nearly all of it fresh pages: joined one column
        after another it took ~0.55 s of the load's critical path, on two threads ~0.25 s
        (NumPy copies and the kernel's page faults run without the GIL)."""
        parts = self._parts

        def join(k: str) -> np.ndarray:
            v = parts[k]
            return np.concatenate(v) if len(v) > 1 else v[0]

        keys = list(parts)
        if sum(len(a) for a in parts.get("longitude", [])) >= _JOIN_ON_TWO:
            with ThreadPoolExecutor(max_workers=2) as pool:
                out = dict(zip(keys, pool.map(join, keys), strict=True))
        else:
            out = {k: join(k) for k in keys}
        parts.clear()
        return out


@dataclass
class CodedFile:
    """One file's columns as NumPy, before its text is merged into the shared dictionaries."""

    rows: int
    numbers: dict[str, np.ndarray]  #: longitude, latitude, id_h1, id_h2, has_id
    #: text column -> (its dictionary's values, each row's index into them, null rows or None)
    text: dict[str, tuple[list, np.ndarray, np.ndarray | None]]


def code_table(table: pa.Table) -> CodedFile:
    """The per-file half of :meth:`Accumulator.add`: no shared state, so it runs on a worker
    thread while the next file is parsed (hashing and Arrow->NumPy release the GIL)."""
    numbers: dict[str, np.ndarray] = {}
    for c in ("longitude", "latitude"):
        col = table.column(c).combine_chunks()
        numbers[c] = col.to_numpy(zero_copy_only=False).astype(float, copy=False)
    text: dict[str, tuple[list, np.ndarray, np.ndarray | None]] = {}
    for c in Accumulator.TEXT:
        arr = table.column(c).combine_chunks()
        if not pa.types.is_dictionary(arr.type):
            arr = arr.dictionary_encode()
        idx = arr.indices.fill_null(0).to_numpy(zero_copy_only=False)
        nulls = arr.is_null().to_numpy(zero_copy_only=False) if arr.null_count else None
        text[c] = (arr.dictionary.to_pylist(), idx, nulls)
    numbers["id_h1"], numbers["id_h2"], numbers["has_id"] = hash_ids(table.column("crime_id").combine_chunks())
    return CodedFile(rows=table.num_rows, numbers=numbers, text=text)


_M1, _M2 = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser, vectorised (uint64 arithmetic wraps, as intended)."""
    x = x ^ (x >> np.uint64(30))
    x = x * _M1
    x = x ^ (x >> np.uint64(27))
    x = x * _M2
    return x ^ (x >> np.uint64(31))


def hash_ids(arr: pa.Array) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Two independent 64-bit hashes of each Crime ID, and whether it is non-empty.

    police.uk IDs are 64 hex characters: their bytes are read straight from the Arrow buffer
    as eight 64-bit words and mixed, with no Python string per row. Other ID formats fall
    back to hashing each distinct string. 128 bits make an accidental collision among a
    nation's crimes about as likely as 1 in 10^25.
    """
    n = len(arr)
    h1 = np.zeros(n, dtype=np.uint64)
    h2 = np.zeros(n, dtype=np.uint64)
    if arr.null_count:
        arr = arr.fill_null("")
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int32, count=n + 1, offset=arr.offset * 4)
    lengths = np.diff(offsets)
    has = lengths > 0
    if not has.any():
        return h1, h2, has
    width = int(lengths[has][0])
    if width % 8 == 0 and np.all(lengths[has] == width):
        data = np.frombuffer(arr.buffers()[2], dtype=np.uint8)
        start = int(offsets[0])
        words = data[start:start + int(has.sum()) * width].view("<u8").reshape(-1, width // 8)
        a = np.full(len(words), 0x9E3779B97F4A7C15, dtype=np.uint64)
        b = np.full(len(words), 0x632BE59BD9B4E019, dtype=np.uint64)
        for j in range(words.shape[1]):
            a = _mix(a ^ words[:, j])
            b = _mix(b + _mix(words[:, j] ^ np.uint64(0xD6E8FEB86659FD93)))
        h1[has], h2[has] = a, b
    else:
        enc = arr.dictionary_encode()
        vals = enc.dictionary.to_pylist()
        d1 = np.array([hash(v) for v in vals], dtype=np.int64).view(np.uint64)
        d2 = np.array([hash(v[::-1] + "#") for v in vals], dtype=np.int64).view(np.uint64)
        idx = enc.indices.to_numpy(zero_copy_only=False)
        h1, h2 = d1[idx], d2[idx]
        blank = np.array([not v.strip() for v in vals], dtype=bool)
        has = ~blank[idx]
    return h1, h2, has


def duplicate_ids(h1: np.ndarray, h2: np.ndarray, cand: np.ndarray) -> np.ndarray:
    """Rows in ``cand`` whose Crime ID (as its hash pair) appeared on an earlier row in ``cand``."""
    dup = np.zeros(len(cand), dtype=bool)
    rows = np.flatnonzero(cand)
    if len(rows) < 2:
        return dup
    # a sort finds the few first hashes that repeat (5M: 0.1 s; a pandas hash table took 0.8 s);
    # only the rows holding them need the full comparison
    h = h1[rows]
    s = np.sort(h)
    rep = s[1:][s[1:] == s[:-1]]
    if not len(rep):
        return dup
    rep = np.unique(rep)
    at = np.minimum(np.searchsorted(rep, h), len(rep) - 1)
    in_group = rep[at] == h
    sub = rows[in_group]
    o = np.lexsort((h2[sub], h1[sub]))  # stable: the earliest row leads each group
    same = (h1[sub][o][1:] == h1[sub][o][:-1]) & (h2[sub][o][1:] == h2[sub][o][:-1])
    dup[sub[o[1:][same]]] = True
    return dup
