"""A first schema for any bank's table, for a person to confirm: `segmentasi schema infer`.

Pure functions from a table to TOML text. Every column gets a role (id, numeric, ordinal,
nominal, product, flag, derived count, or index = ignored), levels in a sensible order, a valid
range with a margin, the tokens that mean missing, sentinel numbers and yes/no words; then two
experiments (demographics, and products when at least two product-like flags exist). Each
guess the rules were not sure of carries a `# check:` comment saying what to look at.

The same table always gives the same text: nothing here is random and every order is fixed
(file order for columns, then frequency and name for levels).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import InputError
from .files import read_table
from .sweep import SweepOptions

# Cells that mean "not recorded" (compared case-insensitively, after stripping spaces).
MISSING_TOKENS = ("unknown", "na", "n/a", "-", "?", "", "none", "null", "nan", "missing", "#n/a")
# Pairs of words for yes and no (lower case); a column whose values are one pair is binary.
YES_NO = (
    ("yes", "no"),
    ("y", "n"),
    ("true", "false"),
    ("t", "f"),
    ("ya", "tidak"),
    ("1", "0"),
    ("1.0", "0.0"),
)
# Names of 0/1 columns that are products a bank offers (matched in the lower-case name).
PRODUCT_WORDS = re.compile(
    r"(^has|^is_?owner|produk|product|card|kartu|loan|kredit|credit|deposit|deposito|saving|"
    r"tabungan|mortgage|kpr|housing|account|rekening|insurance|asuransi|invest|reksa|pension|"
    r"pensiun|giro|checking|current_?acc|overdraft|lease|leasing)"
)
# Names that say a column identifies a customer.
ID_WORDS = re.compile(r"(^id$|_id$|^id_|id$|num$|number$|^no_|code$|cif|customer|client|nasabah)")
# Names of a row number an export added.
ROW_NUMBER_WORDS = re.compile(r"^(unnamed: ?\d+|index|idx|row|rownum|row_?number|row_?no|no|#)$")
# Ranked vocabularies: a categorical column all of whose levels are in one is ordinal.
EDUCATION = {
    "tidak sekolah formal": 0,
    "tidak sekolah": 0,
    "illiterate": 0,
    "uneducated": 0,
    "no education": 0,
    "sd": 1,
    "primary": 1,
    "elementary": 1,
    "basic.4y": 1,
    "basic.6y": 1.5,
    "smp": 2,
    "basic.9y": 2,
    "middle school": 2,
    "sma": 3,
    "smk": 3,
    "secondary": 3,
    "high school": 3,
    "high.school": 3,
    "d3": 4,
    "diploma": 4,
    "college": 4,
    "professional.course": 4,
    "sarjana": 5,
    "s1": 5,
    "tertiary": 5,
    "graduate": 5,
    "bachelor": 5,
    "university.degree": 5,
    "university": 5,
    "magister": 6,
    "s2": 6,
    "master": 6,
    "masters": 6,
    "post-graduate": 6,
    "postgraduate": 6,
    "doktor": 7,
    "s3": 7,
    "doctorate": 7,
    "phd": 7,
}
GRADES = {
    "very low": 0,
    "sangat rendah": 0,
    "low": 1,
    "rendah": 1,
    "medium": 2,
    "mid": 2,
    "moderate": 2,
    "average": 2,
    "sedang": 2,
    "high": 3,
    "tinggi": 3,
    "very high": 4,
    "sangat tinggi": 4,
}
CARD_TIERS = {"classic": 0, "blue": 1, "silver": 2, "gold": 3, "platinum": 4, "black": 5}
VOCABULARIES = (("education", EDUCATION), ("grades", GRADES), ("card tiers", CARD_TIERS))
MONTHS = {
    name: i
    for i, names in enumerate(
        (
            ("jan", "january", "januari"),
            ("feb", "february", "februari"),
            ("mar", "march", "maret"),
            ("apr", "april"),
            ("may", "mei"),
            ("jun", "june", "juni"),
            ("jul", "july", "juli"),
            ("aug", "august", "agu", "agustus"),
            ("sep", "sept", "september"),
            ("oct", "october", "okt", "oktober"),
            ("nov", "november", "nopember"),
            ("dec", "december", "des", "desember"),
        )
    )
    for name in names
}
NUMBER_IN_TEXT = re.compile(r"(\d+(?:[.,]\d+)?)")
BELOW_WORDS = re.compile(r"(<|less than|under|below|kurang dari|di bawah)")
ABOVE_WORDS = re.compile(r"(>|\+|more than|over|above|lebih dari|di atas)")
# Share of distinct values from which a column is a candidate id.
ID_DISTINCT_SHARE = 0.9
# A text column with more levels than this (and than a tenth of the rows) is free text.
MAX_LEVELS = 50
# Names of columns that hold a model's output rather than a customer's trait.
MODEL_OUTPUT_WORDS = re.compile(r"(classifier|prediction|predicted|probabilit|propensity)")
# A sentinel holds at least this many cells.
MIN_SENTINEL_CELLS = 2


@dataclass
class Guess:
    """What the rules make of one column."""

    name: str
    role: str
    levels: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    true_values: list[str] = field(default_factory=list)
    false_values: list[str] = field(default_factory=list)
    sentinels: list[float] = field(default_factory=list)
    minimum: float | None = None
    maximum: float | None = None
    integer: bool = False
    of: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what the rules saw (plain comments)
    checks: list[str] = field(default_factory=list)  # guesses to confirm (# check:)


def infer_schema(data: pd.DataFrame | str | Path, name: str | None = None) -> str:
    """A commented schema (TOML text) for `data`, a table file or a DataFrame, to confirm and
    pass to `--schema`. Raises InputError when the table cannot be read or has too little in
    it (no rows, a single column)."""
    if isinstance(data, pd.DataFrame):
        frame, source = data, "a DataFrame"
    else:
        path = Path(data)
        frame, source = read_table(path), path.name
        if name is None:
            name = re.sub(r"[^\w.-]+", "_", path.stem).strip("_") or "bank"
    _check_frame(frame, source)
    guesses = infer_columns(frame)
    portfolios = _portfolios(guesses, frame.reset_index(drop=True))
    return render(guesses, name or "bank", source, len(frame), portfolios)


def _check_frame(frame: pd.DataFrame, source: str) -> None:
    if frame.shape[1] < 2:
        raise InputError(
            f"{source}: the table has {frame.shape[1]} column; a customer table needs at least "
            "two (is the separator a comma, semicolon or tab?)"
        )
    if len(frame) == 0:
        raise InputError(f"{source}: the table has no data rows")
    repeated = sorted({str(c) for c in frame.columns[frame.columns.duplicated()]})
    if repeated:
        raise InputError(f"{source}: column name(s) {repeated} appear more than once")
    if any(not str(c).strip() for c in frame.columns):
        raise InputError(f"{source}: a column has an empty name")


def infer_columns(frame: pd.DataFrame) -> list[Guess]:
    """One Guess per column, in file order."""
    frame = frame.reset_index(drop=True)
    guesses = [_guess(str(name), frame.iloc[:, i]) for i, name in enumerate(frame.columns)]
    _choose_id(guesses, frame)
    _find_derived(guesses, frame)
    return guesses


# --- one column --------------------------------------------------------------------------


def _text(series: pd.Series) -> pd.Series:
    """Cells as stripped text; missing cells as <NA>."""
    if pd.api.types.is_bool_dtype(series):
        series = series.map({True: "true", False: "false"})
    text = series.astype("string").str.strip()
    return text


def _guess(name: str, series: pd.Series) -> Guess:
    text = _text(series)
    lowered = text.str.lower()
    token_cells = lowered.isin(MISSING_TOKENS) & text.notna()
    missing = sorted(set(text[token_cells].dropna()), key=lambda v: (v.lower(), v))
    values = text[~token_cells & text.notna()]
    guess = Guess(name, "nominal", missing=[m for m in missing if m])
    if missing:
        share = float(token_cells.mean())
        guess.notes.append(
            f"{', '.join(json.dumps(m) for m in missing)} read as missing ({share:.1%} of rows)"
        )
    if values.empty:
        guess.role = "index"
        guess.checks.append("no value recorded in any row: ignored")
        return guess
    if _binary(guess, values):
        return guess
    numbers = _numbers(values)
    if numbers is not None:
        _numeric(guess, numbers)
        return guess
    _categorical(guess, values)
    return guess


def _numbers(values: pd.Series) -> pd.Series | None:
    """The values as numbers when every one is a number (decimal point or comma), else None."""
    numbers = pd.to_numeric(values, errors="coerce")
    if numbers.notna().all():
        return numbers.astype(float)
    comma = values.str.fullmatch(r"[+-]?\d{1,3}(\.\d{3})*(,\d+)?|[+-]?\d+(,\d+)?")
    if comma.all():
        return pd.to_numeric(
            values.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
        ).astype(float)
    return None


def _binary(guess: Guess, values: pd.Series) -> bool:
    """A two-valued yes/no column: product when its name says so, else a flag."""
    distinct = set(values.str.lower())
    for yes, no in YES_NO:
        if distinct == {yes, no}:
            break
    else:
        return False
    if (yes, no) not in (("1", "0"), ("1.0", "0.0")):
        guess.true_values = sorted({v for v in values if v.lower() == yes})
        guess.false_values = sorted({v for v in values if v.lower() == no})
    if PRODUCT_WORDS.search(guess.name.lower()):
        guess.role = "product"
        guess.notes.append("a yes/no column named like a product: offered to segments")
    else:
        guess.role = "flag"
        guess.checks.append(
            "yes/no column not named like a product: profiled, never offered; "
            'write role = "product" if the bank sells it'
        )
    share = float(values.str.lower().eq(yes).mean())
    guess.notes.append(f"{share:.1%} of recorded rows are yes")
    return True


def _numeric(guess: Guess, numbers: pd.Series) -> None:
    guess.role = "numeric"
    whole = bool((numbers == np.round(numbers)).all())
    guess.integer = whole
    if _row_number(guess.name, numbers):
        guess.role = "index"
        guess.notes.append("a row number (ignored)")
        return
    sentinel = _sentinel(numbers)
    measured = numbers
    if sentinel is not None:
        guess.sentinels = [sentinel]
        count = int((numbers == sentinel).sum())
        measured = numbers[numbers != sentinel]
        guess.checks.append(
            f"{_number(sentinel)} ({count:,} rows, {count / len(numbers):.1%}) lies far outside "
            f"the other values ({_number(measured.min())} to {_number(measured.max())}): read "
            'as a code; say what it means with meaning = "..." / meaning_en = "..."'
        )
    low, high = float(measured.min()), float(measured.max())
    guess.notes.append(
        f"{'whole numbers' if whole else 'numbers'} from {_number(low)} to {_number(high)}, "
        f"median {_number(float(measured.median()))}"
    )
    if low >= 0 and high <= 1 and not whole:
        guess.minimum, guess.maximum = 0.0, 1.0
    else:
        guess.minimum = 0.0 if low >= 0 else _rounded(low * 2 if low < 0 else low, down=True)
        guess.maximum = _rounded(high * 2 if high > 0 else 0.0, down=False)
    if MODEL_OUTPUT_WORDS.search(guess.name.lower()):
        guess.checks.append(
            "named like a model's output, not a customer's trait: profiled, left out of the "
            "experiments"
        )
    if len(measured) > 2 and low >= 0 and float(measured.skew()) > 3:
        guess.checks.append(
            'strongly right-skewed: scale = "log" may separate customers better than "standard"'
        )


def _row_number(name: str, numbers: pd.Series) -> bool:
    """A row number: named so, or the whole numbers 0..n-1 or 1..n in order."""
    if not (numbers == np.round(numbers)).all() or numbers.duplicated().any():
        return False
    if ROW_NUMBER_WORDS.match(name.strip().lower()):
        return True
    first = float(numbers.iloc[0])
    return first in (0.0, 1.0) and bool((np.diff(numbers.to_numpy()) == 1).all())


def _sentinel(numbers: pd.Series) -> float | None:
    """A constant far outside the rest: a negative code below values that are never negative
    (-1 in a count of days), or 9, 99, 999... far above all the others."""
    low, high = float(numbers.min()), float(numbers.max())
    if low < 0 and (numbers == low).sum() >= MIN_SENTINEL_CELLS:
        rest = numbers[numbers != low]
        if len(rest) and float(rest.min()) >= 0 and low in (-1, -9, -99, -999, -9999):
            return low
    if (
        re.fullmatch(r"9{2,}(\.0)?", _number(high))
        and (numbers == high).sum() >= MIN_SENTINEL_CELLS
    ):
        rest = numbers[numbers != high]
        if len(rest) and float(rest.max()) * 3 < high:
            return high
    return None


def _categorical(guess: Guess, values: pd.Series) -> None:
    counts = values.value_counts()
    levels = sorted(counts.index, key=lambda lv: (-int(counts[lv]), lv))
    rows = len(values)
    if len(levels) > MAX_LEVELS and len(levels) > rows / 10:
        guess.role = "index"
        guess.checks.append(
            f"text with {len(levels):,} different values in {rows:,} recorded rows (names, "
            "free text?): ignored. If it identifies customers it can be the id"
        )
        guess.levels = levels  # kept for the id choice, not written
        return
    for what, vocabulary in VOCABULARIES:
        ranks = [vocabulary.get(lv.lower()) for lv in levels]
        if all(r is not None for r in ranks):
            guess.role = "ordinal"
            guess.levels = [lv for _, lv in sorted(zip(ranks, levels, strict=True))]
            guess.notes.append(f"levels ordered as {what}, low to high")
            if what != "education":
                guess.checks.append(f"ordered as {what}; make it nominal if there is no order")
            return
    banded = _banded(levels)
    if banded is not None and len(levels) >= 2:
        guess.role = "ordinal"
        guess.levels = banded
        guess.notes.append("levels ordered by the numbers in them, low to high")
        return
    guess.role = "nominal"
    if all(lv.lower() in MONTHS for lv in levels):
        guess.levels = sorted(levels, key=lambda lv: (MONTHS[lv.lower()], lv))
        guess.notes.append("months, in calendar order (nominal: the year wraps around)")
        return
    guess.levels = levels
    guess.notes.append("levels from the most to the least frequent")
    if len(levels) > 20:
        guess.checks.append(
            f"{len(levels)} levels: each becomes a column of the clustering; consider leaving it "
            "out of the experiments' features"
        )


def _banded(levels: list[str]) -> list[str] | None:
    """Levels such as "< 1 Tahun", "2 - 3 Tahun", "> 4 Tahun" or "Less than $40K",
    "$40K - $60K", "$120K +" in the order of their numbers; None unless every level has one."""
    keys = []
    for level in levels:
        found = NUMBER_IN_TEXT.search(level)
        if not found:
            return None
        value = float(found.group(1).replace(",", "."))
        lowered = level.lower()
        if BELOW_WORDS.search(lowered[: found.start()]):
            value -= 0.5
        elif ABOVE_WORDS.search(lowered) and not NUMBER_IN_TEXT.search(lowered[found.end() :]):
            value += 0.5
        keys.append(value)
    if len(set(keys)) < len(keys):
        return None
    return [lv for _, lv in sorted(zip(keys, levels, strict=True))]


# --- the table as a whole ----------------------------------------------------------------


def _choose_id(guesses: list[Guess], frame: pd.DataFrame) -> None:
    """The customer id: unique or nearly unique text or whole numbers, preferring a name that
    says id, then text, then numbers of one length (account numbers), in file order."""
    candidates = []
    for position, guess in enumerate(guesses):
        if guess.role not in ("index", "nominal", "numeric"):
            continue
        text = _text(frame.iloc[:, position]).dropna()
        if text.empty or text.nunique() < ID_DISTINCT_SHARE * len(frame):
            continue
        if (
            guess.role == "index"
            and guess.sentinels == []
            and "row number" in " ".join(guess.notes)
        ):
            continue
        named = bool(ID_WORDS.search(guess.name.lower()))
        numeric = _numbers(text) is not None
        if numeric:
            whole = text.str.fullmatch(r"\d+").all()
            one_length = text.str.len().nunique() == 1 and text.str.len().iloc[0] >= 5
            if not whole or not (named or one_length):
                continue
        candidates.append((not named, numeric, position, guess, text))
    if not candidates:
        return
    *_, guess, text = min(candidates, key=lambda c: c[:3])
    repeated = int(text.duplicated().sum())
    guess.role, guess.levels, guess.notes = "id", [], []
    guess.minimum = guess.maximum = None
    guess.integer = False
    guess.checks = []
    guess.notes.append(
        "identifies customers: "
        + (f"{repeated:,} rows repeat an id" if repeated else "every value is different")
    )
    others = [c for c in candidates if c[3] is not guess]
    if others:
        guess.checks.append(
            f"chosen among {', '.join(json.dumps(c[3].name) for c in [*others])} and this one"
        )


def _portfolios(guesses: list[Guess], frame: pd.DataFrame) -> int:
    """How many different combinations of the product columns the rows hold."""
    products = [g for g in guesses if g.role == "product"]
    if not products:
        return 0
    flags = pd.DataFrame({g.name: _as_zero_one(frame[g.name], g) for g in products})
    return len(flags.drop_duplicates())


def _find_derived(guesses: list[Guess], frame: pd.DataFrame) -> None:
    """A whole-number column equal to the row sum of the product columns is their count."""
    products = [g.name for g in guesses if g.role == "product"]
    if len(products) < 2:
        return
    flags = pd.DataFrame(
        {g.name: _as_zero_one(frame[g.name], g) for g in guesses if g.role == "product"}
    )
    total = flags.sum(axis=1, min_count=len(products))
    for guess in guesses:
        if guess.role != "numeric" or not guess.integer or guess.sentinels:
            continue
        numbers = pd.to_numeric(_text(frame[guess.name]), errors="coerce")
        both = numbers.notna() & total.notna()
        if both.any() and bool((numbers[both] == total[both]).all()):
            guess.role = "derived_count"
            guess.of = products
            guess.minimum = guess.maximum = None
            guess.notes = [f"equals the sum of the {len(products)} product columns in every row"]


def _as_zero_one(series: pd.Series, guess: Guess) -> pd.Series:
    lowered = _text(series).str.lower()
    yes = {v.lower() for v in guess.true_values} or {"1", "1.0"}
    no = {v.lower() for v in guess.false_values} or {"0", "0.0"}
    return pd.Series(
        np.where(lowered.isin(yes), 1.0, np.where(lowered.isin(no), 0.0, np.nan)),
        index=series.index,
    )


# --- writing -----------------------------------------------------------------------------


def _number(value: float) -> str:
    """A number as TOML and people write it: 3, -1, 0.5, 12000."""
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.6g}"


def _rounded(value: float, down: bool) -> float:
    """A round bound beyond `value`: 2 significant digits, away from the data."""
    if value == 0:
        return 0.0
    step = 10 ** (math.floor(math.log10(abs(value))) - 1)
    rounding = math.floor if down else math.ceil
    return float(rounding(value / step) * step)


def _string(text: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's)."""
    return json.dumps(text, ensure_ascii=False)


def _strings(texts: list[str]) -> str:
    return "[" + ", ".join(_string(t) for t in texts) + "]"


def _wrapped(key: str, texts: list[str], width: int = 96) -> list[str]:
    """`key = [..]` over several lines when long."""
    line = f"{key} = {_strings(texts)}"
    if len(line) <= width:
        return [line]
    lines, current = [], f"{key} = ["
    for i, text in enumerate(texts):
        item = _string(text) + ("," if i < len(texts) - 1 else "]")
        if len(current) + len(item) + 1 > width:
            lines.append(current.rstrip())
            current = "    "
        current += item + " "
    lines.append(current.rstrip())
    return lines


def render(guesses: list[Guess], name: str, source: str, rows: int, portfolios: int = 0) -> str:
    """The schema as commented TOML."""
    checks = sum(len(g.checks) for g in guesses)
    out = [
        f"# Schema inferred by `segmentasi schema infer` from {source} ({rows:,} rows, "
        f"{len(guesses)} columns).",
        "# Confirm it before relying on the segments: every guess the rules were unsure of has",
        f"# a '# check:' comment ({checks} here). docs/schema.md describes every key.",
        "# Use it with: segmentasi run DATA --schema THIS_FILE",
        "# label / label_en: how the report names each column, in Bahasa Indonesia and English;",
        "# written from the column's name (reword them freely, in either language).",
        "",
        f"name = {_string(name)}",
        f"description = {_string(f'Inferred from {source}')}",
    ]
    for guess in guesses:
        out += ["", *_column_lines(guess)]
    out += ["", *_experiment_lines(guesses, portfolios)]
    return "\n".join(out) + "\n"


def readable(name: str) -> str:
    """A column name as words for a label: "Customer_Age" -> "customer age", "CreditScore"
    -> "credit score", "housing" -> "housing"; words in capitals stay ("CLIENTNUM", "KPR")."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z][a-z])|(?<=[a-z])(?=[A-Z])", " ", name)
    words = [w for w in re.split(r"[\s_.\-]+", spaced) if w]
    text = " ".join(w if len(w) > 1 and w.isupper() else w.lower() for w in words)
    return text or name


def _column_lines(guess: Guess) -> list[str]:
    lines = [f"# {note}" for note in guess.notes]
    lines += [f"# check: {check}" for check in guess.checks]
    lines += ["[[columns]]", f"name = {_string(guess.name)}", f"role = {_string(guess.role)}"]
    if guess.role != "index":
        label = _string(readable(guess.name))
        lines += [f"label = {label}", f"label_en = {label}"]
    if guess.role in ("ordinal", "nominal"):
        lines += _wrapped("levels", guess.levels)
    if guess.role == "derived_count":
        lines += _wrapped("of", guess.of)
    if guess.missing and guess.role != "index":
        lines.append(f"missing_values = {_strings(guess.missing)}")
    if guess.true_values:
        lines.append(f"true_values = {_strings(guess.true_values)}")
        lines.append(f"false_values = {_strings(guess.false_values)}")
    if guess.role == "numeric":
        if guess.minimum is not None:
            lines.append(f"min = {_number(guess.minimum)}")
        if guess.maximum is not None:
            lines.append(f"max = {_number(guess.maximum)}")
        if guess.integer:
            lines.append("integer = true")
        if guess.sentinels:
            entries = ", ".join(f"{{ value = {_number(v)} }}" for v in guess.sentinels)
            lines.append(f"sentinels = [{entries}]")
    return lines


def _experiment_lines(guesses: list[Guess], portfolios: int) -> list[str]:
    demographic = [
        g.name
        for g in guesses
        if g.role in ("numeric", "ordinal", "nominal")
        and not MODEL_OUTPUT_WORDS.search(g.name.lower())
    ]
    products = [g.name for g in guesses if g.role == "product"]
    lines = [
        "# The experiments: `features` are what each clustering sees; every other column is",
        "# profiled. metric: the distance K-Medoids uses (euclidean | manhattan | gower).",
    ]
    if demographic:
        lines += [
            "# check: the customers' own traits; take out columns that describe a campaign or an",
            "# outcome rather than the customer, or that restate another column",
            "[experiments.demografi]",
            f"description = {_string('Segmen demografis, lalu kepemilikan produk per segmen')}",
            "description_en = "
            + _string("Demographic segments, then product ownership per segment"),
            *_wrapped("features", demographic),
            'metric = "euclidean"',
        ]
    k_max = max(SweepOptions().ks)
    if len(products) >= 2 and portfolios < k_max:
        lines += [
            "",
            f"# check: the {len(products)} product columns take only {portfolios} different "
            f"combinations, too few to cluster with k up to {k_max}: no product-portfolio",
            "# experiment. To add one anyway, copy the block below without the '# ' and run with",
            f"# --k-max {portfolios}:",
            "# [experiments.produk]",
            "# description = "
            + _string("Kelompok portofolio produk, lalu profil demografis per kelompok"),
            "# description_en = "
            + _string("Product-portfolio groups, then the demographic profile per group"),
            "# " + _wrapped("features", products, width=200)[0],
            '# metric = "manhattan"',
        ]
    elif len(products) >= 2:
        lines += [
            "",
            "# On 0/1 flags manhattan counts the differing flags (Hamming distance).",
            "[experiments.produk]",
            "description = "
            + _string("Kelompok portofolio produk, lalu profil demografis per kelompok"),
            "description_en = "
            + _string("Product-portfolio groups, then the demographic profile per group"),
            *_wrapped("features", products),
            'metric = "manhattan"',
        ]
    elif products:
        lines.append(
            f"# Only one product column ({products[0]}): no product-portfolio experiment "
            "(it needs two or more)."
        )
    return lines
