"""Open data in one step: police.uk crimes, ONS LSOA boundaries, the Indices of Deprivation.

Fetching is a convenience for a connected machine; nothing at analysis time needs it, and
every file it writes is one the readers in :mod:`hotspots.data` already accept (police.uk
street CSVs, ONS GeoJSON, MHCLG tables). Every service address is configurable (a flag and an
environment variable: ``HOTSPOTS_POLICE_API``, ``HOTSPOTS_ONS_API``, ``HOTSPOTS_IMD_URL``) so
tests and air-gapped forces can point at a local mirror.

Modules: :mod:`.http` (rate limit, retry, backoff), :mod:`.tiles` (quadtree request polygons),
:mod:`.police`, :mod:`.street_csv`, :mod:`.ons`, :mod:`.imd`, :mod:`.jobs` (what the CLI and the
GUI run).
"""

__all__: list[str] = []
