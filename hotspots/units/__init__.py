"""Units of analysis: the areal units (LSOAs, micro-place grid cells) that counts, statistics
and zones work on, with their geometry, neighbours and point placement."""
