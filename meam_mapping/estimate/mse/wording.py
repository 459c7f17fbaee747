"""How the estimators write numbers of people into their warnings and notes.

Warnings are read beside the published figures. An estimate resting on an
overlap of a few people is published to the nearest 10, and the people seen
to the nearest 5 (see :mod:`meam_mapping.pipeline.publish`), so that the
small overlap cannot be solved back from the estimator's formula: an exact
model estimate, interval limit or count seen in a warning would undo that.
So estimates are written here to the nearest 10 ("about 170"), and the
people seen, where a warning gives them as a lower bound, rounded down to 5
(still true: "at least 105"). A warning is about a spread or a bound, for
which that is precise enough. Counts of people such as the overlap of two
lists stay exact here; the publishing step hides those below its threshold
(:func:`meam_mapping.pipeline.publish.scrub_small_numbers`).
"""

from __future__ import annotations

import math

__all__ = ["about", "at_least", "in_words"]

_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


def about(value: float) -> str:
    """An estimate to the nearest 10, e.g. ``"about 170"`` (``"about 0"`` below 5).

    Examples
    --------
    >>> about(174.6), about(1234.0), about(float("nan"))
    ('about 170', 'about 1,230', 'not known')
    """
    if not math.isfinite(value):
        return "not known"
    return f"about {int(math.floor(value / 10 + 0.5)) * 10:,}"


def at_least(count: float) -> str:
    """People seen, as a lower bound rounded down to 5, e.g. ``"at least 105"``.

    Examples
    --------
    >>> at_least(108), at_least(4)
    ('at least 105', 'at least 0')
    """
    return f"at least {int(count) // 5 * 5:,}"


def in_words(number: float) -> str:
    """A whole number below ten in words (``2`` -> ``"two"``), others as digits.

    For settings such as the AIC window, which are not counts of people, so
    that no publishing step mistakes them for a small count.

    Examples
    --------
    >>> in_words(2.0), in_words(12)
    ('two', '12')
    """
    if float(number).is_integer() and 0 <= number < len(_WORDS):
        return _WORDS[int(number)]
    return f"{number:g}"
