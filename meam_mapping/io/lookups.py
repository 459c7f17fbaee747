"""Read an ONS area lookup file (e.g. LSOA 2011 to LSOA 2021) as downloaded.

The reading half of :mod:`meam_mapping.geography.vintage_bridge`: the file
is read as text (codes keep their leading letters and zeros; a byte-order mark,
as the Open Geography Portal writes, is dropped) and handed to
:func:`~meam_mapping.geography.vintage_bridge.ons_lookup`.
"""

from __future__ import annotations

import io
import os
from typing import IO

import pandas as pd

from meam_mapping.errors import InputError
from meam_mapping.geography.vintage_bridge import OnsLookup, ons_lookup

__all__ = ["read_ons_lookup"]


def read_ons_lookup(
    path_or_buffer: str | os.PathLike[str] | IO[bytes] | bytes, *, name: str | None = None
) -> OnsLookup:
    """Read an ONS lookup CSV (``LSOA11CD, LSOA21CD, CHGIND, ...``).

    Parameters
    ----------
    path_or_buffer : str, os.PathLike, bytes or file-like
        The CSV as downloaded from the ONS Open Geography Portal.
    name : str, optional
        File name for messages.

    Returns
    -------
    OnsLookup

    Raises
    ------
    InputError
        When the file cannot be read as CSV or is not such a lookup.
    """
    if isinstance(path_or_buffer, (str, os.PathLike)):
        file = name or os.path.basename(os.fspath(path_or_buffer))
        source: object = path_or_buffer
    else:
        file = name or getattr(path_or_buffer, "name", None) or "lookup file"
        data = path_or_buffer if isinstance(path_or_buffer, bytes) else path_or_buffer.read()
        source = io.BytesIO(data)
    try:
        frame = pd.read_csv(source, dtype=str, encoding="utf-8-sig", keep_default_na=False)
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError, OSError) as err:
        raise InputError(
            f"the lookup could not be read as CSV ({type(err).__name__})",
            file=file,
            expected="the lookup as a CSV file from the ONS Open Geography Portal",
        ) from err
    frame = frame.replace("", None)
    return ons_lookup(frame, file=file)
