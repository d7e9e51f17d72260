"""Weights as the permutation kernel needs them: esda's transforms on a CSR copy.

Split from :mod:`hotspots.permutation`. ``w`` is our :class:`hotspots.weights.Weights` or a
libpysal ``W``; the caller's object is never modified.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from scipy import sparse

if TYPE_CHECKING:
    from libpysal.weights import W

__all__ = ["original", "row_standardise", "split_diagonal", "gstar_weights"]


def original(w: W) -> sparse.csr_matrix:
    """The caller's original weights as a canonical CSR copy (the caller's W is not touched).

    esda transforms from the original ("O") weights, whatever transform ``w`` is in now.
    ``w`` is a libpysal ``W`` or our binary :class:`hotspots.weights.Weights` (no libpysal import)."""
    from .weights import Weights

    if isinstance(w, Weights):
        a = sparse.csr_matrix(w.sparse, dtype=np.float64, copy=True)
        a.sort_indices()
        return a
    from libpysal.weights import W

    if not isinstance(w, W):
        raise TypeError(f"w must be a libpysal.weights.W, not {type(w).__name__}")
    if w.transform.upper() != "O":
        w = W(w.neighbors, w.transformations["O"], id_order=w.id_order, silence_warnings=True)
    a = sparse.csr_matrix(w.sparse, dtype=np.float64, copy=True)
    a.sum_duplicates()
    a.sort_indices()
    return a


def row_standardise(a: sparse.csr_matrix) -> sparse.csr_matrix:
    """libpysal's "R": each weight divided by its row sum (islands stay empty)."""
    a = a.copy()
    a.data = a.data / np.repeat(np.asarray(a.sum(axis=1)).ravel(), np.diff(a.indptr))
    return a


def split_diagonal(a: sparse.csr_matrix) -> tuple[sparse.csr_matrix, np.ndarray]:
    """esda's crand: self weights held fixed, the other non-zero weights shuffled."""
    n = a.shape[0]
    rows = np.repeat(np.arange(n), np.diff(a.indptr))
    keep = (a.indices != rows) & (a.data != 0)
    indptr = np.concatenate([[0], np.cumsum(np.bincount(rows[keep], minlength=n))])
    off = sparse.csr_matrix((a.data[keep], a.indices[keep], indptr), shape=a.shape)
    return off, a.diagonal()


def gstar_weights(a: sparse.csr_matrix) -> sparse.csr_matrix:
    """``G_Local(star=True, transform="R")``: a zero diagonal gets each row's largest weight
    (1 for binary W; islands stay empty), then rows are standardised (``k + 1`` terms)."""
    if (a.diagonal() == 0).all():
        a = (a + sparse.diags(a.max(axis=1).toarray().ravel())).tocsr()
        a.eliminate_zeros()
        a.sort_indices()
    return row_standardise(a)
