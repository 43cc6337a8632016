"""The k rule's decision (sweep.KChoice) in words: sweep.json's English sentence and the
report's, in Bahasa Indonesia or English."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .numbers import pct, score, setting
from .report import ALGORITHMS, say

if TYPE_CHECKING:
    from ..sweep import KChoice


def sweep_reason(choice: KChoice) -> str:
    """Why the rule chose this k, as sweep.json records it (English)."""
    note = (
        (
            f" (no k keeps every segment above {choice.min_segment_share:.0%}; "
            "the size rule was set aside)"
        )
        if choice.size_rule_waived
        else ""
    )
    if choice.by == "knee":
        return (
            f"the elbow's knee k={choice.knee} is within {choice.tolerance} of the best "
            f"silhouette ({choice.best_silhouette:.3f}){note}"
        )
    knee = (
        "no knee was found" if choice.knee is None else f"the knee (k={choice.knee}) scores lower"
    )
    return f"best silhouette ({choice.best_silhouette:.3f}); {knee}{note}"


def report_reason(choice: KChoice, algorithm: str, lang: str) -> str:
    """Why the rule chose this k for `algorithm`, as the report says it in `lang`."""
    said = {
        "algorithm": ALGORITHMS[algorithm],
        "k": choice.k,
        "best": score(choice.best_silhouette, lang),
    }
    if choice.by == "knee":
        text = say("reason_knee", lang, tolerance=setting(choice.tolerance, lang), **said)
    else:
        knee = (
            say("reason_no_knee", lang)
            if choice.knee is None
            else say("reason_knee_lower", lang, knee=choice.knee)
        )
        text = say("reason_best", lang, knee=knee, **said)
    if choice.size_rule_waived:
        text += say("reason_size_waived", lang, min_share=pct(choice.min_segment_share, lang))
    return text
