"""Autosave and recovery, and the private folder MEAM Mapping may write to.

Autosave: :func:`autosave` keeps one recovery file per app session in
``<home>/recovery/<session>.gpkg``, where ``<home>`` is ``$MEAM_MAPPING_HOME`` or
``~/.meam_mapping``; nothing is written anywhere else. Recovery files are
readable by their owner only (mode 0600, folder 0700). Uploaded and downloaded
workspaces pass through ``<home>/tmp`` and are removed straight away.
"""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pyogrio

from meam_mapping.errors import InputError
from meam_mapping.workspace.format import _why, load_workspace, save_workspace
from meam_mapping.workspace.model import Workspace

__all__ = [
    "RecoveryFile",
    "autosave",
    "list_recovery_files",
    "load_workspace_bytes",
    "prune_recovery_files",
    "recovery_folder",
    "remove_recovery_file",
    "workspace_bytes",
    "workspace_home",
]

_SESSION = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_RECOVERY_KEEP = 20
_RECOVERY_MAX_AGE_DAYS = 30


# --------------------------------------------------------------------- bytes (upload)
def workspace_home() -> Path:
    """The folder MEAM Mapping may write to: ``$MEAM_MAPPING_HOME`` or ``~/.meam_mapping``."""
    home = os.environ.get("MEAM_MAPPING_HOME") or str(Path("~/.meam_mapping").expanduser())
    return Path(home)


def _private_folder(*parts: str) -> Path:
    folder = workspace_home().joinpath(*parts)
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as err:
        reason, fix = _why(err)
        raise InputError(f"cannot use the folder {folder} because {reason}", fix=fix) from err
    return folder


def workspace_bytes(workspace: Workspace) -> bytes:
    """The workspace as the bytes of a ``.gpkg`` file (for a download button)."""
    folder = _private_folder("tmp")
    path = folder / f"download-{os.getpid()}-{time.monotonic_ns()}.gpkg"
    try:
        save_workspace(workspace, path)
        return path.read_bytes()
    finally:
        path.unlink(missing_ok=True)


def load_workspace_bytes(
    data: bytes,
    name: str = "workspace.gpkg",
    *,
    recover: bool = False,
    verify: bool | None = None,
) -> Workspace:
    """Open a workspace from the bytes of an uploaded ``.gpkg`` file.

    The bytes go to a private temporary file under :func:`workspace_home`,
    removed straight after reading. ``recover`` (or the older ``verify=False``)
    is passed to :func:`~meam_mapping.workspace.format.load_workspace`.
    """
    if not data:
        raise InputError(
            "the uploaded file is empty", file=name, fix="Choose a saved workspace (.gpkg)"
        )
    folder = _private_folder("tmp")
    path = folder / f"upload-{os.getpid()}-{time.monotonic_ns()}.gpkg"
    try:
        path.write_bytes(data)
        workspace = load_workspace(path, recover=recover, verify=verify)
    except InputError as err:
        raise InputError(
            err.problem, file=name, column=err.column, expected=err.expected, fix=err.fix
        ) from err
    finally:
        path.unlink(missing_ok=True)
    return workspace


# ------------------------------------------------------------------------- recovery
@dataclass(frozen=True)
class RecoveryFile:
    """An autosaved workspace that can be reopened after a crash or refresh.

    Attributes
    ----------
    path : pathlib.Path
        The file.
    session : str
        The app session that wrote it.
    saved_at : str
        ISO time of the last autosave (file modification time, UTC).
    size : int
        Size in bytes.
    name : str
        The dataset's name, or "" when the file cannot be read.
    """

    path: Path
    session: str
    saved_at: str
    size: int
    name: str = ""


def recovery_folder() -> Path:
    """Where autosaves go: ``<workspace_home()>/recovery``."""
    return workspace_home() / "recovery"


def _check_session(session: str) -> str:
    if not isinstance(session, str) or not _SESSION.match(session):
        raise InputError(
            f"{session!r} cannot name a recovery file",
            expected="1 to 64 letters, digits, '-' or '_'",
        )
    return session


def autosave(workspace: Workspace, session: str) -> Path:
    """Save ``workspace`` as this session's recovery file (atomically).

    Returns
    -------
    pathlib.Path
        ``recovery_folder() / f"{session}.gpkg"``.
    """
    folder = _private_folder("recovery")
    path = save_workspace(workspace, folder / f"{_check_session(session)}.gpkg")
    prune_recovery_files()
    return path


def list_recovery_files(*, exclude_session: str | None = None) -> list[RecoveryFile]:
    """Recovery files, newest first (optionally leaving out one session's)."""
    folder = recovery_folder()
    if not folder.is_dir():
        return []
    found = []
    for path in folder.glob("*.gpkg"):
        session = path.stem
        if session.startswith(".") or session == exclude_session or not _SESSION.match(session):
            continue
        try:
            stat = path.stat()
        except OSError:
            continue
        found.append((stat.st_mtime, path, session, stat.st_size))
    out = []
    for mtime, path, session, size in sorted(found, reverse=True):
        try:
            meta = pyogrio.read_dataframe(path, layer="meta")
            name = str(dict(zip(meta["key"], meta["value"], strict=True)).get("name", ""))
        except Exception:  # a damaged autosave is still listed, without a name
            name = ""
        stamp = datetime.fromtimestamp(mtime, UTC).isoformat(timespec="seconds")
        out.append(RecoveryFile(path=path, session=session, saved_at=stamp, size=size, name=name))
    return out


def remove_recovery_file(session: str) -> None:
    """Delete one session's recovery file (nothing happens if there is none)."""
    (recovery_folder() / f"{_check_session(session)}.gpkg").unlink(missing_ok=True)


def prune_recovery_files(
    keep: int = _RECOVERY_KEEP, max_age_days: float = _RECOVERY_MAX_AGE_DAYS
) -> int:
    """Delete all but the newest ``keep`` recovery files and any older than ``max_age_days``.

    Returns
    -------
    int
        Number of files deleted.
    """
    cutoff = time.time() - max_age_days * 86400
    removed = 0
    for i, item in enumerate(_recovery_mtimes()):
        mtime, path = item
        if i >= keep or mtime < cutoff:
            try:
                path.unlink()
                removed += 1
            except OSError:
                pass
    return removed


def _recovery_mtimes() -> list[tuple[float, Path]]:
    """(modification time, path) of recovery files, newest first, without opening them."""
    folder = recovery_folder()
    if not folder.is_dir():
        return []
    items = []
    for path in folder.glob("*.gpkg"):
        if not _SESSION.match(path.stem):
            continue
        try:
            items.append((path.stat().st_mtime, path))
        except OSError:
            continue
    return sorted(items, reverse=True)
