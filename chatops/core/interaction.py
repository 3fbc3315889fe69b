"""What a person did, parsed once at the edge into one typed value, whichever transport it came
from: a slash command, a modal submission, a button, a shortcut. Parsing never raises; every
string is cleaned (NUL and other control characters dropped, length capped) before it reaches a
handler or the database."""
from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass, field
from typing import Any

MAX_TEXT = 4000  # what a slash command's text may carry (Slack's own limit is about 4,000)
MAX_FIELD = 3000  # a modal field
MAX_ID = 64


def clean(value: Any, limit: int = MAX_FIELD) -> str:
    """A string safe to store and to show: control characters (NUL included) dropped, except
    newline and tab; at most `limit` characters."""
    if not isinstance(value, str):
        return ""
    if value.isprintable():
        return value[:limit]
    kept = "".join(ch for ch in value if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cs"))
    return kept[:limit]


def _id(value: Any) -> str | None:
    text = clean(value, MAX_ID).strip()
    return text or None


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


@dataclass(frozen=True)
class Actor:
    user_id: str
    user_name: str | None = None


def _clean_value(value: Any) -> Any:
    """A modal field's value: strings cleaned, lists of strings cleaned, files kept as dicts."""
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, list):
        return [_clean_value(v) for v in value[:20] if isinstance(v, (str, dict))]
    if isinstance(value, dict):
        return {clean(k, MAX_ID): clean(v, 2000) for k, v in value.items() if isinstance(v, str)}
    return None


def element_value(element: dict[str, Any]) -> Any:
    """The typed value of one input element in `view.state.values`."""
    kind = element.get("type")
    if kind in ("static_select", "external_select", "radio_buttons"):
        return _dict(element.get("selected_option")).get("value")
    if kind in ("multi_static_select", "checkboxes", "multi_external_select"):
        return [o.get("value") for o in element.get("selected_options") or [] if isinstance(o, dict)]
    simple = {"users_select": "selected_user", "conversations_select": "selected_conversation",
              "channels_select": "selected_channel", "datepicker": "selected_date", "timepicker": "selected_time"}
    if kind in simple:
        return element.get(simple[kind])
    if kind == "multi_users_select":
        return list(element.get("selected_users") or [])
    if kind == "file_input":
        return list(element.get("files") or [])
    return element.get("value")


def field_values(state_values: Any) -> dict[str, Any]:
    """`{block_id: {action_id: element}}` → `{block_id: value}` (one element per input block)."""
    out: dict[str, Any] = {}
    for block_id, actions in _dict(state_values).items():
        for element in _dict(actions).values():
            if isinstance(element, dict):
                out[clean(str(block_id), 255)] = _clean_value(element_value(element))
                break
    return out


@dataclass(frozen=True)
class Interaction:
    """One request from a person. `args` is what follows the matched subcommand; `value` a
    button's value; `values` a modal's fields by block id."""

    kind: str  # command | modal | action | shortcut
    actor: Actor
    text: str = ""
    args: str = ""
    name: str = ""  # the callback id / action id / subcommand it was routed by
    value: str | None = None
    values: dict[str, Any] = field(default_factory=dict)
    private_metadata: str = ""
    view_id: str | None = None
    view_hash: str | None = None
    channel_id: str | None = None
    team_id: str | None = None
    message_ts: str | None = None
    message_text: str | None = None
    message_user: str | None = None
    surface: str | None = None  # where an action was pressed: "message", "home", "modal"
    trigger_id: str | None = field(default=None, repr=False)
    response_url: str | None = field(default=None, repr=False)  # a bearer secret for 30 minutes

    @property
    def user_id(self) -> str:
        return self.actor.user_id

    @property
    def user_name(self) -> str | None:
        return self.actor.user_name

    def metadata(self) -> dict[str, Any]:
        """private_metadata as a JSON object ({} when it is anything else)."""
        try:
            value = json.loads(self.private_metadata or "{}")
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}

    # --- parsing, one constructor per payload shape ----------------------------------------
    @classmethod
    def command(cls, user_id: str, text: str, **extra: Any) -> "Interaction":
        return cls(kind="command", actor=Actor(user_id), text=clean(text, MAX_TEXT).strip(), **extra)

    @classmethod
    def from_slash(cls, body: dict[str, Any]) -> "Interaction":
        return cls(kind="command", actor=Actor(_id(body.get("user_id")) or "unknown", _id(body.get("user_name"))),
                   text=clean(body.get("text"), MAX_TEXT).strip(), channel_id=_id(body.get("channel_id")),
                   team_id=_id(body.get("team_id")), trigger_id=_id(body.get("trigger_id")),
                   response_url=clean(body.get("response_url"), 500) or None)

    @classmethod
    def from_view(cls, body: dict[str, Any]) -> "Interaction":
        view, user = _dict(body.get("view")), _dict(body.get("user"))
        return cls(kind="modal", actor=Actor(_id(user.get("id")) or "unknown", _id(user.get("username") or
                                                                                   user.get("name"))),
                   name=clean(view.get("callback_id"), 255), values=field_values(_dict(view.get("state")).get("values")),
                   private_metadata=clean(view.get("private_metadata"), 3000), view_id=_id(view.get("id")),
                   view_hash=_id(view.get("hash")), team_id=_id(_dict(body.get("team")).get("id")),
                   trigger_id=_id(body.get("trigger_id")))

    @classmethod
    def from_action(cls, body: dict[str, Any]) -> "Interaction":
        actions = body.get("actions") if isinstance(body.get("actions"), list) else []
        action = _dict(actions[0]) if actions else {}
        value = action.get("value")
        if value is None:
            value = _dict(action.get("selected_option")).get("value")
        user, channel = _dict(body.get("user")), _dict(body.get("channel"))
        container, view = _dict(body.get("container")), _dict(body.get("view"))
        return cls(kind="action", actor=Actor(_id(user.get("id")) or "unknown", _id(user.get("username"))),
                   name=clean(action.get("action_id"), 255), value=clean(value, 2000) if value is not None else None,
                   channel_id=_id(channel.get("id")), message_ts=_id(container.get("message_ts")),
                   view_id=_id(view.get("id")), view_hash=_id(view.get("hash")),
                   private_metadata=clean(view.get("private_metadata"), 3000),
                   surface=_id(view.get("type")) or _id(container.get("type")),
                   trigger_id=_id(body.get("trigger_id")), response_url=clean(body.get("response_url"), 500) or None)

    @classmethod
    def from_shortcut(cls, body: dict[str, Any]) -> "Interaction":
        user, channel, msg = _dict(body.get("user")), _dict(body.get("channel")), _dict(body.get("message"))
        return cls(kind="shortcut", actor=Actor(_id(user.get("id")) or "unknown", _id(user.get("username"))),
                   name=clean(body.get("callback_id"), 255), channel_id=_id(channel.get("id")),
                   message_ts=_id(msg.get("ts") or body.get("message_ts")), message_text=clean(msg.get("text")) or None,
                   message_user=_id(msg.get("user")), trigger_id=_id(body.get("trigger_id")),
                   response_url=clean(body.get("response_url"), 500) or None)
