"""Optional sign-in, for running MEAM Mapping on a server for several agencies.

On a laptop nobody needs to sign in: the app listens on ``localhost`` only.
When it is shared on a network, sign-in is switched on by either

* an ``[auth]`` section in ``.streamlit/secrets.toml`` (Streamlit's built-in
  OpenID Connect login, :func:`streamlit.login`), or
* the environment variable ``MEAM_MAPPING_REQUIRE_LOGIN=1``, which makes the
  app refuse to show anything until an ``[auth]`` section is configured (so a
  server meant to be protected never opens by mistake).

:func:`require_login` is called by the router (``app.py``) before anything
shows data. When sign-in is on and the visitor has not signed in, it shows a
sign-in prompt and stops the script: no page, no sidebar, no data.

An optional ``[meam_mapping]`` section in the secrets file limits who may use
the app once signed in, because an identity provider such as Google will sign
in anybody with an account::

    [meam_mapping]
    allowed_email_domains = ["cambridgeshire.gov.uk", "peterborough.gov.uk"]
    allowed_emails = ["analyst@example.org"]

See ``docs/running-for-several-agencies.md`` for the full set-up.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from typing import Any

import streamlit as st

__all__ = [
    "ACCESS_SECTION",
    "REQUIRE_LOGIN_ENV",
    "access_allowed",
    "auth_configured",
    "is_logged_in",
    "login_required",
    "providers",
    "require_login",
    "user_key",
]

#: Environment variable that, when ``1``/``true``/``yes``/``on``, demands sign-in.
REQUIRE_LOGIN_ENV = "MEAM_MAPPING_REQUIRE_LOGIN"
#: Secrets section holding the optional allow-lists.
ACCESS_SECTION = "meam_mapping"

# Settings of the [auth] section that are shared, not a provider of their own.
_SHARED_KEYS = {"redirect_uri", "cookie_secret", "expose_tokens", "client_kwargs"}


def _secrets_section(name: str) -> Mapping[str, Any] | None:
    """The secrets section ``name``, or None when absent or unreadable."""
    try:
        if not st.secrets.load_if_toml_exists():
            return None
        section = st.secrets.get(name)
    except Exception:  # noqa: BLE001 - a broken secrets file must not open the app
        return None
    return section if isinstance(section, Mapping) else None


def _env_requires_login() -> bool:
    return os.environ.get(REQUIRE_LOGIN_ENV, "").strip().lower() in {"1", "true", "yes", "on"}


def auth_configured() -> bool:
    """Whether ``secrets.toml`` (or ``AppTest.secrets``) has an ``[auth]`` section.

    Returns
    -------
    bool
    """
    return _secrets_section("auth") is not None


def login_required() -> bool:
    """Whether visitors must sign in before seeing anything.

    Returns
    -------
    bool
        True when an ``[auth]`` section exists or ``MEAM_MAPPING_REQUIRE_LOGIN``
        is set.
    """
    return auth_configured() or _env_requires_login()


def providers() -> list[str | None]:
    """The identity providers configured in ``[auth]``.

    Returns
    -------
    list of str or None
        ``[None]`` for a single unnamed provider (settings directly in
        ``[auth]``), else the names of the ``[auth.<name>]`` sub-sections,
        in file order. Empty when sign-in is not configured.
    """
    section = _secrets_section("auth")
    if section is None:
        return []
    named = [
        str(key)
        for key, value in section.items()
        if key not in _SHARED_KEYS and isinstance(value, Mapping)
    ]
    return named or [None]


def is_logged_in() -> bool:
    """Whether this session's visitor has signed in through the identity provider.

    Returns
    -------
    bool
        False when ``st.user`` says nothing (fail closed).
    """
    try:
        return bool(st.user.get("is_logged_in", False))
    except Exception:  # noqa: BLE001 - no script context or no user information
        return False


def _as_list(value: object) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value]  # type: ignore[union-attr]


def access_allowed(email: str | None) -> bool:
    """Whether a signed-in ``email`` is on the allow-lists (when there are any).

    Parameters
    ----------
    email : str or None
        The address the identity provider reported (``st.user.email``).

    Returns
    -------
    bool
        True when ``[meam_mapping]`` sets no ``allowed_emails`` and no
        ``allowed_email_domains``; otherwise True only for a listed address
        or an address in a listed domain (case-insensitive).
    """
    section = _secrets_section(ACCESS_SECTION) or {}
    emails = {e.strip().lower() for e in _as_list(section.get("allowed_emails"))}
    domains = {
        d.strip().lower().lstrip("@") for d in _as_list(section.get("allowed_email_domains"))
    }
    if not emails and not domains:
        return True
    if not email:
        return False
    address = email.strip().lower()
    return address in emails or address.rpartition("@")[2] in domains


def user_key() -> str | None:
    """A stable, non-reversible name for the signed-in user, for per-user folders.

    Use it to keep one user's recovery files or saved workspaces apart from
    another's on a shared server (e.g. ``<home>/recovery/<user_key>/``).

    Returns
    -------
    str or None
        16 hex digits derived from the identity provider's subject (``sub``)
        and e-mail claims, or None when sign-in is off or nobody is signed in.
    """
    if not login_required() or not is_logged_in():
        return None
    claims = [str(st.user.get(name) or "") for name in ("iss", "sub", "email")]
    if not any(claims[1:]):
        return None
    return hashlib.sha256("\x1f".join(claims).encode("utf-8")).hexdigest()[:16]


def _start_login(provider: str | None) -> None:
    from streamlit.errors import StreamlitAuthError

    try:
        st.login(provider) if provider else st.login()
    except StreamlitAuthError as err:
        st.error(
            f"Sign-in could not start: {err}\n\n"
            "Ask whoever runs this server to check the `[auth]` section of "
            "`.streamlit/secrets.toml` and that the `Authlib` package is installed "
            "(see docs/running-for-several-agencies.md).",
            icon=":material/lock:",
        )


def _login_prompt() -> None:
    st.title("MEAM Mapping")
    st.subheader("Please sign in")
    names = providers()
    if not names:
        st.error(
            f"This server requires sign-in ({REQUIRE_LOGIN_ENV} is set) but no identity "
            "provider is configured, so nothing can be shown. Ask whoever runs it to add an "
            "`[auth]` section to `.streamlit/secrets.toml` "
            "(see docs/running-for-several-agencies.md).",
            icon=":material/lock:",
        )
        return
    st.write(
        "This copy of MEAM Mapping is shared between agencies and holds sensitive data. "
        "Sign in with your organisation's account to continue."
    )
    for name in names:
        label = "Sign in" if name is None else f"Sign in with {name.replace('-', ' ').title()}"
        if st.button(label, type="primary", icon=":material/login:", key=f"login_{name}"):
            _start_login(name)


def _refused(email: str | None) -> None:
    st.title("MEAM Mapping")
    st.error(
        f"The account {email or '(no email address)'} is not allowed to use this copy of "
        "MEAM Mapping. Sign out and use your organisation's account, or ask whoever runs "
        "it to add you.",
        icon=":material/block:",
    )
    if st.button("Sign out", icon=":material/logout:", key="logout_refused"):
        st.logout()


def _account_box(email: str | None) -> None:
    name = st.user.get("name") or email or "signed in"
    with st.sidebar:
        st.caption(f":material/person: Signed in as **{name}**")
        if st.button("Sign out", icon=":material/logout:", key="logout"):
            st.logout()


def require_login() -> None:
    """Stop the script unless sign-in is off or the visitor has signed in.

    Call it in the router before anything shows data. With sign-in off (the
    default on a laptop) it does nothing. With sign-in on it shows a sign-in
    prompt to visitors who have not signed in, a refusal to accounts not on
    the allow-lists, and otherwise a "Signed in as" line and a sign-out
    button in the sidebar.
    """
    if not login_required():
        return
    if not auth_configured() or not is_logged_in():
        _login_prompt()
        st.stop()
    email = st.user.get("email")
    email = str(email) if email else None
    if not access_allowed(email):
        _refused(email)
        st.stop()
    _account_box(email)
