"""The environment of CONTRACT.md §2 as one pydantic-settings class.

Secrets are `SecretStr`, so they never show up in a repr, a log line or an error.
`ConfigError` carries a one-line message that names the variable and never its value.
"""
from __future__ import annotations

from pathlib import Path
from typing import Literal
from urllib.parse import quote

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_core import PydanticCustomError
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

Transport = Literal["console", "http", "socket"]


class ConfigError(Exception):
    """A configuration problem, reported as one line naming the variable (exit code 2)."""


def parse_database_url(value: str) -> URL:
    """DATABASE_URL parsed and sanity-checked. The errors never contain the URL or any part of it:
    an unencoded `@` in a password moves the rest of the password into the host name."""
    def invalid(why: str) -> PydanticCustomError:
        return PydanticCustomError("database_url", why)

    port = "the port is not a number from 1 to 65535"
    try:
        url = make_url(value)
    except ValueError:  # make_url's int(port)
        raise invalid(port) from None
    except (ArgumentError, TypeError):
        raise invalid("not a SQLAlchemy URL (sqlite:///path/occ.db or "
                      "postgresql+psycopg://user:password@host:port/db)") from None
    if url.get_backend_name() not in ("sqlite", "postgresql"):
        raise invalid("only sqlite and postgresql databases are supported")
    if "@" in (url.host or ""):
        raise invalid("more than one '@' in it; write an '@' in the user name or password as %40")
    if url.port is not None and not 0 < url.port < 65536:
        raise invalid(port)
    return url


def _blank_to_none(value: object) -> object:
    if isinstance(value, str) and not value.strip():
        return None
    return value


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: str = "https://slack.com/api/"

    host: str = "0.0.0.0"
    port: int = Field(default=3000, ge=0, le=65535)
    http_threads: int = Field(default=16, ge=2, le=256, validation_alias="OCC_HTTP_THREADS")

    database_url: str = "sqlite:///./occ.db"
    dashboard_use_mock: bool = False

    chatwoot_base_url: str | None = None
    chatwoot_api_token: SecretStr | None = None
    chatwoot_account_id: str | None = None
    chatwoot_sla_minutes: int = Field(default=30, ge=1)

    shopify_shop_domain: str | None = None
    shopify_admin_token: SecretStr | None = None
    shopify_base_url: str | None = None
    shopify_api_version: str = "2025-10"

    ga_property_id: str | None = None
    google_application_credentials: Path | None = None
    ga_access_token: SecretStr | None = None
    ga_base_url: str = "https://analyticsdata.googleapis.com"

    linear_api_key: SecretStr | None = None
    linear_team_id: str | None = None
    linear_api_url: str = "https://api.linear.app/graphql"
    occ_linear_timeout_s: float = Field(default=15, gt=0, le=120)

    occ_alerts_channel: str | None = None
    occ_incidents_channel: str | None = None
    occ_support_channel: str | None = None
    occ_managers: str | None = None
    occ_daily_status_at: str = Field(default="17:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    occ_health_interval_s: float = Field(default=60, gt=0)
    occ_probe_timeout_s: float = Field(default=5, gt=0, le=60)

    # Alert hygiene (DOMAIN.md): flap damping, reminders, SLA breach-rate levels, leader lease.
    occ_down_after: int = Field(default=2, ge=1)
    occ_recover_after: int = Field(default=2, ge=1)
    occ_error_rate: float = Field(default=0.10, gt=0, le=1)
    occ_alert_window: int = Field(default=20, ge=2, le=500)
    occ_alert_reminder_h: float = Field(default=4, gt=0)
    occ_sla_warn_rate: float = Field(default=0.20, ge=0, le=1)
    occ_sla_critical_rate: float = Field(default=0.40, ge=0, le=1)
    occ_lease_ttl_s: float = Field(default=15, ge=1, le=600)

    # Reply templates: the daily review reminder (HH:MM, UTC) and the placeholders a body may use.
    occ_template_review_at: str = "09:00"
    occ_template_placeholders: str = "name,order_id,status,timeline"

    # DOMAIN.md thresholds: "degraded" latency per integration, in milliseconds.
    occ_chatwoot_slow_ms: float = Field(default=1000, gt=0)
    occ_shopify_slow_ms: float = Field(default=2000, gt=0)
    occ_ga_slow_ms: float = Field(default=2000, gt=0)

    @model_validator(mode="before")
    @classmethod
    def _blank_means_unset(cls, data: object) -> object:
        # `FOO=` in a .env or the environment means "not set": fall back to the default.
        if isinstance(data, dict):
            return {k: v for k, v in data.items() if _blank_to_none(v) is not None}
        return data

    @field_validator("occ_template_review_at")
    @classmethod
    def _review_time_is_hh_mm(cls, value: str) -> str:
        hour, _, minute = value.strip().partition(":")
        if not (hour.isdigit() and minute.isdigit() and int(hour) < 24 and int(minute) < 60 and len(minute) == 2):
            raise PydanticCustomError("hh_mm", "not a time of day as HH:MM (UTC), e.g. 09:00")
        return f"{int(hour):02d}:{minute}"

    @field_validator("occ_template_placeholders")
    @classmethod
    def _placeholders_are_names(cls, value: str) -> str:
        names = [p.strip() for p in value.split(",") if p.strip()]
        if not names or not all(n.replace("_", "").isalnum() for n in names):
            raise PydanticCustomError("placeholders", "a comma-separated list of names, e.g. name,order_id")
        return ",".join(names)

    @field_validator("database_url")
    @classmethod
    def _database_url_parses(cls, value: str) -> str:
        parse_database_url(value)
        return value

    # --- derived views -------------------------------------------------------------------
    @property
    def managers(self) -> frozenset[str]:
        return frozenset(u.strip() for u in (self.occ_managers or "").split(",") if u.strip())

    @property
    def api_url(self) -> str:
        return self.slack_api_url if self.slack_api_url.endswith("/") else self.slack_api_url + "/"

    def secret_values(self) -> list[str]:
        """Every secret's value, for the log redaction filter."""
        secrets = [
            self.slack_bot_token, self.slack_signing_secret, self.slack_app_token,
            self.chatwoot_api_token, self.shopify_admin_token, self.ga_access_token,
            self.linear_api_key,
        ]
        values = [s.get_secret_value() for s in secrets if s is not None and s.get_secret_value()]
        password = parse_database_url(self.database_url).password
        if password:  # as typed (percent-encoded) and as decoded
            values += [str(password), quote(str(password), safe="")]
        return values

    # --- transport selection and validation ----------------------------------------------
    def choose_transport(self) -> Transport:
        if self.slack_app_token:
            return "socket"
        if self.slack_bot_token and self.slack_signing_secret:
            return "http"
        if self.slack_bot_token or self.slack_signing_secret:
            # Half a Slack setup is a mistake, not a request for the console.
            missing = "SLACK_SIGNING_SECRET" if self.slack_bot_token else "SLACK_BOT_TOKEN"
            raise ConfigError(f"{missing} is not set (HTTP mode needs SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET)")
        return "console"

    def check_transport(self, transport: Transport) -> None:
        if transport == "http":
            for name, value in (("SLACK_BOT_TOKEN", self.slack_bot_token),
                                ("SLACK_SIGNING_SECRET", self.slack_signing_secret)):
                if not value:
                    raise ConfigError(f"{name} is not set (HTTP mode needs SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET)")
        elif transport == "socket":
            for name, value in (("SLACK_BOT_TOKEN", self.slack_bot_token), ("SLACK_APP_TOKEN", self.slack_app_token)):
                if not value:
                    raise ConfigError(f"{name} is not set (Socket Mode needs SLACK_BOT_TOKEN and SLACK_APP_TOKEN)")
        self.check_integrations()

    def check_integrations(self) -> None:
        """An integration whose secret is set but whose companions are missing is a mistake."""
        if self.dashboard_use_mock:
            return
        if self.chatwoot_api_token:
            for name, value in (("CHATWOOT_BASE_URL", self.chatwoot_base_url),
                                ("CHATWOOT_ACCOUNT_ID", self.chatwoot_account_id)):
                if not value:
                    raise ConfigError(f"{name} is not set (CHATWOOT_API_TOKEN is set)")
        if self.shopify_admin_token and not (self.shopify_shop_domain or self.shopify_base_url):
            raise ConfigError("SHOPIFY_SHOP_DOMAIN is not set (SHOPIFY_ADMIN_TOKEN is set)")
        if (self.ga_access_token or self.google_application_credentials) and not self.ga_property_id:
            raise ConfigError("GA_PROPERTY_ID is not set (GA credentials are set)")
        if self.google_application_credentials and not self.ga_access_token:
            if not self.google_application_credentials.is_file():
                raise ConfigError("GOOGLE_APPLICATION_CREDENTIALS does not name a readable file")
        if self.linear_api_key and not self.linear_team_id:
            raise ConfigError("LINEAR_TEAM_ID is not set (LINEAR_API_KEY is set)")


def load_settings(**overrides: object) -> Settings:
    """Read the environment (and .env); a bad value becomes a one-line ConfigError."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        err = exc.errors()[0]
        name = str(err["loc"][0]).upper() if err.get("loc") else "configuration"
        raise ConfigError(f"{name} is invalid: {err['msg']}") from None
