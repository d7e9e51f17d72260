"""hotspots desktop app: ``python main.py`` opens the window with the synthetic demo study.

Options: ``--study FILE.hotspots`` opens a saved study; ``--demo --screenshot PATH`` saves a
picture of the analysed demo and exits (see :mod:`gui.app`).
"""

from __future__ import annotations

import sys

if __name__ == "__main__":
    from gui.app import main

    sys.exit(main())
