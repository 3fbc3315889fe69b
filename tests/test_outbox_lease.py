"""The outbox sender and the leader lease against real databases (SQLite and PostgreSQL)."""
from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

from chatops.leader import LeaseKeeper
from chatops.outbox import OutboxSender, enqueue
from storage.db import Database
from storage.models import OutboxMessage


class Recorder:
    """A Messenger that records, and fails on demand."""

    def __init__(self) -> None:
        self.sent: list[tuple] = []
        self.fail_next: list[Exception] = []
        self.lock = threading.Lock()

    def _maybe_fail(self) -> None:
        if self.fail_next:
            raise self.fail_next.pop(0)

    def post(self, channel, message, *, thread_ts=None):
        self._maybe_fail()
        with self.lock:
            self.sent.append(("post", channel, message["text"], thread_ts))
            return f"ts-{len(self.sent)}"

    def update(self, channel, ts, message):
        self._maybe_fail()
        with self.lock:
            self.sent.append(("update", channel, message["text"], ts))


def slack_error(status: int, error: str, headers: dict | None = None) -> SlackApiError:
    response = SlackResponse(client=None, http_verb="POST", api_url="x", req_args={},
                             data={"ok": False, "error": error}, headers=headers or {}, status_code=status)
    return SlackApiError(error, response)


@pytest.fixture
def db(db_url):
    database = Database(db_url)
    database.migrate()
    yield database
    database.dispose()


def rows(db) -> list[OutboxMessage]:
    from sqlmodel import select

    with db.session() as s:
        return list(s.exec(select(OutboxMessage).order_by(OutboxMessage.id)).all())


def test_post_then_update_then_thread_in_order(db):
    with db.session() as s:
        post = enqueue(s, channel="C1", message={"text": "down"})
        enqueue(s, channel="C1", message={"text": "edited"}, kind="update", parent_id=post.id)
        enqueue(s, channel="C1", message={"text": "recovered"}, parent_id=post.id)
    messenger = Recorder()
    sender = OutboxSender(db, messenger, holder="h1")
    assert sender.drain() == 3
    assert messenger.sent == [("post", "C1", "down", None), ("update", "C1", "edited", "ts-1"),
                              ("post", "C1", "recovered", "ts-1")]
    assert [r.status for r in rows(db)] == ["sent"] * 3 and rows(db)[0].ts == "ts-1"
    assert sender.drain() == 0, "sent rows are never sent again"


def test_children_wait_for_the_parent(db):
    with db.session() as s:
        post = enqueue(s, channel="C1", message={"text": "down"})
        enqueue(s, channel="C1", message={"text": "edited"}, kind="update", parent_id=post.id)
    messenger = Recorder()
    messenger.fail_next = [slack_error(500, "internal_error")]
    sender = OutboxSender(db, messenger, holder="h1")
    assert sender.drain() == 0
    assert messenger.sent == []
    with db.session() as s:  # make both due now
        for r in s.exec(__import__("sqlmodel").select(OutboxMessage)).all():
            r.next_attempt_at = datetime.now(timezone.utc) - timedelta(seconds=1)
            s.add(r)
    assert sender.drain() == 2
    assert [m[0] for m in messenger.sent] == ["post", "update"]


def test_rate_limit_waits_retry_after_and_outage_backs_off(db):
    with db.session() as s:
        enqueue(s, channel="C1", message={"text": "a"})
    messenger = Recorder()
    messenger.fail_next = [slack_error(429, "ratelimited", {"Retry-After": "30"})]
    sender = OutboxSender(db, messenger, holder="h1")
    before = datetime.now(timezone.utc)
    sender.drain()
    row = rows(db)[0]
    assert row.status == "pending" and row.attempts == 1
    due = row.next_attempt_at if row.next_attempt_at.tzinfo else row.next_attempt_at.replace(tzinfo=timezone.utc)
    assert timedelta(seconds=29) < due - before < timedelta(seconds=32)
    assert "429" in row.last_error


def test_permanent_errors_fail_the_row_and_its_children(db):
    with db.session() as s:
        post = enqueue(s, channel="CX", message={"text": "a"})
        enqueue(s, channel="CX", message={"text": "b"}, kind="update", parent_id=post.id)
    messenger = Recorder()
    messenger.fail_next = [slack_error(200, "channel_not_found")]
    OutboxSender(db, messenger, holder="h1").drain()
    OutboxSender(db, messenger, holder="h1").drain()
    assert [r.status for r in rows(db)] == ["failed", "failed"]
    assert rows(db)[0].last_error == "channel_not_found"


def test_two_senders_never_send_one_row_twice(db):
    with db.session() as s:
        for i in range(30):
            enqueue(s, channel="C1", message={"text": f"m{i}"})
    messenger = Recorder()
    senders = [OutboxSender(db, messenger, holder=f"h{i}") for i in range(3)]
    threads = [threading.Thread(target=s.drain) for s in senders]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    texts = [m[2] for m in messenger.sent]
    assert sorted(texts) == sorted(f"m{i}" for i in range(30))


def test_dedupe_key_refuses_a_second_copy(db):
    from sqlalchemy.exc import IntegrityError

    with db.session() as s:
        enqueue(s, channel="C1", message={"text": "a"}, dedupe_key="k1")
    with pytest.raises(IntegrityError):
        with db.session() as s:
            enqueue(s, channel="C1", message={"text": "a"}, dedupe_key="k1")


def test_lease_one_holder_then_takeover_after_expiry(db):
    a = LeaseKeeper(db, ttl_s=10, holder="a")
    b = LeaseKeeper(db, ttl_s=10, holder="b")
    t0 = datetime.now(timezone.utc)
    assert a.try_acquire(t0) and not b.try_acquire(t0)
    assert a.try_acquire(t0 + timedelta(seconds=5)), "the holder renews"
    assert not b.try_acquire(t0 + timedelta(seconds=14)), "renewed at +5 s, so held until +15 s"
    assert b.try_acquire(t0 + timedelta(seconds=16)) and not a.try_acquire(t0 + timedelta(seconds=16))
    b.release()
    assert a.try_acquire(datetime.now(timezone.utc))


def test_lease_race_has_one_winner(db):
    keepers = [LeaseKeeper(db, ttl_s=30, holder=f"k{i}") for i in range(6)]
    results: list[bool] = []
    barrier = threading.Barrier(len(keepers))

    def go(k):
        barrier.wait()
        results.append(k.try_acquire())

    threads = [threading.Thread(target=go, args=(k,)) for k in keepers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count(True) == 1


def test_a_dead_predecessor_on_this_host_is_taken_over_at_once(db):
    import socket
    import subprocess

    gone = subprocess.Popen(["true"])
    gone.wait()
    dead = LeaseKeeper(db, ttl_s=60, holder=f"{socket.gethostname()}:{gone.pid}:dead")
    other_host = LeaseKeeper(db, ttl_s=60, holder="elsewhere:1:x")
    me = LeaseKeeper(db, ttl_s=60, holder=f"{socket.gethostname()}:{__import__('os').getpid()}:me")
    assert dead.try_acquire()
    assert me.try_acquire(), "the previous process on this host is gone: no need to wait 60 s"
    assert not other_host.try_acquire(), "a live lease elsewhere is respected"
