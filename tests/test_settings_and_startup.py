"""Settings, transport choice and the one-line configuration errors (exit code 2, no traceback)."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from chatops.settings import ConfigError, Settings, load_settings
from tests.conftest import ROOT

CLEAN = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "CHATWOOT_", "SHOPIFY_", "GA_",
                                                                    "GOOGLE_", "LINEAR_", "OCC_", "DATABASE_"))}


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch, tmp_path):
    for key in set(os.environ) - set(CLEAN):
        monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)  # no stray .env


def test_defaults_follow_the_contract():
    s = load_settings()
    assert (s.host, s.port, s.database_url) == ("0.0.0.0", 3000, "sqlite:///./occ.db")
    assert s.slack_api_url == "https://slack.com/api/"
    assert (s.occ_health_interval_s, s.occ_probe_timeout_s, s.chatwoot_sla_minutes) == (60, 5, 30)
    assert s.shopify_api_version == "2025-10" and s.dashboard_use_mock is False
    assert s.choose_transport() == "console"


@pytest.mark.parametrize("env,transport", [
    ({"SLACK_APP_TOKEN": "xapp-1", "SLACK_BOT_TOKEN": "xoxb-1"}, "socket"),
    ({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s"}, "http"),
    ({}, "console"),
])
def test_transport_choice(monkeypatch, env, transport):
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    assert load_settings().choose_transport() == transport


def test_half_set_slack_names_the_missing_variable(monkeypatch):
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-secret-value")
    with pytest.raises(ConfigError, match="SLACK_SIGNING_SECRET is not set") as info:
        load_settings().choose_transport()
    assert "xoxb-secret-value" not in str(info.value)


def test_secrets_are_secretstr_and_blank_means_default(monkeypatch):
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-hidden")
    monkeypatch.setenv("PORT", "")
    s = load_settings()
    assert "xoxb-hidden" not in repr(s) and s.port == 3000
    assert "xoxb-hidden" in s.secret_values()


def test_api_url_gets_a_trailing_slash():
    assert Settings(slack_api_url="http://127.0.0.1:9/api").api_url == "http://127.0.0.1:9/api/"


def test_managers_parse():
    assert Settings(occ_managers=" U1, U2 ,,").managers == frozenset({"U1", "U2"})


@pytest.mark.parametrize("env,expected", [
    ({"CHATWOOT_API_TOKEN": "t", "CHATWOOT_BASE_URL": "http://x"}, "CHATWOOT_ACCOUNT_ID is not set"),
    ({"SHOPIFY_ADMIN_TOKEN": "t"}, "SHOPIFY_SHOP_DOMAIN is not set"),
    ({"GA_ACCESS_TOKEN": "t"}, "GA_PROPERTY_ID is not set"),
    ({"GA_PROPERTY_ID": "1", "GOOGLE_APPLICATION_CREDENTIALS": "/nope.json"}, "GOOGLE_APPLICATION_CREDENTIALS does not"),
    ({"LINEAR_API_KEY": "k"}, "LINEAR_TEAM_ID is not set"),
])
def test_half_set_integrations(monkeypatch, env, expected):
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    with pytest.raises(ConfigError, match=expected):
        load_settings().check_integrations()
    monkeypatch.setenv("DASHBOARD_USE_MOCK", "true")
    load_settings().check_integrations()  # mock mode calls nothing, so nothing is missing


def test_invalid_number_names_the_variable(monkeypatch):
    monkeypatch.setenv("OCC_PROBE_TIMEOUT_S", "soon")
    with pytest.raises(ConfigError, match="^OCC_PROBE_TIMEOUT_S is invalid"):
        load_settings()


def _app(args: list[str], env: dict[str, str], cwd) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "app.py"), *args], env={**CLEAN, **env}, cwd=cwd,
                          capture_output=True, text=True, timeout=60, input="")


@pytest.mark.parametrize("args,env,expected", [
    (["http"], {}, "occ: SLACK_BOT_TOKEN is not set"),
    (["http"], {"SLACK_BOT_TOKEN": "xoxb-very-secret"}, "occ: SLACK_SIGNING_SECRET is not set"),
    (["socket"], {"SLACK_BOT_TOKEN": "xoxb-very-secret"}, "occ: SLACK_APP_TOKEN is not set"),
    ([], {"SLACK_SIGNING_SECRET": "very-secret"}, "occ: SLACK_BOT_TOKEN is not set"),
    (["bogus"], {}, "occ: usage: python app.py [console|http|socket]"),
    (["console"], {"PORT": "x"}, "occ: PORT is invalid"),
])
def test_startup_errors_are_one_line_exit_2(tmp_path, args, env, expected):
    result = _app(args, env, tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(expected), result.stderr
    assert "Traceback" not in result.stderr and "very-secret" not in result.stderr + result.stdout


def test_unreachable_database_is_one_line(tmp_path):
    url = "postgresql+psycopg://occ:hunter2@127.0.0.1:1/occ"
    result = _app(["console"], {"DATABASE_URL": url}, tmp_path)
    assert result.returncode == 2
    assert "hunter2" not in result.stderr and "Traceback" not in result.stderr
    assert result.stderr.startswith("occ: cannot open the database postgresql+psycopg://occ:***@127.0.0.1:1/occ")


def test_unusable_service_account_file_names_the_variable(tmp_path):
    bad = tmp_path / "sa.json"
    bad.write_text('{"type": "service_account"}')
    result = _app(["console"], {"GA_PROPERTY_ID": "1", "GOOGLE_APPLICATION_CREDENTIALS": str(bad)}, tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("occ: GOOGLE_APPLICATION_CREDENTIALS is not a usable credentials file")
