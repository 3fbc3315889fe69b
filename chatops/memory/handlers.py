"""`/occ memory [ops|build] [words]` and `/occ memory log <text>`."""
from __future__ import annotations

from blocks.memory import logged_reply, memory_message
from chatops.core import Interaction, Reply
from storage.db import Database

from .log import SCOPES, record, recent, search


def show(db: Database, ix: Interaction) -> Reply:
    """Recent entries of a scope, or the best matches for the words after it (a bounded read)."""
    first, _, words = ix.args.strip().partition(" ")
    scope = first.lower() if first else "ops"
    if scope not in SCOPES:
        scope, words = "ops", ix.args.strip()  # `/occ memory refund` searches ops
    with db.session(bounded=True) as session:
        entries = search(session, scope, words) if words.strip() else recent(session, scope)
    return memory_message(scope, entries, words=words.strip() or None)


def add(db: Database, ix: Interaction) -> Reply:
    text = ix.args.strip()
    if not text:
        return memory_message("ops", [], usage="/occ memory log <what was decided, and why>")
    with db.session(bounded=True) as session:
        entry = record(session, scope="ops", actor=ix.user_id, action="note", rationale=text)
    return logged_reply(entry)
