"""The disclosure policy: which counts are small, how counts are rounded, and the words for it.

A :class:`DisclosurePolicy` is a frozen value object stored in workspaces and
written (as :meth:`DisclosurePolicy.describe`) into every export. Settings that
would publish small counts are refused with a :class:`DisclosureError` unless the
policy is explicitly marked not for sharing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any

import numpy as np

from meam_mapping.errors import InputError

__all__ = ["DEFAULT_POLICY", "NOT_FOR_SHARING", "DisclosureError", "DisclosurePolicy"]

#: Label printed on every output made under a policy marked not for sharing.
NOT_FOR_SHARING = "not for sharing"
_FLAGS = ("secondary", "suppress_zero", "not_for_sharing")


class DisclosureError(InputError):
    """A disclosure setting or table that would let small counts out.

    A subclass of :class:`meam_mapping.errors.InputError` (and so of
    ``ValueError``), so handlers written for either still catch it.
    """


def _whole(name: str, value: Any, minimum: int, fix: str | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise DisclosureError(
            f"the disclosure setting {name} is {value!r}",
            expected=f"a whole number of {minimum} or more",
            fix=fix or "Change the disclosure setting on the Export page",
        )
    return int(value)


@dataclass(frozen=True)
class DisclosurePolicy:
    """How small counts are hidden before anything is shown or exported.

    Parameters
    ----------
    threshold : int, default 5
        Counts with ``0 < count < threshold`` are suppressed (1 to 4 by default).
        ``threshold=1`` suppresses nothing for being small. ``threshold=0`` is
        refused unless ``not_for_sharing=True``.
    round_to : int or None, default None
        Round published counts to the nearest multiple (5 is usual), after
        suppression. Rates are rescaled to the rounded count.
    secondary : bool, default True
        Apply secondary suppression so hidden counts cannot be recovered.
    suppress_zero : bool, default False
        Also suppress zero counts (off by default: a zero identifies no one).
    not_for_sharing : bool, default False
        The output is for the analyst's own unpublished work. Allows
        ``threshold=0`` and makes :attr:`label` read "not for sharing", which
        every output made under this policy prints.

    Raises
    ------
    DisclosureError
        A threshold below 1 without ``not_for_sharing=True`` (or below 0 at
        all), or a setting of the wrong type.

    Examples
    --------
    >>> DisclosurePolicy(threshold=10).is_small([0, 3, 9, 10]).tolist()
    [False, True, True, False]
    >>> DisclosurePolicy(threshold=0, not_for_sharing=True).label
    'not for sharing'
    """

    threshold: int = 5
    round_to: int | None = None
    secondary: bool = True
    suppress_zero: bool = False
    not_for_sharing: bool = False

    def __post_init__(self) -> None:
        for name in _FLAGS:
            if not isinstance(getattr(self, name), (bool, np.bool_)):
                raise DisclosureError(
                    f"the disclosure setting {name} is {getattr(self, name)!r}",
                    expected="True or False",
                )
        if self.not_for_sharing:
            _whole("threshold", self.threshold, 0)
        else:
            _whole(
                "threshold",
                self.threshold,
                1,
                fix=(
                    "Use a threshold of 1 or more (5 is usual). A threshold of 0 is only allowed"
                    " for your own unpublished work: DisclosurePolicy(threshold=0,"
                    " not_for_sharing=True), and every output is then labelled 'not for sharing'"
                ),
            )
        if self.round_to is not None:
            _whole("round_to", self.round_to, 1)

    @property
    def label(self) -> str:
        """``"not for sharing"`` for a policy so marked, otherwise ``""``."""
        return NOT_FOR_SHARING if self.not_for_sharing else ""

    @property
    def small_range(self) -> tuple[int, int] | None:
        """The values a primary-suppressed count can take, e.g. ``(1, 4)``; None if none."""
        lo = 0 if self.suppress_zero else 1
        hi = self.threshold - 1
        return (lo, hi) if hi >= lo else None

    def is_small(self, counts: Any) -> np.ndarray:
        """Return True where a count falls under primary suppression (NaN is False)."""
        c = np.asarray(counts, dtype=float)
        small = (c > 0) & (c < self.threshold)
        return small | (c == 0) if self.suppress_zero else small

    def round(self, counts: Any) -> np.ndarray:
        """Round counts to the nearest ``round_to`` (halves up); unchanged if no rounding."""
        c = np.asarray(counts, dtype=float)
        if not self.round_to or self.round_to == 1:
            return c
        return np.floor(c / self.round_to + 0.5) * self.round_to

    def describe(self) -> str:
        """One plain-English paragraph describing the policy, written into every export."""
        hi = self.threshold - 1
        if hi >= 1:
            rng = "1" if hi == 1 else f"1 to {hi}"
            text = f"Counts of {rng} are not shown (suppressed) because they could identify people."
        else:
            text = "No count is suppressed for being small."
        if self.not_for_sharing:
            text = "NOT FOR SHARING: made for the analyst's own unpublished work. " + text
        if self.suppress_zero:
            text += " Zero counts are suppressed too."
        else:
            text += (
                " Zero counts are shown, as in ONS and NHS practice, because a zero"
                " identifies no one."
            )
        text += (
            " Rates, percentages, confidence intervals and comparisons worked out from a"
            " suppressed count are suppressed with it; population denominators are shown."
            " Counts withheld by the original source stay withheld."
        )
        if self.secondary:
            text += (
                " Further counts are hidden 'to protect a small number nearby' (secondary"
                " suppression), chosen and then checked by an interval audit: the tightest"
                " range each hidden small count could have, worked out by integer linear"
                " programming from every total shown and from what the labels say (a small"
                f" count is {'between 1 and ' + str(hi) if hi >= 1 else 'small'}, a count"
                f" hidden to protect another is 0 or {self.threshold} or more), must keep at"
                " least half of the label's range open, so no small count can be pinned down."
            )
        else:
            text += (
                " Secondary suppression is switched off, so some suppressed counts may be"
                " recoverable from totals."
            )
        if self.round_to and self.round_to > 1:
            text += (
                f" After suppression every count shown is rounded to the nearest"
                f" {self.round_to} (halves up) and rates are rescaled to match (intervals"
                " approximately); totals are rounded separately, so parts may not add up"
                " exactly."
            )
        return text + " Suppressed values are left blank and the reason is given."

    def to_dict(self) -> dict[str, Any]:
        """Return the settings as a plain dict (for the workspace ``meta`` table)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> DisclosurePolicy:
        """Rebuild a policy from :meth:`to_dict` output (strings as stored are accepted)."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(d) - known)
        if unknown:
            raise DisclosureError(
                f"unknown disclosure setting(s) {', '.join(map(repr, unknown))}",
                expected="only " + ", ".join(sorted(known)),
            )
        kwargs: dict[str, Any] = {}
        for key, raw in d.items():
            value = raw
            if isinstance(raw, str):
                s = raw.strip().lower()
                if key == "round_to" and s in ("", "none", "null"):
                    value = None
                elif key in _FLAGS and s in ("true", "false", "1", "0"):
                    value = s in ("true", "1")
                elif s.lstrip("-").isdigit():
                    value = int(s)
            elif isinstance(raw, float) and key in ("threshold", "round_to"):
                value = None if np.isnan(raw) and key == "round_to" else raw
                value = int(value) if isinstance(value, float) and value.is_integer() else value
            elif isinstance(raw, (int, np.integer)) and key in _FLAGS:
                value = bool(raw) if raw in (0, 1) else raw
            kwargs[key] = value
        return cls(**kwargs)


#: The policy used unless the partnership chooses another.
DEFAULT_POLICY = DisclosurePolicy()
