"""Pure rules of Q&A capture: the dashboard tiles, what a submitted form must hold, and what a
Linear ticket for a confusing state says."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

# DOMAIN.md: the Operator Control Center's tiles
TILES = ("Ops Pulse", "Sales Pulse", "Fulfillment Health", "Inventory Heatmap", "CX Escalations",
         "SEO & Content Watch", "Other")
MAX_SCREENSHOTS = 3
IMAGE_EXTENSIONS = ("png", "jpg", "jpeg", "gif", "webp")
TITLE_MAX = 120


@dataclass(frozen=True)
class Form:
    """A capture form, checked: either `errors` (block id → message) or the values."""

    question: str = ""
    answer: str | None = None
    tile: str = ""
    confusing: bool = False
    owner: str | None = None
    follow_up_due: date | None = None
    screenshots: list[dict[str, str]] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)


def _text(value: Any) -> str | None:
    return (value.strip() or None) if isinstance(value, str) else None


def _user(value: Any) -> str | None:
    text = _text(value)
    return text if text and len(text) <= 32 else None


def _screenshot(file: Any) -> dict[str, str] | None:
    """The parts of a Slack file object (or the console's `{path, name}`) worth keeping."""
    if not isinstance(file, dict):
        return None
    kept = {k: str(file[k])[:500] for k in ("id", "name", "mimetype", "permalink", "path")
            if isinstance(file.get(k), str) and file[k]}
    if not (kept.get("id") or kept.get("path")):
        return None
    kept.setdefault("name", (kept.get("path") or "screenshot").rsplit("/", 1)[-1])
    return kept


def _is_image(shot: dict[str, str]) -> bool:
    mimetype = shot.get("mimetype")
    if mimetype:
        return mimetype.startswith("image/")
    return shot.get("name", "").rsplit(".", 1)[-1].lower() in IMAGE_EXTENSIONS


def check_form(values: dict[str, Any]) -> Form:
    errors: dict[str, str] = {}
    question = _text(values.get("question")) or ""
    if not question:
        errors["question"] = "Write the question."
    tile = values.get("tile")
    if not isinstance(tile, str) or tile not in TILES:
        errors["tile"] = "Pick the dashboard tile (or Other)."
    answer = values.get("answer")
    if answer is not None and not isinstance(answer, str):
        errors["answer"] = "The answer must be text."
    owner = values.get("owner")
    if owner not in (None, "") and _user(owner) is None:
        errors["owner"] = "Pick one person."
    due = None
    raw_due = values.get("follow_up")
    if raw_due not in (None, ""):
        try:
            due = date.fromisoformat(str(raw_due).strip())
        except ValueError:
            errors["follow_up"] = "Pick a date (YYYY-MM-DD)."
    files = values.get("screenshots") or []
    shots = [s for s in (_screenshot(f) for f in (files if isinstance(files, list) else [files])) if s]
    if len(shots) > MAX_SCREENSHOTS:
        errors["screenshots"] = f"At most {MAX_SCREENSHOTS} screenshots."
    elif not all(_is_image(s) for s in shots):
        errors["screenshots"] = "Screenshots must be images (PNG, JPEG, GIF or WebP)."
    confusing = values.get("confusing")
    flagged = "confusing" in confusing if isinstance(confusing, list) else confusing in ("confusing", True)
    if errors:
        return Form(errors=errors)
    return Form(question=question, answer=_text(answer), tile=str(tile), confusing=bool(flagged), owner=_user(owner),
                follow_up_due=due, screenshots=shots)


@dataclass(frozen=True)
class Source:
    """Where a captured question came from (a message shortcut), carried in private_metadata."""

    author: str | None = None
    channel: str | None = None
    ts: str | None = None
    permalink: str | None = None

    def metadata(self) -> str:
        return json.dumps({k: v for k, v in (("author", self.author), ("channel", self.channel), ("ts", self.ts),
                                              ("permalink", self.permalink)) if v})


def source_of(metadata: dict[str, Any]) -> Source:
    def short(key: str, limit: int) -> str | None:
        value = metadata.get(key)
        return value if isinstance(value, str) and 0 < len(value) <= limit else None

    link = short("permalink", 500)
    return Source(author=short("author", 32), channel=short("channel", 32), ts=short("ts", 32),
                  permalink=link if link and link.startswith("https://") else None)


def ticket_title(tile: str, question: str) -> str:
    first = " ".join(question.strip().splitlines()[0].split()) if question.strip() else "Confusing state"
    title = f"{tile}: {first}" if tile and tile != "Other" else first
    return title if len(title) <= TITLE_MAX else title[: TITLE_MAX - 1] + "…"


def _inert(text: str) -> str:
    """What people wrote, as markdown that embeds nothing: Linear fetches the image of `![…](url)`."""
    return text.replace("![", "!\\[")


def _quote(text: str) -> str:
    return "\n".join(f"> {_inert(line)}" for line in text.strip().splitlines() or [""])


def ticket_description(*, tile: str, at: datetime, reporter: str, question: str, answer: str | None,
                       author: str | None = None, owner: str | None = None, follow_up_due: date | None = None,
                       session: str | None = None) -> str:
    """The ticket's markdown; the deliverer adds the Slack link and the screenshots."""
    facts = [f"- **Tile:** {tile}", f"- **Time:** {at.strftime('%Y-%m-%d %H:%M UTC')}",
             f"- **Reporter:** Slack user {reporter}" + (f" (asked by {author})" if author and author != reporter else "")]
    if session:
        facts.append(f"- **Training session:** {session}")
    if owner:
        facts.append(f"- **Owner:** Slack user {owner}")
    if follow_up_due:
        facts.append(f"- **Follow-up due:** {follow_up_due.isoformat()}")
    parts = ["A confusing dashboard state, reported from Slack.", "\n".join(facts), "**Question**\n\n" + _quote(question)]
    parts.append("**Answer**\n\n" + (_quote(answer) if answer else "_none yet_"))
    return "\n\n".join(parts)
