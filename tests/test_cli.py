"""The command line contract: exit codes, one `error:` line, outputs and their columns."""

import json
import subprocess
import sys
import warnings

import esda
import numpy as np
import pandas as pd
import pytest
from _paths import IMD_FILE1, KENT_BOUNDARIES, KENT_CRIME, KENT_PUBS, need_real
from _study import HEADER, lattice_study
from libpysal.weights import W

from hotspots.cli import main
from hotspots.model import RESULT_COLUMNS


def _run(args):
    return subprocess.run([sys.executable, "-m", "hotspots.cli", *args], capture_output=True, text=True)


def _lattice_inputs(tmp_path, n=6):
    return lattice_study(tmp_path, n)


def test_analyse_small_study_outputs(tmp_path):
    b, c = _lattice_inputs(tmp_path)
    out = tmp_path / "out"
    rc = main(["analyse", "--boundaries", str(b), "--crimes", str(c), "--out", str(out), "--permutations", "99",
               "--quiet", "--no-exports"])
    assert rc == 0
    df = pd.read_csv(out / "lsoa_results.csv", dtype={"lsoa_code": str})
    assert list(df.columns[:len(RESULT_COLUMNS)]) == RESULT_COLUMNS
    assert list(df.columns[len(RESULT_COLUMNS):]) == ["emerging", "gi_perm_z", "mc_permutations"]  # "then as available"
    assert len(df) == 36
    assert set(df["lisa_cluster"]) <= {"HH", "LL", "HL", "LH", "ns"}
    assert set(df["gi_bin"]) <= {-3, -2, -1, 0, 1, 2, 3}
    s = json.loads((out / "summary.json").read_text())
    assert s["parameters"]["permutations"] == 99 and s["parameters"]["seed"] == 12345
    assert s["inputs"]["crimes"]["rows_kept"] == df["crimes"].sum()
    assert "global_moran" in s and s["weights"]["mean_neighbours"] > 2
    assert sum(s["clusters"][k] for k in ("HH", "LL", "HL", "LH", "ns")) == 36
    # the planted corner is found
    hot = df.loc[df["lsoa_code"].isin(["E01000000", "E01000001", "E01001000", "E01001001"]), "lisa_cluster"]
    assert (hot == "HH").sum() >= 2


def test_filters_and_measures(tmp_path):
    b, c = _lattice_inputs(tmp_path)
    out = tmp_path / "o"
    assert main(["analyse", "--boundaries", str(b), "--crimes", str(c), "--out", str(out), "--quiet",
                 "--permutations", "99", "--crime-type", "violent-crime", "--from", "2021-01", "--to", "2021-06",
                 "--measure", "harm", "--no-exports"]) == 0
    s = json.loads((out / "summary.json").read_text())
    assert s["parameters"]["crime_types"] == ["Violence and sexual offences"]
    df = pd.read_csv(out / "lsoa_results.csv")
    assert np.allclose(df["value"], df["harm"])
    assert np.allclose(df["harm"], df["crimes"] * 70.0)  # only violence, default weight 70
    assert s["filters"]["excluded"]["other crime types"] > 0


@pytest.mark.parametrize("extra,needle", [
    (["--from", "2021-06", "--to", "2021-01"], "after"),
    (["--crime-type", "jaywalking"], "unknown crime type"),
    (["--from", "June"], "not a month"),
    (["--weights", "hexagons"], "weights"),
    (["--measure", "rate"], "population"),
    (["--permutations", "5"], "permutations"),
])
def test_bad_arguments_exit_2_with_one_error_line(tmp_path, extra, needle):
    b, c = _lattice_inputs(tmp_path)
    r = _run(["analyse", "--boundaries", str(b), "--crimes", str(c), "--out", str(tmp_path / "o"), "--quiet",
              "--no-exports", *extra])
    assert r.returncode == 2, r.stderr
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:"), r.stderr
    assert needle in lines[0]
    assert "Traceback" not in r.stderr


@pytest.mark.parametrize("case", ["missing_boundaries", "empty_crimes", "latin1_crimes", "no_overlap",
                                  "no_args", "bad_imd", "geojson_as_crimes", "xlsx_as_crimes", "out_is_file",
                                  "no_coordinates"])
def test_bad_files_exit_2(tmp_path, case):
    b, c = _lattice_inputs(tmp_path)
    args = ["analyse", "--boundaries", str(b), "--crimes", str(c), "--out", str(tmp_path / "o"), "--quiet",
            "--no-exports"]
    named = None
    if case == "missing_boundaries":
        args[2] = named = str(tmp_path / "nope.geojson")
    elif case == "empty_crimes":
        c.write_text("")
        named = str(c)
    elif case == "latin1_crimes":
        c.write_bytes((HEADER + ",2021-01,X,X,0.5,51.2,On or near Caf\xe9,E0,L,Drugs,,\n").encode("latin-1"))
        named = str(c)
    elif case == "no_overlap":
        c.write_text(HEADER + "a,2021-01,X,X,-3.0,53.4,On or near X,E0,L,Drugs,,\n")
        named = str(c)
    elif case == "no_args":
        args = ["analyse", "--out", str(tmp_path / "o")]
    elif case == "geojson_as_crimes":
        args[4] = named = str(b)
    elif case == "xlsx_as_crimes":
        x = tmp_path / "crimes.xlsx"
        x.write_bytes(b"PK\x03\x04 not really")
        args[4] = named = str(x)
    elif case == "out_is_file":
        f = tmp_path / "o"
        f.write_text("x")
        named = str(f)
    elif case == "no_coordinates":
        c.write_text(HEADER + ",2021-01,X,X,,,No Location,,,Drugs,,\n")
        named = str(c)
    elif case == "bad_imd":
        bad = tmp_path / "imd.csv"
        bad.write_text("foo,bar\n1,2\n")
        args += ["--imd", str(bad)]
        named = str(bad)
    r = _run(args)
    assert r.returncode == 2, r.stderr
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:"), r.stderr
    if named:
        assert named in lines[0]
    assert not (tmp_path / "o").is_dir() or not (tmp_path / "o" / "lsoa_results.csv").exists()


@pytest.mark.realdata
@pytest.mark.slow
def test_kent_acceptance_against_esda(tmp_path):
    """The issue's acceptance command, in a fresh process, checked against esda on the same weights."""
    need_real(KENT_BOUNDARIES, KENT_CRIME, IMD_FILE1, KENT_PUBS)
    out = tmp_path / "kent"
    r = _run(["analyse", "--boundaries", str(KENT_BOUNDARIES), "--crimes", str(KENT_CRIME), "--imd", str(IMD_FILE1),
              "--pubs", str(KENT_PUBS), "--out", str(out), "--quiet", "--no-exports", "--draws", "esda"])
    assert r.returncode == 0, r.stderr
    df = pd.read_csv(out / "lsoa_results.csv", dtype={"lsoa_code": str})
    s = json.loads((out / "summary.json").read_text())
    assert len(df) == 1065
    assert s["weights"]["vertex_islands"] == 1065 and s["weights"]["islands_before_fix"] == 0
    assert df["imd_decile"].notna().all()
    assert df["pubs"].sum() > 500

    from hotspots.data.boundaries import read_boundaries
    from hotspots.stats.weights import build_weights

    g, _ = read_boundaries(KENT_BOUNDARIES)
    assert list(g["lsoa_code"]) == list(df["lsoa_code"])
    w, _ = build_weights(g, "queen")
    y = df["value"].to_numpy(float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lm = esda.Moran_Local(y, W(w.neighbors, id_order=w.id_order), permutations=999, seed=12345, n_jobs=1)
        gi = esda.G_Local(y, W(w.neighbors, id_order=w.id_order), star=True, transform="B", permutations=0)
    np.testing.assert_allclose(df["lisa_i"], lm.Is, atol=1e-6)
    np.testing.assert_allclose(df["gi_z"], gi.Zs, atol=1e-6)  # the binary-weight (ArcGIS) Gi* z
    p2 = np.minimum(1, 2 * lm.p_sim)
    labels = np.where(p2 <= 0.05, np.array(["", "HH", "LH", "LL", "HL"])[lm.q], "ns")
    assert (df["lisa_cluster"].to_numpy() == labels).mean() >= 0.97


def test_weights_and_draws_are_prepared_while_crimes_load(tmp_path):
    from hotspots.pipeline import analyse, load_layers
    from hotspots.study import Settings, Study

    b, c = _lattice_inputs(tmp_path)
    study = Study(boundaries=str(b), crimes=[str(c)], settings=Settings(permutations=99, weights="rook"))
    layers = load_layers(study)
    a = analyse(layers, study.settings)  # takes the weights the prefetch built (or waits for them)
    assert a.weights_info.spec == "rook"
    again = analyse(layers, study.settings)  # the cache, keyed on the geometry and the spec
    assert again.weights is a.weights
    b2 = analyse(layers, Settings(permutations=99, weights="queen"))  # another spec: built afresh
    assert b2.weights is not a.weights and b2.weights_info.spec == "queen"


def test_demo_is_generated_when_missing(tmp_path, monkeypatch):
    import hotspots.study as study_mod

    missing = tmp_path / "gis_data" / "demo"
    monkeypatch.setattr(study_mod, "DEMO_DIR", missing)
    out = tmp_path / "out"
    assert main(["analyse", "--demo", "--out", str(out), "--quiet", "--no-exports", "--permutations", "99"]) == 0
    assert (missing / "boundaries.gpkg").exists()
    assert len(pd.read_csv(out / "lsoa_results.csv")) > 100
