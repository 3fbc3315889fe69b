from __future__ import annotations

import pytest

from chatops.core import Interaction, Role, Router
from chatops.settings import Settings
from chatops.transports.console import parse_console_line
from chatops.wiring import build


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    application = build(Settings(database_url=f"sqlite:///{tmp_path_factory.mktemp('r')}/r.db"))
    yield application
    application.close()


@pytest.fixture(scope="module")
def registry(app):
    return app.router


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
    ("nonsense", None, "nonsense"),
])
def test_resolution(registry, text, name, args):
    command, rest = registry.resolve(text)
    assert (command.name if command else None) == name
    assert rest == args


def test_help_lists_every_registered_subcommand_once(registry):
    names = list(registry.commands)
    assert len(names) == len(set(names))
    assert {"help", "health", "incident", "incidents", "incident resolve", "stats", "memory"} <= set(names)


@pytest.mark.parametrize("line,text", [("/occ health", "health"), ("occ  health", "health"), ("health", "health"),
                                       ("   ", None), ("/occ", "")])
def test_console_lines(line, text):
    assert parse_console_line(line) == text


def test_interaction_repr_hides_the_response_url():
    ix = Interaction.from_slash({"user_id": "U1", "response_url": "https://hooks.slack.com/commands/secret",
                                 "trigger_id": "t"})
    assert "secret" not in repr(ix)


@pytest.mark.parametrize("register", [
    lambda r: r.command("demo", summary="x", run=lambda ctx: None),
    lambda r: r.modal("demo_view", lambda ctx: None),
    lambda r: r.action("demo_action", lambda ctx: None),
    lambda r: r.shortcut("demo_shortcut", lambda ctx: None),
    lambda r: r.home_section("demo", lambda user: []),
    lambda r: r.job("demo", None, lambda: None),
    lambda r: r.on_unknown(lambda ix: {}),
])
def test_a_duplicate_registration_fails_at_start_up(register):
    router = Router()
    register(router)
    with pytest.raises(ValueError, match="twice"):
        register(router)


def test_a_command_name_is_one_to_three_words_and_must_answer():
    router = Router()
    with pytest.raises(ValueError):
        router.command("a b c d", summary="x", run=lambda ctx: None)
    with pytest.raises(ValueError):
        router.command("quiet", summary="x")


def test_matching_looks_at_three_words_at_most():
    """40 kB of short words: the cost is bounded by the longest name, not the text."""
    router = Router()
    router.command("a", summary="x", run=lambda ctx: None)
    text = "a " + "b " * 20000
    command, rest = router.resolve(text)
    assert command.name == "a" and rest == text.strip()[2:]


def test_roles_come_from_the_managers_list():
    router = Router(managers=frozenset({"UBOSS"}))
    assert router.permits(Role.MANAGER, "UBOSS")
    assert not router.permits(Role.MANAGER, "U123")
    assert router.permits(Role.ANYONE, "U123")
    refusal = router.refusal(Role.MANAGER, "publish templates")
    assert "Only managers can publish templates" in refusal["text"] and "OCC_MANAGERS" in refusal["text"]


def test_a_manager_only_command_is_refused_in_the_ack_and_runs_nothing():
    from chatops.core import dispatch

    ran = []
    router = Router(managers=frozenset({"UBOSS"}))
    router.command("publish", summary="x", requires=Role.MANAGER, what="publish templates",
                   answer=lambda ix: ran.append("answer") or {"text": "done"}, run=lambda ctx: ran.append("run"))
    refused = dispatch.acknowledge_command(router, Interaction.command("U123", "publish ack_delay"))
    assert refused.command is None and "Only managers can publish templates" in refused.reply["text"]
    assert ran == []
    allowed = dispatch.acknowledge_command(router, Interaction.command("UBOSS", "publish ack_delay"))
    assert allowed.reply == {"text": "done"} and allowed.command is not None and ran == ["answer"]
