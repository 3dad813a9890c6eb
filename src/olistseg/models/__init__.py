"""Clustering models: preprocessing, candidates, honest metrics, selection.

Owns: the preprocessing, the candidate estimators, metrics as pure functions ``f(X, labels)``,
the selection rule and :data:`ARI_THRESHOLD`. May import: ``features`` and everything below.
"""

#: Two labelings of the same customers that agree at this Adjusted Rand Index or above are one
#: segmentation for a campaign team. The one bar for a candidate's bootstrap stability, the
#: stability simulation's cadence, a model's reproducibility across seeds, and ``monitor``.
ARI_THRESHOLD = 0.8
