"""Spatial statistics: weights, local statistics (LISA, Gi*, bivariate, EB rate), global Moran,
FDR, and the permutation kernel that reproduces esda's answers without numba.

The public face is small; the kernel's helpers stay private to their modules.
"""

from .fdr import fdr_threshold
from .global_moran import global_moran
from .local import QUAD_LABELS, ClusterResult, analyse_clusters, bivariate_lisa, rate_values
from .weights import Weights, WeightsInfo, build_weights, parse_weights_spec

__all__ = ["ClusterResult", "QUAD_LABELS", "Weights", "WeightsInfo", "analyse_clusters", "bivariate_lisa",
           "build_weights", "fdr_threshold", "global_moran", "parse_weights_spec", "rate_values"]
