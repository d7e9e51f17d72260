"""The CLI's argparse class and text helpers, shared by every sub-command's module.

Kept apart from the commands so ``fetch`` and the main parser can both use the parser class without
importing each other (issue 28: no import cycle).
"""

from __future__ import annotations

import argparse
import sys

__all__ = ["_Parser", "_one_line"]


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors as one ``error:`` line and exit 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        sys.stderr.write(f"error: {message} (fix: see '{self.prog} --help')\n")
        raise SystemExit(2)


def _one_line(text: str) -> str:
    """Text from input files on one line, with control characters (terminal escapes) shown safely."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(text).replace("\n", " "))
