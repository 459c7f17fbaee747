"""The one vocabulary of units: a :class:`Unit` and :func:`parse_unit`.

Every step that reads the ``unit`` of an indicator (the loaders, aggregation,
prevalence, funnel plots, the visibility gap, vintage conversion) reads it
through :func:`parse_unit`, so a unit is understood everywhere or refused at
load time, never half-understood in a report.

A unit has a **code**, which says how values are computed (``per_1000``:
``count / denominator * 1000``; ``percent``; ``proportion``; ``count``;
``score``...), and a **label**, which is what people read ("per 1,000
adults"). The tidy indicator table stores the code in ``unit`` and the label
in ``unit_label``.

Accepted forms (case and spacing do not matter)
-----------------------------------------------
* codes: ``count``, ``proportion``, ``percent``, ``per_N`` (any whole N, such
  as ``per_1000`` or ``per_100000``), ``score``, ``ratio``, ``rank``,
  ``decile``, ``quintile``, ``category``, ``other``;
* rates: "per 1,000", "per 1000 population", "per 1,000 adults", "rate per
  10,000 population", "crude rate per 100,000", "/1,000", "per thousand",
  "per 100k";
* percentages: "%", "percent", "per cent", "percentage", "% of adults",
  "per 100";
* proportions: "proportion", "fraction", "share";
* counts: "count", "number", "n", "people", "persons", "households";
* values without a rate: "score", "index", "ratio", "rank", "decile",
  "quintile", "category", "years", "value", "mean", "average", "£".

An empty unit gives ``default`` (rates per 1,000, the tool's usual unit).
Anything else is an :class:`~meam_mapping.errors.InputError` listing these
forms.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass

from meam_mapping.errors import InputError

__all__ = [
    "ACCEPTED_UNIT_FORMS",
    "UNIT_CODES",
    "VALUE_ONLY_CODES",
    "Unit",
    "parse_unit",
    "rate_unit",
    "unit_code",
    "unit_label",
]

#: The codes :func:`parse_unit` returns (``per_N`` stands for any positive N).
UNIT_CODES: tuple[str, ...] = (
    "count",
    "proportion",
    "percent",
    "per_N",
    "score",
    "ratio",
    "rank",
    "decile",
    "quintile",
    "category",
    "other",
)
#: Codes whose values are not ``count / denominator`` and are not counts.
VALUE_ONLY_CODES: frozenset[str] = frozenset(
    {"score", "ratio", "rank", "decile", "quintile", "category", "other"}
)

#: The forms :func:`parse_unit` understands, for messages.
ACCEPTED_UNIT_FORMS = (
    "'per 1,000' (any 'per N', also 'per 1,000 adults', 'rate per 100,000 population', "
    "'per_1000'), '%' / 'percent' / 'percentage', 'proportion', 'count' / 'number', "
    "'score', 'ratio', 'rank', 'decile', 'quintile', 'category', 'years' or 'other'"
)

_DEFAULT_LABELS = {
    "count": "count",
    "proportion": "proportion",
    "percent": "%",
    "score": "score",
    "ratio": "ratio",
    "rank": "rank",
    "decile": "decile",
    "quintile": "quintile",
    "category": "category",
    "other": "value",
}


@dataclass(frozen=True)
class Unit:
    """A unit of an indicator's values.

    Attributes
    ----------
    code : str
        Canonical code: ``count``, ``proportion``, ``percent``, ``per_N``
        (e.g. ``per_1000``), ``score``, ``ratio``, ``rank``, ``decile``,
        ``quintile``, ``category`` or ``other``.
    label : str
        As shown to people: the user's wording when given ("per 1,000
        adults"), else a readable default ("per 1,000", "%").
    multiplier : int or None
        ``value = count / denominator * multiplier`` (1,000 for ``per_1000``,
        100 for ``percent``, 1 for ``proportion``); None where the value is
        not a rate (counts, scores, ranks...).

    Examples
    --------
    >>> u = parse_unit("per 1,000 adults")
    >>> u.code, u.label, u.multiplier, u.is_rate
    ('per_1000', 'per 1,000 adults', 1000, True)
    """

    code: str
    label: str
    multiplier: int | None

    @property
    def is_rate(self) -> bool:
        """True where ``value = count / denominator * multiplier`` (rates, %, proportions)."""
        return self.multiplier is not None

    @property
    def is_proportion(self) -> bool:
        """True for ``percent`` and ``proportion``: the count is part of the denominator."""
        return self.code in ("percent", "proportion")

    @property
    def is_percent(self) -> bool:
        """True for ``percent``."""
        return self.code == "percent"

    @property
    def is_count(self) -> bool:
        """True for ``count``: the value is the count itself."""
        return self.code == "count"

    @property
    def is_value_only(self) -> bool:
        """True for scores, ratios, ranks, deciles...: values that cannot be summed."""
        return self.code in VALUE_ONLY_CODES

    def rate(self, count: float, denominator: float) -> float:
        """``count / denominator * multiplier`` (NaN for a zero or unknown denominator)."""
        if self.multiplier is None:
            raise InputError(
                f"the unit {self.label!r} is not a rate",
                expected="a rate unit such as 'per 1,000', '%' or 'proportion'",
            )
        if not denominator or math.isnan(denominator):
            return float("nan")
        return count / denominator * self.multiplier


def _per(n: int, label: str | None) -> Unit:
    if n == 100:
        return Unit("percent", label or "%", 100)
    return Unit(f"per_{n}", label or f"per {n:,}", n)


_NUMBER_WORDS = {
    "hundred": 100,
    "thousand": 1_000,
    "ten thousand": 10_000,
    "hundred thousand": 100_000,
    "million": 1_000_000,
}
_PER = re.compile(
    r"(?:\bper\b|(?<![\d/])/)\s*(?P<n>\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)\s*(?P<k>k\b)?"
)
_PER_WORDS = re.compile(r"\bper\s+(?P<w>hundred thousand|ten thousand|thousand|hundred|million)\b")
_CODE = re.compile(r"^per_(\d+)$")

_WORDS: tuple[tuple[str, str], ...] = (
    (
        r"^(%|percent|per ?cent|percentage|pct)$|^%\s|^(percent|percentage|per ?cent) of\b",
        "percent",
    ),
    (r"^(proportion|fraction|share)( of\b.*)?$", "proportion"),
    (
        r"^(counts?|number|numbers|n|people|persons|households|individuals|"
        r"number of .+|count of .+)$",
        "count",
    ),
    (r"^(scores?|index|index score|.* score)$", "score"),
    (r"^(ratio|rate ratio|.* ratio)$", "ratio"),
    (r"^ranks?$", "rank"),
    (r"^deciles?$", "decile"),
    (r"^quintiles?$", "quintile"),
    (r"^(category|categories|class)$", "category"),
    (r"^(other|value|values|years|mean|average|median|£|pounds|gbp)$", "other"),
)


@functools.lru_cache(maxsize=1024)
def _parse(text: str, keep_label: bool) -> Unit | None:
    raw = text.strip()
    low = re.sub(r"\s+", " ", raw.lower().replace("_", " ")).strip()
    label = raw if keep_label else None
    code = _CODE.match(raw.lower().strip())
    if code and int(code.group(1)) > 0:
        return _per(int(code.group(1)), label)
    per = _PER.search(low)
    if per:
        n = float(per.group("n").replace(",", ""))
        if per.group("k"):
            n *= 1000
        if n >= 1 and n.is_integer():
            return _per(int(n), label)
        return None
    words = _PER_WORDS.search(low)
    if words:
        return _per(_NUMBER_WORDS[words.group("w")], label)
    for pattern, found in _WORDS:
        if re.search(pattern, low):
            return Unit(
                found, label or _DEFAULT_LABELS[found], {"percent": 100, "proportion": 1}.get(found)
            )
    return None


def parse_unit(
    text: object,
    *,
    default: str | None = "per_1000",
    file: str | None = None,
    row: int | list[int] | None = None,
    column: str | None = "unit",
) -> Unit:
    """Read a unit written as a code or as people write it.

    Parameters
    ----------
    text : str or Unit
        The unit: a code (``per_1000``) or wording ("per 1,000 adults", "%",
        "rate per 10,000 population", "count", "score"). A :class:`Unit` is
        returned as it is.
    default : str or None, default 'per_1000'
        Unit used when ``text`` is empty or missing; None to refuse an empty
        unit.
    file, row, column : optional
        Where the unit was read, for the error message.

    Returns
    -------
    Unit
        The label is the wording given (codes get a readable default label).

    Raises
    ------
    InputError
        If the unit is not understood; the message lists the accepted forms.

    Examples
    --------
    >>> parse_unit("per_1000").label
    'per 1,000'
    >>> parse_unit("rate per 10,000 population").code
    'per_10000'
    >>> parse_unit("%").multiplier
    100
    """
    if isinstance(text, Unit):
        return text
    blank = text is None or (isinstance(text, float) and math.isnan(text))
    if blank or not str(text).strip() or str(text).strip().lower() in {"nan", "none"}:
        if default is None:
            raise InputError(
                "no unit was given",
                file=file,
                row=row,
                column=column,
                expected=ACCEPTED_UNIT_FORMS,
                fix="Write the unit in one of these forms",
            )
        return parse_unit(default, default=None)
    wording = str(text)
    is_code = wording.strip().lower() in _DEFAULT_LABELS or bool(_CODE.match(wording.strip()))
    unit = _parse(wording, not is_code)
    if unit is None:
        raise InputError(
            f"the unit {wording!r} is not understood",
            file=file,
            row=row,
            column=column,
            expected=ACCEPTED_UNIT_FORMS,
            fix="Write the unit in one of these forms (for example 'per 1,000 adults')",
        )
    return unit


def rate_unit(text: object, *, default: str | None = "per_1000") -> Unit:
    """Like :func:`parse_unit`, but refuse units that are not rates.

    Raises
    ------
    InputError
        If the unit is not understood, or is a count, score, rank... for
        which ``count / denominator`` means nothing.
    """
    unit = parse_unit(text, default=default)
    if not unit.is_rate:
        raise InputError(
            f"the unit {unit.label!r} is not a rate, so no rate or interval can be worked out",
            column="unit",
            expected="a rate unit: 'per 1,000' (any 'per N'), '%' or 'proportion'",
            fix="Choose an indicator with counts and denominators, or give its rate unit",
        )
    return unit


def unit_code(text: object, *, default: str | None = "per_1000") -> str:
    """The canonical code of a unit (see :func:`parse_unit`)."""
    return parse_unit(text, default=default).code


def unit_label(text: object, *, default: str | None = "per_1000") -> str:
    """The readable label of a unit (see :func:`parse_unit`)."""
    return parse_unit(text, default=default).label
