"""Study: which files make up an analysis, and the Settings to run it with.

A study is what an analyst saves and reopens (a ``.hotspots`` JSON file) and what the CLI
builds from its arguments, so the GUI and the CLI run the same engine the same way.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from .categories import resolve_crime_types
from .data.errors import DataError

__all__ = ["Settings", "Study", "LAYER_KINDS", "DEMO_DIR", "demo_study"]

#: layer kind -> human label
LAYER_KINDS = {
    "boundaries": "LSOA boundaries",
    "crimes": "Crime (police.uk)",
    "imd": "Deprivation (IMD)",
    "pubs": "Pubs",
    "streetsafe": "StreetSafe reports",
    "population": "Population",
}

DEMO_DIR = Path(__file__).resolve().parents[1] / "gis_data" / "demo"


def _check_month(value: str | None, flag: str) -> str | None:
    import re

    if value in (None, ""):
        return None
    v = str(value).strip()
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", v):
        raise DataError(None, f"'{value}' is not a month", hint="write months as YYYY-MM, e.g. 2021-03", setting=flag)
    return v


@dataclass
class Settings:
    """Analysis parameters (the CLI defaults are the contract's defaults)."""

    crime_types: list[str] | None = None
    month_from: str | None = None
    month_to: str | None = None
    measure: str = "count"
    weights: str = "queen"
    permutations: int = 999
    seed: int = 12345
    alpha: float = 0.05
    fdr: bool = False
    zone_rule: str = "dense"
    n_jobs: int = 1
    draws: str = "stable"
    harm_weights: dict[str, float] | None = None
    #: disclosure control (hotspots.publish.disclosure): the protective marking line on internal
    #: outputs (None = "OFFICIAL - SENSITIVE: not for publication"), the count below which a
    #: publication set prints "fewer than N", crime types the user marks sensitive, and whether
    #: the public "you said, we did" also lists concerns still under review
    marking: str | None = None
    suppress_below: int = 5
    sensitive_types: list[str] | None = None
    update_under_review: bool = False
    #: the area evidence.docx covers (hotspots.evidence.area.parse_area); None = the top zones
    evidence_area: str | None = None
    #: micro-place cell side in metres and the number of patrol spots (see hotspots.plans.spots)
    cell: float = 150.0
    spots: int = 20
    #: keep hospital sites, police stations, prisons and shoplifting-dominated retail places in the
    #: patrol plan (hotspots.plans.partner_places); by default they are left out and listed for partners
    keep_partner_places: bool = False
    #: a records extract's crimes whose from-to span is longer than this many days are kept out of the
    #: day-by-hour profiles (hotspots.when; counted as spans_excluded)
    when_span_days: float = 7.0
    #: patrol zones from cells (hotspots.plans.cell_zones): at most this many zones, built from the
    #: top-ranked cells that together hold this share of the ranked crime
    zones: int = 40
    zone_share: float = 0.35

    def validated(self) -> Settings:
        """A checked copy: names resolved, months checked, numbers in range (DataError if not)."""
        from .limits import (
            MEASURES,
            check_cell,
            check_limits,
            check_spots,
            check_zone_share,
            check_zones,
            parse_weights_spec,
        )

        check_limits(self)  # types and ranges first (a seed of -1, distance:nan): issue 13
        s = Settings(**asdict(self))
        s.crime_types = resolve_crime_types(self.crime_types)
        s.month_from = _check_month(self.month_from, "month_from")
        s.month_to = _check_month(self.month_to, "month_to")
        if s.month_from and s.month_to and s.month_from > s.month_to:
            raise DataError(None, f"the first month {s.month_from} is after the last month {s.month_to}",
                            hint="swap the two months", setting="months")
        if s.measure not in MEASURES:
            raise DataError(None, f"unknown measure '{s.measure}'", hint=f"use one of {', '.join(MEASURES)}", setting="measure")
        parse_weights_spec(s.weights)
        if not 99 <= int(s.permutations) <= 99_999:
            raise DataError(None, f"{s.permutations} is out of range", hint="use 99 to 99999 (default 999)", setting="permutations")
        if s.draws not in ("stable", "esda", "fast"):
            raise DataError(None, f"unknown permutation draws '{s.draws}'", hint="use stable, esda or fast",
                            setting="draws")
        if s.evidence_area:
            from .evidence.area import parse_area

            parse_area(s.evidence_area)
        if not 0 < float(s.alpha) < 1:
            raise DataError(None, f"{s.alpha} is not between 0 and 1", hint="use e.g. 0.05", setting="alpha")
        s.cell = check_cell(s.cell)
        s.spots = check_spots(s.spots)
        if not isinstance(s.keep_partner_places, bool):
            raise DataError(None, f"{s.keep_partner_places!r} is not true or false",
                            hint="use true to keep partner places in the plan, false (default) to list them apart",
                            setting="keep_partner_places")
        if isinstance(s.suppress_below, bool) or not isinstance(s.suppress_below, int) \
                or not 2 <= s.suppress_below <= 100:
            raise DataError(None, f"{s.suppress_below!r} cannot be the suppression threshold",
                            hint="use a whole number from 2 to 100 (default 5: counts 1-4 shown as 'fewer than 5')",
                            setting="suppress_below")
        if s.marking is not None and len(str(s.marking)) > 200:
            raise DataError(None, "the protective marking is longer than 200 characters",
                            hint="use one short line, e.g. 'OFFICIAL - SENSITIVE'", setting="marking")
        s.zones = check_zones(s.zones)
        s.zone_share = check_zone_share(s.zone_share)
        return s

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Settings:
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in names})


@dataclass
class Study:
    """The input files of an analysis (crimes may be several files/folders) and its settings."""

    boundaries: str | None = None
    crimes: list[str] = field(default_factory=list)
    imd: str | None = None
    pubs: str | None = None
    streetsafe: str | None = None
    population: str | None = None
    harm_weights_file: str | None = None
    #: the ONS LSOA 2011 -> 2021 exact-fit lookup, to join deprivation of the other vintage
    lsoa_lookup: str | None = None
    settings: Settings = field(default_factory=Settings)
    name: str = "Untitled study"
    #: StreetSafe actions log (CSV/XLSX: concern_id, date, action, agency, status)
    actions: str | None = None
    #: actions typed into the GUI's StreetSafe panel (dicts with the same five keys)
    action_rows: list[dict[str, str]] = field(default_factory=list)
    #: a force's records extract (CSV/XLSX) as the crime layer, beside or instead of police.uk
    #: (hotspots.data.extract); its column mapping JSON (None: columns found by common names);
    #: an offence-level harm table (ONS CSS weights or CCHI days by Home Office code)
    extract: str | None = None
    extract_columns: str | None = None
    harm_table: str | None = None

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["format"] = "hotspots-study"
        d["version"] = 1
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any], base: Path | None = None) -> Study:
        """Rebuild a study; relative paths are resolved against ``base`` (the study file's folder)."""

        def fix(p: str | None) -> str | None:
            if not p:
                return None
            q = Path(p)
            return str((base / q).resolve()) if base is not None and not q.is_absolute() else str(q)

        st = cls(
            boundaries=fix(d.get("boundaries")),
            crimes=[fix(p) for p in d.get("crimes", []) if p],  # type: ignore[misc]
            imd=fix(d.get("imd")),
            pubs=fix(d.get("pubs")),
            streetsafe=fix(d.get("streetsafe")),
            population=fix(d.get("population")),
            harm_weights_file=fix(d.get("harm_weights_file")),
            lsoa_lookup=fix(d.get("lsoa_lookup")),
            settings=Settings.from_dict(d.get("settings", {})),
            name=str(d.get("name", "Untitled study")),
            actions=fix(d.get("actions")),
            action_rows=[{str(k): "" if v is None else str(v) for k, v in r.items()}
                         for r in d.get("action_rows") or [] if isinstance(r, dict)],
            extract=fix(d.get("extract")),
            extract_columns=fix(d.get("extract_columns")),
            harm_table=fix(d.get("harm_table")),
        )
        return st


def demo_study(demo_dir: Path | None = None) -> Study:
    """The synthetic demo town shipped in ``gis_data/demo`` (generated by ``hotspots demo``)."""
    d = Path(demo_dir) if demo_dir else DEMO_DIR
    return Study(
        boundaries=str(d / "boundaries.gpkg"),
        crimes=[str(d / "crime")],
        imd=str(d / "imd.csv"),
        pubs=str(d / "pubs.csv"),
        streetsafe=str(d / "streetsafe.csv"),
        population=str(d / "population.csv"),
        name="Demoton (synthetic demo)",
    )
