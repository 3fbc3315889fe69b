"""The outbox sender and the leader lease against real databases (SQLite and PostgreSQL)."""
from __future__ import annotations

import socket
import threading
from datetime import datetime, timedelta, timezone

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

from chatops.lease import LeaseKeeper
from chatops.outbox import OutboxSender as _Sender
from chatops.outbox import enqueue
from chatops.outbox.slack import SlackDeliverer
from storage.models import OutboxMessage

INSTALLATION = "test-installation"


def OutboxSender(db, messenger, *, holder, pace=True):  # noqa: N802 - the sender with a Slack deliverer
    return _Sender(db, [SlackDeliverer(messenger, INSTALLATION)], holder=holder, pace=pace)


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
    sender = OutboxSender(db, messenger, holder="h1", pace=False)
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
    sender = OutboxSender(db, messenger, holder="h1", pace=False)
    assert sender.drain() == 0
    assert messenger.sent == []
    make_due(db)
    assert sender.drain() == 2
    assert [m[0] for m in messenger.sent] == ["post", "update"]


def test_rate_limit_waits_retry_after_and_outage_backs_off(db):
    with db.session() as s:
        enqueue(s, channel="C1", message={"text": "a"})
    messenger = Recorder()
    messenger.fail_next = [slack_error(429, "ratelimited", {"Retry-After": "30"})]
    sender = OutboxSender(db, messenger, holder="h1", pace=False)
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
    OutboxSender(db, messenger, holder="h1", pace=False).drain()
    OutboxSender(db, messenger, holder="h1", pace=False).drain()
    assert [r.status for r in rows(db)] == ["failed", "failed"]
    assert rows(db)[0].last_error == "channel_not_found"


def test_two_senders_never_send_one_row_twice(db):
    with db.session() as s:
        for i in range(30):
            enqueue(s, channel="C1", message={"text": f"m{i}"})
    messenger = Recorder()
    senders = [OutboxSender(db, messenger, holder=f"h{i}", pace=False) for i in range(3)]
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
    gone = dead_process()
    dead = LeaseKeeper(db, ttl_s=60, holder=f"{socket.gethostname()}:{gone.pid}:{_ns()}:dead")
    other_host = LeaseKeeper(db, ttl_s=60, holder="elsewhere:1:x")
    me = LeaseKeeper(db, ttl_s=60, holder=f"{socket.gethostname()}:{__import__('os').getpid()}:{_ns()}:me")
    assert dead.try_acquire()
    assert me.try_acquire(), "the previous process on this host is gone: no need to wait 60 s"
    assert not other_host.try_acquire(), "a live lease elsewhere is respected"


def test_a_row_claimed_by_a_dead_process_on_this_host_is_sent_at_once(db):
    gone = dead_process()
    with db.session() as s:
        row = enqueue(s, channel="C1", message={"text": "owed"})
        row.claimed_by, row.claimed_at = f"{socket.gethostname()}:{gone.pid}:{_ns()}:x", datetime.now(timezone.utc)
        s.add(row)
    messenger = Recorder()
    assert OutboxSender(db, messenger, holder="h-new", pace=False).drain() == 1
    assert messenger.sent == [("post", "C1", "owed", None)]
    with db.session() as s:  # a live claim elsewhere is respected until it times out
        row = enqueue(s, channel="C1", message={"text": "theirs"})
        row.claimed_by, row.claimed_at = "elsewhere:1:x", datetime.now(timezone.utc)
        s.add(row)
    assert OutboxSender(db, messenger, holder="h-new", pace=False).drain() == 0


def posted(db):
    """One post, delivered: its row, the recorder and the sender."""
    with db.session() as s:
        post = enqueue(s, channel="C1", message={"text": "v0"})
    messenger = Recorder()
    sender = OutboxSender(db, messenger, holder="h1", pace=False)
    sender.drain()
    return post, messenger, sender


def make_due(db) -> None:
    """Every pending row due now (skips the backoff in tests)."""
    from sqlmodel import select

    with db.session() as s:
        for r in s.exec(select(OutboxMessage).where(OutboxMessage.status == "pending")).all():
            r.next_attempt_at = datetime.now(timezone.utc) - timedelta(seconds=1)
            s.add(r)


def test_an_old_edit_never_overwrites_a_newer_one(db):
    post, messenger, sender = posted(db)
    with db.session() as s:
        enqueue(s, channel="C1", message={"text": "v1 acknowledged"}, kind="update", parent_id=post.id)
        enqueue(s, channel="C1", message={"text": "v2 resolved"}, kind="update", parent_id=post.id)
    sender.drain()
    assert [m[2] for m in messenger.sent if m[0] == "update"] == ["v2 resolved"]
    assert [r.status for r in rows(db)] == ["sent", "superseded", "sent"]


def test_a_failed_older_edit_is_dropped_once_a_newer_one_went_out(db):
    post, messenger, sender = posted(db)
    with db.session() as s:
        old = enqueue(s, channel="C1", message={"text": "old"}, kind="update", parent_id=post.id)
    messenger.fail_next = [slack_error(500, "internal_error")]
    sender.drain()  # "old" fails and waits
    with db.session() as s:
        enqueue(s, channel="C2", message={"text": "new"}, kind="update", parent_id=post.id)
    sender.drain()
    with db.session() as s:
        assert s.get(OutboxMessage, old.id).status == "superseded"
    assert [m[2] for m in messenger.sent if m[0] == "update"] == ["new"]


def test_posts_to_one_channel_are_paced_and_keep_their_order(db):
    with db.session() as s:
        for i in range(3):
            enqueue(s, channel="C1", message={"text": f"c1-{i}"})
        enqueue(s, channel="C2", message={"text": "c2"})
    messenger = Recorder()
    sender = OutboxSender(db, messenger, holder="h1")
    assert sender.drain() == 2  # one per channel now
    assert [m[2] for m in messenger.sent] == ["c1-0", "c2"]
    import time as _time

    _time.sleep(1.05)
    sender.drain()
    assert [m[2] for m in messenger.sent] == ["c1-0", "c2", "c1-1"]


class HistoryRecorder(Recorder):
    def __init__(self, history: dict | None = None, fails: bool = False):
        super().__init__()
        self.history = history or {}
        self.fails = fails
        self.lookups = 0

    def find_by_metadata(self, channel, event_type, match, *, oldest, thread_ts=None):
        self.lookups += 1
        if self.fails:
            raise slack_error(200, "missing_scope")
        if match.get("installation") != INSTALLATION:
            return None
        return self.history.get(match["outbox_id"])


def test_an_uncertain_post_is_looked_for_before_posting_again(db):
    with db.session() as s:
        row = enqueue(s, channel="C1", message={"text": "alert"})
    messenger = HistoryRecorder()
    messenger.fail_next = [TimeoutError("read timed out")]
    sender = OutboxSender(db, messenger, holder="h1", pace=False)
    sender.drain()
    stored = rows(db)[0]
    assert stored.uncertain and stored.status == "pending"
    messenger.history = {row.id: "ts-found"}  # Slack had it after all
    make_due(db)
    assert sender.drain() == 1
    assert messenger.sent == [] and messenger.lookups == 1
    assert rows(db)[0].ts == "ts-found" and rows(db)[0].status == "sent"


def test_an_uncertain_post_that_cannot_be_looked_for_is_posted_again(db):
    with db.session() as s:
        enqueue(s, channel="C1", message={"text": "alert"})
    messenger = HistoryRecorder(fails=True)
    messenger.fail_next = [ConnectionResetError()]
    sender = OutboxSender(db, messenger, holder="h1", pace=False)
    sender.drain()
    make_due(db)
    assert sender.drain() == 1
    assert [m[2] for m in messenger.sent] == ["alert"]


def test_posts_carry_their_outbox_id_as_metadata(db):
    with db.session() as s:
        row = enqueue(s, channel="C1", message={"text": "alert"})

    class Capturing(Recorder):
        def post(self, channel, message, *, thread_ts=None):
            self.payload = message
            return super().post(channel, message, thread_ts=thread_ts)

    messenger = Capturing()
    OutboxSender(db, messenger, holder="h1", pace=False).drain()
    assert messenger.payload["metadata"] == {"event_type": "occ_outbox",
                                             "event_payload": {"outbox_id": row.id, "installation": INSTALLATION}}


def dead_process():
    """A process that has exited, so its pid names nobody."""
    import subprocess

    gone = subprocess.Popen(["true"])
    gone.wait()
    return gone


def _ns() -> str:
    from chatops.lease import _here

    return _here()


def test_a_dead_looking_pid_in_another_pid_namespace_is_not_taken_over(db):
    gone = dead_process()
    other_ns = LeaseKeeper(db, ttl_s=60, holder=f"{socket.gethostname()}:{gone.pid}:999999.0000:x")
    me = LeaseKeeper(db, ttl_s=60, holder=f"{socket.gethostname()}:1:{_ns()}:me")
    assert other_ns.try_acquire()
    assert not me.try_acquire(), "same hostname, other container: its pid means nothing here"


def test_leadership_lapses_without_renewal_even_if_the_database_is_silent(db):
    keeper = LeaseKeeper(db, ttl_s=1, holder="solo")
    assert keeper.try_acquire() and keeper.is_leader
    import time as _time

    _time.sleep(1.0)
    assert not keeper.is_leader


def test_a_post_taken_over_from_a_dead_sender_is_looked_for_first(db):
    """kill -9 between Slack's answer and the commit: the next sender finds the post, adopts it."""
    gone = dead_process()
    with db.session() as s:
        row = enqueue(s, channel="C1", message={"text": "alert"})
        row.claimed_by, row.claimed_at = f"{socket.gethostname()}:{gone.pid}:{_ns()}:x", datetime.now(timezone.utc)
        s.add(row)
    messenger = HistoryRecorder(history={row.id: "ts-already"})
    assert OutboxSender(db, messenger, holder="h-new", pace=False).drain() == 1
    assert messenger.lookups == 1 and messenger.sent == []
    assert rows(db)[0].ts == "ts-already"


def test_a_lookup_that_fails_for_a_passing_reason_does_not_post(db):
    with db.session() as s:
        enqueue(s, channel="C1", message={"text": "alert"})
    messenger = HistoryRecorder()
    messenger.fail_next = [TimeoutError()]
    sender = OutboxSender(db, messenger, holder="h1", pace=False)
    sender.drain()  # uncertain now

    def broken(*args, **kwargs):
        messenger.lookups += 1
        raise slack_error(503, "service_unavailable")

    messenger.find_by_metadata = broken
    make_due(db)
    assert sender.drain() == 0
    assert messenger.sent == [] and rows(db)[0].uncertain and rows(db)[0].status == "pending"


def test_a_waiting_channel_does_not_hold_up_the_others(db):
    with db.session() as s:
        for i in range(60):
            enqueue(s, channel="CBUSY", message={"text": f"b{i}"})
        enqueue(s, channel="CINC", message={"text": "announcement"})
    messenger = Recorder()
    sender = OutboxSender(db, messenger, holder="h1")  # paced: one post per channel per second
    sender.drain()
    assert [m[2] for m in messenger.sent] == ["b0", "announcement"]


@pytest.mark.parametrize("failure", [slack_error(200, "internal_error"), slack_error(200, "fatal_error"),
                                     slack_error(503, "service_unavailable"), slack_error(500, "")])
def test_an_answer_that_says_it_may_have_posted_is_looked_for_before_posting_again(db, failure):
    """Slack says of internal_error / fatal_error / 5xx that the message may have been posted."""
    with db.session() as s:
        row = enqueue(s, channel="C1", message={"text": "alert"})
    messenger = HistoryRecorder()
    messenger.fail_next = [failure]
    sender = OutboxSender(db, messenger, holder="h1", pace=False)
    sender.drain()
    assert rows(db)[0].uncertain
    messenger.history = {row.id: "ts-it-was-posted"}
    make_due(db)
    assert sender.drain() == 1
    assert messenger.sent == [] and rows(db)[0].ts == "ts-it-was-posted"


def test_a_plain_refusal_to_connect_is_not_uncertain(db):
    import urllib.error

    with db.session() as s:
        enqueue(s, channel="C1", message={"text": "alert"})
    messenger = HistoryRecorder()
    messenger.fail_next = [urllib.error.URLError(ConnectionRefusedError())]
    OutboxSender(db, messenger, holder="h1", pace=False).drain()
    assert not rows(db)[0].uncertain


def test_another_deployments_message_with_the_same_row_id_is_never_adopted(db):
    """Two deployments with separate databases post to one channel: row 1 of each is a different
    message. The look-up matches this database's installation id as well as the row id."""
    with db.session() as s:
        row = enqueue(s, channel="C1", message={"text": "ours"})

    class OtherDeploymentPosted(HistoryRecorder):
        def find_by_metadata(self, channel, event_type, match, *, oldest, thread_ts=None):
            self.lookups += 1
            theirs = {"outbox_id": row.id, "installation": "another-database"}
            return "ts-theirs" if all(theirs.get(k) == v for k, v in match.items()) else None

    messenger = OtherDeploymentPosted()
    messenger.fail_next = [TimeoutError()]
    sender = OutboxSender(db, messenger, holder="h1", pace=False)
    sender.drain()
    make_due(db)
    sender.drain()
    assert messenger.lookups == 1 and [m[2] for m in messenger.sent] == ["ours"]
    assert rows(db)[0].ts != "ts-theirs"


def test_the_installation_id_is_made_once_per_database(db):
    from storage.repos import installation_id

    with db.session() as s:
        first = installation_id(s)
    with db.session() as s:
        assert installation_id(s) == first and len(first) == 32


def test_a_post_whose_delivery_was_not_recorded_is_looked_for_by_the_same_holder(db):
    """Sent, but recording that failed (a locked database): the row stays claimed by this very
    holder; the next try looks for the post before posting again."""
    with db.session() as s:
        row = enqueue(s, channel="C1", message={"text": "alert"})
    messenger = HistoryRecorder()
    sender = OutboxSender(db, messenger, holder="h1", pace=False)
    original = sender._finish
    calls = {"n": 0}

    def failing_finish(row_id, **kw):
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("database is locked")
        return original(row_id, **kw)

    sender._finish = failing_finish
    with pytest.raises(RuntimeError):
        sender.drain()
    messenger.history = {row.id: "ts-1"}
    assert sender.drain() == 1
    assert [m[2] for m in messenger.sent] == ["alert"] and messenger.lookups == 1, "posted once"
