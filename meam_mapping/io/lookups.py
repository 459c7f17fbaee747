"""Read an ONS area lookup file (e.g. LSOA 2011 to LSOA 2021) as downloaded.

The reading half of :mod:`meam_mapping.geography.vintage_bridge`: the file
is read as every user table is (:func:`~meam_mapping.io.read.read_table`:
cells as text, so codes keep their leading letters and zeros; a byte-order
mark, as the Open Geography Portal writes, dropped; Excel's Windows-1252 text
and workbooks read too) and handed to
:func:`~meam_mapping.geography.vintage_bridge.ons_lookup`.
"""

from __future__ import annotations

import os
from typing import IO

from meam_mapping.geography.vintage_bridge import OnsLookup, ons_lookup
from meam_mapping.io.read import read_lookup_table

__all__ = ["read_ons_lookup"]

_EXPECTED = (
    "an ONS lookup between two years' areas, with columns such as LSOA11CD, LSOA21CD and CHGIND"
)
_WHERE = (
    "Download 'LSOA (2011) to LSOA (2021) to Local Authority District (2022) Lookup' from the ONS "
    "Open Geography Portal as CSV"
)


def read_ons_lookup(
    path_or_buffer: str | os.PathLike[str] | IO[bytes] | bytes, *, name: str | None = None
) -> OnsLookup:
    """Read an ONS lookup between two years' areas (``LSOA11CD, LSOA21CD, CHGIND, ...``).

    Read as every table is (:func:`~meam_mapping.io.read.read_lookup_table`):
    CSV as downloaded, saved again by Excel (Windows-1252 text, or a
    workbook), or tab-separated.

    Parameters
    ----------
    path_or_buffer : str, os.PathLike, bytes or file-like
        The lookup as downloaded from the ONS Open Geography Portal.
    name : str, optional
        File name for messages.

    Returns
    -------
    OnsLookup

    Raises
    ------
    InputError
        When the file cannot be read as a table or is not such a lookup
        (the message names the file, row and column).
    """
    return read_lookup_table(
        path_or_buffer,
        lambda frame, file: ons_lookup(frame.replace("", None), file=file),
        name=name,
        expected=_EXPECTED,
        fix=_WHERE,
    )
