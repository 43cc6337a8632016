"""Tracking two periods (track.py) against second periods with planted changes (period_shift.py),
the tracking folder and page, and the `track` and `synth --period-shift` commands."""

from __future__ import annotations

import json
import math
import string
import sys
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

import segmentasi
from segmentasi import InputError
from segmentasi.cli import main
from segmentasi.model import SavedModel
from segmentasi.period_shift import Drift, parse_amount, parse_moves
from segmentasi.report.tracking import render_tracking
from segmentasi.schema import schema_from_dict
from segmentasi.text import LANGUAGES
from segmentasi.text import tracking as words
from segmentasi.text.numbers import money
from segmentasi.track import band, decide, psi
from segmentasi.tracking_folder import transitions_table

from .conftest import make_other_bank

MOVES = {(1, 2): 0.05, (3, 1): 20, (2, 3): 0.04}


def fitted(table: pd.DataFrame, schema, experiment: str, k: int) -> SavedModel:
    options = segmentasi.SweepOptions(ks=(k,), algorithms=("kmeans",), stability_runs=0)
    result = segmentasi.run(table, schema=schema, experiments=[experiment], options=options)
    return SavedModel.from_run(result, experiment)


@pytest.fixture(scope="module")
def january(schema) -> pd.DataFrame:
    """1,500 synthetic customers with ids of their own (synthesize repeats some, as banks do)."""
    table = segmentasi.synthesize(schema, rows=1500, seed=11)
    table[schema.id_column.name] = [f"C{i:05d}" for i in range(len(table))]
    return table


@pytest.fixture(scope="module")
def model(schema, january) -> SavedModel:
    return fitted(january.head(800), schema, "demografi", 3)


@pytest.fixture(scope="module")
def planted(january, model):
    """Moves, churn, new customers and drift of a column the model does not use."""
    return segmentasi.period_shift(
        january,
        model,
        moves=MOVES,
        left=0.03,
        joined=0.02,
        drift={"Produk_Deposito": "1+70%"},
        seed=7,
    )


@pytest.fixture(scope="module")
def tracked(model, january, planted):
    return segmentasi.track(model, january, planted.table)


def test_tracked_matrix_equals_the_planted_one(planted, tracked):
    assert planted.exact
    pd.testing.assert_frame_equal(tracked.transitions, planted.transitions)
    counts = tracked.transitions
    assert counts.loc["joined"].sum() == len(planted.joined) == 30
    assert counts["left"].sum() == len(planted.left) == 45
    assert tracked.customers["moved"] == len(planted.moved)


def test_movers_are_the_planted_ones_with_their_segments(planted, tracked, schema):
    id_name = schema.id_column.name
    columns = [id_name, "from_segment", "to_segment"]
    found = tracked.movers[columns].sort_values(id_name, ignore_index=True)
    wanted = planted.moved[columns].sort_values(id_name, ignore_index=True)
    pd.testing.assert_frame_equal(found, wanted, check_dtype=False)
    sizes = planted.moved.groupby(["from_segment", "to_segment"]).size().to_dict()
    members = tracked.transitions.sum(axis=1)
    assert sizes == {(1, 2): round(0.05 * members[1]), (3, 1): 20, (2, 3): round(0.04 * members[2])}


def test_flows_add_up_per_segment(tracked):
    flows = tracked.flows
    assert (flows.net == flows.after - flows.before).all()
    assert (flows.inflow == flows.from_segments + flows.from_not_placed + flows.joined).all()
    assert (flows.outflow == flows.to_segments + flows.to_not_placed + flows.left).all()
    counts = tracked.transitions
    assert flows.before.tolist() == counts.loc[[1, 2, 3]].sum(axis=1).tolist()
    assert flows.after.tolist() == counts[[1, 2, 3]].sum(axis=0).tolist()


def test_shares_are_row_shares(tracked):
    counts = tracked.transitions
    assert tracked.shares.loc[1, 2] == counts.loc[1, 2] / counts.loc[1].sum()
    np.testing.assert_allclose(tracked.shares.loc[[1, 2, 3]].sum(axis=1), 1.0)


def test_drift_on_a_column_the_model_does_not_use_is_a_note_and_the_model_is_kept(tracked):
    drift = tracked.drift.set_index("column")
    assert drift.loc["Produk_Deposito", "band"] == "shift"
    assert not drift.loc["Produk_Deposito", "model_feature"]
    features = drift[drift.model_feature & (drift.kind != "segments")]
    assert (features.band == "stable").all()
    assert drift.loc["segment", "band"] == "stable"
    assert tracked.verdict == "keep"
    first = tracked.reasons[0]
    assert (first.kind, first.level, first.column) == ("column", "note", "Produk_Deposito")


@pytest.mark.parametrize(
    ("change", "column", "expected", "verdict"),
    [
        ({"Pendapatan_Tahunan": "*1.2"}, "Pendapatan_Tahunan", "watch", "watch"),
        ({"Usia": "+1sd"}, "Usia", "shift", "refit"),
    ],
)
def test_drift_of_a_feature_gives_its_band_and_the_verdict_follows(
    january, model, change, column, expected, verdict
):
    shifted = segmentasi.period_shift(january, model, moves=MOVES, drift=change, seed=3)
    found = segmentasi.track(model, january, shifted.table)
    assert not shifted.exact  # the drift moved customers too: the record assigned them
    pd.testing.assert_frame_equal(found.transitions, shifted.transitions)
    drift = found.drift.set_index("column")
    assert drift.loc[column, "band"] == expected
    others = drift.drop(index=[column, "segment"])
    assert (others.band == "stable").all()
    assert found.verdict == verdict
    assert (found.reasons[0].kind, found.reasons[0].column) == ("feature", column)


def test_the_same_seed_plants_the_same_period_and_another_seed_another(january, model, planted):
    again = segmentasi.period_shift(
        january,
        model,
        moves=MOVES,
        left=0.03,
        joined=0.02,
        drift={"Produk_Deposito": "1+70%"},
        seed=7,
    )
    pd.testing.assert_frame_equal(again.table, planted.table)
    assert again.to_dict() == planted.to_dict()
    other = segmentasi.period_shift(january, model, moves=MOVES, left=0.03, seed=8)
    assert set(other.left) != set(planted.left)


def test_psi_of_known_counts():
    assert psi(np.array([50, 50]), np.array([25, 75])) == pytest.approx(
        -0.25 * math.log(0.5) + 0.25 * math.log(1.5)
    )
    # an empty bin counts as PSI_EPSILON
    assert psi(np.array([100, 0]), np.array([90, 10])) == pytest.approx(
        -0.1 * math.log(0.9) + (0.1 - 1e-4) * math.log(0.1 / 1e-4)
    )
    assert psi(np.array([3, 0, 7]), np.array([30, 0, 70])) == 0.0


def test_bands_and_the_verdict_rule():
    assert [band(v) for v in (0.0, 0.0999, 0.1, 0.25, 0.2501)] == [
        "stable",
        "stable",
        "watch",
        "watch",
        "shift",
    ]

    def drift(*rows):
        return pd.DataFrame(rows, columns=["column", "kind", "model_feature", "psi", "band"])

    calm = ("segment", "segments", True, 0.01, "stable")
    assert decide(drift(calm, ("x", "numeric", False, 0.9, "shift")), 0.1, 0.1)[0] == "keep"
    assert decide(drift(calm, ("x", "numeric", True, 0.2, "watch")), 0.1, 0.1)[0] == "watch"
    assert decide(drift(("segment", "segments", True, 0.3, "shift")), 0.1, 0.1)[0] == "refit"
    verdict, reasons = decide(drift(calm), 0.10, 0.15)
    assert verdict == "refit" and reasons[0].kind == "unplaced"
    assert decide(drift(calm), 0.10, 0.149)[0] == "keep"


def test_a_mover_whose_age_alone_changed_is_said_to_have_moved_for_it(schema, january, model):
    after = january.copy()
    after["Usia"] = np.where(after["Usia"] < 40, 70, after["Usia"])
    found = segmentasi.track(model, january, after)
    movers = found.movers
    assert len(movers) > 0 and (movers.changed_columns == "Usia").all()
    first = movers.iloc[0]
    age = january.set_index("GCIF").loc[first["GCIF"], "Usia"]
    assert first["changed"] == f"usia {age:.0f} → 70 tahun"


def test_changes_are_written_in_the_columns_units(schema):
    income, education = schema.column("Pendapatan_Tahunan"), schema.column("Pendidikan")
    deposit = schema.column("Produk_Deposito")
    texts = words.change_texts(income, pd.Series([450.0, np.nan]), pd.Series([600.0, 700.0]), "id")
    assert list(texts) == [
        f"pendapatan tahunan {money(450, 'id', 'IDR', income.currency_unit)} → "
        f"{money(600, 'id', 'IDR', income.currency_unit)}",
        f"pendapatan tahunan tidak tercatat → {money(700, 'id', 'IDR', income.currency_unit)}",
    ]
    levels = pd.Series(pd.Categorical(["SMA"], categories=education.levels))
    after = pd.Series(pd.Categorical(["Sarjana"], categories=education.levels))
    assert list(words.change_texts(education, levels, after, "en")) == [
        f"{education.display('en')} {education.level_text('SMA', 'en')} → "
        f"{education.level_text('Sarjana', 'en')}"
    ]
    assert list(words.change_texts(deposit, pd.Series([0.0]), pd.Series([1.0]), "id")) == [
        f"{deposit.display('id')}: tidak punya → punya"
    ]


def test_every_language_has_every_key_with_the_same_placeholders():
    def placeholders(template):
        return {n for _, n, _, _ in string.Formatter().parse(template) if n is not None}

    assert tuple(words.TEXT) == LANGUAGES
    for key, template in words.TEXT["id"].items():
        assert placeholders(template) == placeholders(words.TEXT["en"][key]), key
    assert words.TEXT["id"].keys() == words.TEXT["en"].keys()


def test_repeated_empty_and_absent_ids_are_refused_naming_table_column_and_rows(january, model):
    repeated = january.copy()
    repeated.loc[[4, 9], "GCIF"] = repeated.loc[0, "GCIF"]
    with pytest.raises(
        InputError,
        match=r"the after table: column 'GCIF': 3 row\(s\) repeat .*"
        r"rows 1, 5, 10",
    ):
        segmentasi.track(model, january, repeated, duplicate_ids="refuse")
    empty = january.copy()
    empty.loc[2, "GCIF"] = " "
    with pytest.raises(
        InputError,
        match=r"the before table: column 'GCIF': 1 row\(s\) have no "
        r"id \(row 3\)",
    ):
        segmentasi.track(model, empty, january)
    with pytest.raises(InputError, match=r"the after table: lacks column\(s\) 'GCIF'"):
        segmentasi.track(model, january, january.drop(columns="GCIF"))


def test_repeated_ids_are_paired_by_order_of_appearance(january, model):
    first = january.copy()
    first.loc[[4, 9], "GCIF"] = first.loc[0, "GCIF"]
    second = first.copy()
    features = list(model.experiment.features)
    moved = model.assign(first, top_offers=0).table["segment"]
    donor = int(np.flatnonzero(moved.to_numpy() != moved[9])[0])
    second.loc[9, features] = first.loc[donor, features].to_numpy()  # the id's third row moves
    found = segmentasi.track(model, first, second)
    repeated_id = first.loc[0, "GCIF"]
    assert found.customers["moved"] == 1 and found.customers["left"] == 0
    assert found.movers.iloc[0, 0] == f"{repeated_id}#3"
    assert any("3 rows share 1 repeated ids; they are paired" in w for w in found.warnings)
    assert found.transitions.to_numpy().sum() == len(january)


def test_repeated_ids_can_be_left_out(january, model):
    repeated = january.copy()
    repeated.loc[[4, 9], "GCIF"] = repeated.loc[0, "GCIF"]
    found = segmentasi.track(model, january, repeated, duplicate_ids="drop")
    assert found.after.dropped == 3 and found.customers["left"] == 3
    assert found.transitions.to_numpy().sum() == len(january)


def test_tables_without_a_feature_or_a_shared_id_are_refused(january, model):
    with pytest.raises(InputError, match=r"the after table: lacks column\(s\) 'Usia'"):
        segmentasi.track(model, january, january.drop(columns="Usia"))
    strangers = january.assign(GCIF="X" + january["GCIF"])
    with pytest.raises(InputError, match="no id in column 'GCIF' is in both tables"):
        segmentasi.track(model, january, strangers)


def test_a_schema_without_an_id_column_is_refused(other_schema):
    table = make_other_bank(200)
    model = fitted(table, other_schema, "people", 3)
    columns = [c for c in other_schema.source["columns"] if c["role"] != "id"]
    bare = schema_from_dict(other_schema.source | {"columns": columns}, origin="test")
    with pytest.raises(InputError, match="has no id column"):
        segmentasi.track(replace(model, schema=bare), table, table)


def test_manhattan_models_track_and_explain_moves(other_schema):
    table = make_other_bank(300)
    model = fitted(table, other_schema, "people", 3)
    shifted = segmentasi.period_shift(table, model, moves={(1, 2): 10, (2, 3): 5}, seed=1)
    found = segmentasi.track(model, table, shifted.table, lang="en")
    pd.testing.assert_frame_equal(found.transitions, shifted.transitions)
    assert len(found.movers) == 15 and (found.movers.changed != "").all()


def test_period_shift_refuses_what_it_cannot_plant(january, model):
    with pytest.raises(InputError, match="move 1:4: segments are 1 to 3"):
        segmentasi.period_shift(january, model, moves={(1, 4): 5})
    with pytest.raises(InputError, match="are left to move"):
        segmentasi.period_shift(january, model, moves={(1, 2): 1.0, (1, 3): 1})
    with pytest.raises(InputError, match="takes LEVEL"):
        segmentasi.period_shift(january, model, drift={"Area": "+1sd"})
    with pytest.raises(InputError, match="is not one of"):
        segmentasi.period_shift(january, model, drift={"Usia": "older"})
    assert parse_moves(["1:2=5%", " 3 : 1 = 20 "]) == {(1, 2): 0.05, (3, 1): 20}
    assert parse_amount("2.5%", "--left") == 0.025
    assert str(Drift.parse("x", "-0.5sd")) == "-0.5sd" and str(Drift.parse("x", "*1.2")) == "*1.2"


def test_tracking_page_and_folder(tmp_path, tracked):
    page = render_tracking(tracked, "en")
    assert "Decision: keep the model" in page and page.count("data:image/png;base64,") == 2
    assert "<script src" not in page and "<link" not in page  # self-contained
    assert render_tracking(tracked, "id").count("Keputusan: pertahankan model") == 1
    long = transitions_table(tracked)
    assert len(long) == tracked.transitions.size
    assert long.customers.sum() == tracked.transitions.to_numpy().sum()
    folder = segmentasi.save_tracking(tracked, tmp_path / "feb")
    assert sorted(p.name for p in folder.iterdir()) == [
        "drift.csv",
        "flows.csv",
        "movers.csv",
        "tracking.html",
        "tracking.json",
        "transitions.csv",
    ]
    record = json.loads((folder / "tracking.json").read_text(encoding="utf-8"))
    assert record["verdict"]["decision"] == "keep"
    assert record["transitions"]["counts"] == tracked.transitions.to_numpy().tolist()
    with pytest.raises(InputError, match="use --overwrite"):
        segmentasi.save_tracking(tracked, folder)
    segmentasi.save_tracking(tracked, folder, overwrite=True)


def test_movers_csv_is_safe_for_spreadsheets(tmp_path, january, model):
    hostile = january.copy()
    hostile["GCIF"] = "=cmd" + hostile["GCIF"]
    moved = segmentasi.period_shift(hostile, model, moves={(1, 2): 5}, seed=0)
    folder = segmentasi.save_tracking(segmentasi.track(model, hostile, moved.table), tmp_path / "t")
    movers = pd.read_csv(folder / "movers.csv", dtype=str)
    assert len(movers) == 5 and movers["GCIF"].str.startswith("'=cmd").all()


def command(monkeypatch, capsys, *args: str) -> tuple[int, str, str]:
    """Run the command line in this process: (exit code, stdout, stderr)."""
    monkeypatch.setattr(sys, "argv", ["segmentasi", *args])
    with pytest.raises(SystemExit) as done:
        main()
    out = capsys.readouterr()
    return done.value.code or 0, out.out, out.err


def test_commands_plant_and_track_a_second_period(tmp_path, monkeypatch, capsys, january, model):
    jan, feb, out = tmp_path / "jan.csv", tmp_path / "feb.csv", tmp_path / "feb-track"
    january.to_csv(jan, index=False)
    model.save(tmp_path / "demografi.model")
    code, said, _ = command(
        monkeypatch,
        capsys,
        *("synth", "--period-shift", "--from", str(jan), "--model"),
        *(str(tmp_path / "demografi.model"), "--move", "1:2=5%", "--move", "3:1=20"),
        *("--left", "3%", "--joined", "20", "--drift", "Produk_Deposito=1+70%"),
        *("--out", str(feb), "--seed", "7"),
    )
    assert code == 0 and "what was planted" in said
    record = json.loads((tmp_path / "feb.planted.json").read_text(encoding="utf-8"))
    assert record["transitions_from"] == "plan" and len(record["joined"]) == 20
    code, said, _ = command(
        monkeypatch,
        capsys,
        *("track", str(tmp_path / "demografi.model"), "--before", str(jan)),
        *("--after", str(feb), "--out", str(out), "--lang", "en"),
    )
    assert code == 0 and "Verdict: keep." in said
    tracking = json.loads((out / "tracking.json").read_text(encoding="utf-8"))
    assert tracking["transitions"]["counts"] == record["transitions"]["counts"]
    assert tracking["verdict"]["reasons"][0]["text"].startswith("Time deposit has shifted")
    written = feb.read_bytes()
    for again in ([], ["--period-shift", "--from", str(jan), "--model", str(tmp_path / "m")]):
        code, _, err = command(monkeypatch, capsys, "synth", *again, "--out", str(feb))
        assert code == 2 and "--overwrite" in err and feb.read_bytes() == written


def test_command_refuses_repeated_ids_when_asked_with_exit_2_and_writes_nothing(
    tmp_path, monkeypatch, capsys, january, model
):
    jan, feb = tmp_path / "jan.csv", tmp_path / "feb.csv"
    january.to_csv(jan, index=False)
    repeated = january.copy()
    repeated.loc[7, "GCIF"] = repeated.loc[3, "GCIF"]
    repeated.to_csv(feb, index=False)
    model.save(tmp_path / "m.model")
    code, _, err = command(
        monkeypatch,
        capsys,
        *("track", str(tmp_path / "m.model"), "--before", str(jan), "--after", str(feb)),
        *("--out", str(tmp_path / "out"), "--duplicate-ids", "refuse"),
    )
    assert code == 2 and f"{feb}: column 'GCIF': 2 row(s) repeat" in err
    assert "Traceback" not in err and not (tmp_path / "out").exists()
    code, _, err = command(monkeypatch, capsys, "synth", "--out", str(feb), "--move", "1:2=5%")
    assert code == 2 and "--move: only with --period-shift" in err


def test_real_table_planted_moves_and_drift_are_found(real_table_path, schema):
    table = segmentasi.read_table(real_table_path)
    model = fitted(table.sample(3000, random_state=0), schema, "demografi", 3)
    moves = {(1, 2): 0.03, (2, 3): 100, (3, 1): 0.02}
    quiet = segmentasi.period_shift(
        table,
        model,
        moves=moves,
        left=0.02,
        joined=0.01,
        drift={"Produk_Kartu_Kredit": "1+60%"},
        seed=5,
    )
    found = segmentasi.track(model, table, quiet.table)  # repeated ids paired in order
    pd.testing.assert_frame_equal(found.transitions, quiet.transitions)
    assert found.customers["moved"] == len(quiet.moved)
    drift = found.drift.set_index("column")
    assert drift.loc["Produk_Kartu_Kredit", "band"] == "shift"
    assert (drift.loc[list(model.experiment.features), "band"] == "stable").all()
    assert found.verdict == "keep"
    loud = segmentasi.period_shift(
        table,
        model,
        moves=moves,
        drift={"Total_Relationship_Balance": "*1.6"},
        seed=5,
        duplicate_ids="drop",
    )
    found = segmentasi.track(model, table, loud.table, duplicate_ids="drop")
    pd.testing.assert_frame_equal(found.transitions, loud.transitions)
    assert found.drift.set_index("column").loc["Total_Relationship_Balance", "band"] == "shift"
    assert found.verdict == "refit"
