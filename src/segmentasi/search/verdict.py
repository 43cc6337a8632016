"""The plain answer for one experiment: whether the target is reachable under the guardrails,
and the reasons, in words."""

from __future__ import annotations

from collections import Counter

import numpy as np

from ..diagnostics import describe_hopkins, hopkins
from .data import ExperimentData
from .guardrails import FAILURE_WORDS
from .screening import Screening
from .verification import Evaluation


def hopkins_figures(data: ExperimentData, best: Evaluation | None, seed: int) -> dict[str, float]:
    """Hopkins of the experiment's reference space and the best space, on the screen rows."""
    rows = data.screen_rows
    values = {
        "experiment_permuted": hopkins(
            data.reference[rows], 200, seed, reference="permuted", groups=data.reference_groups
        ),
        "experiment_uniform": hopkins(data.reference[rows], 200, seed),
        "experiment_distinct_rows": len(np.unique(data.reference[rows], axis=0)),
        "sample_rows": len(rows),
    }
    if best is not None:
        metric = best.config.metric
        values["best_permuted"] = hopkins(
            best.space[rows], 200, seed, metric=metric, reference="permuted", groups=best.groups
        )
        values["best_uniform"] = hopkins(best.space[rows], 200, seed, metric=metric)
    return values


def plain_verdict(
    *,
    data: ExperimentData,
    target: float,
    screening: Screening,
    verified: list[Evaluation],
    verified_points: set[int],
    best: Evaluation | None,
    closest: Evaluation | None,
    reachable: bool,
    hopkins_values: dict[str, float],
    complete: bool,
) -> tuple[str, list[str]]:
    """The verdict and its reasons (`verified_points`: id() of the screened points verified)."""
    name = data.experiment.name
    tried = (
        f"{len(screening.all_points())} (configuration, k) pairs screened on "
        f"{len(data.screen_rows):,} rows, {len(verified)} verified on all "
        f"{len(data.used):,} rows"
    )
    if not complete:
        tried += "; the time budget ended the search early"
    shown = best or closest
    reasons = []
    if shown is not None and shown.null_silhouette is not None:
        reasons.append(
            f"The same method on the same columns shuffled independently (no structure at "
            f"all) scores {shown.null_silhouette:.3f} against {shown.silhouette:.3f} for "
            f"{shown.id} ({shown.silhouette - shown.null_silhouette:+.3f})."
        )
    if shown is not None:
        reasons.append(f"What {shown.id} is closest to: {shown.explanation.describe()}.")
    if reachable and best is not None:
        verdict = (
            f"{name}: the target silhouette {target} IS reachable under the guardrails: "
            f"{best.silhouette:.3f} with {_describe_config(best)}."
        )
        return verdict, [*reasons, tried]
    if best is None:
        verdict = (
            f"{name}: the target silhouette {target} is NOT reachable: no configuration "
            "passed the guardrails."
        )
        if closest is not None:
            verdict += (
                f" Closest: {closest.silhouette:.3f} with {_describe_config(closest)},"
                f" which breaks: {'; '.join(closest.failures)}."
            )
    else:
        verdict = (
            f"{name}: the target silhouette {target} is NOT reachable under the "
            f"guardrails. Best found: {best.silhouette:.3f} with "
            f"{_describe_config(best)}."
        )
    hopkins_text = describe_hopkins(
        hopkins_values["experiment_permuted"],
        hopkins_values["experiment_uniform"],
        int(hopkins_values["experiment_distinct_rows"]),
        int(hopkins_values["sample_rows"]),
    )
    reasons.append(f"The experiment's full feature space: {hopkins_text}")
    above = [e for e in verified if not e.guarded and e.silhouette >= target]
    for evaluation in above:
        reasons.append(
            f"Reaches {evaluation.silhouette:.3f} but {evaluation.failures[0]} "
            f"({_describe_config(evaluation)}; {evaluation.id})."
        )
    reasons.append(_screened_above(screening, verified_points, data, target))
    broken = Counter(kind for e in verified for kind in e.failure_kinds)
    if broken:
        tally = "; ".join(f"{FAILURE_WORDS[kind]}: {count}" for kind, count in broken.most_common())
        reasons.append(
            f"Of the {len(verified)} configurations verified on all rows, "
            f"{sum(e.guarded for e in verified)} pass the guardrails; the "
            f"others break ({tally})."
        )
    reasons.append(tried)
    return verdict, reasons


def _screened_above(
    screening: Screening, verified_points: set[int], data: ExperimentData, target: float
) -> str:
    """What became of the screened pairs that reached the target on the sample."""
    points = screening.all_points()
    above = [p for p in points if p.silhouette >= target]
    if not above:
        best = max((p.silhouette for p in points), default=float("nan"))
        return (
            f"No screened configuration reached {target} on the sample even without "
            f"the guardrails (best: {best:.3f})."
        )
    failing = Counter(f for p in above for f in screening.failures(p)[:1])
    passing = [p for p in above if not screening.failures(p)]
    unverified = sum(id(p) not in verified_points for p in passing)
    words = "; ".join(f"{FAILURE_WORDS[kind]}: {count}" for kind, count in failing.most_common())
    text = (
        f"{len(above)} screened (configuration, k) pairs reached {target} on the "
        f"{len(data.screen_rows):,}-row sample; {sum(failing.values())} of them break a "
        f"guardrail there ({words or 'none'})"
    )
    if passing:
        text += f"; the other {len(passing) - unverified} were verified on all rows (see above)"
        if unverified:
            text += f" and {unverified} could not be verified within the time budget"
    return text + "."


def _describe_config(evaluation: Evaluation) -> str:
    """Algorithm, k, distance, encoding, scaling and features, in words."""
    config = evaluation.config
    scales = {s for s in config.scales.values()}
    scaling = f"{'/'.join(sorted(scales))} scaling" if scales else "no scaled columns"
    return (
        f"{config.algorithms[0]} k={evaluation.k}, {config.metric}, {config.encoding} "
        f"encoding, {scaling}, on {', '.join(config.features)}"
    )
