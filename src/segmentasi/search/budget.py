"""The time one experiment's search may take, and the progress it reports."""

from __future__ import annotations

import time
from collections.abc import Callable

Progress = Callable[[str, int, int], None]
SCREENING_SHARE = 0.6  # screening stops at this share of the time, leaving the rest to verify


class Budget:
    """Seconds one experiment's search may take, counted from its creation."""

    def __init__(self, name: str, seconds: float, progress: Progress | None) -> None:
        self.started = time.perf_counter()
        self.name, self.seconds, self.progress = name, seconds, progress

    def elapsed(self) -> float:
        return time.perf_counter() - self.started

    def screening_over(self) -> bool:
        return self.elapsed() > SCREENING_SHARE * self.seconds

    def over(self) -> bool:
        return self.elapsed() > self.seconds

    def tick(self, stage: str) -> None:
        """Report the stage reached, and the seconds used out of the budget."""
        if self.progress:
            total = max(1, round(self.seconds))
            self.progress(f"{self.name}: {stage}", min(round(self.elapsed()), total), total)
