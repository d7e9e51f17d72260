"""Weights as the permutation kernel needs them: esda's transforms on a CSR copy.

Split from :mod:`hotspots.stats.permutation`. ``w`` is our :class:`hotspots.stats.weights.Weights` or a
libpysal ``W``; the caller's object is never modified. Matrices are our
:class:`hotspots.stats.csr.CSR` (no scipy.sparse import), with scipy's arithmetic to the last bit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .csr import CSR

if TYPE_CHECKING:
    from libpysal.weights import W

__all__ = ["original", "row_standardise", "split_diagonal", "gstar_weights"]


def original(w: W) -> CSR:
    """The caller's original weights as a canonical CSR copy (the caller's W is not touched).

    esda transforms from the original ("O") weights, whatever transform ``w`` is in now.
    ``w`` is a libpysal ``W`` or our binary :class:`hotspots.stats.weights.Weights` (no libpysal import)."""
    from .weights import Weights

    if isinstance(w, Weights):
        return w.sparse.copy()
    from libpysal.weights import W

    if not isinstance(w, W):
        raise TypeError(f"w must be a libpysal.weights.W, not {type(w).__name__}")
    if w.transform.upper() != "O":
        w = W(w.neighbors, w.transformations["O"], id_order=w.id_order, silence_warnings=True)
    return CSR.from_any(w.sparse)


def row_standardise(a: CSR) -> CSR:
    """libpysal's "R": each weight divided by its row sum (islands stay empty)."""
    return a.with_data(a.data / np.repeat(a.row_sums(), np.diff(a.indptr)))


def split_diagonal(a: CSR) -> tuple[CSR, np.ndarray]:
    """esda's crand: self weights held fixed, the other non-zero weights shuffled."""
    rows = a.rows()
    keep = (a.indices != rows) & (a.data != 0)
    indptr = np.concatenate([[0], np.cumsum(np.bincount(rows[keep], minlength=a.n))])
    return CSR(a.data[keep], a.indices[keep], indptr, a.n), a.diagonal()


def gstar_weights(a: CSR) -> CSR:
    """``G_Local(star=True, transform="R")``: a zero diagonal gets each row's largest weight
    (1 for binary W; islands stay empty), then rows are standardised (``k + 1`` terms)."""
    if (a.diagonal() == 0).all():
        diag = a.row_max()
        ids = np.arange(a.n)
        a = CSR.from_pairs(a.n, np.concatenate([a.rows(), ids]), np.concatenate([a.indices, ids]),
                           np.concatenate([a.data, diag]))
        nz = a.data != 0  # islands: no self weight either (scipy's eliminate_zeros)
        if not nz.all():
            rows = a.rows()[nz]
            a = CSR(a.data[nz], a.indices[nz], np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=a.n))]),
                    a.n)
    return row_standardise(a)
