"""Find the indicator a person means: its id, its heading as written, or part of it.

``--indicator "Index of Multiple Deprivation (IMD) Decile"``,
``--indicator index_of_multiple_deprivation_imd_decile`` and
``--indicator "imd decile"`` all name the same indicator. An unknown or
ambiguous name is refused with the closest matches (:mod:`difflib`).
"""

from __future__ import annotations

import difflib
import re

import pandas as pd

from meam_mapping.errors import InputError

__all__ = ["resolve_indicator"]


def _key(text: object) -> str:
    return re.sub(r"[^0-9a-z]+", " ", str(text).lower()).strip()


def resolve_indicator(table: pd.DataFrame, text: str) -> str:
    """Return the id of the indicator ``text`` names.

    Tried in order: the id exactly; the id or the name ignoring case,
    punctuation and spacing; an unambiguous part of the id or the name (all
    its words, in order).

    Parameters
    ----------
    table : pandas.DataFrame
        The tidy indicator table (``indicator`` and optionally ``indicator_name``).
    text : str
        What the person typed.

    Returns
    -------
    str
        The indicator id.

    Raises
    ------
    InputError
        When nothing matches, or a part matches several indicators; the
        message lists the closest ids and names.

    Examples
    --------
    >>> t = pd.DataFrame({"indicator": ["imd_rank", "imd_decile"],
    ...                   "indicator_name": ["IMD Rank", "Index of Multiple Deprivation (IMD) Decile"]})
    >>> resolve_indicator(t, "Index of Multiple Deprivation (IMD) Decile")
    'imd_decile'
    >>> resolve_indicator(t, "rank")
    'imd_rank'
    """
    ids = table["indicator"].astype(str)
    names = table["indicator_name"].astype(str) if "indicator_name" in table else ids
    # id -> its last name, in order of first appearance (as dict(zip(ids, names)) gives),
    # from each id's first and last rows rather than a Python pass over every row.
    last = ~ids.duplicated(keep="last")
    last_name = dict(zip(ids[last], names[last], strict=True))
    pairs = {i: last_name[i] for i in ids[~ids.duplicated()]}
    if text in pairs:
        return text
    want = _key(text)
    exact = [i for i, n in pairs.items() if want in (_key(i), _key(n))]
    if len(exact) == 1:
        return exact[0]
    words = want.split()
    pattern = re.compile(r"\b" + r"\b.*\b".join(map(re.escape, words)) + r"\b") if words else None
    part = [i for i, n in pairs.items()
            if pattern is not None and (pattern.search(_key(n)) or pattern.search(_key(i)))]  # fmt: skip
    if len(part) == 1:
        return part[0]
    labels = {f"{i} ({n})" if n != i else i: i for i, n in pairs.items()}
    if len(part) > 1:
        shown = [k for k, i in labels.items() if i in part][:8]
        raise InputError(
            f"--indicator {text!r} matches {len(part)} indicators",
            column="indicator",
            expected="one of " + "; ".join(shown),
            fix="Give more of the name, or the id",
        )
    keys = {_key(k): k for k in labels}
    close = difflib.get_close_matches(want, list(keys), n=5, cutoff=0.3)
    shown = [keys[c] for c in close] or list(labels)[:8]
    raise InputError(
        f"there is no indicator {text!r}",
        column="indicator",
        expected="the closest are: " + "; ".join(shown),
        fix="Use an id or a heading as listed (python -m meam_mapping inspect --data FILE lists them)",
    )
