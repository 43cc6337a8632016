"""Result types: a run's options as its manifest records them; results that cannot change."""

from __future__ import annotations

import dataclasses
import pickle
from types import MappingProxyType

import pytest

import segmentasi
from segmentasi.quality import Handling
from segmentasi.results import RunOptions, RunResult
from segmentasi.sweep import SweepOptions

OPTIONS = SweepOptions(ks=(2, 3), stability_runs=0)


@pytest.fixture(scope="module")
def result(schema, synthetic) -> RunResult:
    return segmentasi.run(
        synthetic, schema=schema, experiments=["demografi"], options=OPTIONS, diagnose=False
    )


def test_run_options_give_the_record_runs_have_always_written():
    options = RunOptions(
        ("produk", "demografi"),
        "Area == 'Jakarta'",
        Handling(missing="drop"),
        OPTIONS,
        True,
        "en",
        3,
    )
    recorded = options.to_dict()
    assert recorded == {
        "experiments": ["produk", "demografi"],
        "where": "Area == 'Jakarta'",
        "handling": {"missing": "drop", "duplicate_ids": "keep"},
        "sweep": dataclasses.asdict(OPTIONS),
        "allow_extra_columns": True,
        "lang": "en",
        "workers": 3,
    }
    assert list(recorded) == [
        "experiments",
        "where",
        "handling",
        "sweep",
        "allow_extra_columns",
        "lang",
        "workers",
    ]


def test_a_run_records_what_it_was_asked(result):
    assert result.options == RunOptions(("demografi",), sweep=OPTIONS, workers=1)


def test_a_run_result_cannot_be_changed(result):
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.timings = {}
    exp = result.experiments["demografi"]
    for mapping in (
        result.experiments,
        result.timings,
        result.source,
        result.report_sections,
        exp.spaces,
        exp.alternatives,
    ):
        with pytest.raises(TypeError):
            mapping["added"] = None
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.options.lang = "en"


def test_a_run_result_keeps_its_own_copy_of_what_it_was_given(result):
    timings = {"validate_s": 1.0}
    made = RunResult(result.schema, result.table, result.quality, {}, result.options, timings)
    timings["validate_s"] = 2.0
    assert made.timings == {"validate_s": 1.0}


def test_a_run_result_pickles_for_the_workers_and_stays_read_only(result):
    again = pickle.loads(pickle.dumps(result))
    assert isinstance(again.timings, MappingProxyType)
    assert isinstance(again.experiments["demografi"].spaces, MappingProxyType)
    assert again.timings == result.timings and again.options == result.options
    assert (again.experiments["demografi"].labels == result.experiments["demografi"].labels).all()
