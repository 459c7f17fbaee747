"""Periods as time spans, so they sort as time and not as text.

Text sorting puts "Q4 2024" after "Q1 2025" and "Jan 2025" before "Dec
2024"; the "latest" period would then be wrong. :func:`parse_period` reads the
forms English public-sector tables use into a start and end date, and
:func:`period_key` / :func:`sort_periods` / :func:`latest_period` order them.

Forms read (case does not matter)
---------------------------------
* financial years: ``2023/24``, ``2023-24``, ``2023/2024``, ``FY2023/24``,
  ``2023-24 financial year`` (1 April to 31 March);
* financial quarters: ``2024/25 Q1`` or ``Q1 2024/25`` (Q1 = April to June);
* calendar quarters: ``Q4 2024``, ``2024 Q1``, ``2024Q1``, ``2024-Q1``;
* month ranges: ``Jan-Mar 2025``, ``January to March 2025``, ``Oct 2024 to
  Mar 2025``;
* months: ``Jan 2025``, ``January 2025``, ``2025-01``, ``01/2025``;
* dates: ``2025-01-31``, ``31/01/2025``;
* calendar years: ``2024``, ``CY2024``; pooled years ``2019 - 21`` and
  ``2019-2021`` (three calendar years, as Fingertips writes them);
* pooled financial years: ``2017/18 - 19/20``.

Periods that cannot be read (``unspecified``, "latest") sort after every
period that can, in the order they were given.
"""

from __future__ import annotations

import calendar
import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

__all__ = ["Period", "latest_period", "parse_period", "period_key", "sort_periods"]

_MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_abbr) if m}
_MONTHS.update({m.lower(): i for i, m in enumerate(calendar.month_name) if m})
_MONTHS["sept"] = 9
_MONTH = r"(?P<{}>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"


@dataclass(frozen=True, order=True)
class Period:
    """A period read as a span of time.

    Attributes
    ----------
    start, end : datetime.date
        First and last day of the period.
    granularity : str
        ``'day'``, ``'month'``, ``'months'``, ``'quarter'``, ``'financial_year'``,
        ``'year'`` or ``'years'``.
    """

    start: date
    end: date
    granularity: str


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _century(start: int, short: str) -> int:
    """``2019`` and ``'21'`` -> 2021; ``1999`` and ``'00'`` -> 2000."""
    if len(short) == 4:
        return int(short)
    end = start // 100 * 100 + int(short)
    return end + 100 if end < start else end


def _fy(start_year: int) -> tuple[date, date]:
    return date(start_year, 4, 1), date(start_year + 1, 3, 31)


def _fy_quarter(start_year: int, q: int) -> Period:
    month = 4 + 3 * (q - 1)
    year = start_year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    return Period(date(year, month, 1), _month_end(year, month + 2), "quarter")


def _calendar_quarter(year: int, q: int) -> Period:
    month = 3 * (q - 1) + 1
    return Period(date(year, month, 1), _month_end(year, month + 2), "quarter")


_FY = r"(?P<y>(?:19|20)\d\d)\s*[/-]\s*(?P<z>\d\d(?:\d\d)?)"
_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (
        re.compile(rf"^(?:fy\s*)?{_FY}\s*[-–]\s*(?P<y2>\d\d(?:\d\d)?)\s*/\s*(?P<z2>\d\d)$"),
        "fy_pool",
    ),
    (re.compile(rf"^(?:fy\s*)?{_FY}\s*,?\s*q(?P<q>[1-4])$"), "fy_q"),
    (re.compile(rf"^q(?P<q>[1-4])\s*,?\s*(?:fy\s*)?{_FY}$"), "fy_q"),
    (re.compile(r"^(?P<y>(?:19|20)\d\d)-(?P<m>0[1-9]|1[0-2])$"), "iso_month"),
    (re.compile(r"^(?P<y>(?:19|20)\d\d)\s*[-–]\s*(?P<z>\d\d(?:\d\d)?)\s*$"), "dash_years"),
    (re.compile(rf"^(?:fy\s*)?{_FY}(?:\s*(?:financial year|fy))?$"), "fy"),
    (re.compile(r"^q(?P<q>[1-4])\s*[-,]?\s*(?P<y>(?:19|20)\d\d)$"), "cq"),
    (re.compile(r"^(?P<y>(?:19|20)\d\d)\s*[-,]?\s*q(?P<q>[1-4])$"), "cq"),
    (
        re.compile(
            rf"^{_MONTH.format('m1')}\s*(?P<y1>(?:19|20)\d\d)?\s*(?:-|–|to)\s*"
            rf"{_MONTH.format('m2')}\s*(?P<y>(?:19|20)\d\d)$"
        ),
        "month_range",
    ),
    (re.compile(rf"^{_MONTH.format('m')}\s*,?\s*(?P<y>(?:19|20)\d\d)$"), "month"),
    (re.compile(r"^(?P<y>(?:19|20)\d\d)-(?P<m>\d\d)-(?P<d>\d\d)$"), "iso_date"),
    (re.compile(r"^(?P<d>\d\d?)/(?P<m>\d\d?)/(?P<y>(?:19|20)\d\d)$"), "uk_date"),
    (re.compile(r"^(?P<m>\d\d?)/(?P<y>(?:19|20)\d\d)$"), "num_month"),
    (re.compile(r"^(?:cy\s*)?(?P<y>(?:19|20)\d\d)$"), "year"),
]


def _build(kind: str, g: dict[str, str]) -> Period | None:  # noqa: PLR0911 - one branch per form
    y = int(g["y"])
    if kind == "fy":
        end_year = _century(y, g["z"])
        if end_year != y + 1:
            return None
        return Period(*_fy(y), "financial_year")
    if kind == "fy_q":
        if _century(y, g["z"]) != y + 1:
            return None
        return _fy_quarter(y, int(g["q"]))
    if kind == "fy_pool":
        first_end = _century(y, g["z"])
        last_start = _century(y, g["y2"])
        if first_end != y + 1 or _century(last_start, g["z2"]) != last_start + 1:
            return None
        return Period(_fy(y)[0], _fy(last_start)[1], "years")
    if kind == "dash_years":
        end_year = _century(y, g["z"])
        if end_year == y + 1 and len(g["z"]) == 2:
            return Period(*_fy(y), "financial_year")  # "2023-24" is a financial year
        if not y < end_year <= y + 20:
            return None
        return Period(date(y, 1, 1), date(end_year, 12, 31), "years")
    if kind == "cq":
        return _calendar_quarter(y, int(g["q"]))
    if kind == "month_range":
        m1, m2 = _MONTHS[g["m1"]], _MONTHS[g["m2"]]
        y1 = int(g["y1"]) if g.get("y1") else (y if m1 <= m2 else y - 1)
        return Period(date(y1, m1, 1), _month_end(y, m2), "months")
    if kind == "month":
        m = _MONTHS[g["m"]]
        return Period(date(y, m, 1), _month_end(y, m), "month")
    if kind in ("iso_month", "num_month"):
        m = int(g["m"])
        if not 1 <= m <= 12:
            return None
        return Period(date(y, m, 1), _month_end(y, m), "month")
    if kind in ("iso_date", "uk_date"):
        try:
            day = date(y, int(g["m"]), int(g["d"]))
        except ValueError:
            return None
        return Period(day, day, "day")
    return Period(date(y, 1, 1), date(y, 12, 31), "year")


@functools.lru_cache(maxsize=4096)
def parse_period(text: object) -> Period | None:
    """Read a period as a span of time, or None if it is not a form we know.

    Parameters
    ----------
    text : str
        The period as written ("2023/24", "Q4 2024", "Jan 2025", "2024").

    Returns
    -------
    Period or None

    Examples
    --------
    >>> parse_period("2023/24").start
    datetime.date(2023, 4, 1)
    >>> parse_period("Q1 2025").end
    datetime.date(2025, 3, 31)
    >>> parse_period("unspecified") is None
    True
    """
    low = re.sub(r"\s+", " ", str(text).strip().lower())
    for pattern, kind in _PATTERNS:
        match = pattern.match(low)
        if match:
            return _build(kind, match.groupdict())
    return None


def period_key(text: object) -> tuple[int, int, int]:
    """A sort key putting periods in time order; unknown text after every known period.

    Parameters
    ----------
    text : str
        A period.

    Returns
    -------
    tuple of int
        ``(0, start, end)`` (ordinal days) for a period that can be read,
        ``(1, 0, 0)`` otherwise (so a stable sort keeps unknown periods in the
        order they were given).

    Examples
    --------
    >>> sorted(["Q1 2025", "Q4 2024"], key=period_key)
    ['Q4 2024', 'Q1 2025']
    """
    period = parse_period(text)
    if period is None:
        return (1, 0, 0)
    return (0, period.start.toordinal(), period.end.toordinal())


def sort_periods(values: Iterable[object], *, unique: bool = True) -> list[str]:
    """Periods as text, in time order (unknown ones last, in the order given).

    Parameters
    ----------
    values : iterable
        Periods (any iterable, such as a pandas Series).
    unique : bool, default True
        Drop repeats (keeping the first).

    Returns
    -------
    list of str

    Examples
    --------
    >>> sort_periods(["2024/25", "unspecified", "2023/24", "2024/25"])
    ['2023/24', '2024/25', 'unspecified']
    """
    texts = [str(v) for v in values]
    if unique:
        texts = list(dict.fromkeys(texts))
    return sorted(texts, key=period_key)


def latest_period(values: Iterable[object]) -> str:
    """The latest period in time order (see :func:`sort_periods`).

    When no period can be read as time, the last one given is returned
    (``"unspecified"`` alone gives ``"unspecified"``).

    Raises
    ------
    ValueError
        If ``values`` is empty.
    """
    ordered = sort_periods(values)
    if not ordered:
        raise ValueError("there are no periods")
    known = [p for p in ordered if parse_period(p) is not None]
    return known[-1] if known else ordered[-1]
