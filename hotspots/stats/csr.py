"""A minimal compressed-sparse-row matrix for spatial weights, without importing scipy.sparse.

Importing ``scipy.sparse`` costs about 0.1 s in a fresh process (it pulls in scipy's array-API
layer, ``numpy.f2py`` and ``unittest``): a tenth of a whole county analysis. The statistics
need only a handful of operations on a weights matrix (row sums, the diagonal, matrix times
vector), which NumPy does directly. Products sum each row's terms in index order, as
scipy's ``csr_matvec`` does, so results are bit-identical to scipy's; the tests pin that.
Big matrix-times-matrix products (the global Moran permutations of a national study) hand
over to scipy, whose import is then noise.
"""

from __future__ import annotations

import numpy as np

__all__ = ["CSR"]

#: stored entries above which a matrix-matrix product is handed to scipy.sparse (a national study)
_SCIPY_MATMAT = 50_000


class CSR:
    """Square CSR matrix: ``data``, ``indices`` and ``indptr`` as in scipy, rows sorted by column."""

    __slots__ = ("data", "indices", "indptr", "n")

    def __init__(self, data: np.ndarray, indices: np.ndarray, indptr: np.ndarray, n: int) -> None:
        self.data = np.asarray(data, dtype=np.float64)
        self.indices = np.asarray(indices, dtype=np.int64)
        self.indptr = np.asarray(indptr, dtype=np.int64)
        self.n = int(n)

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_pairs(cls, n: int, i: np.ndarray, j: np.ndarray, data: np.ndarray | None = None,
                   *, binary: bool = False) -> CSR:
        """From (row, column[, value]) triples; duplicates are summed (or set to 1 if ``binary``)."""
        i = np.asarray(i, dtype=np.int64)
        j = np.asarray(j, dtype=np.int64)
        v = np.ones(len(i)) if data is None else np.asarray(data, dtype=np.float64)
        key = i * max(n, 1) + j
        uniq, inv = np.unique(key, return_inverse=True)
        vals = np.ones(len(uniq)) if binary else np.bincount(inv.ravel(), weights=v, minlength=len(uniq))
        rows = uniq // max(n, 1)
        indptr = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=n))])
        return cls(vals, uniq % max(n, 1), indptr, n)

    @classmethod
    def from_any(cls, m) -> CSR:
        """A canonical float64 copy of a CSR or a scipy sparse matrix (duplicates summed, sorted)."""
        if isinstance(m, CSR):
            return m.copy()
        coo = m.tocoo()
        return cls.from_pairs(m.shape[0], coo.row, coo.col, coo.data)

    def copy(self) -> CSR:
        return CSR(self.data.copy(), self.indices.copy(), self.indptr.copy(), self.n)

    # ------------------------------------------------------------------ shape and parts
    @property
    def shape(self) -> tuple[int, int]:
        return self.n, self.n

    @property
    def nnz(self) -> int:
        return int(len(self.data))

    def rows(self) -> np.ndarray:
        """Row index of every stored entry."""
        return np.repeat(np.arange(self.n), np.diff(self.indptr))

    def row_sums(self) -> np.ndarray:
        """As scipy's ``sum(axis=1)`` (``np.add.reduceat`` over the rows), to the last bit."""
        out = np.zeros(self.n)
        full = np.diff(self.indptr) > 0
        if full.any():
            out[full] = np.add.reduceat(self.data, self.indptr[:-1][full])
        return out

    def col_sums(self) -> np.ndarray:
        return np.bincount(self.indices, weights=self.data, minlength=self.n)

    def row_max(self) -> np.ndarray:
        out = np.zeros(self.n)
        full = np.diff(self.indptr) > 0
        if full.any():
            out[full] = np.maximum.reduceat(self.data, self.indptr[:-1][full])
        return out

    def diagonal(self) -> np.ndarray:
        rows = self.rows()
        d = np.zeros(self.n)
        on = self.indices == rows
        d[rows[on]] = self.data[on]
        return d

    def with_data(self, data: np.ndarray) -> CSR:
        """Same pattern, new values."""
        return CSR(data, self.indices.copy(), self.indptr.copy(), self.n)

    def transpose(self) -> CSR:
        return CSR.from_pairs(self.n, self.indices, self.rows(), self.data)

    def toarray(self) -> np.ndarray:
        out = np.zeros((self.n, self.n))
        out[self.rows(), self.indices] = self.data
        return out

    def to_scipy(self):
        from scipy import sparse

        return sparse.csr_matrix((self.data, self.indices, self.indptr), shape=self.shape)

    # ------------------------------------------------------------------ products
    def _reduce_rows(self, values: np.ndarray) -> np.ndarray:
        """Per-row sums of per-entry ``values`` (1-D or 2-D), 0 for empty rows.

        Each row is summed left to right from zero, exactly as scipy's ``csr_matvec`` loop
        does (NumPy's own reductions sum pairwise, which rounds differently): entries are laid
        out in a zero-padded (rows x longest row) array and the columns added one by one."""
        lengths = np.diff(self.indptr)
        width = int(lengths.max()) if self.n and len(lengths) else 0
        out = np.zeros((self.n,) + values.shape[1:])
        if width == 0:
            return out
        padded = np.zeros((self.n, width) + values.shape[1:])
        padded[np.arange(width) < lengths[:, None]] = values
        for c in range(width):
            out += padded[:, c]
        return out

    def __matmul__(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=np.float64)
        if x.ndim == 2 and self.nnz > _SCIPY_MATMAT:
            return self.to_scipy() @ x
        w = self.data if x.ndim == 1 else self.data[:, None]
        return self._reduce_rows(w * x[self.indices])
