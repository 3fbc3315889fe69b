"""What a reply template may say: pure rules, no storage, no Slack.

Refused (each a finding on the field it concerns): an empty body, one over MAX_BODY characters,
an unknown `{{placeholder}}`, unbalanced braces, a legacy support tool named. Flagged for the
reviewer, not refused: a promise of a refund or of a time ("within 24 hours", "guarantee")."""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

MAX_BODY = 1000
BODY_FIELD = "body"
DEFAULT_PLACEHOLDERS = ("name", "order_id", "status", "timeline")
LEGACY_TOOLS = ("Zoho", "Zendesk", "Intercom", "Freshdesk", "Gorgias")
SAMPLES = {"name": "Customer", "order_id": "#1001", "status": "in transit", "timeline": "2–3 business days"}

_PLACEHOLDER = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")
_LEGACY = re.compile(r"\b(" + "|".join(LEGACY_TOOLS) + r")\b", re.IGNORECASE)
_NUMBER = r"(?:\d+(?:[.,]\d+)?|an?|one|two|three|four|five|six|seven|ten|twelve|twenty[- ]four|forty[- ]eight)"
_UNIT = r"(?:minutes?|mins?|hours?|hrs?|h|days?|business days?|working days?|weeks?)"
_DAYS = r"(?:tomorrow|tonight|today|end of (?:the )?day|eod|monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
PROMISES = (
    ("refund", re.compile(r"\b(?:refund\w*|money back|reimburse\w*|store credit)\b", re.IGNORECASE)),
    ("time", re.compile(rf"\b(?:within|in|under|less than)\s+(?:the next\s+)?{_NUMBER}[\s-]*{_UNIT}\b"
                        rf"|\b{_NUMBER}[\s-]*{_UNIT}\s+or less\b|\bby\s+{_DAYS}\b|\bsame[- ]day\b|\bnext[- ]day\b"
                        r"|\bimmediately\b|\bright away\b|\b24/7\b", re.IGNORECASE)),
    ("guarantee", re.compile(r"\bguarantee\w*\b|\bwe promise\b|\bi promise\b", re.IGNORECASE)),
)
PROMISE_WORDS = {"refund": "promises a refund", "time": "promises a time", "guarantee": "gives a guarantee"}


@dataclass(frozen=True)
class Finding:
    field: str  # the modal block it concerns
    rule: str  # empty | too_long | placeholder | braces | legacy_tool
    message: str


@dataclass(frozen=True)
class Flag:
    kind: str  # refund | time | guarantee
    text: str  # the words that promise

    @property
    def describe(self) -> str:
        return f"{PROMISE_WORDS.get(self.kind, self.kind)} (“{self.text}”)"


def parse_placeholders(setting: str | None) -> tuple[str, ...]:
    """`OCC_TEMPLATE_PLACEHOLDERS` (comma-separated) → the allowed names; blank → the defaults."""
    names = tuple(dict.fromkeys(p.strip() for p in (setting or "").split(",") if p.strip()))
    return names or DEFAULT_PLACEHOLDERS


def normalize(body: str) -> str:
    """The form a body is stored, compared and measured in: Unix newlines, no surrounding blanks."""
    return body.replace("\r\n", "\n").replace("\r", "\n").strip()


def placeholders(body: str) -> list[str]:
    return [m.group(1) for m in _PLACEHOLDER.finditer(body)]


def lint(body: str, allowed: tuple[str, ...] = DEFAULT_PLACEHOLDERS) -> list[Finding]:
    """Everything that stops this body from being a template, in the order a person fixes it."""
    text = normalize(body)
    if not text:
        return [Finding(BODY_FIELD, "empty", "The body is empty: write what the customer will read.")]
    findings = []
    if len(text) > MAX_BODY:
        findings.append(Finding(BODY_FIELD, "too_long",
                                f"The body is {len(text):,} characters; a template may have at most {MAX_BODY:,}."))
    stray = _PLACEHOLDER.sub("", text)
    if "{" in stray or "}" in stray:
        at = min(i for i in (stray.find("{"), stray.find("}")) if i >= 0)
        near = stray[max(0, at - 12): at + 12].replace("\n", " ").strip()
        findings.append(Finding(BODY_FIELD, "braces", f"Unbalanced braces near “{near}”: a placeholder is "
                                                      "written {{like_this}}, two braces on each side."))
    unknown = [p for p in dict.fromkeys(placeholders(text)) if p not in allowed]
    for name in unknown:
        close = difflib.get_close_matches(name, allowed, n=1)
        hint = f" Did you mean {{{{{close[0]}}}}}?" if close else ""
        known = ", ".join("{{" + a + "}}" for a in allowed)
        shown = name or " "
        findings.append(Finding(BODY_FIELD, "placeholder",
                                f"Unknown placeholder {{{{{shown}}}}}.{hint} Allowed: {known}."))
    tools = list(dict.fromkeys(m.group(1) for m in _LEGACY.finditer(text)))
    if tools:
        findings.append(Finding(BODY_FIELD, "legacy_tool", f"Names a legacy tool ({', '.join(tools)}): "
                                                           "customers must not be pointed at tools we no longer use."))
    return findings


def flags(body: str) -> list[Flag]:
    """Promises a reviewer should confirm (SOP-CX-002: confirm tone and promise)."""
    found: list[Flag] = []
    for kind, pattern in PROMISES:
        for match in pattern.finditer(normalize(body)):
            if all(f.text.lower() != match.group(0).lower() for f in found):
                found.append(Flag(kind, match.group(0)))
    return found


def field_errors(findings: list[Finding]) -> dict[str, str]:
    """Findings as modal field errors: one message per field (block id)."""
    errors: dict[str, list[str]] = {}
    for finding in findings:
        errors.setdefault(finding.field, []).append(finding.message)
    return {field: " ".join(messages)[:2000] for field, messages in errors.items()}


def preview(body: str, samples: dict[str, str] | None = None) -> str:
    """The body as a customer would read it: `{{name}}` → "Customer", the others sample values;
    an unknown placeholder is left as written."""
    values = {**SAMPLES, **(samples or {})}
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), normalize(body))
