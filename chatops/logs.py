"""Logging set-up with a redaction filter: no secret reaches a log line, whoever logs it."""
from __future__ import annotations

import logging
import os
import re
import sys

_PATTERNS = [
    re.compile(r"xox[abposer]-[A-Za-z0-9-]+"),  # Slack tokens
    re.compile(r"xapp-[A-Za-z0-9-]+"),  # Slack app-level tokens
    re.compile(r"lin_api_[A-Za-z0-9]+"),  # Linear keys
    re.compile(r"shpat_[A-Za-z0-9]+"),  # Shopify admin tokens
    re.compile(r"https://hooks\.slack\.com/\S+"),  # response_url / webhooks
    re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]{8,}"),
]
REDACTED = "[redacted]"


class RedactingFilter(logging.Filter):
    """Replaces every configured secret value and anything shaped like a token."""

    def __init__(self, secrets: list[str] | None = None):
        super().__init__()
        self.secrets = sorted({s for s in (secrets or []) if len(s) >= 4}, key=len, reverse=True)

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        for pattern in _PATTERNS:
            text = pattern.sub(lambda m: (m.group(1) if m.groups() else "") + REDACTED, text)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        cleaned = self.redact(message)
        record.msg, record.args = cleaned, None
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        return True


def setup_logging(level: str | None = None, secrets: list[str] | None = None) -> RedactingFilter:
    level_name = (level or os.environ.get("OCC_LOG_LEVEL") or "INFO").upper()
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    redactor = RedactingFilter(secrets)
    handler.addFilter(redactor)
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(getattr(logging, level_name, logging.INFO))
    # httpx logs full URLs at INFO; slack_sdk logs request bodies at DEBUG.
    for noisy in ("httpx", "httpcore", "slack_sdk", "slack_bolt", "occ.bolt", "waitress.queue", "google"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    return redactor
