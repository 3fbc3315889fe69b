"""Q&A and training services against real databases (SQLite and PostgreSQL): capture in one
transaction, full-text search whatever is typed, the training link and log, Memory at the end,
reminders claimed once, and the ticket's outbox row with its issue id chosen up front."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from sqlmodel import select

from blocks import qa as qa_views
from blocks import training as training_views
from chatops.memory.models import MemoryEntry
from chatops.outbox import LINEAR
from chatops.qa.models import QAEntry
from chatops.qa.service import NewEntry, QAService
from chatops.training.rules import Schedule
from chatops.training.service import TrainingService
from storage.models import OutboxMessage
from tests.fake_linear import UUID_V4

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=timezone.utc)


def services(db, channel: str | None = "C0SUP", linear_ready: bool = True) -> tuple[TrainingService, QAService]:
    training = TrainingService(db, channel=channel, views=training_views)
    qa = QAService(db, views=qa_views, training=training, linear_ready=linear_ready)
    training.provide_log(qa.session_log)
    return training, qa


def new(question: str, tile: str = "Ops Pulse", **kw) -> NewEntry:
    return NewEntry(question=question, tile=tile, reporter=kw.pop("reporter", "U1"), **kw)


def test_capture_search_and_hostile_words(db):
    _, qa = services(db)
    qa.capture(new("Why does the refund tile lag behind Chatwoot? Many other words dilute the refund here"), NOW)
    qa.capture(new("refund refund refund queue", "CX Escalations"), NOW)
    qa.capture(new("Shipping ETA stale", "Fulfillment Health", answer="carrier refund delay"), NOW)
    assert [s.entry.id for s in qa.search("refund")][:2] == [2, 1], "best match first"
    assert {s.entry.id for s in qa.search("refund")} == {1, 2, 3}  # the answer is searched too
    assert [s.entry.id for s in qa.search("fulfillment")] == [3]  # and the tile
    assert [s.entry.id for s in qa.recent("refund")] == [3, 2, 1]
    for hostile in ['"refund', "refund*", "-refund", "refund:", "^refund", "refund\x00", "refund \\",
                    "(refund)", "refund{"]:
        assert 2 in [s.entry.id for s in qa.search(hostile)], hostile  # the punctuation is no operator
    for words_only in ["NEAR(refund)", "refund OR 1=1", "refund'; DROP TABLE qa_entry; --", "refund AND NOT queue"]:
        qa.search(words_only)  # every word is a word to match (or a stop word): no error, no SQL
    assert qa.search("***") == [] and qa.search("") == []
    assert [s.entry.id for s in qa.recent("")] == [3, 2, 1]
    with db.session() as s:
        assert len(s.exec(select(QAEntry)).all()) == 3


def test_resubmitted_view_is_one_entry_and_confusing_enqueues_a_ticket_with_its_id(db):
    _, qa = services(db)
    first, created = qa.capture(new("Heatmap blank", confusing=True, view_id="V1",
                                    screenshots=[{"id": "F1", "name": "a.png", "mimetype": "image/png"}]), NOW)
    again, created_again = qa.capture(new("Heatmap blank", confusing=True, view_id="V1"), NOW)
    assert created and not created_again and first.id == again.id
    with db.session() as s:
        rows = s.exec(select(OutboxMessage)).all()
        memory = s.exec(select(MemoryEntry)).all()
    [row] = rows
    assert (row.target, row.kind, row.channel, row.status) == (LINEAR, "issue", LINEAR, "pending")
    assert UUID_V4.match(row.external_id) and row.payload["title"] == "Ops Pulse: Heatmap blank"
    assert row.payload["screenshots"] == [{"id": "F1", "name": "a.png", "mimetype": "image/png"}]
    assert [(m.action, m.external_ref) for m in memory] == [("qa.confusing_state", "qa:Q-1")]
    [shown] = qa.search("heatmap")
    assert shown.ticket.state == "pending"

    # delivered: the subscriber keeps the ticket on the entry and DMs the reporter, once
    with db.session() as s:
        row = s.get(OutboxMessage, row.id)
        row.status, row.ts = "sent", "SUP-4"
        row.result = {"ref": "SUP-4", "url": "https://linear.app/x/issue/SUP-4", "issue_id": row.external_id}
        qa.ticket_filed(s, row)
        qa.ticket_filed(s, row)
    with db.session() as s:
        entry = s.get(QAEntry, first.id)
        dms = s.exec(select(OutboxMessage).where(OutboxMessage.target == "slack")).all()
    assert (entry.ticket_identifier, entry.ticket_url) == ("SUP-4", "https://linear.app/x/issue/SUP-4")
    assert [d.channel for d in dms] == ["U1"] and "SUP-4" in dms[0].payload["text"]
    assert qa.search("heatmap")[0].ticket.identifier == "SUP-4"


def test_training_links_qa_logs_it_and_memory_gets_every_item_at_the_end(db):
    training, qa = services(db)
    session = training.schedule(Schedule(NOW + timedelta(days=1), "Heatmap walkthrough"), "U9", NOW)
    other = training.schedule(Schedule(NOW + timedelta(days=2), "Second"), "U9", NOW)
    qa.capture(new("Before the session"), NOW)
    assert training.start(session.id, "U9", NOW).changed
    assert "end it first" in training.start(other.id, "U9", NOW).problem
    qa.capture(new("During: why red?", reporter="U2", owner="U3", follow_up_due=date(2026, 12, 5)), NOW)
    qa.capture(new("During: from a message", author="U4", reporter="U2"), NOW + timedelta(minutes=5))
    outcome = training.end(session.id, "U9", NOW + timedelta(minutes=90))
    assert outcome.changed and outcome.items == 2
    assert not training.end(session.id, "U9", NOW).changed  # twice is harmless
    qa.capture(new("After the session"), NOW + timedelta(hours=2))
    with db.session() as s:
        log = qa.session_log(s, session.id)
        memory = s.exec(select(MemoryEntry).where(MemoryEntry.external_ref == "training:#1")).all()
    assert [(r.participant, r.question, r.owner, r.follow_up_due) for r in log] == [
        ("U2", "During: why red?", "U3", date(2026, 12, 5)), ("U4", "During: from a message", None, None)]
    assert sorted(m.action for m in memory) == ["training.end", "training.qa", "training.qa", "training.schedule"]
    assert [s.id for s in training.upcoming(NOW)] == [other.id]

    report = training.report(session.id, "C0ASKED", NOW)
    assert report.channel == "C0SUP" and len(report.rows) == 2
    with db.session() as s:
        post, file = s.exec(select(OutboxMessage).where(OutboxMessage.target == "slack")
                            .order_by(OutboxMessage.id)).all()[-2:]
    assert (post.kind, file.kind, file.parent_id, file.channel) == ("post", "file", post.id, "C0SUP")
    assert file.payload["filename"] == report.filename and "During: why red?" in file.payload["content"]


def test_reminders_are_claimed_once_even_by_two_replicas(db):
    one, _ = services(db)
    two = TrainingService(db, channel="C0SUP", views=training_views)
    soon = one.schedule(Schedule(NOW + timedelta(minutes=50), "Soon"), "U9", NOW - timedelta(days=1))
    one.schedule(Schedule(NOW + timedelta(minutes=61), "Later"), "U9", NOW - timedelta(days=1))
    assert one.remind_due(NOW) == 1
    assert two.remind_due(NOW) == 0 and one.remind_due(NOW + timedelta(minutes=1)) == 1  # "Later" now within the hour
    with db.session() as s:
        posts = s.exec(select(OutboxMessage).where(OutboxMessage.dedupe_key.like("training-reminder:%"))).all()  # type: ignore[union-attr]
    assert len(posts) == 2 and posts[0].channel == "C0SUP" and "Soon" in posts[0].payload["text"]
    assert TrainingService(db, channel=None, views=training_views).remind_due(NOW) == 0
    assert one.get(soon.id).reminder_outbox_id == posts[0].id


def test_running_session_is_whatever_was_started_last_and_not_ended(db):
    training, _ = services(db)
    session = training.schedule(Schedule(NOW + timedelta(days=1), "Intro"), "U9", NOW)
    assert training.running(NOW) is None
    training.start(session.id, "U9", NOW)
    assert training.running(NOW + timedelta(hours=1)) == (session.id, "#1 Intro")
    assert training.running(NOW + timedelta(hours=13)) is None  # never ended: stops collecting
