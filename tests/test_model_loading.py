"""Model files that cannot be right: refused with exit 2 and the key path, never a crash.

A model file is sealed with a SHA-256 of its payload; these tests re-seal every change with the
module's own digest, so each change reaches the checks behind the checksum.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import json
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from segmentasi import SweepOptions, builtin_schema, load_model, run, synthesize
from segmentasi.errors import InputError, UserError
from segmentasi.model import (
    FORMAT_NAME,
    FORMAT_VERSION,
    MAX_FEATURES,
    MAX_MODEL_BYTES,
    MAX_NAME_CHARS,
    MAX_NESTING,
    ModelError,
    SavedModel,
    _payload_digest,
)
from segmentasi.recommend import OFFER_COLUMNS

from .conftest import cli_in_process

# The demographic experiment's features, from the built-in schema.
DEMOGRAPHICS = list(builtin_schema("fundfusion").experiment("demografi").features)
PROPERTY = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture(scope="session")
def quick_run(schema):
    table = synthesize(schema, rows=300, seed=1)
    return table, run(table, schema=schema, options=SweepOptions(ks=(2, 3), stability_runs=0))


@pytest.fixture(scope="session")
def models(quick_run, tmp_path_factory) -> dict[str, Path]:
    """A k-means model of demographics (recommends products) and a Manhattan k-medoids model of
    product flags, saved once."""
    _, result = quick_run
    folder = tmp_path_factory.mktemp("models")
    return {
        name: SavedModel.from_run(result, experiment, algorithm).save(folder / f"{name}.model")
        for name, (experiment, algorithm) in {
            "demografi": ("demografi", "kmeans"),
            "produk": ("produk", "kmedoids"),
        }.items()
    }


@pytest.fixture(scope="session")
def table(quick_run) -> pd.DataFrame:
    return quick_run[0].head(12)


def payload_of(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))["payload"]


def sealed(payload: Any, target: Path) -> Path:
    """Write a model document whose checksum fits `payload` (NaN and infinities as JSON reads
    them, as a forger could)."""
    document = {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "sha256": _payload_digest(payload),
        "payload": payload,
    }
    target.write_text(json.dumps(document, allow_nan=True), encoding="utf-8")
    return target


def changed(source: Path, target: Path, change: Callable[[dict[str, Any]], Any]) -> Path:
    payload = payload_of(source)
    change(payload)
    return sealed(payload, target)


# --- Each impossible content, by name, with its message -------------------------------------


def set_at(*path_and_value: Any) -> Callable[[dict[str, Any]], None]:
    *path, value = path_and_value

    def change(payload: dict[str, Any]) -> None:
        node = payload
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value

    return change


def delete_at(*path: Any) -> Callable[[dict[str, Any]], None]:
    def change(payload: dict[str, Any]) -> None:
        node = payload
        for key in path[:-1]:
            node = node[key]
        del node[path[-1]]

    return change


def grow_levels(payload: dict[str, Any]) -> None:
    payload["feature_space"]["encoders"][0]["levels"] = [str(i) for i in range(MAX_FEATURES + 1)]


def duplicate_a_level(payload: dict[str, Any]) -> None:
    for spec in payload["schema"]["columns"]:
        if spec["name"] == "Area":
            spec["levels"][1] = spec["levels"][0]
    payload["feature_space"]["encoders"][0]["levels"][1] = "Jakarta"


def count_of_categories(payload: dict[str, Any]) -> None:
    for spec in payload["schema"]["columns"]:
        if spec["role"] == "derived_count":
            spec["of"] = [*spec["of"], "Area"]


def feature_not_in_schema(payload: dict[str, Any]) -> None:
    payload["schema"]["experiments"]["demografi"]["features"].append("Gaji")


def wide_centres(payload: dict[str, Any]) -> None:
    payload["centers"][0] = [0.0] * (MAX_FEATURES + 1)


def ragged_centres(payload: dict[str, Any]) -> None:
    payload["centers"][1] = payload["centers"][1][:-1]


def offers_without_rank(payload: dict[str, Any]) -> None:
    offers = payload["offers"]
    position = offers["columns"].index("rank")
    for row in [offers["columns"], offers["dtypes"], *offers["rows"]]:
        del row[position]


IMPOSSIBLE = {
    "NaN centre": (
        set_at("centers", 0, 1, float("nan")),
        r"payload\.centers\[0\]\[1\]: nan is not a finite number",
    ),
    "infinite centre": (
        set_at("centers", 1, 0, float("inf")),
        r"payload\.centers\[1\]\[0\]: inf is not a finite number",
    ),
    "centre beyond float32": (
        set_at("centers", 0, 0, 1e39),
        r"payload\.centers\[0\]\[0\]: inf is not a finite number \(float32",
    ),
    "centre of a huge integer": (
        set_at("centers", 0, 0, 10**400),
        r"payload\.centers\[0\]\[0\]: 1000000.*… is too large a number",
    ),
    "centre that is text": (
        set_at("centers", 0, 2, "0.5"),
        r"payload\.centers\[0\]\[2\]: must be a number, not a string",
    ),
    "nested null centre": (
        set_at("centers", 0, [[None]]),
        r"payload\.centers\[0\]\[0\]: must be a number, not a list",
    ),
    # The demographic space has 22 feature columns: Usia is set aside when unrecorded (the
    # default), so it has no ':missing' indicator column.
    "ragged centres": (ragged_centres, r"payload\.centers: row 1 has 21 numbers, row 0 has 22"),
    "centres as text": (
        set_at("centers", "[[0.1]]"),
        r"payload\.centers: must be a list, not a string",
    ),
    "fewer centres than k": (set_at("k", 3), r"payload\.centers: 2 rows for k=3"),
    "centres of too few features": (
        set_at("centers", [[0.0], [1.0]]),
        r"payload\.centers: rows of 1 numbers for 22 features",
    ),
    "a million features": (wide_centres, r"payload\.centers\[0\]: 10,001 items; at most 10,000"),
    "absurd k": (set_at("k", 10**9), r"payload\.k: 1000000000 segments; a model has 2 to 1,000"),
    "k of one": (set_at("k", 1), r"payload\.k: 1 segments; a model has 2 to 1,000"),
    "k as true": (set_at("k", True), r"payload\.k: must be a whole number, not true/false"),
    "k as text": (set_at("k", "2"), r"payload\.k: must be a whole number, not a string"),
    "k as a fraction": (
        set_at("k", 2.0),
        r"payload\.k: must be a whole number, not a decimal number",
    ),
    "unknown metric": (
        set_at("metric", "cosine"),
        r"payload\.metric: 'cosine' is not one of euclidean, manhattan",
    ),
    "k-means by Manhattan distance": (
        set_at("metric", "manhattan"),
        r"payload\.metric: k-means places rows by euclidean distance, not manhattan",
    ),
    "unknown algorithm": (
        set_at("algorithm", "dbscan"),
        r"payload\.algorithm: 'dbscan' is not one of kmeans, kmedoids",
    ),
    "missing key": (delete_at("centers"), r"payload\.centers: missing"),
    "missing encoder key": (
        delete_at("feature_space", "encoders", 3, "scale"),
        r"payload\.feature_space\.encoders\[3\]\.scale: missing",
    ),
    "unknown encoder key": (
        set_at("feature_space", "encoders", 3, "shift", 1.0),
        r"payload\.feature_space\.encoders\[3\]: unknown key\(s\) \['shift'\]",
    ),
    "zero scale": (
        set_at("feature_space", "encoders", 3, "scale", 0.0),
        r"payload\.feature_space\.encoders\[3\]\.scale: must be a positive finite",
    ),
    "negative scale": (
        set_at("feature_space", "encoders", 2, "scale", -1.5),
        r"payload\.feature_space\.encoders\[2\]\.scale: must be a positive finite",
    ),
    "NaN scale": (
        set_at("feature_space", "encoders", 3, "scale", float("nan")),
        r"payload\.feature_space\.encoders\[3\]\.scale: must be a positive finite",
    ),
    "infinite centre of an encoder": (
        set_at("feature_space", "encoders", 3, "center", float("-inf")),
        r"payload\.feature_space\.encoders\[3\]\.center: must be a finite number",
    ),
    "fill of the wrong type": (
        set_at("feature_space", "encoders", 3, "fill", "forty"),
        r"payload\.feature_space\.encoders\[3\]\.fill: must be a number, "
        r"not a string",
    ),
    "fill beyond the levels": (
        set_at("feature_space", "encoders", 0, "fill", 6.0),
        r"payload\.feature_space\.encoders\[0\]\.fill: must be a level "
        r"code from 0 to 5",
    ),
    "levels unlike the schema's": (
        set_at("feature_space", "encoders", 0, "levels", ["Jakarta", "Medan"]),
        r"payload\.feature_space\.encoders\[0\]\.levels: differ from the levels of column 'Area'",
    ),
    "a level twice": (
        duplicate_a_level,
        r"payload\.schema: the model's schema: column 'Area': "
        r"levels listed twice: \['Jakarta'\]",
    ),
    "a count of categories": (
        count_of_categories,
        r"payload\.schema: the model's schema: column "
        r"'Total_Kepemilikan_Produk': 'of' must list columns of numbers, "
        r"not \['Area'\]",
    ),
    "too many levels": (
        grow_levels,
        r"payload\.feature_space\.encoders\[0\]\.levels: 10,001 items; at most",
    ),
    "encoder of the wrong kind": (
        set_at("feature_space", "encoders", 3, "kind", "onehot"),
        r"payload\.feature_space\.encoders\[3\]\.kind: 'onehot' for numeric column 'Usia'; it "
        r"must be 'scaled'",
    ),
    "unknown encoding": (
        set_at("feature_space", "encoding", "fancy"),
        r"payload\.feature_space\.encoding: 'fancy' is not one of standard, "
        r"gower",
    ),
    "encoders of another experiment": (
        set_at("feature_space", "experiment", "produk"),
        r"payload\.feature_space\.experiment: 'produk', but the model's is 'demografi'",
    ),
    "encoders out of order": (
        lambda p: p["feature_space"]["encoders"].reverse(),
        r"payload\.feature_space\.encoders: encode Total_Relationship_Balance, .*, but "
        r"experiment 'demografi' has the features Area, ",
    ),
    "experiment not in the schema": (
        set_at("experiment", "risiko"),
        r"payload\.experiment: the model's schema has no experiment 'risiko' \(it has: "
        r"demografi, produk\)",
    ),
    "experiment's features not in the schema": (
        feature_not_in_schema,
        r"payload\.schema: the model's schema: experiment 'demografi': features not in the "
        r"schema: \['Gaji'\]",
    ),
    "malformed schema": (
        set_at("schema", "columns", 3, "min", "ten"),
        r"payload\.schema: the model's schema: column 'Vintage': 'min' must be a "
        r"finite number, not 'ten'",
    ),
    "schema as a list": (set_at("schema", []), r"payload\.schema: must be an object, not a list"),
    "feature names unlike the encoders'": (
        set_at("feature_names", 0, "Area=Medan"),
        r"payload\.feature_names: do not match the outputs of the feature space's encoders",
    ),
    "names of a segment that does not exist": (
        set_at("names", "en", "7", "Savers"),
        r"payload\.names\.en\.7: there is no segment 7 "
        r"\(k=2\)",
    ),
    "segment number that is not one": (
        set_at("names", "en", "two", "Savers"),
        r"payload\.names\.en\.two: is not a segment number",
    ),
    "gigantic segment name": (
        set_at("names", "en", "1", "x" * (MAX_NAME_CHARS + 1)),
        r"payload\.names\.en\.1: 1,001 characters; at most 1,000",
    ),
    "names as text": (
        set_at("names", "Segmen 1"),
        r"payload\.names: must be an object, not a string",
    ),
    "offers without a rank": (offers_without_rank, r"payload\.offers\.columns: lack rank"),
    "offer of an unknown product": (
        set_at("offers", "rows", 0, 1, "Produk_Emas"),
        r"payload\.offers\.rows: product\(s\) Produk_Emas are not product columns",
    ),
    "offer row too short": (
        set_at("offers", "rows", 2, [1]),
        rf"payload\.offers\.rows\[2\]: 1 cells for {len(OFFER_COLUMNS)} columns",
    ),
    "offer cell that is a list": (
        set_at("offers", "rows", 0, 1, ["Produk_Tabungan"]),
        r"payload\.offers\.rows\[0\]\[1\]: must be a string, number, "
        r"true, false or null, not a list",
    ),
    "a key with control characters": (
        set_at("names", "en\x1b[31m", {"9": "x"}),
        r"payload\.names\.'en\\x1b\[31m'\.9: there is no segment 9",
    ),
    "integer column holding text": (
        set_at("offers", "rows", 0, 0, "one"),
        r"payload\.offers\.rows: column 'segment' holds a value that "
        r"is not int64",
    ),
    "profile table that is a number": (
        set_at("profile", "segments", 3),
        r"payload\.profile\.segments: must be an object",
    ),
    "info that is a list": (set_at("info", []), r"payload\.info: must be an object, not a list"),
}


@pytest.mark.parametrize("case", list(IMPOSSIBLE))
def test_each_impossible_content_is_refused_naming_its_key_path(models, tmp_path, case):
    change, message = IMPOSSIBLE[case]
    bad = changed(models["demografi"], tmp_path / "bad.model", change)
    with pytest.raises(ModelError, match=rf"^{re.escape(str(bad))}: {message}"):
        load_model(bad)


def test_a_gower_model_must_measure_by_manhattan_distance(other_schema, tmp_path):
    from .conftest import make_other_bank

    result = run(
        make_other_bank(rows=120, seed=3),
        schema=other_schema,
        options=SweepOptions(ks=(2, 3), stability_runs=0),
    )
    model = SavedModel.from_run(result, "people", "kmedoids")
    assert model.space.encoding == "gower"
    with pytest.raises(
        ModelError,
        match=r"^metric: a Gower feature space is measured with "
        r"manhattan distance, not euclidean",
    ):
        dataclasses.replace(model, metric="euclidean")


def test_a_model_built_in_python_is_checked_too(models):
    model = load_model(models["demografi"])
    with pytest.raises(ModelError, match=r"^centers: 1 rows for k=2$"):
        dataclasses.replace(model, centers=model.centers[:1])
    broken = dataclasses.replace(model.space.encoders_[3], scale=0.0)
    space = copy.copy(model.space)
    space.encoders_ = [*model.space.encoders_[:3], broken, *model.space.encoders_[4:]]
    with pytest.raises(ModelError, match=r"^feature_space\.encoders\[3\]\.scale: must be a"):
        dataclasses.replace(model, space=space)


def test_a_log_scaled_feature_must_fill_above_minus_one(tmp_path):
    from segmentasi.features import FeatureSpace
    from segmentasi.schema import schema_from_dict

    schema = schema_from_dict(
        {
            "name": "logbank",
            "columns": [
                {"name": "balance", "role": "numeric", "scale": "log"},
                {"name": "age", "role": "numeric"},
            ],
            "experiments": {"money": {"features": ["balance", "age"]}},
        }
    )
    training = pd.DataFrame({"balance": [10.0, 100.0, 1000.0, 10000.0], "age": [20, 30, 40, 50]})
    space = FeatureSpace(schema, schema.experiment("money")).fit(training)
    space.encoders_[0] = dataclasses.replace(space.encoders_[0], fill=-1.0)
    with pytest.raises(ModelError, match=r"encoders\[0\]\.fill: must be above -1 for a log-scaled"):
        SavedModel(
            schema=schema,
            experiment=schema.experiment("money"),
            algorithm="kmeans",
            k=2,
            metric="euclidean",
            space=space,
            centers=np.zeros((2, 2), np.float32),
            names={},
            narratives={},
            profile={},
            offers=pd.DataFrame(),
        )


# --- The file as a whole ----------------------------------------------------------------------


def test_an_oversize_file_is_refused_before_it_is_read(tmp_path):
    huge = tmp_path / "huge.model"
    with huge.open("wb") as file:
        file.truncate(MAX_MODEL_BYTES + 1)  # sparse: no disk used
    with pytest.raises(ModelError, match=r"huge\.model: larger than 64 MiB, far beyond any model"):
        load_model(huge)


def test_a_named_pipe_or_device_is_refused_without_reading(tmp_path):
    pipe = tmp_path / "pipe.model"
    os.mkfifo(pipe)  # reading it would wait for a writer forever
    with pytest.raises(ModelError, match=r"pipe\.model: is a named pipe, not a model file"):
        load_model(pipe)
    with pytest.raises(ModelError, match="zero: is a device, not a model file"):
        load_model("/dev/zero")


HEAD = f'{{"format": "{FORMAT_NAME}", "format_version": 1, '


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            f'{{"format": "{FORMAT_NAME}", "payload": ' + "[" * 100_000 + "]" * 100_000 + "}",
            r"truncated or damaged \(lists or objects nested too deeply\)",
        ),
        (
            HEAD + '"payload": {"k": ' + "[" * 30 + "]" * 30 + "}}",
            rf"lists or objects nested more than {MAX_NESTING} deep",
        ),
        (
            HEAD + '"payload": {"k": ' + "9" * 5000 + "}}",
            r"truncated or damaged \(Exceeds the limit \(4300 digits\)",
        ),
        (
            f'{{"format": "{FORMAT_NAME}", "format_version": true, "payload": {{}}}}',
            r"the model file has no valid format_version \(True\); it is damaged",
        ),
        (HEAD + '"payload": []}', r"the model file has no payload"),
        (HEAD + '"payload": {}, "sha256": "0"}', r"do not match the checksum"),
    ],
    ids=[
        "deeper than json reads",
        "deeper than a model",
        "too many digits",
        "version true",
        "payload a list",
        "wrong checksum",
    ],
)
def test_unreadable_documents_are_refused(tmp_path, text, message):
    path = tmp_path / "odd.model"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ModelError, match=message):
        load_model(path)


class Exploit:
    """Unpickling this would create a file: a model file must never be able to run code."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple:
        return (Path.touch, (self.marker,))


def test_a_pickle_is_not_a_model_and_runs_nothing(tmp_path):
    import pickle

    marker = tmp_path / "ran"
    (tmp_path / "pickle.model").write_bytes(pickle.dumps(Exploit(marker)))
    with pytest.raises(ModelError, match=r"pickle\.model: not a segmentasi model file"):
        load_model(tmp_path / "pickle.model")
    inside = sealed({"schema": pickle.dumps(Exploit(marker)).hex()}, tmp_path / "inside.model")
    with pytest.raises(
        ModelError,
        match=r"inside\.model: payload\.schema: must be an object, not "
        r"a string",
    ):
        load_model(inside)
    assert not marker.exists()


def test_bytes_that_are_not_utf8_are_refused(models, tmp_path):
    text = models["demografi"].read_bytes()
    path = tmp_path / "latin.model"
    path.write_bytes(text[:300] + b"\xff\xfe" + text[300:])
    with pytest.raises(ModelError, match=r"truncated or damaged \(not UTF-8 text at byte 300\)"):
        load_model(path)


# --- Random changes to a valid model ----------------------------------------------------------

SPECIAL = [
    float("nan"),
    float("inf"),
    float("-inf"),
    1e39,
    1e308,
    -1e308,
    10**400,
    -(10**30),
    2**63,
    10**9,
    -1,
    0,
    1,
    2,
    0.5,
    True,
    False,
    None,
    "",
    "x" * 2000,
    "1",
    "kmeans",
    "manhattan",
    "onehot",
    "int64",
    "bool",
    "Area",
    "Produk_Tabungan",
    [],
    {},
    [[]],
    [None],
]
JSON_SCALARS = st.one_of(
    st.sampled_from(SPECIAL),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=8,
)
# Finite numbers keep more changed models loadable, so that placing rows with them is tried.
FINITE_NUMBERS = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.integers(min_value=-10, max_value=10),
    st.sampled_from([-1.0, 1e-300, 1e30, 3.4e38]),
)
OPERATIONS = (
    "delete",
    "replace",
    "number",
    "empty",
    "nest",
    "swap",
    "truncate",
    "duplicate",
    "as_text",
)


def paths_in(value: Any, prefix: tuple = ()) -> list[tuple]:
    """Every path to a value inside `value` (keys and indices), the value itself first."""
    found = [prefix]
    if isinstance(value, dict):
        for key, child in value.items():
            found += paths_in(child, (*prefix, key))
    elif isinstance(value, list):
        for i, child in enumerate(value[:6]):  # long tables: their first rows are enough
            found += paths_in(child, (*prefix, i))
    return found


def mutate(payload: dict[str, Any], operation: str, path: tuple, value: Any, size: int) -> None:
    """Apply one change at `path` (never the payload itself)."""
    parent = payload
    for key in path[:-1]:
        parent = parent[key]
    key = path[-1]
    node = parent[key]
    if operation == "delete":
        del parent[key]
    elif operation == "empty":
        parent[key] = type(node)() if isinstance(node, dict | list) else None
    elif operation == "nest":
        for _ in range(size % 40 + 1):
            node = [node]
        parent[key] = node
    elif operation == "swap" and isinstance(parent, list) and len(parent) > 1:
        other = (key + 1 + size) % len(parent)
        parent[key], parent[other] = parent[other], node
    elif operation == "truncate" and isinstance(node, list | str):
        parent[key] = node[: size % max(len(node), 1)]
    elif operation == "duplicate" and isinstance(node, list) and node:
        node.append(copy.deepcopy(node[size % len(node)]))
    elif operation == "as_text":
        parent[key] = json.dumps(node, allow_nan=True)
    else:
        parent[key] = copy.deepcopy(value)  # a drawn value can be drawn again: never share it


@st.composite
def changes(draw: st.DrawFn, payload: dict[str, Any]) -> list[tuple]:
    """One to three changes, each at a path drawn within a top-level part (so that the small
    parts, such as k or metric, are reached as often as the large ones)."""
    result = []
    for _ in range(draw(st.integers(1, 3))):
        part = draw(st.sampled_from(sorted(payload)))
        operation = draw(st.sampled_from(OPERATIONS))
        value = draw(FINITE_NUMBERS if operation == "number" else JSON_VALUES)
        result.append(
            (operation, part, draw(st.integers(0, 10**6)), value, draw(st.integers(0, 10**6)))
        )
    return result


def apply_changes(payload: dict[str, Any], planned: list[tuple]) -> dict[str, Any]:
    payload = copy.deepcopy(payload)
    for operation, part, where, value, size in planned:
        if part not in payload:
            continue
        paths = paths_in(payload[part], (part,))
        mutate(payload, operation, paths[where % len(paths)], value, size)
    return payload


def load_and_assign(path: Path, table: pd.DataFrame) -> None:
    """Load and place rows: either works or is refused as the user's problem (exit 2)."""
    try:
        model = load_model(path)
    except ModelError as exc:
        assert str(exc).startswith(f"{path}: "), exc
        assert "malformed model contents" not in str(exc), exc  # the backstop is not needed
        return
    with contextlib.suppress(UserError):
        model.assign(table, lang="en")


@pytest.mark.parametrize("name", ["demografi", "produk"])
@PROPERTY
@given(data=st.data())
def test_a_sealed_random_change_is_used_or_refused_never_a_crash(
    models, table, tmp_path, name, data
):
    original = payload_of(models[name])
    payload = apply_changes(original, data.draw(changes(original)))
    load_and_assign(sealed(payload, tmp_path / "changed.model"), table)


BYTE_CHANGES = st.lists(
    st.tuples(
        st.sampled_from(["flip", "truncate", "insert", "delete"]),
        st.integers(0, 2**31),
        st.binary(min_size=1, max_size=8),
    ),
    min_size=1,
    max_size=4,
)


@PROPERTY
@given(planned=BYTE_CHANGES)
def test_damaged_bytes_are_refused_or_read_as_the_same_model(models, tmp_path, planned):
    raw = bytearray(models["demografi"].read_bytes())
    for operation, where, data in planned:
        at = where % (len(raw) + 1)
        if operation == "flip" and at < len(raw):
            raw[at] ^= data[0] or 1
        elif operation == "truncate":
            del raw[at:]
        elif operation == "insert":
            raw[at:at] = data
        else:
            del raw[at : at + len(data)]
    path = tmp_path / "damaged.model"
    path.write_bytes(bytes(raw))
    try:
        model = load_model(path)
    except ModelError as exc:
        assert str(exc).startswith(f"{path}: "), exc
        return
    # Only a change that leaves the sealed payload as it was (such as whitespace) is accepted.
    assert _payload_digest(model.to_payload()) == _payload_digest(payload_of(models["demografi"]))


# --- The command line -------------------------------------------------------------------------


@pytest.fixture(scope="session")
def table_file(table, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("data") / "customers.csv"
    table.to_csv(path, index=False)
    return path


@pytest.mark.parametrize(
    "case",
    ["NaN centre", "unknown metric", "fewer centres than k", "missing encoder key", "absurd k"],
)
def test_command_line_refuses_impossible_contents_with_exit_2(models, table_file, tmp_path, case):
    change, message = IMPOSSIBLE[case]
    bad = changed(models["demografi"], tmp_path / "bad.model", change)
    out = tmp_path / "placed.csv"
    done = cli_in_process("assign", bad, table_file, "--out", out)
    assert done.returncode == 2, done.stderr
    assert re.search(message, " ".join(done.stderr.split())), done.stderr
    assert "Traceback" not in done.stderr and "This is a bug" not in done.stderr
    assert not out.exists()


def test_command_line_refuses_a_table_where_no_row_can_be_placed(models, table, tmp_path):
    blank = table.copy()
    blank[DEMOGRAPHICS] = None
    data = tmp_path / "blank.csv"
    blank.to_csv(data, index=False)
    out = tmp_path / "placed.csv"
    done = cli_in_process("assign", models["demografi"], data, "--out", out)
    assert done.returncode == 2, done.stderr
    said = " ".join(done.stderr.split())
    assert (
        "none of the 12 row(s) could be placed in the 'demografi' segmentation (12 row(s): "
        "every feature is missing or invalid); 10 of its 10 feature column(s) have no usable "
        "value in any row (absent, empty or invalid): Area, Jalur_Pembukaan"
    ) in said, said
    assert "Traceback" not in done.stderr and not out.exists()


def test_a_wide_model_places_rows_in_smaller_blocks_alike(models, table, monkeypatch):
    import segmentasi.model

    model = load_model(models["demografi"])
    whole = model.assign(table).table
    monkeypatch.setattr(segmentasi.model, "MAX_BLOCK_CELLS", 50)  # 22 features: 2 rows a block
    pd.testing.assert_frame_equal(model.assign(table).table, whole)


def test_a_table_with_some_placeable_rows_is_still_assigned(models, table):
    partly = table.copy()
    partly.loc[partly.index[:11], DEMOGRAPHICS] = None
    placed = load_model(models["demografi"]).assign(partly)
    assert (placed.placed, placed.unplaced) == (1, 11)
    with pytest.raises(InputError, match=r"none of the 11 row\(s\) could be placed"):
        load_model(models["demografi"]).assign(partly.iloc[:11])
