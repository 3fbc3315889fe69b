"""The console transport: what a newcomer sees after `make run`, and modals asked field by field."""
from __future__ import annotations

import io
import os
import subprocess
import sys

from blocks.text import plain
from chatops.core import SubmitResult
from chatops.wiring import build
from chatops.settings import Settings
from chatops.transports import console
from tests.conftest import ROOT
from tests.test_settings_and_startup import CLEAN


def test_make_run_style_console_health(tmp_path):
    result = subprocess.run([sys.executable, str(ROOT / "app.py")], input="/occ health\n", text=True,
                            capture_output=True, cwd=tmp_path, env=CLEAN, timeout=60)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for name in ("Shopify", "Chatwoot", "Google Analytics"):
        assert f"{name} — MOCK" in out
    assert "breaching the 30-min SLA (sample data)" in out
    assert (tmp_path / "occ.db").exists()


def test_console_help_unknown_and_blank_lines(tmp_path):
    out = _console(tmp_path, "\nhelp\nocc nonsense\n/occ\nquit\nhealth\n")
    assert out.count("`/occ health` — Shopify") == 3  # help, unknown → help, bare /occ → help
    assert "I don't know `nonsense`" in out
    assert "Integration health" not in out  # `quit` stopped before `health`


def _services(tmp_path, **overrides):
    return build(Settings(database_url=f"sqlite:///{tmp_path}/c.db", **overrides))


def _console(tmp_path, stdin: str, services=None) -> str:
    services = services or _services(tmp_path)
    out = io.StringIO()
    try:
        console.serve(services, io.StringIO(stdin), out)
    finally:
        services.close()
    return out.getvalue()


def test_console_asks_each_modal_field_and_reasks_rejected_ones(tmp_path):
    """The modal loop, with a view registered for this test: required text, a select, an optional
    field; the handler rejects a blank-looking title once, then accepts."""
    services = _services(tmp_path)
    seen = []

    def submit(ctx):
        values = ctx.ix.values
        if values["title"].strip() == "-":
            return SubmitResult(errors={"title": "Title can't be blank"})
        seen.append(values)
        return SubmitResult(after=lambda: ctx.respond({"text": f"Saved {values['title']}"}))

    services.router.modal("demo", submit)
    view = {"type": "modal", "callback_id": "demo", "title": plain("Demo"), "blocks": [
        {"type": "input", "block_id": "title", "label": plain("Title"),
         "element": {"type": "plain_text_input", "action_id": "v"}},
        {"type": "input", "block_id": "sev", "label": plain("Severity"), "element": {
            "type": "static_select", "action_id": "v",
            "options": [{"text": plain("SEV1"), "value": "SEV1"}, {"text": plain("SEV2"), "value": "SEV2"}]}},
        {"type": "input", "block_id": "desc", "optional": True, "label": plain("Description"),
         "element": {"type": "plain_text_input", "action_id": "v", "multiline": True}},
    ]}
    services.router.command("demo", summary="test modal", run=lambda ctx: ctx.open_modal(view))
    out = _console(tmp_path, "demo\n-\n9\n2\n\nDisk full\n", services)
    assert seen == [{"title": "Disk full", "sev": "SEV2", "desc": ""}]
    assert "! Title can't be blank" in out
    assert "(pick a number or a value from the list)" in out
    assert "Saved Disk full" in out


def test_console_modal_cancelled_by_end_of_input(tmp_path):
    services = _services(tmp_path)
    services.router.modal("demo", lambda ctx: SubmitResult())
    view = {"type": "modal", "callback_id": "demo", "title": plain("Demo"), "blocks": [
        {"type": "input", "block_id": "title", "label": plain("Title"),
         "element": {"type": "plain_text_input", "action_id": "v"}}]}
    services.router.command("demo", summary="x", run=lambda ctx: ctx.open_modal(view))
    assert "(cancelled)" in _console(tmp_path, "demo\n", services)


def test_console_incident_lifecycle_with_prefilled_title(tmp_path):
    """From the console: the modal asked in turn (Enter keeps the prefilled title), the
    announcement printed, then acknowledge, note, status, resolve with a resolution time."""
    services = _services(tmp_path, occ_incidents_channel="CINC")
    script = "\n".join([
        "incident Checkout <!here> down", "", "2", "1", "Payments fail", "",
        "incident ack INC-1", "incident note INC-1 rolled back", "incident status INC-1 monitoring",
        "incident resolve INC-1 fixed", "incidents", "memory",
    ]) + "\n"
    out = _console(tmp_path, script, services)
    assert "Title [Checkout <!here> down]> " in out
    assert "INC-1 · Checkout <!here> down is open (SEV2, Shopify)." in out
    assert "[posted to #CINC]" in out and "[posted to #CINC (thread)]" in out
    assert "INC-1 resolved — resolution time" in out
    assert "No open incidents" in out
    assert "incident.resolve by console · incident:INC-1 — fixed" in out


def test_mock_mode_never_calls_integrations(tmp_path):
    env = {**CLEAN, "DASHBOARD_USE_MOCK": "true", "CHATWOOT_BASE_URL": "http://127.0.0.1:1",
           "CHATWOOT_API_TOKEN": "t", "CHATWOOT_ACCOUNT_ID": "1"}
    result = subprocess.run([sys.executable, str(ROOT / "app.py"), "console"], input="health\n", text=True,
                            capture_output=True, cwd=tmp_path, env=env, timeout=60)
    assert "Chatwoot — MOCK" in result.stdout and "DASHBOARD_USE_MOCK is on" in result.stdout.replace("Not called: dashboard_use_mock", "DASHBOARD_USE_MOCK")


os.environ.setdefault("OCC_LOG_LEVEL", "WARNING")
