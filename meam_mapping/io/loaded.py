"""What loading an indicator file gives: :class:`LoadResult`.

Its own small module, so that a process receiving one from the child that
read the table (see :func:`meam_mapping.loading.build_dataset`) imports
only this to unpickle it, not the readers and checks that made it (0.07 s
of imports, taking turns with the map's drawing for the interpreter).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["LoadResult"]


@dataclass(frozen=True)
class LoadResult:
    """An indicator file loaded and checked.

    Attributes
    ----------
    table : pandas.DataFrame
        The tidy indicator table: :data:`~meam_mapping.schema.INDICATOR_COLUMNS`,
        ``indicator_name`` (always filled), then whichever of ``area_name``,
        ``lower``, ``upper`` the file provided.
    layout : str
        The layout read: ``"tidy"``, ``"wide"`` or ``"fingertips"``.
    notes : tuple of str
        Plain-English notes on what was done (rows left out, values kept as
        unknown, guesses made). Show them to the user.
    file_name : str
        The file name used in messages.
    join_side : meam_mapping.geography.join.TableSide or None
        The table's half of the join to the areas, when it was worked out
        where the table was read (its ``table`` is then this ``table``);
        ``None`` otherwise.
    """

    table: pd.DataFrame
    layout: str
    notes: tuple[str, ...] = field(default_factory=tuple)
    file_name: str = ""
    join_side: Any = field(default=None, compare=False, repr=False)
