"""Domain errors for integrations. Adapters map every transport or protocol failure to one of
these at their boundary; the message is plain words for people and never carries a secret or URL."""
from __future__ import annotations


class IntegrationError(Exception):
    kind = "error"

    def __init__(self, integration: str, message: str, *, status: int | None = None):
        super().__init__(f"{integration}: {message}")
        self.integration = integration
        self.message = message
        self.status = status  # the HTTP status that said so, when one did


class IntegrationTimeout(IntegrationError):
    kind = "timeout"


class IntegrationUnreachable(IntegrationError):
    kind = "unreachable"


class IntegrationAuthError(IntegrationError):
    kind = "auth"


class IntegrationRateLimited(IntegrationError):
    kind = "rate_limited"

    def __init__(self, integration: str, message: str, retry_after: float | None = None):
        super().__init__(integration, message, status=429)
        self.retry_after = retry_after


class IntegrationServerError(IntegrationError):
    kind = "server_error"


class IntegrationBadResponse(IntegrationError):
    kind = "bad_response"
