"""Workspaces: one GeoPackage holding a whole analysis, its autosaves and notes on areas.

* :mod:`~meam_mapping.workspace.model` — the :class:`Workspace` type;
* :mod:`~meam_mapping.workspace.format` — GeoPackage read/write and the content digest;
* :mod:`~meam_mapping.workspace.recovery` — autosave, recovery files, upload/download bytes;
* :mod:`~meam_mapping.workspace.notes` — notes on areas (drawn by
  :mod:`meam_mapping.maps.notes_layer`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from meam_mapping._lazy import attach

if TYPE_CHECKING:
    from meam_mapping.workspace.format import FORMAT_VERSION, load_workspace, save_workspace
    from meam_mapping.workspace.model import Workspace
    from meam_mapping.workspace.recovery import (
        RecoveryFile,
        autosave,
        list_recovery_files,
        load_workspace_bytes,
        prune_recovery_files,
        recovery_folder,
        remove_recovery_file,
        workspace_bytes,
        workspace_home,
    )

__all__ = [
    "FORMAT_VERSION",
    "RecoveryFile",
    "Workspace",
    "autosave",
    "list_recovery_files",
    "load_workspace",
    "load_workspace_bytes",
    "prune_recovery_files",
    "recovery_folder",
    "remove_recovery_file",
    "save_workspace",
    "workspace_bytes",
    "workspace_home",
]

# Imported on first use (PEP 562), so a command pays only for what it uses.
attach(
    __name__,
    {
        "format": ["FORMAT_VERSION", "load_workspace", "save_workspace"],
        "model": ["Workspace"],
        "recovery": [
            "RecoveryFile",
            "autosave",
            "list_recovery_files",
            "load_workspace_bytes",
            "prune_recovery_files",
            "recovery_folder",
            "remove_recovery_file",
            "workspace_bytes",
            "workspace_home",
        ],
    },
)
