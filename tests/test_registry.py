from __future__ import annotations

import pytest

from chatops.commands import Invocation, parse_console_line
from chatops.services import build_registry
from chatops.views import ViewRegistry


@pytest.fixture(scope="module")
def registry():
    return build_registry(ViewRegistry())


@pytest.mark.parametrize("text,name,args", [
    ("health", "health", ""),
    ("HEALTH now", "health", "now"),
    ("incident", "incident", ""),
    ("incident Checkout is slow", "incident", "Checkout is slow"),
    ("incident status page down", "incident", "status page down"),
    ("incident resolve button broken", "incident", "resolve button broken"),
    ("incident status INC-3 monitoring ok", "incident status", "INC-3 monitoring ok"),
    ("incident resolve inc-12 rolled back", "incident resolve", "inc-12 rolled back"),
    ("incident resolve", "incident resolve", ""),
    ("incident resolve INC-x", "incident resolve", "INC-x"),
    ("incident ack 3a", "incident ack", "3a"),
    ("incident show #nope", "incident show", "#nope"),
    ("incident show increase in 500s", "incident", "show increase in 500s"),
    ("incidents", "incidents", ""),
    ("stats 30d", "stats", "30d"),
    ("nonsense", None, ""),
])
def test_resolution(registry, text, name, args):
    command, inv = registry.resolve(Invocation(user_id="U1", text=text))
    assert (command.name if command else None) == name
    if command:
        assert inv.args == args


def test_help_lists_every_registered_subcommand_once(registry):
    names = [c.name for c in registry.all()]
    assert len(names) == len(set(names))
    assert {"help", "health", "incident", "incidents", "incident resolve", "stats", "memory"} <= set(names)


@pytest.mark.parametrize("line,text", [("/occ health", "health"), ("occ  health", "health"), ("health", "health"),
                                       ("   ", None), ("/occ", "")])
def test_console_lines(line, text):
    assert parse_console_line(line) == text


def test_invocation_repr_hides_the_response_url():
    inv = Invocation(user_id="U1", response_url="https://hooks.slack.com/commands/secret", trigger_id="t")
    assert "secret" not in repr(inv)
