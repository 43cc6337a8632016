"""A model's segments as one SQL query: its rules first, its exact assignment everywhere else.

The query reads the original columns of a table and gives each row the segment
SavedModel.assign gives it:

    WITH segmentasi_clean AS (...),     -- each feature as validation types it: invalid: NULL
         segmentasi_encoded AS (...),   -- the model's feature space: fills, scaling, one-hot,
         segmentasi_distances AS (...)  --   indicators; then the distance to each centre
    SELECT <kept columns>,
           CASE WHEN <not placed> THEN NULL       -- set aside, or every feature missing
                WHEN <rule 1> THEN 2 ...           -- rules.py: exact ones (or, on request,
                WHEN d1 <= d2 AND ... THEN 1 ...   --   faithful ones too), then the nearest
           END AS segment                          --   centre, ties to the lowest segment

Exactness: assign encodes a customer in float32 (FeatureSpace.transform) and compares
distances in float64 (algorithms.assign). The query does the same where the engine has a
4-byte float (FLOAT32_DIALECTS: CAST(... AS REAL/FLOAT)); a fitted number is written as it
is when 15 significant digits hold it, else as text cast to a double (a long decimal literal
can be rounded twice on its way in), so every engine reads the same doubles. Elsewhere (SQLite,
BigQuery, Snowflake, ...) encoded values stay doubles; a customer almost exactly between two
centres can then be placed differently, and the header says so.

Every column name, level and table name comes from the schema, the model file or the user:
untrusted. They enter the query only as sqlglot identifiers (quoted) and string literals,
which the dialect's generator escapes; no text from them is ever parsed as SQL.

What the query expects and does not do: number columns hold numbers and 0/1 flags hold 0 or 1
(a schema's missing_values / true_values tokens and text numbers are not translated, as
files.read_table and validation do); levels are compared after trimming spaces (validation
strips any whitespace); a value that encodes beyond float32's range (NOT_ENCODABLE in assign,
not seen in practice) is not refused.
"""

from __future__ import annotations

import math

from sqlglot import exp
from sqlglot.dialects.dialect import Dialects

from .errors import InputError, quoted
from .features import Encoder
from .rules import (
    DEFAULT_DIALECT,
    FAITHFUL_AGREEMENT,
    MAX_DEPTH,
    MODES,
    TARGET_FIDELITY,
    Condition,
    Leaf,
    RuleSet,
    rule_fills,
    valid_range,
)
from .schema import Column
from .version import __version__

DIALECTS = tuple(d.value for d in Dialects if d.value)
# Engines whose REAL/FLOAT is IEEE single precision, as assign's float32 encoding.
FLOAT32_DIALECTS = frozenset(
    {
        "athena",
        "databricks",
        "duckdb",
        "hive",
        "materialize",
        "mysql",
        "postgres",
        "presto",
        "redshift",
        "risingwave",
        "spark",
        "spark2",
        "trino",
    }
)
SEGMENT_COLUMN = "segment"
_DOUBLE = exp.DataType.build("DOUBLE")
_FLOAT = exp.DataType.build("FLOAT")
_TEXT = exp.DataType.build("TEXT")
PLAIN_DIGITS = 15  # a number with at most this many significant digits is written as it is


def check_dialect(dialect: str) -> str:
    """The dialect's name as sqlglot knows it, or InputError listing them."""
    name = dialect.strip().lower()
    if name not in DIALECTS:
        raise InputError(
            f"unknown SQL dialect {quoted(dialect)}; one of: {', '.join(sorted(DIALECTS))}"
        )
    return name


def rules_query(
    rules: RuleSet,
    dialect: str = DEFAULT_DIALECT,
    *,
    table: str = "customers",
    keep: list[str] | None = None,
    mode: str = "exact",
) -> str:
    """The query (module docstring) over `table` (a name, or schema.name), with the `keep`
    columns carried through (default: the schema's id column, else the features), a comment
    header saying which model, fidelity and dialect; `mode` 'exact' uses the rules proven
    exact, 'faithful' every faithful rule too (the segments then differ from assign's for
    some customers, as their held-out agreement says)."""
    dialect = check_dialect(dialect)
    if mode not in MODES:
        raise InputError(f"rules mode must be one of {', '.join(MODES)}, not {quoted(mode)}")
    space = rules.placement.space
    schema = space.schema
    if keep is None:
        keep = [schema.id_column.name] if schema.id_column else list(space.experiment.features)
    for name in keep:
        if not isinstance(name, str) or not name:
            raise InputError(f"a kept column needs a name, not {quoted(name)}")
    folded = [name.casefold() for name in keep]  # some engines ignore case, even quoted
    if len(set(folded)) < len(folded):
        raise InputError("a kept column is named twice")
    if SEGMENT_COLUMN in folded:
        raise InputError(f"the query adds a column '{SEGMENT_COLUMN}'; do not keep one too")
    features = [enc.column for enc in space.encoders_]
    names = _Names(keep, features, len(space.feature_names_), rules.placement.k, table)
    exact = rules.exact
    leaves = rules.surrogate.leaves
    used = [
        leaf
        for leaf, proven in zip(leaves, exact, strict=True)
        if proven or (mode == "faithful" and leaf.faithful)
    ]
    query = _query(rules, names, _source(table), used)
    header = _header(rules, dialect, mode, used, exact, keep)
    return header + query.sql(dialect=dialect, pretty=True) + ";\n"


class _Names:
    """The query's names: kept columns as they are, each feature's cleaned value under its own
    name unless a kept column has it, helper columns and the CTEs under names nothing else
    has (the CTEs' differ from the table's too)."""

    def __init__(
        self, keep: list[str], features: list[str], encoded: int, k: int, table: str
    ) -> None:
        self.keep = keep
        taken = {name.casefold() for name in [*keep, *features]}
        kept = {name.casefold() for name in keep}
        self.values = {
            feature: _fresh(feature, taken) if feature.casefold() in kept else feature
            for feature in features
        }
        self.unplaced = _fresh("segmentasi_unplaced", taken)
        self.encoded = [_fresh(f"segmentasi_e{i}", taken) for i in range(1, encoded + 1)]
        self.distances = [_fresh(f"segmentasi_d{j}", taken) for j in range(1, k + 1)]
        tables = {table.split(".")[-1].casefold()}
        self.ctes = [
            _fresh(f"segmentasi_{step}", tables) for step in ("clean", "encoded", "distances")
        ]


def _fresh(name: str, taken: set[str]) -> str:
    """`name`, with underscores added until it differs from every name in `taken` whatever
    the case (some engines ignore it, even quoted); then taken too."""
    while name.casefold() in taken:
        name += "_"
    taken.add(name.casefold())
    return name


def _column(name: str) -> exp.Column:
    return exp.column(exp.to_identifier(name, quoted=True))


def _source(table: str) -> exp.Table:
    parts = table.split(".")
    if not 1 <= len(parts) <= 3 or not all(parts):
        raise InputError(f"table {quoted(table)}: a name, schema.name or catalog.schema.name")
    identifiers = [exp.to_identifier(part, quoted=True) for part in parts]
    *prefix, name = identifiers
    catalog, db = ([None] * (2 - len(prefix)) + prefix)[-2:]
    return exp.Table(this=name, db=db, catalog=catalog)


def number(value: float) -> exp.Expression:
    """A number as every engine reads it to the same double: short ones as they are, others as
    text cast to a double (a long decimal literal can be rounded twice on its way in)."""
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"not a finite number: {value}")
    if value.is_integer() and abs(value) < 2**53:
        literal = exp.Literal.number(int(value))
        return exp.Neg(this=exp.Literal.number(-int(value))) if value < 0 else literal
    text = repr(value)
    digits = len(text.lstrip("-").replace(".", "").lstrip("0").split("e")[0])
    if "e" not in text and digits <= PLAIN_DIGITS:
        literal = exp.Literal.number(text.lstrip("-"))
        return exp.Neg(this=literal) if value < 0 else literal
    return exp.Cast(this=exp.Literal.string(text), to=_DOUBLE.copy())


def _text(value: str) -> exp.Literal:
    return exp.Literal.string(value)


def _case(
    *whens: tuple[exp.Expression, exp.Expression], default: exp.Expression | None = None
) -> exp.Case:
    case = exp.Case()
    for condition, result in whens:
        case = case.when(condition, result, copy=False)
    if default is not None:
        case = case.else_(default, copy=False)
    return case


def _in(value: exp.Expression, options: list[exp.Expression]) -> exp.Expression:
    return exp.In(this=value, expressions=options)


# The first CTE: each feature as validation types it.


def _clean(col: Column) -> exp.Expression:
    """A feature's cell as validate(strict=False) leaves it: NULL where missing or invalid
    (not one of the levels once trimmed, a number outside the valid range, a flag not 0/1)."""
    source = _column(col.name)
    if col.is_categorical:
        text = exp.Trim(this=exp.Cast(this=source, to=_TEXT.copy()))
        return _case((_in(text, [_text(level) for level in col.levels]), text.copy()))
    value = exp.Cast(this=source, to=_DOUBLE.copy())
    if col.is_binary:
        valid: exp.Expression = _in(value, [number(0), number(1)])
    else:
        low, high = valid_range(col)
        valid = exp.Between(this=value, low=number(low), high=number(high))
        if col.sentinels:
            valid = exp.or_(_is_sentinel(col, value.copy()), valid, copy=False)
    return _case((valid, value.copy()))


def _is_sentinel(col: Column, value: exp.Expression) -> exp.Expression:
    return _in(value, [number(v) for v in col.sentinel_values])


# The second CTE: the model's encoding, the values the rules read, whether a row is placed.


def _measured(col: Column, clean: str) -> exp.Expression:
    """The cleaned value with sentinel codes as NULL: what the model and the rules read."""
    value = _column(clean)
    if not col.sentinels:
        return value
    return _case((_is_sentinel(col, value), exp.Null()), default=value.copy())


def _float32(value: exp.Expression) -> exp.Cast:
    return exp.Cast(this=value, to=_FLOAT.copy())


def _scaled(value: exp.Expression, center: float, scale: float) -> exp.Expression:
    """(value - center) / scale, as FeatureSpace computes it in float64."""
    return exp.Div(
        this=exp.Paren(this=exp.Sub(this=value, expression=number(center))),
        expression=number(scale),
    )


def _encoded(enc: Encoder, value: str, fill: str | float) -> list[exp.Expression]:
    """A feature's block of encoded columns, as FeatureSpace.transform computes them, from its
    measured value (the column `value` of the second CTE's input)."""
    measured = _column(value)
    if enc.kind == "onehot":
        level = exp.Coalesce(this=measured, expressions=[_text(str(fill))])
        return [
            _float32(
                _case(
                    (exp.EQ(this=level.copy(), expression=_text(lv)), number(1.0 / enc.scale)),
                    default=number(0),
                )
            )
            for lv in enc.levels
        ]
    recorded: exp.Expression = measured
    if enc.levels:  # ordinal: the level's code
        recorded = _case(
            *[
                (exp.EQ(this=measured.copy(), expression=_text(lv)), number(code))
                for code, lv in enumerate(enc.levels)
            ]
        )
    raw: exp.Expression = exp.Coalesce(this=recorded, expressions=[number(enc.fill)])
    if enc.log:
        raw = exp.Ln(this=exp.Add(this=number(1), expression=raw))
    block = [_float32(_scaled(raw, enc.center, enc.scale))]
    if enc.indicator:
        unrecorded = _case(
            (exp.Is(this=measured.copy(), expression=exp.Null()), number(1)), default=number(0)
        )
        block.append(_float32(_scaled(unrecorded, enc.indicator_center, enc.indicator_scale)))
    return block


# The third CTE: distances to the centres; then the segment.


def _distance(encoded: list[str], center: list[float], metric: str) -> exp.Expression:
    """The distance assign compares: squared euclidean or manhattan, in double precision."""
    terms = []
    for name, c in zip(encoded, center, strict=True):
        value: exp.Expression = exp.Cast(this=_column(name), to=_DOUBLE.copy())
        if c != 0:
            value = exp.Paren(this=exp.Sub(this=value, expression=number(c)))
        if metric == "euclidean":
            terms.append(exp.Mul(this=value, expression=value.copy()))
        else:
            terms.append(exp.Abs(this=value))
    total = terms[0]
    for term in terms[1:]:
        total = exp.Add(this=total, expression=term)
    return total


def _nearest(distances: list[str]) -> list[tuple[exp.Expression, exp.Expression]]:
    """CASE branches picking the nearest centre, ties to the lowest segment (as argmin)."""
    branches = []
    for j, name in enumerate(distances[:-1]):
        closer = [
            exp.LTE(this=_column(name), expression=_column(other)) for other in distances[j + 1 :]
        ]
        branches.append((exp.and_(*closer, copy=False), number(j + 1)))
    return branches


def _condition(condition: Condition, value: str, fill: str | float) -> exp.Expression:
    """A rule's condition on the value the rules read (a missing value counts as its fill)."""
    column = _column(value)
    if condition.kind == "recorded":
        missing = exp.Is(this=column, expression=exp.Null())
        return exp.Not(this=missing) if condition.value else missing
    if condition.kind == "levels":
        filled = exp.Coalesce(this=column, expressions=[_text(str(fill))])
        return _in(filled, [_text(level) for level in condition.levels])
    filled = exp.Coalesce(this=column, expressions=[number(float(fill))])
    if condition.kind == "flag":
        return exp.EQ(this=filled, expression=number(float(condition.value)))
    parts: list[exp.Expression] = []
    if condition.at_least is not None:
        parts.append(exp.GTE(this=filled, expression=number(condition.at_least)))
    if condition.below is not None:
        parts.append(exp.LT(this=filled.copy(), expression=number(condition.below)))
    return exp.and_(*parts, copy=False)


def _rule(leaf: Leaf, names: _Names, fills: dict[str, str | float]) -> exp.Expression:
    parts = [_condition(c, names.values[c.column], fills[c.column]) for c in leaf.conditions]
    return exp.and_(*parts, copy=False) if parts else exp.true()


def _query(rules: RuleSet, names: _Names, source: exp.Table, used: list[Leaf]) -> exp.Select:
    space, placement = rules.placement.space, rules.placement
    schema = space.schema
    fills = rule_fills(space)
    kept = [_column(name) for name in names.keep]
    columns = [enc.column for enc in space.encoders_]
    clean = exp.select(
        *kept,
        *[exp.alias_(_clean(schema.column(c)), names.values[c], quoted=True) for c in columns],
        copy=False,
    ).from_(source, copy=False)
    every_missing = exp.and_(
        *[exp.Is(this=_column(names.values[c]), expression=exp.Null()) for c in columns],
        copy=False,
    )
    set_aside = [
        exp.Is(this=_column(names.values[c]), expression=exp.Null()) for c in space.set_aside
    ]
    unplaced = _case((exp.or_(every_missing, *set_aside, copy=False), number(1)), default=number(0))
    blocks = [_encoded(enc, names.values[enc.column], fills[enc.column]) for enc in space.encoders_]
    encoded_columns = [
        exp.alias_(expression, name, quoted=True)
        for expression, name in zip(
            [e for block in blocks for e in block], names.encoded, strict=True
        )
    ]
    measured = [
        exp.alias_(_measured(col, names.values[c]), names.values[c], quoted=True)
        if (col := schema.column(c)).sentinels
        else _column(names.values[c])
        for c in columns
    ]
    encoded = exp.select(
        *kept,
        *measured,
        exp.alias_(unplaced, names.unplaced, quoted=True),
        *encoded_columns,
        copy=False,
    ).from_(_cte_table(names.ctes[0]), copy=False)
    centers = placement.centers.astype(float).tolist()
    distances = exp.select(
        *kept,
        *[_column(names.values[c]) for c in columns],
        _column(names.unplaced),
        *[
            exp.alias_(_distance(names.encoded, center, placement.metric), name, quoted=True)
            for center, name in zip(centers, names.distances, strict=True)
        ],
        copy=False,
    ).from_(_cte_table(names.ctes[1]), copy=False)
    segment = _case(
        (exp.EQ(this=_column(names.unplaced), expression=number(1)), exp.Null()),
        *[(_rule(leaf, names, fills), number(leaf.segment)) for leaf in used],
        *_nearest(names.distances),
        default=number(placement.k),
    )
    final = exp.select(
        *[_column(name) for name in names.keep],
        exp.alias_(segment, SEGMENT_COLUMN, quoted=True),
        copy=False,
    ).from_(_cte_table(names.ctes[2]), copy=False)
    for name, body in zip(names.ctes, (clean, encoded, distances), strict=True):
        alias = exp.TableAlias(this=exp.to_identifier(name, quoted=True))
        final = final.with_(alias, as_=body, copy=False)
    return final


def _cte_table(name: str) -> exp.Table:
    return exp.Table(this=exp.to_identifier(name, quoted=True))


def _header(
    rules: RuleSet,
    dialect: str,
    mode: str,
    used: list[Leaf],
    exact: tuple[bool, ...],
    keep: list[str],
) -> str:
    """The comment lines above the query: which model, which rules, fidelity, dialect."""
    fidelity = rules.surrogate.fidelity
    reached = (
        "" if fidelity.reached else f"; {TARGET_FIDELITY:.0%} not reached within depth {MAX_DEPTH}"
    )
    which = "proven exact" if mode == "exact" else "faithful or proven exact"
    lines = [
        f"segmentasi {__version__}: each row's segment as `segmentasi assign` places it, in",
        f"experiment {rules.placement.space.experiment.name} ({rules.algorithm}, "
        f"k={rules.placement.k}, {rules.placement.metric} distance).",
        f"Dialect: {dialect}. First the {len(used)} rule(s) {which} (of {len(exact)}; "
        f"{sum(exact)} proven exact), then the model's nearest centre.",
        f"The rules' fidelity on held-out customers: {fidelity.overall:.1%} at depth "
        f"{fidelity.depth}{reached}.",
    ]
    if mode == "faithful":
        lines.append(
            "Faithful rules agree with the model on at least "
            f"{FAITHFUL_AGREEMENT:.0%} of their held-out customers, not all: segments can "
            "differ from assign's there."
        )
    if dialect in FLOAT32_DIALECTS:
        lines.append("Encoded values are rounded to 4-byte floats, as assign rounds them.")
    else:
        lines.append(
            f"{dialect} has no 4-byte float: encoded values stay doubles, so a customer almost "
            "exactly between two centres can be placed differently from assign."
        )
    lines += [
        f"Rows where every feature is missing, or a set-aside one is, get a NULL {SEGMENT_COLUMN}.",
        "Expects number and 0/1 columns as numbers and levels as text; "
        f"carries {len(keep)} column(s) through.",
    ]
    return "".join(f"-- {line}\n" for line in lines)
