"""The Router's rules (chatops.core.router): what a registration stores, what it refuses and why,
how a command is matched, who is permitted."""
from __future__ import annotations

import pytest

from chatops.core.interaction import Interaction
from chatops.core.router import (
    MAX_NAME_WORDS,
    Command,
    Ctx,
    Deps,
    Handler,
    HomeSection,
    Job,
    ReportSection,
    Role,
    Router,
)


def noop(*args):
    return None


# --- registration ----------------------------------------------------------------------------------
def test_a_command_is_stored_under_its_normalised_name():
    router = Router()
    accepts = str.isdigit
    stored = router.command("  Incident   RESOLVE ", summary="resolve one", usage="INC-<n>", answer=noop, run=noop,
                            accepts=accepts, requires=Role.MANAGER, what="resolve incidents")
    assert stored == Command("incident resolve", "resolve one", "INC-<n>", noop, noop, accepts, Role.MANAGER,
                             "resolve incidents")
    assert router.commands == {"incident resolve": stored}
    assert stored.synopsis == "/occ incident resolve INC-<n>"


def test_a_command_without_usage_or_role_has_the_defaults():
    stored = Router().command("health", summary="probe", answer=noop)
    assert stored == Command("health", "probe", "", noop, None, None, Role.ANYONE, "")
    assert stored.synopsis == "/occ health"


def test_a_command_name_of_three_words_is_allowed_four_is_not():
    router = Router()
    assert MAX_NAME_WORDS == 3
    router.command("a b c", summary="x", run=noop)
    with pytest.raises(ValueError, match=r"subcommand name 'a b c d' must have 1 to 3 words"):
        router.command("a b c d", summary="x", run=noop)


def test_a_blank_command_name_is_refused():
    with pytest.raises(ValueError, match="must have 1 to 3 words"):
        Router().command("   ", summary="x", run=noop)


def test_a_command_that_answers_nothing_is_refused_by_name():
    with pytest.raises(ValueError, match=r"subcommand 'quiet' answers nothing"):
        Router().command("quiet", summary="x")


def test_a_command_registered_twice_is_refused_by_name():
    router = Router()
    router.command("health", summary="x", run=noop)
    with pytest.raises(ValueError, match=r"subcommand 'health' registered twice"):
        router.command("HEALTH", summary="y", run=noop)


@pytest.mark.parametrize("kind", ["modal", "action", "shortcut"])
def test_a_handler_is_stored_with_its_kind_key_and_role(kind):
    router = Router()
    stored = getattr(router, kind)("the_key", noop, requires=Role.MANAGER, what="publish templates")
    assert stored == Handler(kind, "the_key", noop, Role.MANAGER, "publish templates")
    assert router.handler(kind, "the_key") is stored
    assert router.keys(kind) == ["the_key"]


@pytest.mark.parametrize("kind", ["modal", "action", "shortcut"])
def test_a_handler_without_a_role_is_open_to_anyone(kind):
    stored = getattr(Router(), kind)("k", noop)
    assert stored == Handler(kind, "k", noop, Role.ANYONE, "")


@pytest.mark.parametrize("kind", ["modal", "action", "shortcut"])
def test_a_handler_registered_twice_is_refused_by_kind_and_key(kind):
    router = Router()
    getattr(router, kind)("k", noop)
    with pytest.raises(ValueError, match=rf"{kind} 'k' registered twice"):
        getattr(router, kind)("k", noop)


def test_the_same_key_may_be_a_modal_and_an_action():
    router = Router()
    router.modal("k", noop)
    router.action("k", noop)
    assert router.keys("modal") == ["k"] and router.keys("action") == ["k"] and router.keys("shortcut") == []
    assert router.handler("shortcut", "k") is None


def test_a_section_made_without_an_order_is_at_fifty_like_a_registered_one():
    assert HomeSection("x", noop) == HomeSection("x", noop, 50)
    assert ReportSection("x", noop) == ReportSection("x", noop, 50)


def test_home_sections_are_kept_in_order_default_fifty():
    router = Router()
    router.home_section("second", noop)
    router.home_section("first", noop, order=10)
    router.home_section("also_fifty", noop, order=50)
    router.home_section("last", noop, order=51)
    assert [s.name for s in router.home_sections] == ["first", "second", "also_fifty", "last"]
    assert router.home_sections[1] == HomeSection("second", noop, 50)


def test_a_home_section_registered_twice_is_refused_by_name():
    router = Router()
    router.home_section("incidents", noop)
    with pytest.raises(ValueError, match=r"home section 'incidents' registered twice"):
        router.home_section("incidents", noop)


def test_report_sections_are_kept_in_order_default_fifty():
    router = Router()
    router.report_section("second", noop)
    router.report_section("first", noop, order=10)
    router.report_section("also_fifty", noop, order=50)
    assert [s.name for s in router.report_sections] == ["first", "second", "also_fifty"]
    assert router.report_sections[1] == ReportSection("second", noop, 50)


def test_a_report_section_registered_twice_is_refused_by_name():
    router = Router()
    router.report_section("incidents", noop)
    with pytest.raises(ValueError, match=r"report section 'incidents' registered twice"):
        router.report_section("incidents", noop)


def test_a_job_is_stored_with_its_schedule():
    router = Router()
    router.job("reminders", "every minute", noop)
    assert router.jobs == [Job("reminders", "every minute", noop)]
    with pytest.raises(ValueError, match=r"job 'reminders' registered twice"):
        router.job("reminders", "hourly", noop)


def test_delivery_subscribers_and_the_unknown_answer_are_kept():
    router = Router()
    router.on_delivered(noop)
    router.on_unknown(noop)
    assert router.delivered == [noop] and router.unknown is noop
    with pytest.raises(ValueError, match=r"^the unknown-command answer is registered twice$"):
        router.on_unknown(noop)


def test_synopses_list_every_command_with_its_summary():
    router = Router()
    router.command("health", summary="probe", run=noop)
    router.command("incident show", summary="details", usage="INC-<n>", run=noop)
    assert router.synopses() == [("/occ health", "probe"), ("/occ incident show INC-<n>", "details")]


# --- deps ------------------------------------------------------------------------------------------------
def test_a_feature_uses_what_an_earlier_one_exposed():
    deps = Deps(settings=None, db=None, runtime=None, integrations=None)
    service = object()
    assert deps.expose("incidents", service) is service
    assert deps.use("incidents") is service


def test_exposing_a_name_twice_is_refused_by_name():
    deps = Deps(settings=None, db=None, runtime=None, integrations=None)
    deps.expose("incidents", 1)
    with pytest.raises(ValueError, match=r"'incidents' is exposed twice"):
        deps.expose("incidents", 2)


def test_using_what_nobody_exposed_says_to_install_it_first():
    deps = Deps(settings=None, db=None, runtime=None, integrations=None)
    with pytest.raises(LookupError, match=r"'memory' is not available: install the feature that exposes it first"):
        deps.use("memory")


# --- matching -------------------------------------------------------------------------------------------
def routed(*names: str, accepts=None) -> Router:
    router = Router()
    for name in names:
        router.command(name, summary="x", run=noop, accepts=accepts if " " in name else None)
    return router


def test_the_longest_registered_name_wins():
    command, rest = routed("incident", "incident show").resolve("incident show INC-3")
    assert command.name == "incident show" and rest == "INC-3"


def test_the_rest_is_returned_as_typed():
    command, rest = routed("memory").resolve("Memory  log   Ship IT  now ")
    assert command.name == "memory" and rest == "log   Ship IT  now"


def test_a_name_that_refuses_the_rest_falls_back_to_a_shorter_one():
    router = routed("incident", "incident show", accepts=lambda rest: rest.upper().startswith("INC-"))
    command, rest = router.resolve("incident show increase in 500s")
    assert command.name == "incident" and rest == "show increase in 500s"


def test_a_three_word_name_is_matched():
    command, rest = routed("a b c").resolve("a b c d")
    assert command.name == "a b c" and rest == "d"


def test_nothing_registered_matches_nothing_and_keeps_the_text():
    assert routed("health").resolve("healthz now") == (None, "healthz now")
    assert routed("health").resolve("") == (None, "")


# --- roles and refusals ---------------------------------------------------------------------------------
def test_only_listed_managers_are_permitted_manager_work():
    router = Router(managers=frozenset({"UBOSS"}))
    assert router.permits(Role.MANAGER, "UBOSS") and not router.permits(Role.MANAGER, "U1")
    assert router.permits(Role.ANYONE, "U1")
    assert not Router().permits(Role.MANAGER, "UBOSS")


def test_a_refusal_is_one_ephemeral_section_saying_who_may():
    text = (":no_entry: Only managers can publish templates. Managers are the people listed in OCC_MANAGERS; "
            "ask one of them. Nothing was changed.")
    assert Router.refusal(Role.MANAGER, "publish templates") == {
        "text": text, "response_type": "ephemeral",
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]}


def test_a_refusal_without_a_description_says_do_this():
    assert Router.refusal(Role.MANAGER, "")["text"].startswith(":no_entry: Only managers can do this. ")


# --- the handler's context ------------------------------------------------------------------------------
class Recorder:
    def __init__(self):
        self.calls = []

    def respond(self, target, message):
        self.calls.append(("respond", target, message))

    def open_modal(self, trigger_id, view):
        self.calls.append(("open_modal", trigger_id, view))
        return "V1"


def test_a_context_answers_its_own_interaction():
    ix = Interaction.command("U1", "health", trigger_id="T1")
    out = Recorder()
    ctx = Ctx(ix, out)
    ctx.respond({"text": "ok"})
    assert ctx.open_modal({"type": "modal"}) == "V1"
    assert out.calls == [("respond", ix, {"text": "ok"}), ("open_modal", "T1", {"type": "modal"})]
