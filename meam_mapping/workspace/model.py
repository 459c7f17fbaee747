"""The :class:`Workspace`: a dataset plus everything chosen and added in the app."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from meam_mapping.dataset import Dataset
from meam_mapping.pipeline.scenarios import Scenario

__all__ = ["Workspace"]


@dataclass(frozen=True)
class Workspace:
    """A dataset plus everything chosen and added in the app.

    Attributes
    ----------
    dataset : Dataset
        Areas, indicators and overlap tables.
    settings : dict
        JSON-serialisable choices (suppression policy, map options, ...).
    saved_at : str
        ISO time of the save, or "" for an unsaved workspace.
    scenarios : tuple of Scenario
        Named sets of choices (:mod:`meam_mapping.pipeline.scenarios`).
    notes : DataFrame, optional
        Notes on areas (:data:`meam_mapping.workspace.notes.NOTE_COLUMNS`); None for none.
    """

    dataset: Dataset
    settings: dict[str, Any] = field(default_factory=dict)
    saved_at: str = ""
    scenarios: tuple[Scenario, ...] = ()
    notes: pd.DataFrame | None = None
