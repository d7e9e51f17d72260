"""A patrol zone's name: the town and its main streets ("Maidstone: Week Street, Gabriel's Hill").

One function names every zone, so a better source of town names (an offline gazetteer) changes
one place. Streets come from police.uk ``Location`` labels without "On or near ", and never from
a snap-point placeholder ("Supermarket", "Parking Area"), a police station or a prison: a patrol
cannot find "Parking Area" on a map.
"""

from __future__ import annotations

__all__ = ["zone_name", "unique_names"]

#: streets named in a zone's name
NAME_STREETS = 2


def zone_name(town: str, streets: list[str], rank: int) -> str:
    """"Town: Street A, Street B"; the town alone, or "Zone N" when nothing better is known."""
    streets = [s for s in streets if s][:NAME_STREETS]
    core = ", ".join(streets)
    if town and core:
        return f"{town}: {core}"
    return town or core or f"Zone {rank}"


def unique_names(names: list[str], extra: list[list[str]]) -> list[str]:
    """Tell apart two zones that got the same name: add their next street, else their rank."""
    out: list[str] = []
    seen: set[str] = set()
    for k, name in enumerate(names):
        if name in seen:
            more = [s for s in extra[k] if s and s not in name]
            name = f"{name}, {more[0]}" if more and ":" in name else name
            if name in seen:
                name = f"{names[k]} (zone {k + 1})"
        seen.add(name)
        out.append(name)
    return out
