"""Property tests on the readers (issue 13): any bytes give rows that add up, or one DataError.

``hypothesis`` mutates real-shaped inputs (a police.uk CSV, a study file, a GeoJSON) and
throws raw bytes at them. The property is the accounting identity of every LoadReport
(rows read = kept + dropped by reason) or a clean :class:`DataError`; any other exception
is a reader bug. Example counts are bounded so the suite stays fast.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _study import lattice_study

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from hotspots.data.errors import DataError  # noqa: E402

#: an exception Arrow swallows in a callback ("Exception ignored in ...") is a failure too
pytestmark = pytest.mark.filterwarnings("error::pytest.PytestUnraisableExceptionWarning")

FAST = settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))


@pytest.fixture(scope="module")
def lattice(tmp_path_factory):
    from hotspots.data.boundaries import read_boundaries

    d = tmp_path_factory.mktemp("lattice")
    b, c = lattice_study(d, 4)
    boundaries, _ = read_boundaries(b)
    return d, b, c.read_bytes(), boundaries


def _mutate(data: bytes, edits: list[tuple[int, int]], cut: int | None) -> bytes:
    out = bytearray(data)
    for pos, value in edits:
        out[pos % len(out)] = value
    return bytes(out[:cut]) if cut is not None else bytes(out)


def _read_crimes_or_error(path: Path, boundaries) -> None:
    from hotspots.data.crimes import read_crimes

    try:
        _, rep = read_crimes([path], boundaries)
    except DataError as exc:
        assert str(exc) and "\n" not in exc.message
        return
    assert rep.rows_read == rep.rows_kept + sum(rep.dropped.values())


@FAST
@given(edits=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), max_size=25),
       cut=st.one_of(st.none(), st.integers(0, 4000)))
def test_mutated_crime_csv(lattice, edits, cut):
    d, _b, data, boundaries = lattice
    p = d / "mutated.csv"
    p.write_bytes(_mutate(data, edits, cut))
    _read_crimes_or_error(p, boundaries)


@FAST
@given(raw=st.binary(max_size=3000))
def test_random_bytes_as_crime_csv(lattice, raw):
    d, _b, _data, boundaries = lattice
    p = d / "random.csv"
    p.write_bytes(raw)
    _read_crimes_or_error(p, boundaries)


@FAST
@given(edits=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), max_size=10),
       cut=st.one_of(st.none(), st.integers(0, 3000)))
def test_mutated_crime_zip(lattice, edits, cut):
    import io
    import zipfile

    d, _b, data, boundaries = lattice
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("2021-01/2021-01-x-street.csv", data)
    p = d / "mutated.zip"
    p.write_bytes(_mutate(buf.getvalue(), edits, cut))
    _read_crimes_or_error(p, boundaries)


json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
                           lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner,
                                                                                         max_size=4), max_leaves=12)


@FAST
@given(field=st.sampled_from(["boundaries", "crimes", "name", "settings", "version", "imd"]),
       setting=st.sampled_from(["alpha", "seed", "permutations", "crime_types", "harm_weights", "weights", "fdr",
                                "n_jobs", "month_from", "draws"]),
       value=json_values)
def test_tampered_study_file(tmp_path_factory, field, setting, value):
    from hotspots.data.study_file import read_study

    d = tmp_path_factory.mktemp("study")
    study = {"format": "hotspots-study", "version": 1, "boundaries": "b.geojson", "crimes": ["c.csv"],
             "settings": {"alpha": 0.05, "seed": 1}}
    if field == "settings":
        study["settings"][setting] = value
    else:
        study[field] = value
    p = d / "s.hotspots"
    p.write_text(json.dumps(study, allow_nan=True))
    try:
        s = read_study(p)
    except DataError:
        return
    s.settings.validated()  # what opened must also validate, or fail as a DataError
    assert isinstance(s.crimes, list) and all(isinstance(c, str) for c in s.crimes)


@FAST
@given(raw=st.binary(max_size=2000))
def test_random_bytes_as_study_file(tmp_path_factory, raw):
    from hotspots.data.study_file import read_study

    p = tmp_path_factory.mktemp("study") / "s.hotspots"
    p.write_bytes(raw)
    with pytest.raises(DataError):
        read_study(p)


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(edits=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), max_size=8),
       cut=st.one_of(st.none(), st.integers(0, 5000)))
def test_mutated_boundaries(lattice, edits, cut):
    from hotspots.data.boundaries import read_boundaries

    d, b, _data, _bd = lattice
    p = d / "mutated.geojson"
    p.write_bytes(_mutate(b.read_bytes(), edits, cut))
    try:
        _, rep = read_boundaries(p)
    except DataError:
        return
    assert rep.rows_read == rep.rows_kept + sum(rep.dropped.values())
