"""The /occ subcommand registry. Help is generated from it; every transport dispatches through it.

A subcommand has two halves: `ack`, a pure function whose result is the immediate acknowledgement
(it must not do I/O), and `run`, the work that follows the acknowledgement (integration calls,
storage, modals, replies through the messenger)."""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:
    from chatops.messenger import Messenger
    from chatops.services import Services

SLASH = "/occ"


@dataclass(frozen=True)
class Invocation:
    """A parsed `/occ …` request, whichever transport it came from."""

    user_id: str
    text: str = ""  # everything after `/occ`
    args: str = ""  # what follows the matched subcommand
    user_name: str | None = None
    channel_id: str | None = None
    team_id: str | None = None
    trigger_id: str | None = field(default=None, repr=False)
    response_url: str | None = field(default=None, repr=False)  # a bearer secret for 30 minutes

    @classmethod
    def from_slash(cls, body: dict[str, Any]) -> "Invocation":
        def s(key: str) -> str | None:
            value = body.get(key)
            return value if isinstance(value, str) and value else None

        return cls(
            user_id=s("user_id") or "unknown", text=(s("text") or "").strip(), user_name=s("user_name"),
            channel_id=s("channel_id"), team_id=s("team_id"), trigger_id=s("trigger_id"),
            response_url=s("response_url"),
        )


@dataclass
class Ctx:
    """What a subcommand's `run` works with: the services and the transport's messenger."""

    services: "Services"
    messenger: "Messenger"


AckFn = Callable[[Invocation, "Services"], dict[str, Any] | None]
RunFn = Callable[[Invocation, Ctx], None]


@dataclass(frozen=True)
class Subcommand:
    name: str  # one or more words: "health", "incident resolve"
    summary: str  # one line for help
    usage: str = ""  # argument synopsis: "INC-<n> [note]"
    ack: AckFn | None = None
    run: RunFn | None = None
    # whether the words after the name fit this subcommand; if not, a shorter name is tried
    # (`/occ incident status page down` is a title, not `incident status` of incident "page")
    accepts: Callable[[str], bool] | None = None

    @property
    def synopsis(self) -> str:
        return f"{SLASH} {self.name}" + (f" {self.usage}" if self.usage else "")


@dataclass
class Registry:
    _commands: dict[str, Subcommand] = field(default_factory=dict)

    def add(self, command: Subcommand) -> Subcommand:
        if command.name in self._commands:
            raise ValueError(f"subcommand {command.name!r} registered twice")
        self._commands[command.name] = command
        return command

    def all(self) -> list[Subcommand]:
        return list(self._commands.values())

    def resolve(self, inv: Invocation) -> tuple[Subcommand | None, Invocation]:
        """The longest registered name that prefixes the text, word by word (case-insensitive),
        and accepts the rest."""
        words = inv.text.split()
        for n in range(len(words), 0, -1):
            command = self._commands.get(" ".join(words[:n]).lower())
            if command is None:
                continue
            rest = inv.text.strip()
            for word in words[:n]:  # drop the matched words, keep the rest as typed
                rest = rest[len(word):].lstrip() if rest.lower().startswith(word.lower()) else rest
            if command.accepts is None or command.accepts(rest):
                return command, replace(inv, args=rest)
        return None, inv


def parse_console_line(line: str) -> str | None:
    """`/occ health`, `occ health` or `health` → `health`; a blank line → None."""
    text = line.strip()
    if not text:
        return None
    first, _, rest = text.partition(" ")
    if first.lower() in (SLASH, SLASH[1:]):
        return rest.strip()
    return text
