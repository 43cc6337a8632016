"""The guardrails: what a configuration must satisfy to count as a segmentation."""

from __future__ import annotations

from dataclasses import dataclass

from .. import search_defaults as default
from ..errors import InputError
from ..sweep import MAX_K

FAILURE_WORDS = {
    "small segment": "a segment under the minimum share",
    "k": "k outside the range",
    "features": "too few features",
    "unstable": "unstable under resampling",
    "cross-tabulation": "a cross-tabulation of a few columns",
    "rule": "a simple rule on one or two columns",
    "combinations": "a listing of value combinations",
}


@dataclass(frozen=True)
class Guardrails:
    """What a configuration must satisfy to count as a segmentation."""

    min_segment_share: float = default.MIN_SEGMENT_SHARE
    k_min: int = default.K_MIN
    k_max: int = default.K_MAX
    min_features: int = default.MIN_FEATURES
    min_stability: float = default.MIN_STABILITY
    max_crosstab_columns: int = 3  # cells of this many low-cardinality columns: a cross-tab
    max_rule_columns: int = 2  # a shallow decision tree on this many raw columns: a rule
    rule_accuracy: float = 0.95  # "reproduced": that share of customers gets its own segment
    max_identical_share: float = 0.8  # more customers identical to their segment's typical one
    # than this, and the segments list value combinations rather than group similar customers
    disguise_accuracy: float = 0.8  # a cross-tab or rule giving this share of customers their
    # segment, and scoring a silhouette at least as high by itself, is what the clustering is
    max_others_explained: float = 0.25  # a cross-tab or rule whose segments explain less of the
    # variance of the configuration's other features than this is only a cross-tab or rule
    max_levels: int = 12  # a column with at most this many distinct values is low-cardinality

    def __post_init__(self) -> None:
        if not 0 <= self.min_segment_share < 0.5:
            raise InputError("the minimum segment share must be in [0, 0.5)")
        if not 2 <= self.k_min <= self.k_max <= MAX_K:
            raise InputError(f"need 2 <= k_min <= k_max <= {MAX_K}, got {self.k_min}..{self.k_max}")
        if self.min_features < 1:
            raise InputError("the minimum number of features must be at least 1")
        if not -1 <= self.min_stability <= 1:
            raise InputError("the minimum stability (mean ARI) must be in [-1, 1]")
        if not 0.5 < self.rule_accuracy <= 1 or not 0.5 < self.max_identical_share <= 1:
            raise InputError("the rule accuracy and identical share must be in (0.5, 1]")
