"""The schema that the JSON held in a workspace's ``meta`` table must follow.

A workspace file can come from anyone (an email attachment, a shared drive),
so nothing in it is trusted: every JSON entry is size- and depth-checked
*before* it is parsed (a linear scan, so a value nested 100,000 levels deep
is refused instead of raising ``RecursionError``), then checked against an
explicit schema so that a wrong type is refused with a message instead of
surfacing later as ``AttributeError``.

Settings (the ``settings`` entry) are a mapping of named groups:

* ``choices`` — widget values kept by the app: names mapped to text, numbers,
  true/false, blanks, or flat lists of these;
* ``disclosure`` — a disclosure policy
  (:meth:`meam_mapping.disclosure.DisclosurePolicy.from_dict` must accept it);
* any other name — plain JSON values within the same limits (so a newer
  version's settings still open).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

from meam_mapping.errors import InputError

__all__ = [
    "MAX_META_CHARS",
    "MAX_SETTINGS_DEPTH",
    "MAX_SETTINGS_ITEMS",
    "parse_meta_json",
    "validate_settings",
]

#: Longest JSON entry accepted in a workspace's meta table, in characters.
MAX_META_CHARS = 2_000_000
#: Deepest nesting of lists and named groups accepted in settings.
MAX_SETTINGS_DEPTH = 8
#: Most values (all levels together) accepted in settings.
MAX_SETTINGS_ITEMS = 20_000
_MAX_TEXT = 20_000
_SCALARS = (str, bool, int, float, type(None))


def _nesting(text: str, limit: int) -> int:
    """Deepest bracket nesting of JSON ``text`` (strings skipped); stops past ``limit``."""
    depth = deepest = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > limit:
                    return deepest
        elif ch in "]}":
            depth -= 1
    return deepest


def parse_meta_json(
    text: str | None,
    entry: str,
    *,
    file: str | None = None,
    default: Any = None,
    max_depth: int = MAX_SETTINGS_DEPTH,
) -> Any:
    """Parse one JSON entry of a workspace's meta table, within size and depth limits.

    Parameters
    ----------
    text : str or None
        The stored JSON; None or "" gives ``default``.
    entry : str
        Name of the meta entry (``settings``, ``scenarios``, ...) for messages.
    file : str, optional
        Workspace file name for messages.
    default : object
        Returned when nothing is stored.
    max_depth : int
        Deepest nesting of lists and groups accepted.

    Raises
    ------
    InputError
        If the entry is too long, nested too deeply or not JSON.
    """
    if text is None or text == "" or (isinstance(text, float) and math.isnan(text)):
        return default
    text = str(text)
    where = f"the workspace's saved {entry}"
    if len(text) > MAX_META_CHARS:
        raise InputError(
            f"{where} are {len(text):,} characters long, more than the {MAX_META_CHARS:,} accepted",
            file=file,
            column=entry,
            fix=_FIX,
        )
    depth = _nesting(text, max_depth)
    if depth > max_depth:
        raise InputError(
            f"{where} are nested more than {max_depth} levels deep; MEAM Mapping never "
            "saves them like that, so the file was edited or made to crash the reader",
            file=file,
            column=entry,
            expected=f"at most {max_depth} levels of lists and named groups",
            fix=_FIX,
        )
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as err:
        raise InputError(
            f"{where} could not be read (not valid JSON: {err})",
            file=file,
            column=entry,
            fix=_FIX,
        ) from None


_FIX = (
    "Open the most recent autosave or an earlier copy of the workspace, "
    "or save the workspace again from MEAM Mapping"
)


def _refuse(path: str, problem: str, expected: str, file: str | None) -> InputError:
    return InputError(
        f"the saved setting {path} {problem}",
        file=file,
        column="settings",
        expected=expected,
        fix=_FIX,
    )


def _check_plain(value: Any, path: str, file: str | None, budget: list[int]) -> None:
    """Plain JSON values only, within the text and item limits (depth is checked before)."""
    budget[0] -= 1
    if budget[0] < 0:
        raise _refuse(
            "settings",
            f"hold more than {MAX_SETTINGS_ITEMS:,} values",
            "a few hundred choices",
            file,
        )
    if isinstance(value, str):
        if len(value) > _MAX_TEXT:
            raise _refuse(
                path, f"is {len(value):,} characters long", f"at most {_MAX_TEXT:,}", file
            )
    elif isinstance(value, float) and not math.isfinite(value):
        raise _refuse(path, "is not a finite number", "a number", file)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _check_plain(item, f"{path}[{i}]", file, budget)
    elif isinstance(value, dict):
        for key, item in value.items():
            if len(key) > 200:
                raise _refuse(path, "has a name over 200 characters", "short names", file)
            _check_plain(item, f"{path}.{key}", file, budget)
    elif not isinstance(value, _SCALARS):
        raise _refuse(path, f"is of type {type(value).__name__}", "plain JSON values", file)


def validate_settings(value: Any, *, file: str | None = None) -> dict[str, Any]:
    """Check parsed settings against the schema and return them.

    Parameters
    ----------
    value : object
        What :func:`parse_meta_json` gave for the ``settings`` entry.
    file : str, optional
        Workspace file name for messages.

    Returns
    -------
    dict
        The settings, unchanged.

    Raises
    ------
    InputError
        Naming the setting that has the wrong type or size and what was expected.
    """
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _refuse("settings", f"are a {_kind(value)}", "named groups of settings ({...})", file)
    _check_plain(value, "settings", file, [MAX_SETTINGS_ITEMS])
    choices = value.get("choices")
    if choices is not None:
        if not isinstance(choices, dict):
            raise _refuse("'choices'", f"is a {_kind(choices)}", "named choices ({...})", file)
        for key, item in choices.items():
            flat = isinstance(item, _SCALARS) or (
                isinstance(item, list) and all(isinstance(v, _SCALARS) for v in item)
            )
            if not flat:
                raise _refuse(
                    f"'choices.{key}'",
                    f"is a {_kind(item)}",
                    "text, a number, true/false, a blank or a flat list of these",
                    file,
                )
    disclosure = value.get("disclosure")
    if disclosure is not None:
        if not isinstance(disclosure, Mapping):
            raise _refuse(
                "'disclosure'", f"is a {_kind(disclosure)}", "a disclosure policy ({...})", file
            )
        from meam_mapping.disclosure import DisclosurePolicy

        try:
            DisclosurePolicy.from_dict(disclosure)
        except InputError as err:
            raise _refuse(
                "'disclosure'", f"is not valid ({err.problem})", err.expected or "", file
            ) from None
        except (TypeError, ValueError, AttributeError) as err:
            raise _refuse(
                "'disclosure'", f"is not valid ({err})", "a disclosure policy", file
            ) from None
    return value


def _kind(value: Any) -> str:
    return {
        dict: "named group",
        list: "list",
        str: "text",
        bool: "true/false value",
        int: "number",
        float: "number",
        type(None): "blank",
    }.get(type(value), type(value).__name__)
