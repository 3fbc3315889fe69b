"""Modal submissions, parsed the same way for Slack and the console.

A view handler is registered by callback_id. Its `submit` validates and stores (so what the person
is told is durable before the acknowledgement), and may return field errors or follow-up work."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:
    from chatops.commands import Ctx


@dataclass(frozen=True)
class ViewSubmission:
    callback_id: str
    user_id: str
    values: dict[str, Any]  # block_id → typed value (see field_values)
    private_metadata: str = ""
    user_name: str | None = None
    view_id: str | None = None


@dataclass
class SubmitResult:
    errors: dict[str, str] | None = None  # block_id → message: answered as response_action=errors
    after: Callable[[], None] | None = None  # work done after the acknowledgement
    view: dict[str, Any] | None = None  # answered as response_action=update with this view


@dataclass(frozen=True)
class ViewHandler:
    callback_id: str
    submit: Callable[[ViewSubmission, "Ctx"], SubmitResult]


@dataclass
class ViewRegistry:
    _handlers: dict[str, ViewHandler] = field(default_factory=dict)

    def add(self, handler: ViewHandler) -> ViewHandler:
        self._handlers[handler.callback_id] = handler
        return handler

    def get(self, callback_id: str) -> ViewHandler | None:
        return self._handlers.get(callback_id)

    def all(self) -> list[ViewHandler]:
        return list(self._handlers.values())


def element_value(element: dict[str, Any]) -> Any:
    """The typed value of one input element in `view.state.values`."""
    kind = element.get("type")
    if kind in ("static_select", "external_select", "radio_buttons"):
        option = element.get("selected_option") or {}
        return option.get("value")
    if kind in ("multi_static_select", "checkboxes", "multi_external_select"):
        return [o.get("value") for o in element.get("selected_options") or [] if isinstance(o, dict)]
    if kind == "users_select":
        return element.get("selected_user")
    if kind == "multi_users_select":
        return list(element.get("selected_users") or [])
    if kind == "conversations_select":
        return element.get("selected_conversation")
    if kind == "channels_select":
        return element.get("selected_channel")
    if kind == "datepicker":
        return element.get("selected_date")
    if kind == "timepicker":
        return element.get("selected_time")
    if kind == "file_input":
        return list(element.get("files") or [])
    return element.get("value")


def field_values(state_values: Any) -> dict[str, Any]:
    """`{block_id: {action_id: element}}` → `{block_id: value}` (one element per input block)."""
    out: dict[str, Any] = {}
    if not isinstance(state_values, dict):
        return out
    for block_id, actions in state_values.items():
        if isinstance(actions, dict):
            for element in actions.values():
                if isinstance(element, dict):
                    out[str(block_id)] = element_value(element)
                    break
    return out


def _str(value: Any) -> str | None:
    return value[:64] if isinstance(value, str) and value else None


def submission_from_payload(body: dict[str, Any]) -> ViewSubmission:
    view = body.get("view") if isinstance(body.get("view"), dict) else {}
    user = body.get("user") if isinstance(body.get("user"), dict) else {}
    state = view.get("state") if isinstance(view.get("state"), dict) else {}
    return ViewSubmission(
        callback_id=str(view.get("callback_id") or ""),
        user_id=_str(user.get("id")) or "unknown",
        user_name=_str(user.get("username") or user.get("name")),
        values=field_values(state.get("values")),
        private_metadata=str(view.get("private_metadata") or "")[:3000],
        view_id=_str(view.get("id")),
    )
