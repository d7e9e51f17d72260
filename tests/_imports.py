"""Which modules a piece of code imports, asked of a fresh interpreter (this one has them all)."""

from __future__ import annotations

import subprocess
import sys


def imported_after(code: str, *modules: str) -> list[bool]:
    """Run ``code`` in a new Python process; whether each of ``modules`` is imported after it."""
    probe = code + "\nimport sys\nprint(' '.join(str(m in sys.modules) for m in " + repr(list(modules)) + "))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return [w == "True" for w in out.stdout.split()]
