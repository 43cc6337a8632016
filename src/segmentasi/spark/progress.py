"""Progress of the Spark engine's stages: each stage's jobs run in their own job group, and a
thread reads Spark's status tracker twice a second, reporting the group's tasks done of those
started (a stage's later jobs add their tasks as they start)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from itertools import count

from pyspark import SparkContext

POLL_SECONDS = 0.5
STAGE_LABELS = {
    "validate": "validating every row",
    "driver_sample": "drawing the driver's sample",
    "encode": "encoding every row",
    "fit_kmeans": "K-Means over every row",
    "fit_kmedoids": "K-Medoids (CLARA) over every row",
    "silhouettes": "silhouettes against every row",
    "write_segments": "writing every customer's segments",
    "track_before": "placing the before table's customers",
    "track_after": "placing the after table's customers",
    "track_join": "joining the two periods by id",
    "track_movers": "gathering the movers",
    "track_drift": "counting the drift bins",
}
_groups = count()


@contextmanager
def stage_progress(
    context: SparkContext, stage: str, progress: Callable[[str, int, int], None]
) -> Iterator[None]:
    """Run the block with its Spark jobs in a job group of their own, reporting their tasks to
    `progress` as step "Spark <stage>: <label>" (done, total) until the block ends."""
    group = f"segmentasi-{stage}-{next(_groups)}"
    step = f"Spark {stage}: {STAGE_LABELS.get(stage, stage)}"
    context.setJobGroup(group, f"segmentasi: {STAGE_LABELS.get(stage, stage)}")
    stopped = threading.Event()

    def report() -> None:
        done, total = _tasks(context, group)
        progress(step, done, max(total, 1))

    def poll() -> None:
        while not stopped.wait(POLL_SECONDS):
            report()

    progress(step, 0, 1)
    watcher = threading.Thread(target=poll, name=f"progress of {group}", daemon=True)
    watcher.start()
    try:
        yield
    finally:
        stopped.set()
        watcher.join()
        context.setJobGroup("segmentasi", "segmentasi")
    progress(step, 1, 1)


def _tasks(context: SparkContext, group: str) -> tuple[int, int]:
    """The tasks done and in all of the group's jobs' stages so far."""
    tracker = context.statusTracker()
    done = total = 0
    for job in tracker.getJobIdsForGroup(group):
        info = tracker.getJobInfo(job)
        for stage_id in info.stageIds if info else ():
            stage = tracker.getStageInfo(stage_id)
            if stage is not None:
                done += stage.numCompletedTasks
                total += stage.numTasks
    return done, total
