"""Google Analytics 4 Data API adapter: a one-row runReport as the probe, with the property quota.

The bearer token is GA_ACCESS_TOKEN as given, or minted by google-auth from the application-default
credentials file in GOOGLE_APPLICATION_CREDENTIALS (a service-account key, an authorized_user file
from `gcloud auth application-default login`, an external_account workload-identity file, …);
it is refreshed off the event loop when it expires."""
from __future__ import annotations

import asyncio
import math
import os
import threading
import time
import warnings
from pathlib import Path
from typing import Any

from chatops.settings import ConfigError

from .base import ProbeOutcome
from .errors import IntegrationAuthError, IntegrationBadResponse
from .http import make_client, request_json

SCOPES = ["https://www.googleapis.com/auth/analytics.readonly"]
PROBE_REPORT = {
    "dateRanges": [{"startDate": "yesterday", "endDate": "today"}],
    "metrics": [{"name": "sessions"}],
    "limit": "1",
    "returnPropertyQuota": True,
}
QUOTA_LOW_FRACTION = 0.10  # a token quota with less than this share left makes the probe DEGRADED
TOKEN_QUOTAS = (  # propertyQuota fields, each {consumed, remaining}, and how people call them
    ("tokensPerDay", "daily tokens"),
    ("tokensPerHour", "hourly tokens"),
    ("tokensPerProjectPerHour", "hourly tokens of this project"),
)
CREDENTIALS_ENV = "GOOGLE_APPLICATION_CREDENTIALS"


def quota_left(property_quota: Any) -> list[tuple[str, float]]:
    """(name, share remaining) of each token quota the response reports, in TOKEN_QUOTAS order."""
    if not isinstance(property_quota, dict):
        return []
    out = []
    for field, label in TOKEN_QUOTAS:
        status = property_quota.get(field)
        if not isinstance(status, dict):
            continue
        consumed, remaining = status.get("consumed", 0), status.get("remaining")
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (consumed, remaining)):
            continue
        total = consumed + remaining
        if total > 0:
            out.append((label, max(0.0, remaining / total)))
    return out


def quota_warning(property_quota: Any) -> str | None:
    """Plain words when any token quota is nearly spent, naming the scarcest one."""
    low = [(share, label) for label, share in quota_left(property_quota) if share < QUOTA_LOW_FRACTION]
    if not low:
        return None
    share, label = min(low)
    percent = share * 100
    left = "less than 1" if 0 < percent < 1 else f"{math.floor(percent)}"  # never rounds up to the threshold
    return f"quota nearly spent: {left} % of {label} left"


class AdcToken:
    """Application-default credentials from the configured file, scoped for Analytics read-only."""

    def __init__(self, path: Path):
        import google.auth

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # google-auth warns about loading files it cannot validate
            if os.environ.get(CREDENTIALS_ENV) == str(path):
                self._creds, _ = google.auth.default(scopes=SCOPES)
            else:  # set through .env only: load the same file the way default() does
                self._creds, _ = google.auth.load_credentials_from_file(str(path), scopes=SCOPES)
        self._lock = threading.Lock()

    def get(self) -> str:
        from google.auth.transport.requests import Request

        with self._lock:
            if not self._creds.valid:
                self._creds.refresh(Request())
            return str(self._creds.token)


class GoogleAnalytics:
    key = "google_analytics"
    name = "Google Analytics"
    mock = False

    def __init__(self, *, base_url: str, property_id: str, timeout_s: float,
                 access_token: str | None = None, credentials_file: Path | None = None):
        self._path = f"/v1beta/properties/{property_id}:runReport"
        self._static_token = access_token
        self._adc = None
        if credentials_file and not access_token:
            try:
                self._adc = AdcToken(credentials_file)
            except Exception as exc:  # noqa: BLE001 - google-auth raises several types for a bad file
                raise ConfigError(f"GOOGLE_APPLICATION_CREDENTIALS is not a usable credentials file "
                                  f"({type(exc).__name__})") from None
        self._client = make_client(base_url, {}, timeout_s)

    async def _token(self) -> str:
        if self._static_token:
            return self._static_token
        assert self._adc is not None
        try:
            return await asyncio.to_thread(self._adc.get)
        except Exception as exc:  # noqa: BLE001 - google-auth raises several unrelated types
            raise IntegrationAuthError(self.name, f"could not obtain an access token ({type(exc).__name__})") from None

    async def probe(self) -> ProbeOutcome:
        started = time.perf_counter()
        token = await self._token()
        body = await request_json(
            self._client, self.name, "POST", self._path,
            json=PROBE_REPORT, headers={"Authorization": f"Bearer {token}"},
        )
        latency_ms = (time.perf_counter() - started) * 1000
        if not isinstance(body, dict):
            raise IntegrationBadResponse(self.name, "runReport answered with something other than a report")
        warning = quota_warning(body.get("propertyQuota"))
        return ProbeOutcome(latency_ms=latency_ms, warning=warning, warning_class="quota" if warning else None)

    async def aclose(self) -> None:
        await self._client.aclose()
