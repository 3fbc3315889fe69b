"""Training views: upcoming sessions, replies, the reminder and the Q&A log report."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Sequence

from chatops.training.rules import is_running

from .qa import mention
from .text import context, duration, escape, header, message, section, sections, utc


def when(at: datetime) -> str:
    return utc(at).strftime("%Y-%m-%d %H:%M UTC")


def channel(channel_id: str) -> str:
    return f"<#{channel_id}>" if channel_id[:1] in ("C", "G") and channel_id.isalnum() else escape(channel_id, 80)


def reply(text: str) -> dict[str, Any]:
    """A short ephemeral answer; `text` is mrkdwn the bot wrote, with anything typed already escaped."""
    return message(text, [section(text)], response_type="ephemeral")


def usage(synopsis: str) -> dict[str, Any]:
    return reply(f"Usage: `{escape(synopsis)}`")


def refusal(reason: str, example: str) -> dict[str, Any]:
    return reply(f":no_entry: {escape(reason, 500)} Nothing was scheduled.\nFor example: `{escape(example)}`")


def not_found(ref: str) -> dict[str, Any]:
    return reply(f"I can't find training session `{escape(ref, 40)}`. `/occ training` lists the upcoming ones.")


def _status(session: Any, now: datetime) -> str:
    if is_running(session, now):
        return f":large_green_circle: running since {utc(session.started_at).strftime('%H:%M UTC')}"
    if session.starts_at <= now:
        return ":warning: due, not started"
    return f"in {duration(session.starts_at - now)}"


def session_line(session: Any, now: datetime) -> str:
    return (f"*{session.ref}* `{when(session.starts_at)}` · {escape(session.topic, 200)} · "
            f"{session.duration_min} min · {_status(session, now)}")


def upcoming_message(sessions: Sequence[Any], now: datetime) -> dict[str, Any]:
    if not sessions:
        return reply("No training sessions are scheduled. "
                     "`/occ training schedule <YYYY-MM-DD> <HH:MM> <topic>` adds one (UTC).")
    blocks = [header("Training sessions"), *sections([session_line(s, now) for s in sessions], max_blocks=20),
              context("`/occ training start <id>` while it runs links the Q&A captured to it · "
                      "`/occ training report <id>` posts its Q&A log")]
    return message(f"{len(sessions)} upcoming training session(s)", blocks, response_type="ephemeral")


def scheduled_reply(session: Any, reminder_channel: str | None) -> dict[str, Any]:
    remind = (f"A reminder goes to {channel(reminder_channel)} an hour before." if reminder_channel
              else "No OCC_SUPPORT_CHANNEL is set, so no reminder will be posted.")
    return reply(f":calendar: Scheduled training *{session.ref}* · {escape(session.topic, 200)} · "
                 f"`{when(session.starts_at)}`, {session.duration_min} minutes. {remind}")


def started_reply(session: Any, changed: bool) -> dict[str, Any]:
    if not changed:
        return reply(f"Session *{session.ref}* is already running.")
    return reply(f":large_green_circle: Training *{session.ref}* · {escape(session.topic, 200)} has started. "
                 "Q&A captured now (`/occ qa`, or *Capture as Q&A* on a message) is linked to it until "
                 f"`/occ training end {session.id}`.")


def ended_reply(session: Any, changed: bool, items: int) -> dict[str, Any]:
    if not changed:
        return reply(f"Session *{session.ref}* has already ended.")
    return reply(f":checkered_flag: Training *{session.ref}* ended. {items} Q&A item(s) logged to Memory `ops`. "
                 f"`/occ training report {session.id}` posts the log with its CSV.")


def reminder(session: Any, now: datetime) -> dict[str, Any]:
    text = (f":alarm_clock: Training *{session.ref}* · {escape(session.topic, 200)} starts at "
            f"`{when(session.starts_at)}` (in {duration(session.starts_at - now)}), {session.duration_min} minutes: "
            "a live walkthrough, then hands-on in mock mode. Bring your questions; they are captured with `/occ qa`.")
    return message(f"Training {session.ref} starts at {when(session.starts_at)}: {escape(session.topic, 200)}",
                   [section(text)])


def log_line(row: Any) -> str:
    parts = [f"`{utc(row.timestamp).strftime('%Y-%m-%d %H:%M')}`", mention(row.participant),
             f"*{escape(row.tile)}*", f"Q: {escape(row.question, 300)}",
             f"A: {escape(row.answer, 300)}" if row.answer else "A: —",
             f"owner {mention(row.owner)}" if row.owner else "owner —",
             f"due {row.follow_up_due.isoformat()}" if row.follow_up_due else "due —"]
    if row.ticket:
        parts.append(escape(row.ticket))
    return " · ".join(parts)


def report_message(session: Any, rows: Sequence[Any]) -> dict[str, Any]:
    facts = f"{escape(session.topic, 200)} · {when(session.starts_at)} · {len(rows)} question(s)"
    lines = [log_line(r) for r in rows] or ["No questions were captured during this session."]
    blocks = [header(f"Training {session.ref} · Q&A log"), context(facts), *sections(lines, max_blocks=40),
              context("Columns: timestamp, participant, question, tile, answer, owner, follow-up due · "
                      "the CSV is in the thread")]
    return message(f"Training {session.ref} Q&A log: {len(rows)} question(s)", blocks)


def report_reply(report: Any) -> dict[str, Any]:
    msg = report_message(report.session, report.rows)
    note = context(f"Posted to {channel(report.channel)}; `{escape(report.filename)}` follows in its thread.")
    return message(msg["text"], [*msg["blocks"][:48], note], response_type="ephemeral")


def home_section(sessions: Sequence[Any], now: datetime) -> list[dict[str, Any]]:
    """The Home tab: the next training session."""
    if not sessions:
        return [section("*Next training*"), context("None scheduled: `/occ training schedule <YYYY-MM-DD> <HH:MM> "
                                                    "<topic>`")]
    return [section("*Next training*\n" + session_line(sessions[0], now))]
