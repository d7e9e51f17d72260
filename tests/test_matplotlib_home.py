"""Issue 27 item 14: matplotlib's cache troubles never reach stderr.

Where the home folder cannot hold matplotlib's cache and the temporary folder is full, it
logged "Matplotlib created a temporary cache directory" and "Could not save font_manager
cache" lines on every run (outside the CLI's one-error-line contract).
"""

from __future__ import annotations

import os
import subprocess
import sys

CODE = """
import hotspots.cli  # our import point
import matplotlib
matplotlib.use("Agg")
import matplotlib.font_manager as fm
fm.json_dump(fm.fontManager, "/dev/null/fontlist.json")  # a cache that cannot be saved (as on a full disk)
print(os.environ.get("MPLCONFIGDIR", ""))
"""


def test_14_no_matplotlib_cache_lines_when_home_and_temp_are_unusable(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("MPLCONFIGDIR", "XDG_CONFIG_HOME", "XDG_CACHE_HOME")}
    env.update(HOME="/dev/null", TMPDIR=str(tmp_path))
    r = subprocess.run([sys.executable, "-c", "import os\n" + CODE], capture_output=True, text=True, env=env,
                       timeout=120)
    assert r.returncode == 0, r.stderr
    assert "font_manager cache" not in r.stderr and "temporary cache directory" not in r.stderr, r.stderr
    assert "mkdir -p failed" not in r.stderr, r.stderr
    assert r.stdout.strip().startswith(str(tmp_path)), r.stdout  # a private, writable cache folder
