"""Chatwoot answers as a real server renders them (recorded shapes, fake values).

Sources (chatwoot/chatwoot):
- config/routes.rb: `resource :profile` sits in `namespace :v1` outside `resources :accounts`, so the
  profile is GET /api/v1/profile; conversations are GET /api/v1/accounts/{id}/conversations.
- app/views/api/v1/models/_user.json.jbuilder (what profiles/show renders; note it carries the
  user's own access_token).
- app/views/api/v1/accounts/conversations/index.json.jbuilder: {"data": {"meta": {mine_count,
  assigned_count, unassigned_count, all_count}, "payload": [conversation…]}}.
- app/views/api/v1/conversations/partials/_conversation.json.jbuilder: every time is `.to_i`
  (Unix seconds; an unset first_reply_created_at / waiting_since renders as 0).
- app/finders/conversation_finder.rb: counts are taken after the status filter and before the
  assignee filter; the page is `@conversations.latest.page(n)` (last_activity_at desc, Kaminari's
  default 25 a page); the token sees its user's inboxes, every inbox for an administrator.
"""
from __future__ import annotations

import copy
from typing import Any

PAGE_SIZE = 25
ACCOUNT_ID = 7

PROFILE: dict[str, Any] = {
    "access_token": "profile-access-token-never-shown",
    "account_id": ACCOUNT_ID,
    "available_name": "OCC Bot",
    "avatar_url": "",
    "confirmed": True,
    "display_name": None,
    "message_signature": None,
    "email": "occ-bot@hotrodan.example",
    "id": 12,
    "inviter_id": None,
    "name": "OCC Bot",
    "provider": "email",
    "pubsub_token": "pubsub-token-fake",
    "role": "administrator",
    "ui_settings": {},
    "uid": "occ-bot@hotrodan.example",
    "type": "User",
    "accounts": [{"id": ACCOUNT_ID, "name": "Hot Rodan", "status": "active", "active_at": "2026-11-26T09:00:00.000Z",
                  "role": "administrator", "permissions": ["administrator"], "availability": "online",
                  "availability_status": "online", "auto_offline": True}],
}


def _contact(contact_id: int, name: str) -> dict[str, Any]:
    return {"additional_attributes": {}, "availability_status": "offline", "email": None, "id": contact_id,
            "name": name, "phone_number": None, "blocked": False, "identifier": None, "thumbnail": "",
            "custom_attributes": {}, "last_activity_at": None, "created_at": None}


def _agent(name: str) -> dict[str, Any]:
    return {"id": 3, "account_id": ACCOUNT_ID, "availability_status": "online", "auto_offline": True,
            "confirmed": True, "email": f"{name.lower()}@hotrodan.example", "provider": "email",
            "available_name": name, "name": name, "role": "agent", "thumbnail": ""}


def conversation(display_id: int, *, status: str = "open", created_at: int, first_reply_created_at: int = 0,
                 waiting_since: int | None = None, last_activity_at: int | None = None,
                 labels: tuple[str, ...] = (), customer: str = "Ada Lovelace", assignee: str | None = None) -> dict:
    """One conversation as the list renders it. Chatwoot sets waiting_since to created_at when a
    conversation starts and clears it (0) on the first human reply; pass it for later waits."""
    if waiting_since is None:
        waiting_since = created_at if not first_reply_created_at else 0
    last = last_activity_at or max(created_at, first_reply_created_at, waiting_since)
    meta: dict[str, Any] = {"sender": _contact(900 + display_id, customer), "channel": "Channel::WebWidget",
                            "hmac_verified": False}
    if assignee:
        meta["assignee"] = _agent(assignee)
    return {
        "meta": meta,
        "id": display_id,
        "messages": [],
        "account_id": ACCOUNT_ID,
        "uuid": f"5f1c0000-0000-4000-8000-{display_id:012d}",
        "additional_attributes": {},
        "agent_last_seen_at": 0,
        "assignee_last_seen_at": 0,
        "can_reply": True,
        "contact_last_seen_at": 0,
        "custom_attributes": {},
        "inbox_id": 1,
        "labels": list(labels),
        "muted": False,
        "snoozed_until": None,
        "status": status,
        "created_at": created_at,
        "timestamp": last,
        "first_reply_created_at": first_reply_created_at,
        "unread_count": 1,
        "last_non_activity_message": None,
        "last_activity_at": last,
        "priority": None,
        "waiting_since": waiting_since,
        "sla_policy_id": None,
    }


def conversations_page(conversations: list[dict], *, status: str = "open", page: int = 1) -> dict:
    """GET …/conversations?status=…&page=…: counts over the whole status, one page of payload."""
    chosen = conversations if status == "all" else [c for c in conversations if c.get("status", "open") == status]
    chosen = sorted(chosen, key=lambda c: c.get("last_activity_at") or c.get("created_at") or 0, reverse=True)
    unassigned = sum(1 for c in chosen if "assignee" not in (c.get("meta") or {}))
    meta = {"mine_count": 0, "assigned_count": len(chosen) - unassigned, "unassigned_count": unassigned,
            "all_count": len(chosen)}
    start = (max(page, 1) - 1) * PAGE_SIZE
    return {"data": {"meta": meta, "payload": copy.deepcopy(chosen[start:start + PAGE_SIZE])}}


# --- canned responses (app/controllers/api/v1/accounts/canned_responses_controller.rb) -------
# index renders the records as a bare JSON array (`?search=` ILIKEs short_code and content);
# create/update `params.require(:canned_response).permit(:short_code, :content)` (Rails wraps a
# flat JSON body under `canned_response` too: config/initializers/wrap_parameters.rb) and render
# the record; a missing id is 404 {"error": "Resource could not be found"}; a failed validation
# (content, short_code present; short_code unique per account) is 422 {"message", "attributes"}
# (app/controllers/concerns/request_exception_handler.rb).
class CannedStore:
    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []
        self._next = 1

    def add(self, short_code: str, content: str) -> dict[str, Any]:
        row = {"id": self._next, "account_id": ACCOUNT_ID, "short_code": short_code, "content": content,
               "created_at": "2026-11-26T09:00:00.000Z", "updated_at": "2026-11-26T09:00:00.000Z"}
        self._next += 1
        self.rows.append(row)
        return copy.deepcopy(row)

    def by_code(self, short_code: str) -> dict[str, Any] | None:
        return next((r for r in self.rows if r["short_code"] == short_code), None)

    def index(self, search: str | None) -> list[dict[str, Any]]:
        found = self.rows if not search else [r for r in self.rows if search.lower() in r["short_code"].lower()
                                              or search.lower() in r["content"].lower()]
        return copy.deepcopy(found)

    @staticmethod
    def params(body: Any) -> dict[str, Any] | None:
        if not isinstance(body, dict):
            return None
        if isinstance(body.get("canned_response"), dict):
            return body["canned_response"]
        wrapped = {k: body[k] for k in ("short_code", "content") if k in body}
        return wrapped or None

    def _invalid(self, params: dict[str, Any], skip_id: int | None) -> tuple[int, dict] | None:
        messages, attributes = [], []
        if not str(params.get("content") or "").strip():
            messages.append("Content can't be blank")
            attributes.append("content")
        code = str(params.get("short_code") or "")
        if not code.strip():
            messages.append("Short code can't be blank")
            attributes.append("short_code")
        elif any(r["short_code"] == code and r["id"] != skip_id for r in self.rows):
            messages.append("Short code has already been taken")
            attributes.append("short_code")
        return (422, {"message": ", ".join(messages), "attributes": attributes}) if messages else None

    def create(self, body: Any) -> tuple[int, Any]:
        params = self.params(body)
        if params is None:
            return 422, {"error": "param is missing or the value is empty: canned_response"}
        invalid = self._invalid(params, None)
        return invalid or (200, self.add(str(params["short_code"]), str(params["content"])))

    def update(self, canned_id: int, body: Any) -> tuple[int, Any]:
        row = next((r for r in self.rows if r["id"] == canned_id), None)
        if row is None:
            return 404, {"error": "Resource could not be found"}
        params = self.params(body)
        if params is None:
            return 422, {"error": "param is missing or the value is empty: canned_response"}
        invalid = self._invalid({**row, **params}, canned_id)
        if invalid:
            return invalid
        row.update({k: params[k] for k in ("short_code", "content") if k in params})
        row["updated_at"] = "2026-11-28T09:00:00.000Z"
        return 200, copy.deepcopy(row)
