"""Sign-in for shared servers: with it on, a visitor who has not signed in sees no data.

Sign-in is switched on by an ``[auth]`` secrets section (``AppTest.secrets``
stands in for ``.streamlit/secrets.toml``) or by ``MEAM_MAPPING_REQUIRE_LOGIN``.
"No data" is checked on everything the run sent to the browser: no table, no
map component, and none of the demo's indicator ids, indicator names, area
names or area codes anywhere in the serialised elements.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ui import auth

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")

AUTH = {
    "redirect_uri": "http://localhost:8501/oauth2callback",
    "cookie_secret": "not-a-real-secret-only-for-tests",
    "client_id": "meam-mapping-test",
    "client_secret": "not-a-real-secret",
    "server_metadata_url": "https://idp.invalid/.well-known/openid-configuration",
}
# Things only the data could have put on the page.
DATA_MARKERS = [
    "homelessness_duty_owed",
    "drug_alcohol_treatment",
    "secondary_mental_health",
    "probation_caseload",
    "known_multiple_disadvantage",
    "deprivation_score",
    "Probation",
    "Huntingdonshire",
    "Fenland",
    "E07000008",
    "E02",
    "E01",
    "Synthetic",
]


def sent_text(at: AppTest) -> str:
    """Everything the last run sent to the browser, as protobuf text."""
    return "\n".join(str(node.proto) for node in at._tree if getattr(node, "proto", None))


def assert_no_data(at: AppTest) -> None:
    assert not at.exception, at.exception
    assert len(at.dataframe) == 0
    assert len(at.table) == 0
    assert len(at.metric) == 0
    text = sent_text(at)
    assert "streamlit_folium" not in text
    assert "leaflet" not in text.lower()
    leaked = [marker for marker in DATA_MARKERS if marker in text]
    assert not leaked, f"data shown before sign-in: {leaked}"


def _app(*, secrets: dict | None = None, user: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=600)
    if secrets:
        for key, value in secrets.items():
            at.secrets[key] = value
    if user is not None:
        at.user = user
    return at


@pytest.fixture(autouse=True)
def _no_login_env(monkeypatch):
    monkeypatch.delenv(auth.REQUIRE_LOGIN_ENV, raising=False)


# --- the router ---------------------------------------------------------------------


def test_signed_out_visitor_sees_only_a_sign_in_prompt():
    at = _app(secrets={"auth": AUTH}, user={"is_logged_in": False}).run()
    assert_no_data(at)
    assert [b.label for b in at.button] == ["Sign in"], (
        "app.py must call ui.auth.require_login() right after st.set_page_config"
    )
    assert any("sign in" in s.value.lower() for s in at.subheader)
    assert "Disclosure control" not in sent_text(at)


def _page_scripts() -> list[str]:
    """Every page the router names, and every script Streamlit would find in ``pages/``."""
    named = re.findall(r"st\.Page\(\s*[\"']([^\"']+\.py)[\"']", Path(APP).read_text())
    legacy = [f"pages/{p.name}" for p in sorted((ROOT / "pages").glob("*.py"))]
    return sorted(set(named) | set(legacy))


def test_signed_out_visitor_sees_no_data_on_any_page():
    # A visitor may open a page's address directly (e.g. /data) as the first
    # thing a fresh server runs. If a folder called ``pages/`` sits beside
    # app.py, Streamlit then runs that page script on its own, without the
    # router, so require_login() in app.py never runs.
    pages = _page_scripts()
    assert len(pages) >= 6
    for page in pages:
        at = _app(secrets={"auth": AUTH}, user={"is_logged_in": False})
        try:
            at.switch_page(page)
        except ValueError:
            continue  # not reachable by address: nothing to check
        at.run()
        assert_no_data(at)


def test_clicking_sign_in_without_a_working_provider_explains_and_shows_nothing():
    at = _app(secrets={"auth": AUTH}, user={"is_logged_in": False}).run()
    at.button(key="login_None").click().run()
    assert_no_data(at)
    # No identity provider can be reached in a test (and Authlib may be absent):
    # the visitor is told why instead of seeing a traceback.
    assert any("Sign-in could not start" in e.value for e in at.error)


def test_env_variable_alone_keeps_the_app_closed(monkeypatch):
    monkeypatch.setenv(auth.REQUIRE_LOGIN_ENV, "1")
    at = _app(user={}).run()
    assert_no_data(at)
    assert len(at.button) == 0
    assert any(auth.REQUIRE_LOGIN_ENV in e.value for e in at.error)


def test_signed_in_user_sees_the_demo_and_a_sign_out_button():
    user = {"is_logged_in": True, "name": "Pat Analyst", "email": "pat@council.gov.uk"}
    at = _app(secrets={"auth": AUTH}, user=user).run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Map"
    assert len(at.dataframe) == 1
    assert any("Pat Analyst" in c.value for c in at.sidebar.caption)
    assert "Sign out" in [b.label for b in at.sidebar.button]


def test_signed_in_account_outside_the_allow_list_is_refused():
    user = {"is_logged_in": True, "name": "Someone", "email": "someone@gmail.com"}
    secrets = {"auth": AUTH, "meam_mapping": {"allowed_email_domains": ["council.gov.uk"]}}
    at = _app(secrets=secrets, user=user).run()
    assert_no_data(at)
    assert any("someone@gmail.com" in e.value for e in at.error)
    assert [b.label for b in at.button] == ["Sign out"]


def test_auth_off_shows_the_demo_as_before():
    at = _app().run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Map"
    assert len(at.dataframe) == 1
    assert "Synthetic" in sent_text(at)
    assert not any(b.label.startswith("Sign") for b in at.button)


# --- the module on its own (independent of the router) ------------------------------


def _guarded_script() -> None:
    import pandas as pd
    import streamlit as st

    from ui.auth import require_login

    require_login()
    st.dataframe(pd.DataFrame({"indicator": ["probation_caseload"]}))


def test_require_login_stops_before_the_data_in_any_script():
    at = AppTest.from_function(_guarded_script, default_timeout=30)
    at.secrets["auth"] = AUTH
    at.user = {"is_logged_in": False}
    at.run()
    assert_no_data(at)
    at.user = {"is_logged_in": True, "email": "pat@council.gov.uk"}
    at.run()
    assert len(at.dataframe) == 1


def test_named_providers_get_one_button_each():
    at = AppTest.from_function(_guarded_script, default_timeout=30)
    at.secrets["auth"] = {
        "redirect_uri": AUTH["redirect_uri"],
        "cookie_secret": AUTH["cookie_secret"],
        "microsoft": {k: AUTH[k] for k in ("client_id", "client_secret", "server_metadata_url")},
        "okta": {k: AUTH[k] for k in ("client_id", "client_secret", "server_metadata_url")},
    }
    at.run()
    assert_no_data(at)
    assert [b.label for b in at.button] == ["Sign in with Microsoft", "Sign in with Okta"]


def test_missing_user_information_counts_as_signed_out():
    at = AppTest.from_function(_guarded_script, default_timeout=30)
    at.secrets["auth"] = AUTH
    at.user = {"email": "pat@council.gov.uk"}  # no is_logged_in claim
    at.run()
    assert_no_data(at)


@pytest.mark.parametrize(
    ("section", "email", "allowed"),
    [
        ({}, "anyone@example.org", True),
        ({"allowed_email_domains": ["council.gov.uk"]}, "Pat@Council.gov.uk", True),
        ({"allowed_email_domains": ["@council.gov.uk"]}, "pat@council.gov.uk", True),
        ({"allowed_email_domains": ["council.gov.uk"]}, "pat@evil-council.gov.uk", False),
        ({"allowed_email_domains": ["council.gov.uk"]}, "pat@council.gov.uk.evil.org", False),
        ({"allowed_email_domains": "council.gov.uk"}, "pat@council.gov.uk", True),
        ({"allowed_emails": ["pat@nhs.net"]}, "pat@nhs.net", True),
        ({"allowed_emails": ["pat@nhs.net"]}, "sam@nhs.net", False),
        ({"allowed_emails": ["pat@nhs.net"]}, None, False),
    ],
)
def test_allow_lists(monkeypatch, section, email, allowed):
    monkeypatch.setattr(
        auth, "_secrets_section", lambda name: section if name == auth.ACCESS_SECTION else None
    )
    assert auth.access_allowed(email) is allowed


def test_login_required_follows_the_environment(monkeypatch):
    monkeypatch.setattr(auth, "_secrets_section", lambda name: None)
    assert not auth.login_required()
    for value in ("1", "true", "YES", "on"):
        monkeypatch.setenv(auth.REQUIRE_LOGIN_ENV, value)
        assert auth.login_required()
    monkeypatch.setenv(auth.REQUIRE_LOGIN_ENV, "0")
    assert not auth.login_required()
    assert auth.providers() == []


def _user_key_script() -> None:
    import streamlit as st

    from ui.auth import user_key

    st.text(str(user_key()))


@pytest.mark.parametrize(
    ("user", "expected"),
    [
        ({"is_logged_in": False}, "None"),
        ({"is_logged_in": True, "sub": "123", "email": "pat@council.gov.uk"}, "hex"),
    ],
)
def test_user_key_names_signed_in_users_only(user, expected):
    at = AppTest.from_function(_user_key_script, default_timeout=30)
    at.secrets["auth"] = AUTH
    at.user = user
    at.run()
    value = at.text[0].value
    if expected == "None":
        assert value == "None"
    else:
        assert re.fullmatch(r"[0-9a-f]{16}", value)
        assert "pat" not in value
        other = AppTest.from_function(_user_key_script, default_timeout=30)
        other.secrets["auth"] = AUTH
        other.user = {**user, "sub": "456", "email": "sam@council.gov.uk"}
        other.run()
        assert other.text[0].value != value
