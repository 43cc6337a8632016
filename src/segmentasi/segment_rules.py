"""A model's rules as people and databases use them: `SavedModel.rules()` gives a Rules.

rules.py fits the rules and proves which are exact; text/rules.py words them; sql.py writes
them, with the model's exact assignment, as one SQL query (sqlglot loads only then).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .rules import (
    DEFAULT_DIALECT,
    FAITHFUL_AGREEMENT,
    FAITHFUL_MIN_HELDOUT,
    TARGET_FIDELITY,
    Fidelity,
    Leaf,
    Placement,
    Surrogate,
    leaf_segments,
    proven_exact,
    rule_fills,
    rule_values,
)
from .text import check_language
from .text.narrative import fallback_name
from .text.rules import rule_sentence, rules_text

if TYPE_CHECKING:
    from .results import ExperimentResult


def experiment_rules(exp: ExperimentResult) -> Rules | None:
    """The rules of a run's experiment (its recommended model), None when it has none."""
    if exp.rules is None:
        return None
    algorithm = exp.sweep.recommended[0]
    placement = Placement.of_fit(exp.spaces[algorithm], exp.sweep.fits[exp.sweep.recommended])
    return Rules(exp.rules, placement, algorithm, texts_by_segment(exp.insights.names))


def texts_by_segment(texts: Mapping[str, Mapping[Any, str]]) -> dict[str, dict[int, str]]:
    """Texts by language and segment number (JSON keys are strings)."""
    return {str(lang): {int(s): str(t) for s, t in by.items()} for lang, by in texts.items()}


@dataclass(frozen=True, eq=False)
class Rules:
    """A model's rules: read them (`text`), run them (`sql`), apply them (`apply`), and how
    faithful they are (`fidelity`)."""

    surrogate: Surrogate
    placement: Placement
    algorithm: str
    names: Mapping[str, Mapping[int, str]] = field(default_factory=dict)  # lang -> segment

    @property
    def leaves(self) -> tuple[Leaf, ...]:
        return self.surrogate.leaves

    @property
    def fidelity(self) -> Fidelity:
        return self.surrogate.fidelity

    @cached_property
    def exact(self) -> tuple[bool, ...]:
        """Per rule, whether it is proven to give the model's segment (rules.py)."""
        return proven_exact(self.leaves, self.placement)

    def apply(self, table: pd.DataFrame) -> np.ndarray:
        """Each row's segment by the rules (1..k, 0 where none covers it) for a table typed by
        the schema (validate); rows the model would not place are not told apart here."""
        space = self.placement.space
        return leaf_segments(self.leaves, rule_values(space, table), space)

    def sql(
        self,
        dialect: str = DEFAULT_DIALECT,
        *,
        table: str = "customers",
        keep: list[str] | None = None,
        mode: str = "exact",
    ) -> str:
        """One query giving every row of `table` its segment as SavedModel.assign does (sql.py):
        `keep` columns carried through (default: the schema's id column, else the features);
        mode 'exact' uses the rules proven exact, 'faithful' the faithful ones too."""
        from .sql import rules_query

        return rules_query(self, dialect, table=table, keep=keep, mode=mode)

    def text(self, lang: str = "id") -> str:
        """The rules as numbered sentences, with their fidelity and what missing values count
        as (text/rules.py)."""
        check_language(lang)
        return rules_text(self, lang)

    def sentences(self, lang: str = "id") -> list[str]:
        """One sentence per rule."""
        check_language(lang)
        return [rule_sentence(self, leaf, lang) for leaf in self.leaves]

    def segment_name(self, segment: int, lang: str) -> str:
        return self.names.get(lang, {}).get(segment) or fallback_name(segment, lang)

    def to_dict(self) -> dict[str, Any]:
        """rules.json: the model, the rules (each with its agreement, whether it is faithful
        and whether it is proven exact), fidelity, and what missing values count as."""
        space = self.placement.space
        leaves = [
            leaf.to_dict()
            | {
                "agreement": leaf.agreement if leaf.heldout else None,
                "faithful": leaf.faithful,
                "exact": exact,
                "sentence": {lang: rule_sentence(self, leaf, lang) for lang in ("id", "en")},
            }
            for leaf, exact in zip(self.leaves, self.exact, strict=True)
        ]
        return {
            "experiment": space.experiment.name,
            "algorithm": self.algorithm,
            "k": self.placement.k,
            "metric": self.placement.metric,
            "leaves": leaves,
            "fidelity": self.fidelity.to_dict()
            | {
                "target": TARGET_FIDELITY,
                "by_segment": {
                    str(s): None if math.isnan(f) else f
                    for s, f in self.fidelity.by_segment.items()
                },
            },
            "faithful": {"agreement": FAITHFUL_AGREEMENT, "min_heldout": FAITHFUL_MIN_HELDOUT},
            "missing_counts_as": rule_fills(space),
            "set_aside": list(space.set_aside),
        }
