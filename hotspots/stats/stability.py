"""How much a map could move with other random numbers: Monte Carlo error of pseudo p-values.

A pseudo p-value from ``P`` permutations estimates the exact permutation p-value with binomial
error. For a two-sided p reported as ``2 x`` the directed one, the standard error at a cut-off
``c`` is ``se(c, P) = 2 sqrt(c/2 (1 - c/2) / P)`` (Davison and Hinkley 1997, ch. 4). A site whose
p lies within ``2 se`` of its cut-off could come out on the other side with another seed (or
another row order, under esda's draws); the count of such sites is how many labels are down to
luck. Reported in ``summary.json`` and the XLSX About sheet.
"""

from __future__ import annotations

import numpy as np

__all__ = ["mc_se", "near_cutoff", "stability_report"]


def mc_se(c: float | np.ndarray, perms: float | np.ndarray) -> np.ndarray:
    """Monte Carlo standard error of a two-sided pseudo p-value near ``c`` after ``perms`` draws."""
    q = np.asarray(c, float) / 2.0
    return 2.0 * np.sqrt(q * (1.0 - q) / np.maximum(np.asarray(perms, float), 1.0))


def near_cutoff(count: np.ndarray, perms: np.ndarray, cuts, z: float) -> np.ndarray:
    """Sites whose directed tail count is within ``z`` binomial sd of any two-sided cut-off.

    Judged on the raw proportion ``count / P`` against ``c / 2`` with the sd at the cut-off,
    so a site with no extreme draw yet stays undecided until ``P`` is large enough to tell it
    from a cut-off as small as ``c`` (about ``z^2 / (c / 2)`` draws)."""
    count = np.asarray(count, float)
    perms = np.maximum(np.asarray(perms, float), 1.0)
    out = np.zeros(len(count), bool)
    for c in cuts:
        q = float(c) / 2.0
        if q <= 0:
            continue
        out |= np.abs(count / perms - q) < z * np.sqrt(q * (1.0 - q) / perms)
    return out


def stability_report(tests: dict[str, tuple[np.ndarray, list[float]]], perms: np.ndarray, *,
                     draws: str, base: int, alpha: float, z: float = 2.0) -> dict:
    """Monte Carlo error summary for ``summary.json``.

    Parameters
    ----------
    tests : name -> (two-sided p per site, its cut-offs), e.g. ``{"lisa": (lisa_p, [0.05])}``
    perms : draws each site got
    draws : the draws mode ("stable", "esda", "fast")
    base : the permutations every site got at least
    alpha : the LISA significance level

    Returns
    -------
    dict with ``mc_se_at_alpha`` (at ``base`` draws and at the most any site got), the
    permutation counts, and per test the number of sites within ``z`` standard errors of a
    cut-off (``<test>_within_2se``): labels that another seed could change.
    """
    perms = np.asarray(perms, float)
    out: dict = {
        "draws": draws,
        "mc_se_at_alpha": round(float(mc_se(alpha, base)), 5),
        "mc_se_at_alpha_most_permutations": round(float(mc_se(alpha, perms.max())), 5),
        "permutations_min": int(perms.min()),
        "permutations_median": int(np.median(perms)),
        "permutations_max": int(perms.max()),
        "sites_given_more_permutations": int((perms > base).sum()),
    }
    for name, (p, cuts) in tests.items():
        p = np.asarray(p, float)
        near = np.zeros(len(p), bool)
        for c in cuts:
            if c > 0:
                near |= np.abs(p - c) < z * mc_se(c, perms)
        out[f"{name}_within_{z:g}se"] = int(near.sum())
    return out
