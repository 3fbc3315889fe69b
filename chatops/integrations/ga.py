"""Google Analytics 4 Data API adapter: a one-row runReport as the probe.

The bearer token is GA_ACCESS_TOKEN as given, or minted from the service-account file in
GOOGLE_APPLICATION_CREDENTIALS by google-auth (refreshed off the event loop when it expires)."""
from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path

from chatops.settings import ConfigError

from .base import ProbeOutcome
from .errors import IntegrationAuthError, IntegrationBadResponse
from .http import make_client, request_json

SCOPES = ["https://www.googleapis.com/auth/analytics.readonly"]
PROBE_REPORT = {
    "dateRanges": [{"startDate": "yesterday", "endDate": "today"}],
    "metrics": [{"name": "sessions"}],
    "limit": "1",
}


class ServiceAccountToken:
    def __init__(self, path: Path):
        from google.oauth2 import service_account  # imported only when a key file is configured

        self._creds = service_account.Credentials.from_service_account_file(str(path), scopes=SCOPES)
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
        self._sa = None
        if credentials_file and not access_token:
            try:
                self._sa = ServiceAccountToken(credentials_file)
            except Exception as exc:  # noqa: BLE001 - google-auth raises several types for a bad file
                raise ConfigError(f"GOOGLE_APPLICATION_CREDENTIALS is not a usable service-account file "
                                  f"({type(exc).__name__})") from None
        self._client = make_client(base_url, {}, timeout_s)

    async def _token(self) -> str:
        if self._static_token:
            return self._static_token
        assert self._sa is not None
        try:
            return await asyncio.to_thread(self._sa.get)
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
        return ProbeOutcome(latency_ms=latency_ms)

    async def aclose(self) -> None:
        await self._client.aclose()
