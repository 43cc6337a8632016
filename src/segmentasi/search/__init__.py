"""`segmentasi search`: the best segmentation that is really there, under guardrails, and a plain
answer to whether a silhouette target is reachable.

Configuration space of an experiment: a subset of its features (at least `min_features`), a
scaling scheme for its numeric and ordinal columns (as the schema says, standard, robust, log for
right-skewed amounts, or none = raw units), an encoding (standard or Gower), an algorithm with its
distance (K-Means euclidean; K-Medoids euclidean or manhattan on the standard encoding, manhattan
on Gower's), and k.

Guardrails (`Guardrails`) exclude what is not a segmentation: a segment under 5% of customers, k
outside 3..8, too few features, labels that change under resampling (mean ARI < 0.8), and labels
that are a cross-tabulation in disguise (`explain_by_columns`, `Explanation.is_degenerate`): the
levels of one column score a perfect silhouette and say nothing. That is: the cells of at most
three low-cardinality columns, or a depth-4 decision tree on one or two raw columns, give 95% of
customers their segment while the segments explain under 25% of the variance of the other
features; or give 80% of them and, as a plain cross-tab or rule, score at least the same
silhouette; or 80% of customers are identical to their segment's most common member (segments
that list value combinations). Real, well separated clusters are given by one column too, but
they also differ in the other columns, so they pass.

Information kept (the other axis of the Pareto front) is the share of the variance of the
experiment's reference space that lies between segments, R^2 = 1 - within / total sum of squares.
The reference space is the experiment's own standard encoding of ALL its features (the matrix
`segmentasi run` gives K-Means), whatever features, scaling or encoding a candidate clustered on.
So it is comparable across candidates, is 0 when the segments say nothing about the experiment's
columns, and grows only as segments separate customers on those columns: segments built on two of
ten columns explain at most those two columns' share. (The share of features used is reported too.)

How it runs, per experiment, within the time budget:
1. Screen on a seeded sample of rows: a beam search over feature subsets (every subset when there
   are few) for each scaling, with K-Means; then the K-Medoids variants on the best subsets.
   Every k in the guardrails' range is fitted with the sweep's own `fit_sweep`.
2. Verify the candidates that matter (the best guarded ones, the screened Pareto front and the best
   excluded ones) on every row, by running exactly what `segmentasi run --config` runs; every
   silhouette reported comes from this step, computed in the configuration's own space.
3. Conclude: the best guarded configuration, the Pareto front, and the plain verdict.
The search is a heuristic: "not reachable" means no configuration it tried reached the target under
the guardrails, and the output says how many it tried and why the target is out of reach.

Modules, by job, each importing only those before it: budget (time), measures (information
kept, Pareto front), options (SearchOptions, the methods and scalings), guardrails (Guardrails,
the thresholds), explanation (the disguised cross-tab, rule or listing), data (rows, sample,
reference space), space (the configurations), screening (1), verification (2), verdict (3),
results (what was found), folder (the search folder written), runner (`search_configurations`:
each experiment within the shared budget).
"""

from .explanation import Explanation, explain_by_columns
from .folder import write_search_folder
from .guardrails import Guardrails
from .measures import information_kept, pareto_front
from .options import SearchOptions
from .results import ExperimentSearch, SearchRun
from .runner import search_configurations
from .verification import Evaluation

__all__ = [
    "Evaluation",
    "ExperimentSearch",
    "Explanation",
    "Guardrails",
    "SearchOptions",
    "SearchRun",
    "explain_by_columns",
    "information_kept",
    "pareto_front",
    "search_configurations",
    "write_search_folder",
]
