"""Colour maps as tables of hex colours, so an interactive map needs no matplotlib.

Each palette in :data:`meam_mapping.maps.style.PALETTES` names a matplotlib
colour map. matplotlib looks a colour up in a table of 256 entries (its
``N``); this module keeps those tables, written out once by
:func:`write_tables`, in ``colour_tables.json`` beside it, and looks colours
up the way matplotlib does. The interactive map then skips importing
matplotlib (about 0.2 s of a command's start-up); the tests check every
table against matplotlib itself.

The colours are matplotlib's: the ColorBrewer maps (``YlOrRd``, ``Blues``,
``Purples``, ``Greens``, ``RdBu``, ``PuOr``; Cynthia Brewer, Apache License
2.0) and ``viridis``, ``cividis`` and ``magma`` (CC0), as matplotlib
(PSF-based licence) samples them.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np

__all__ = ["TABLE_SIZE", "colours_at", "write_tables"]

#: Entries per colour map (matplotlib's ``Colormap.N`` for these maps).
TABLE_SIZE = 256
_FILE = Path(__file__).with_name("colour_tables.json")


@functools.cache
def _tables() -> dict[str, list[str]]:
    return json.loads(_FILE.read_text(encoding="utf-8"))


def colours_at(cmap_name: str, points: Sequence[float]) -> tuple[str, ...] | None:
    """Hex colours of ``cmap_name`` at ``points`` (0 to 1), as matplotlib gives them.

    Parameters
    ----------
    cmap_name : str
        A matplotlib colour map name kept in the tables (e.g. ``"YlOrRd"``,
        ``"RdBu_r"``).
    points : sequence of float
        Positions from 0 to 1.

    Returns
    -------
    tuple of str or None
        ``"#rrggbb"`` per point; None when the map or a point is not covered
        (the caller then asks matplotlib).

    Examples
    --------
    >>> colours_at("YlOrRd", [0.0, 1.0])
    ('#ffffcc', '#800026')
    """
    table = _tables().get(cmap_name)
    at = np.asarray(points, dtype=float)
    if table is None or len(table) != TABLE_SIZE or not np.all((at >= 0) & (at <= 1)):
        return None
    # matplotlib: x * N, the top end folded onto the last entry, then truncated.
    index = np.minimum((at * TABLE_SIZE).astype(int), TABLE_SIZE - 1)
    return tuple(table[i] for i in index)


def write_tables(names: Sequence[str], path: str | Path = _FILE) -> None:
    """Write the tables of the matplotlib colour maps ``names`` to ``path`` (needs matplotlib).

    Run again after adding a palette to :data:`meam_mapping.maps.style.PALETTES`
    (``tests/maps/test_colour_tables.py`` fails until then)::

        from meam_mapping.maps import colour_tables, style
        colour_tables.write_tables(sorted({p[1] for p in style.PALETTES.values()}))
    """
    import matplotlib
    from matplotlib.colors import to_hex

    tables = {}
    for name in names:
        cmap = matplotlib.colormaps[name]
        if cmap.N != TABLE_SIZE:
            raise ValueError(f"{name} has {cmap.N} entries, not {TABLE_SIZE}")
        tables[name] = [to_hex(cmap(i)) for i in range(TABLE_SIZE)]
    lines = [f"{json.dumps(name)}: {json.dumps(tables[name])}" for name in sorted(tables)]
    Path(path).write_text("{\n" + ",\n".join(lines) + "\n}\n", encoding="utf-8")
