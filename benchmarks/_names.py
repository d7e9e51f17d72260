"""Synthetic names and identifiers for the national benchmark data (no real places or crimes)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

__all__ = ["district_names", "snap_locations", "crime_ids"]

_PREFIX = ["Ash", "Bar", "Brad", "Brent", "Bur", "Cal", "Chip", "Dun", "East", "Elm", "Fal",
           "Glen", "Har", "Hen", "King", "Lang", "Long", "Mar", "Mid", "New", "North", "Oak",
           "Pen", "Red", "Rich", "Sand", "South", "Stan", "Stock", "Thorn", "Wal", "West",
           "White", "Wim", "Wood", "Yar", "Alder", "Beck", "Crom", "Dray", "Fen", "Hol"]
_SUFFIX = ["ham", "ford", "ton", "bury", "chester", "ley", "wick", "borough", "field", "worth",
           "by", "mouth", "stead", "don", "well"]
_STREET = ["Church", "Station", "Mill", "Park", "Victoria", "London", "Manor", "Queens", "Kings",
           "New", "School", "The Green", "Chapel", "Albert", "Grange", "Windsor", "York",
           "Orchard", "Springfield", "Meadow", "Highfield", "George", "North", "South", "West",
           "Alexandra", "Mount", "Cedar", "Elm", "Oak", "Beech", "Willow", "Birch", "Church Hill",
           "Castle", "Bridge", "Market", "Green", "Hill", "Priory", "Abbey", "Rectory", "Vicarage",
           "Nelson", "Wellington", "Stanley", "Cromwell", "Marlborough", "Gladstone", "Chestnut",
           "St John'S", "St Mary'S", "St Peter'S", "Riverside", "Brook", "Fairfield", "Valley",
           "Moor", "Heath", "Common"]
_KIND = ["Road", "Street", "Lane", "Close", "Avenue", "Way", "Drive", "Gardens", "Crescent",
         "Place", "Court", "Terrace"]
_SPECIAL = {"Parking Area": 30, "Supermarket": 25, "Petrol Station": 15,
            "Sports/Recreation Area": 12, "Shopping Area": 8, "Hospital": 5,
            "Park/Open Space": 3, "Pedestrian Subway": 3, "Police Station": 2,
            "Theatre/Concert Hall": 1.5, "Further/Higher Educational Building": 1.5,
            "Nightclub": 1.5, "Prison": 0.5, "High Street": 20, "The Street": 5, "Broadway": 3}


def district_names(rng: np.random.Generator, n: int) -> list[str]:
    """``n`` distinct made-up district names ("Ashford"-like)."""
    pool = np.array([p + s for p in _PREFIX for s in _SUFFIX])
    return [str(x) for x in rng.choice(pool, n, replace=False)]


def snap_locations(rng: np.random.Generator, n: int) -> pa.Array:
    """``On or near ...`` text for ``n`` snap points: mostly streets, some police.uk place types.

    Street names are drawn with Zipf-like weights so that, as on police.uk, a few names
    ("Station Road", "Church Street") recur everywhere.
    """
    streets = [f"{s} {k}" for s in _STREET for k in _KIND]
    w = 1.0 / np.arange(1, len(streets) + 1) ** 0.8
    rng.shuffle(w)
    special = list(_SPECIAL)
    ws = np.array(list(_SPECIAL.values()))
    names = np.array([f"On or near {x}" for x in streets + special])
    p = np.concatenate([w / w.sum() * 0.86, ws / ws.sum() * 0.14])
    return pa.array(names[rng.choice(len(names), n, p=p)], pa.string())


_HEX = np.frombuffer(b"0123456789abcdef", np.uint8)


def crime_ids(rng: np.random.Generator, n: int) -> pa.Array:
    """``n`` police.uk-style Crime IDs: 64 lowercase hex characters."""
    raw = rng.integers(0, 256, size=(n, 32), dtype=np.uint8)
    text = np.empty((n, 64), np.uint8)
    text[:, 0::2] = _HEX[raw >> 4]
    text[:, 1::2] = _HEX[raw & 15]
    offsets = np.arange(0, 64 * (n + 1), 64, dtype=np.int32)
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(text.tobytes()))
