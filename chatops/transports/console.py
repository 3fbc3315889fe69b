"""Console transport: one command per line on stdin, replies printed as text, modal fields asked in
turn. The same Router and handlers as Slack; only the Messenger differs."""
from __future__ import annotations

import getpass
import logging
import mimetypes
import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable, Iterator, TextIO

from blocks.render import render_message, text_of
from chatops.core import Interaction, dispatch
from chatops.core.interaction import clean
from chatops.outbox import capture
from chatops.wiring import Application

log = logging.getLogger(__name__)

CONSOLE_USER = "console"
SLASH = "/occ"
Ask = Callable[[str], "str | None"]


def parse_console_line(line: str) -> str | None:
    """`/occ health`, `occ health` or `health` → `health`; a blank line → None."""
    text = line.strip()
    if not text:
        return None
    first, _, rest = text.partition(" ")
    if first.lower() in (SLASH, SLASH[1:]):
        return rest.strip()
    return text


class ConsoleMessenger:
    def __init__(self, application: Application, out: TextIO, ask: Ask):
        self.application = application
        self.out = out
        self.ask = ask
        self._ts = 0

    def say(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    def respond(self, target: Any, message: dict[str, Any]) -> None:
        self.say(render_message(message))

    def post(self, channel: str, message: dict[str, Any], *, thread_ts: str | None = None) -> str | None:
        self._ts += 1
        where = f"#{channel}" + (" (thread)" if thread_ts else "")
        self.say(f"[posted to {where}]\n{render_message(message)}")
        return f"{self._ts}.000000"

    def update(self, channel: str, ts: str, message: dict[str, Any]) -> None:
        self.say(f"[updated in #{channel}]\n{render_message(message)}")

    def publish_home(self, user_id: str, view: dict[str, Any]) -> None:
        self.say(render_message(view))

    def update_modal(self, view_id: str, view: dict[str, Any], *, view_hash: str | None = None) -> None:
        self.say(render_message(view))

    def permalink(self, channel: str, ts: str) -> str | None:
        return None

    def upload_file(self, channel: str, *, filename: str, content: str | bytes, title: str,
                    thread_ts: str | None = None, initial_comment: str | None = None) -> str | None:
        self._ts += 1
        where = f"#{channel}" + (" (thread)" if thread_ts else "")
        if isinstance(content, bytes) and not filename.endswith((".md", ".csv", ".txt")):
            path = Path.cwd() / Path(filename).name  # an image: written beside occ.db, and said where
            path.write_bytes(content)
            self.say(f"[file written to {path}] {title}")
            return f"F{self._ts}"
        text = content.decode("utf-8", "replace") if isinstance(content, bytes) else content
        self.say(f"[file uploaded to {where}] {filename} — {title}\n{text.rstrip()}")
        return f"F{self._ts}"

    def open_modal(self, trigger_id: str | None, view: dict[str, Any]) -> str | None:
        """Ask each input of the modal in turn, submit it, re-ask the fields it rejects."""
        callback_id = str(view.get("callback_id") or "")
        handled = self.application.router.handler("modal", callback_id) is not None
        title = text_of(view.get("title"))
        self.say(f"── {title} ── (blank skips an optional field)")
        inputs = [b for b in view.get("blocks") or [] if b.get("type") == "input"]
        values: dict[str, Any] = {}
        pending = inputs
        while pending:
            for block in pending:
                answer = self._ask_input(block)
                if answer is _EOF:
                    self.say("(cancelled)")
                    return None
                values[str(block.get("block_id"))] = answer
            if not handled:
                return None
            ix = Interaction(kind="modal", actor=_actor(), name=callback_id,
                             values={k: clean(v) if isinstance(v, str) else v for k, v in values.items()},
                             private_metadata=str(view.get("private_metadata") or ""))
            result = dispatch.submit_modal(self.application.router, ix, self)
            if result.errors:
                for block_id, error in result.errors.items():
                    self.say(f"! {error}")
                pending = [b for b in inputs if b.get("block_id") in result.errors] or inputs
                continue
            if result.view is not None:
                self.say(render_message(result.view))
            dispatch.run_after(callback_id, result.after)
            pending = []
        return "console-view"

    def _ask_input(self, block: dict[str, Any]) -> Any:
        """One input block: a line of text, or a pick from its options; blank keeps the default."""
        label = text_of(block.get("label"))
        optional = bool(block.get("optional"))
        el = block.get("element") or {}
        kind = el.get("type")
        options = el.get("options") or []
        default = (el.get("initial_option") or {}).get("value") if options else el.get("initial_value")
        shown = text_of((el.get("initial_option") or {}).get("text")) if options else default
        suffix = (" (optional)" if optional else "") + _HINTS.get(kind, "") + (f" [{shown}]" if default else "")
        if options:
            self.say(f"{label}{suffix}:")
            for n, option in enumerate(options, 1):
                self.say(f"  {n}. {text_of(option.get('text'))}")
        while True:
            answer = self.ask(f"{label}{suffix}> " if not options else "choose> ")
            if answer is None:
                return _EOF
            answer = answer.strip()
            if not answer:
                if default:
                    return [default] if kind in _MULTI_KINDS else default
                if optional or kind not in _CHOICE_KINDS:
                    return [] if kind in _MULTI_KINDS or kind == "file_input" else \
                        (None if kind in _CHOICE_KINDS else "")
                self.say("  (required)")
                continue
            if kind == "file_input":
                files = _files(answer)
                if files is not None:
                    return files
                self.say("  (give the path of an existing file; several separated by commas)")
                continue
            if not options:
                return answer
            picked = _pick(options, answer, multi=kind in _MULTI_KINDS)
            if picked is not None:
                return picked
            self.say("  (pick a number or a value from the list)")


_EOF = object()
_HINTS = {"file_input": " (a file path)", "users_select": " (a Slack user id)", "datepicker": " (YYYY-MM-DD)"}
_CHOICE_KINDS = {"static_select", "radio_buttons", "checkboxes", "multi_static_select"}
_MULTI_KINDS = {"checkboxes", "multi_static_select", "multi_users_select"}


def _pick(options: list[dict[str, Any]], answer: str, *, multi: bool) -> Any:
    chosen = []
    for part in (answer.replace(",", " ").split() if multi else [answer]):
        match = None
        if part.isdigit() and 1 <= int(part) <= len(options):
            match = options[int(part) - 1]
        else:
            match = next((o for o in options if part.lower() in (str(o.get("value")).lower(),
                                                                  text_of(o.get("text")).lower())), None)
        if match is None:
            return None
        chosen.append(match.get("value"))
    return chosen if multi else chosen[0]


def _files(answer: str) -> list[dict[str, str]] | None:
    """Paths typed for a file input, as the file objects a modal submission carries."""
    files = []
    for part in (p.strip() for p in answer.split(",")):
        path = Path(part).expanduser()
        if not part or not path.is_file():
            return None
        files.append({"path": str(path.resolve()), "name": path.name,
                      "mimetype": mimetypes.guess_type(path.name)[0] or "application/octet-stream"})
    return files


def _lines(stream: TextIO) -> Iterator[str]:
    for line in stream:
        yield line.rstrip("\n")


def _actor():  # noqa: ANN202
    from chatops.core import Actor

    return Actor(CONSOLE_USER, getpass.getuser())


def serve(application: Application, stdin: TextIO | None = None, out: TextIO | None = None) -> None:
    stdin = stdin or sys.stdin
    out = out or sys.stdout
    lines = _lines(stdin)
    interactive = stdin.isatty()

    def ask(prompt: str) -> str | None:
        """Interactive: prompt and read. Piped: read, and echo prompt and answer as a transcript."""
        if interactive:
            print(prompt, end="", file=out, flush=True)
        try:
            line = next(lines)
        except StopIteration:
            return None
        if not interactive:
            print(f"{prompt}{line}", file=out, flush=True)
        return line

    messenger = ConsoleMessenger(application, out, ask)
    sender = application.sender(messenger, holder=f"console:{os.getpid()}", pace=False, local_files=True)
    messenger.say("occ console — type `help` for the commands, Ctrl-D to leave.")
    while True:
        line = ask("occ> ")
        if line is None:
            break
        text = parse_console_line(line)
        if text is None:
            continue
        if text.lower() in ("quit", "exit"):
            break
        with capture() as announced:
            run_line(text, application, messenger)
        for _ in range(5):  # deliver (print) what this command announced, and only that, and what that announced
            if not announced:
                break
            with capture() as more:
                sender.drain(limit=len(announced), only=announced)
            announced = more


def run_line(text: str, application: Application, messenger: "ConsoleMessenger") -> None:
    ix = replace(Interaction.command(CONSOLE_USER, text), actor=_actor())
    acked = dispatch.acknowledge_command(application.router, ix)
    if acked.reply:
        messenger.respond(acked.ix, acked.reply)
    dispatch.run_command(acked, messenger)
