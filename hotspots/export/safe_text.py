"""Make text from input files inert where it is shown: spreadsheets (formula injection) and pictures.

A crime ``Location`` or a pub name such as ``=HYPERLINK("http://evil","click")`` would run as
a formula when a bid writer opens the CSV or XLSX in Excel. Cells that start with ``=``,
``+``, ``-``, ``@`` (or a tab/carriage return) get a leading apostrophe, the OWASP advice.
Numbers are never touched, so negative z-scores stay numbers.

In a matplotlib picture (the evidence pack's maps and charts) a control character from a file
is drawn as a missing-glyph box and a ``$...$`` is typeset as maths: :func:`figure_text` drops
the former and, for text that cannot turn maths off (a legend entry), escapes the dollars.
"""

from __future__ import annotations

import re

import pandas as pd

__all__ = ["neutralise", "neutralise_frame", "CONTROL_CHARACTERS", "figure_text"]

#: characters no document format should carry: C0/C1 controls (not tab, newline, carriage return),
#: lone surrogates and the non-characters U+FFFE/U+FFFF (XML forbids them; pictures draw boxes)
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]")

_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """Prefix a text cell that a spreadsheet would read as a formula."""
    if isinstance(value, str) and value.startswith(_TRIGGERS):
        return "'" + value
    return value


def neutralise_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` with every text column neutralised."""
    out = df.copy()
    for c in out.columns:
        s = out[c]
        if s.dtype == object or pd.api.types.is_string_dtype(s.dtype):
            out[c] = s.map(neutralise).astype(object)
    return out


def figure_text(value: object, *, math_off: bool = True) -> str:
    """``value`` as text for a matplotlib picture: control characters dropped, and where the
    caller cannot pass ``parse_math=False`` (``math_off`` False: legend entries) every ``$``
    escaped, so a name is drawn as written."""
    text = CONTROL_CHARACTERS.sub("", str(value))
    return text if math_off else text.replace("$", r"\$")
