"""``python main.py --demo --screenshot PATH`` (and ``--study FILE``) in a fresh process."""

from __future__ import annotations

import os
import struct
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.gui, pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[1]


def _run(tmp_path, *args):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "HOME": str(tmp_path)}  # no user settings touched
    env.pop("DISPLAY", None)
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], capture_output=True, text=True,
                          env=env, cwd=tmp_path, timeout=300)


def _png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", head[16:24])


def _colours(path: Path) -> int:
    from PySide6.QtGui import QImage

    img = QImage(str(path)).scaled(200, 125)
    return len({img.pixel(x, y) for x in range(img.width()) for y in range(img.height())})


def test_demo_screenshot(tmp_path):
    out = tmp_path / "shot.png"
    r = _run(tmp_path, "--demo", "--screenshot", str(out), "--size", "1400x900")
    assert r.returncode == 0, r.stderr[-2000:]
    assert out.stat().st_size > 20_000
    assert _png_size(out) == (1400, 900)
    assert _colours(out) > 100  # a drawn window, not a blank one
    assert "LSOAs in the table" in r.stderr


def test_study_screenshot_and_bad_study(tmp_path):
    from hotspots.export.study_file import write_study
    from hotspots.study import demo_study

    study = demo_study()
    study.settings.permutations = 99
    path = write_study(study, tmp_path / "demo.hotspots")
    out = tmp_path / "study.png"
    r = _run(tmp_path, "--study", str(path), "--screenshot", str(out))
    assert r.returncode == 0, r.stderr[-2000:]
    assert _png_size(out) == (1600, 1000)
    bad = tmp_path / "bad.hotspots"
    bad.write_text("[]")
    r = _run(tmp_path, "--study", str(bad), "--screenshot", str(tmp_path / "never.png"), "--timeout", "30")
    assert r.returncode == 1
    assert not (tmp_path / "never.png").exists()
