"""Defaults of `segmentasi search` that the command line shows without loading the search."""

TIME_BUDGET = 480.0  # seconds for all experiments together
MIN_SEGMENT_SHARE = 0.05
K_MIN = 3
K_MAX = 8
MIN_FEATURES = 3
MIN_STABILITY = 0.8  # mean ARI under resampling
