"""The session's workspace: notes, scenarios, autosave and recovery.

Everything a person adds in the app (choices, notes on areas, scenarios) sits
in session state; :func:`current_workspace` gathers it with the dataset into
a :class:`~meam_mapping.workspace.Workspace`. :func:`autosave_session` (called
at the end of every run by ``app.py``) writes a recovery file, but only when
something changed since the last one, and in a background thread so the page
never waits. :func:`recovery_offer` (called at the start of every run) offers
the most recent autosave of an earlier session once, when the app runs for
one person on this computer.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import pandas as pd
import streamlit as st

from meam_mapping.disclosure import DisclosurePolicy
from meam_mapping.errors import InputError
from meam_mapping.pipeline.scenarios import Scenario
from meam_mapping.workspace import (
    RecoveryFile,
    Workspace,
    autosave,
    list_recovery_files,
    load_workspace,
)
from meam_mapping.workspace.notes import empty_notes, validate_notes
from ui.state import _KEPT, POLICY, current_dataset, policy, set_dataset
from ui.widgets import show_problem

NOTES = "area_notes"
SCENARIOS = "scenarios"
SESSION = "_workspace_session"
_LAST_KEY = "_autosave_last_key"
_FUTURE = "_autosave_future"
_OFFERED = "_recovery_offered"
_LOCAL = {"localhost", "127.0.0.1", "::1"}


def session_id() -> str:
    """A random id for this browser session (names its recovery file)."""
    if SESSION not in st.session_state:
        st.session_state[SESSION] = uuid.uuid4().hex
    return st.session_state[SESSION]


def single_user() -> bool:
    """True when the server only listens on this computer (one person's laptop).

    Recovery files of earlier sessions are only offered then: on a shared
    server they could belong to someone else.
    """
    from ui.auth import login_required

    if login_required():  # several people sign in to this server
        return False
    return str(st.get_option("server.address") or "") in _LOCAL


# --------------------------------------------------------------- notes, scenarios
def current_notes() -> pd.DataFrame:
    """Notes on areas made in this session."""
    if NOTES not in st.session_state:
        st.session_state[NOTES] = empty_notes()
    return st.session_state[NOTES]


def set_notes(notes: pd.DataFrame) -> None:
    """Replace this session's notes."""
    st.session_state[NOTES] = validate_notes(notes)


def saved_scenarios() -> dict[str, Scenario]:
    """Scenarios saved in this session, by name (in the order saved)."""
    return st.session_state.setdefault(SCENARIOS, {})


def save_scenario(scenario: Scenario) -> None:
    """Add (or replace, by name) a scenario."""
    scenarios = dict(saved_scenarios())
    scenarios[scenario.name] = scenario
    st.session_state[SCENARIOS] = scenarios


# ------------------------------------------------------------------- workspace
def _json_safe(value: Any) -> bool:
    if value is None or isinstance(value, (str, bool, int, float)):
        return True
    if isinstance(value, (list, tuple)):
        return all(_json_safe(v) for v in value)
    return False


def session_settings() -> dict[str, Any]:
    """The choices worth saving: kept widget values and the disclosure policy."""
    kept = st.session_state.get(_KEPT, {})
    choices = {
        k: (list(v) if isinstance(v, tuple) else v) for k, v in kept.items() if _json_safe(v)
    }
    return {"choices": choices, "disclosure": policy().to_dict()}


def current_workspace() -> Workspace:
    """Everything this session holds, as a workspace."""
    notes = current_notes()
    return Workspace(
        dataset=current_dataset(),
        settings=session_settings(),
        scenarios=tuple(saved_scenarios().values()),
        notes=notes if len(notes) else None,
    )


def apply_workspace(workspace: Workspace) -> None:
    """Make ``workspace`` this session's data, choices, notes and scenarios."""
    set_dataset(workspace.dataset)
    choices = dict(workspace.settings.get("choices", {}))
    choices.pop("workspace_section", None)  # stay where the person is on the Workspace page
    for key in choices:  # widgets re-read their value from the kept store
        st.session_state.pop(key, None)
    st.session_state[_KEPT] = choices
    disclosure = workspace.settings.get("disclosure")
    if disclosure:
        try:
            st.session_state[POLICY] = DisclosurePolicy.from_dict(disclosure)
        except InputError as err:
            show_problem(err)
    set_notes(workspace.notes if workspace.notes is not None else empty_notes())
    st.session_state[SCENARIOS] = {s.name: s for s in workspace.scenarios}
    st.session_state[_LAST_KEY] = _state_key(current_workspace())


# -------------------------------------------------------------------- autosave
@st.cache_resource(show_spinner=False)
def _autosaver() -> ThreadPoolExecutor:
    """One background writer shared by all sessions (saves run in order)."""
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="meam-autosave")


def _state_key(workspace: Workspace) -> str:
    """A cheap fingerprint: the data token plus the JSON of everything else."""
    digest = hashlib.sha256(workspace.dataset.token.encode())
    digest.update(json.dumps(workspace.settings, sort_keys=True, default=str).encode())
    digest.update(json.dumps([s.to_dict() for s in workspace.scenarios], sort_keys=True).encode())
    if workspace.notes is not None:
        digest.update(pd.util.hash_pandas_object(workspace.notes, index=False).to_numpy().tobytes())
    return digest.hexdigest()


def autosave_session() -> Future | None:
    """Autosave this session's work if it changed since the last autosave.

    The first state a session sees (the demo, untouched) is not saved. The
    write happens in a background thread; a failure is shown on the next run.

    Returns
    -------
    concurrent.futures.Future or None
        The pending save, or None when nothing changed.
    """
    previous: Future | None = st.session_state.get(_FUTURE)
    if previous is not None and previous.done() and previous.exception() is not None:
        error = previous.exception()
        text = error.message if isinstance(error, InputError) else str(error)
        st.toast(f"Autosave failed: {text}", icon=":material/warning:")
        st.session_state[_FUTURE] = None
    workspace = current_workspace()
    key = _state_key(workspace)
    if _LAST_KEY not in st.session_state:
        st.session_state[_LAST_KEY] = key
        return None
    if st.session_state[_LAST_KEY] == key:
        return None
    st.session_state[_LAST_KEY] = key
    future = _autosaver().submit(autosave, workspace, session_id())
    st.session_state[_FUTURE] = future
    return future


# -------------------------------------------------------------------- recovery
def recovery_files() -> list[RecoveryFile]:
    """Autosaves of other sessions this person may reopen (none on a shared server)."""
    if not single_user():
        return []
    return list_recovery_files(exclude_session=session_id())


def open_recovery_file(item: RecoveryFile) -> bool:
    """Reopen an autosave; shows the problem and returns False if it cannot be read."""
    try:
        apply_workspace(load_workspace(item.path))
    except InputError as err:
        show_problem(err)
        return False
    return True


def describe(item: RecoveryFile) -> str:
    """One line about an autosave: what, when, how big."""
    when = item.saved_at.replace("T", " ").replace("+00:00", " UTC")
    return f"{item.name or 'unreadable file'} · autosaved {when} · {item.size / 1e6:.1f} MB"


def recovery_offer() -> None:
    """Once per session, offer the most recent autosave of an earlier session."""
    if st.session_state.get(_OFFERED):
        return
    files = recovery_files()
    if not files:
        st.session_state[_OFFERED] = True
        return
    newest = files[0]
    with st.container(border=True):
        st.markdown(
            ":material/history: **Work from an earlier session was saved automatically.** "
            + describe(newest)
        )
        c1, c2, _ = st.columns([1, 1, 4])
        if c1.button("Reopen it", key="recovery_reopen", type="primary"):
            st.session_state[_OFFERED] = True
            if open_recovery_file(newest):
                st.rerun()
        if c2.button("Not now", key="recovery_dismiss"):
            st.session_state[_OFFERED] = True
            st.rerun()
        st.caption("Older autosaves are listed on the Workspace page.")


# ------------------------------------------------------------ cached results
@st.cache_data(show_spinner=False, max_entries=32)
def _scenario_index(token: str, _dataset, scenario_json: str) -> pd.DataFrame:  # noqa: ANN001
    from meam_mapping.pipeline.scenarios import scenario_index

    return scenario_index(_dataset, Scenario.from_dict(json.loads(scenario_json)))


def cached_scenario_index(dataset, scenario: Scenario) -> pd.DataFrame:  # noqa: ANN001
    """:func:`meam_mapping.pipeline.scenarios.scenario_index`, cached by data content and choices."""
    return _scenario_index(dataset.token, dataset, json.dumps(scenario.to_dict(), sort_keys=True))
