"""One Router that every transport iterates. A feature registers what it answers in its
`install(router, deps)`: commands, modal submissions, actions (buttons, selects), shortcuts, App
Home sections, scheduled jobs and delivery subscribers. Registrations are checked at start-up: a
duplicate fails there, not at the first request. Any registration can require a role."""
from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any, Callable, Protocol

from .interaction import Interaction
from .shared import SharedAnswers

Reply = dict[str, Any]  # a message payload (Block Kit), already escaped where people wrote it
MAX_NAME_WORDS = 3  # the longest subcommand name, in words: matching never looks further


class Role(str, enum.Enum):
    ANYONE = "anyone"
    MANAGER = "manager"


class Messenger(Protocol):
    """How replies leave the bot: Slack's Web API, or the console."""

    def respond(self, target: Interaction, message: Reply) -> None: ...

    def post(self, channel: str, message: Reply, *, thread_ts: str | None = None) -> str | None: ...

    def update(self, channel: str, ts: str, message: Reply) -> None: ...

    def open_modal(self, trigger_id: str | None, view: Reply) -> str | None: ...

    def update_modal(self, view_id: str, view: Reply, *, view_hash: str | None = None) -> None: ...

    def publish_home(self, user_id: str, view: Reply) -> None: ...

    def upload_file(self, channel: str, *, filename: str, content: str | bytes, title: str,
                    thread_ts: str | None = None, initial_comment: str | None = None) -> str | None: ...

    def permalink(self, channel: str, ts: str) -> str | None:
        """A message's permanent link (None where there is no such thing, as in the console)."""
        ...


@dataclass
class Ctx:
    """What a handler works with: the interaction and a way to answer it."""

    ix: Interaction
    out: Messenger

    def respond(self, message: Reply) -> None:
        self.out.respond(self.ix, message)

    def open_modal(self, view: Reply) -> str | None:
        return self.out.open_modal(self.ix.trigger_id, view)


@dataclass(frozen=True)
class Final:
    """What a command's `answer` returns when the acknowledgement is the whole answer: its `run`
    (the slower path) is then skipped."""

    reply: Reply


@dataclass
class SubmitResult:
    errors: dict[str, str] | None = None  # block_id → message: answered as response_action=errors
    after: Callable[[], None] | None = None  # work done after the acknowledgement
    view: Reply | None = None  # answered as response_action=update with this view


@dataclass(frozen=True)
class Command:
    name: str  # one to MAX_NAME_WORDS words: "health", "incident resolve"
    summary: str  # one line for help
    usage: str = ""
    answer: Callable[[Interaction], Reply | None] | None = None  # the acknowledgement: pure or a bounded local read
    run: Callable[[Ctx], None] | None = None  # the work after the acknowledgement
    accepts: Callable[[str], bool] | None = None  # whether the words after the name fit; else a shorter name
    requires: Role = Role.ANYONE
    what: str = ""  # for a refusal: "publish templates"
    shared: bool = False  # `answer` reads only the words typed and stored data: a burst shares it (core.shared)

    @property
    def synopsis(self) -> str:
        return f"/occ {self.name}" + (f" {self.usage}" if self.usage else "")


@dataclass(frozen=True)
class Handler:
    """A modal submission, an action or a shortcut, by callback or action id."""

    kind: str  # modal | action | shortcut
    key: str
    run: Callable[[Ctx], Any]
    requires: Role = Role.ANYONE
    what: str = ""  # for a refusal: "publish templates"


@dataclass(frozen=True)
class HomeSection:
    name: str
    build: Callable[[str], list[dict[str, Any]]]  # user id → blocks
    order: int = 50


@dataclass(frozen=True)
class ReportSection:
    name: str
    build: Callable[[Any], Any]  # chatops.core.report.Period → ReportPart
    order: int = 50


@dataclass(frozen=True)
class Job:
    name: str
    schedule: Any  # chatops.scheduler.Every | Daily
    run: Callable[[], object]


Delivered = Callable[[Any, Any], None]  # (session, outbox row) → None, in the transaction that records it


@dataclass
class Deps:
    """What a feature's install() may use: shared parts, and what earlier features exposed."""

    settings: Any
    db: Any
    runtime: Any
    integrations: Any
    leading: Callable[[], bool] = lambda: True  # whether this process leads (set by the background work)
    _exposed: dict[str, Any] = field(default_factory=dict)

    def expose(self, name: str, value: Any) -> Any:
        if name in self._exposed:
            raise ValueError(f"{name!r} is exposed twice")
        self._exposed[name] = value
        return value

    def use(self, name: str) -> Any:
        """What an earlier feature exposed; a feature listed out of order fails at start-up."""
        if name not in self._exposed:
            raise LookupError(f"{name!r} is not available: install the feature that exposes it first")
        return self._exposed[name]


class Router:
    def __init__(self, managers: frozenset[str] = frozenset()):
        self.managers = managers
        self.commands: dict[str, Command] = {}
        self.handlers: dict[tuple[str, str], Handler] = {}
        self.home_sections: list[HomeSection] = []
        self.report_sections: list[ReportSection] = []
        self.jobs: list[Job] = []
        self.delivered: list[Delivered] = []
        self.unknown: Callable[[Interaction], Reply] | None = None
        self.answers = SharedAnswers()

    # --- registration ------------------------------------------------------------------
    def command(self, name: str, *, summary: str, usage: str = "", answer: Callable[[Interaction], Reply | None]
                | None = None, run: Callable[[Ctx], None] | None = None, accepts: Callable[[str], bool] | None = None,
                requires: Role = Role.ANYONE, what: str = "", shared: bool = False) -> Command:
        """`shared`: the answer is a read that depends only on the words after the name and on stored
        data (never on who asks, never writes), so a burst of the same question shares one answer."""
        key = " ".join(name.lower().split())
        if not key or len(key.split()) > MAX_NAME_WORDS:
            raise ValueError(f"subcommand name {name!r} must have 1 to {MAX_NAME_WORDS} words")
        if key in self.commands:
            raise ValueError(f"subcommand {key!r} registered twice")
        if answer is None and run is None:
            raise ValueError(f"subcommand {key!r} answers nothing")
        self.commands[key] = Command(key, summary, usage, answer, run, accepts, requires, what, shared)
        return self.commands[key]

    def _handler(self, kind: str, key: str, run: Callable[[Ctx], Any], requires: Role, what: str) -> Handler:
        if (kind, key) in self.handlers:
            raise ValueError(f"{kind} {key!r} registered twice")
        self.handlers[(kind, key)] = Handler(kind, key, run, requires, what)
        return self.handlers[(kind, key)]

    def modal(self, callback_id: str, submit: Callable[[Ctx], SubmitResult], *, requires: Role = Role.ANYONE,
              what: str = "") -> Handler:
        return self._handler("modal", callback_id, submit, requires, what)

    def action(self, action_id: str, run: Callable[[Ctx], None], *, requires: Role = Role.ANYONE,
               what: str = "") -> Handler:
        return self._handler("action", action_id, run, requires, what)

    def shortcut(self, callback_id: str, run: Callable[[Ctx], None], *, requires: Role = Role.ANYONE,
                 what: str = "") -> Handler:
        return self._handler("shortcut", callback_id, run, requires, what)

    def home_section(self, name: str, build: Callable[[str], list[dict[str, Any]]], *, order: int = 50) -> None:
        if any(s.name == name for s in self.home_sections):
            raise ValueError(f"home section {name!r} registered twice")
        self.home_sections.append(HomeSection(name, build, order))
        self.home_sections.sort(key=lambda s: s.order)

    def report_section(self, name: str, build: Callable[[Any], Any], *, order: int = 50) -> None:
        """A part of the support daily status (and the weekly report): Period → ReportPart."""
        if any(s.name == name for s in self.report_sections):
            raise ValueError(f"report section {name!r} registered twice")
        self.report_sections.append(ReportSection(name, build, order))
        self.report_sections.sort(key=lambda s: s.order)

    def job(self, name: str, schedule: Any, run: Callable[[], object]) -> None:
        if any(j.name == name for j in self.jobs):
            raise ValueError(f"job {name!r} registered twice")
        self.jobs.append(Job(name, schedule, run))

    def on_delivered(self, subscriber: Delivered) -> None:
        self.delivered.append(subscriber)

    def on_unknown(self, answer: Callable[[Interaction], Reply]) -> None:
        if self.unknown is not None:
            raise ValueError("the unknown-command answer is registered twice")
        self.unknown = answer

    # --- lookup ----------------------------------------------------------------------------
    def handler(self, kind: str, key: str) -> Handler | None:
        return self.handlers.get((kind, key))

    def keys(self, kind: str) -> list[str]:
        return [key for k, key in self.handlers if k == kind]

    def synopses(self) -> list[tuple[str, str]]:
        return [(c.synopsis, c.summary) for c in self.commands.values()]

    def resolve(self, text: str) -> tuple[Command | None, str]:
        """The longest registered name that prefixes `text` word by word (case-insensitive) and
        accepts the rest; the rest is returned as typed. Looks at MAX_NAME_WORDS words at most."""
        head = text.split(maxsplit=MAX_NAME_WORDS)
        words = head[:MAX_NAME_WORDS]
        for n in range(len(words), 0, -1):
            command = self.commands.get(" ".join(words[:n]).lower())
            if command is None:
                continue
            rest = text.strip()
            for word in words[:n]:  # drop the matched words, keep the rest as typed
                rest = rest[len(word):].lstrip()
            if command.accepts is None or command.accepts(rest):
                return command, rest
        return None, text

    def permits(self, requires: Role, user_id: str) -> bool:
        return requires == Role.ANYONE or (requires == Role.MANAGER and user_id in self.managers)

    @staticmethod
    def refusal(requires: Role, what: str) -> Reply:
        doing = what or "do this"
        text = (f":no_entry: Only managers can {doing}. Managers are the people listed in OCC_MANAGERS; "
                "ask one of them. Nothing was changed.")
        return {"text": text, "response_type": "ephemeral", "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": text}}]}
