"""The template review from the console: the modal's fields asked in order, lint errors shown
and the body asked again, the confirmation with its diff, Memory, and publishing while Chatwoot is
MOCK (queued, not faked)."""
from __future__ import annotations

from blocks.render import render_message
from blocks.templates import template_line
from tests.test_console import _console, _services
from tests.test_templates_lint import NOW, state


def test_console_review_reasks_the_body_until_it_lints_then_logs_it(tmp_path):
    services = _services(tmp_path, occ_managers="console")
    script = "\n".join([
        "template review ack_delay",
        "Hi {{nmae}}, see Zendesk.", "approve", "5", "4", "3", "",  # refused: asked again, body only
        "Hi {{name}}, thanks for waiting. We reply within 24 hours.",
        "memory ops ack_delay", "template publish ack_delay 2", "templates",
    ]) + "\n"
    out = _console(tmp_path, script, services)
    asked = [line.split(" [")[0].split(">")[0] for line in out.splitlines()
             if line.startswith(("Body", "Decision:", "Tone:", "Accuracy:", "Policy:", "Note"))]
    assert asked == ["Body", "Decision:", "Tone:", "Accuracy:", "Policy:", "Note (optional)", "Body"]
    assert "! Unknown placeholder {{nmae}}. Did you mean {{name}}?" in out and "Names a legacy tool (Zendesk)" in out
    assert "ack_delay v2 — approved (tone 5 · accuracy 4 · policy 3) by console" in out
    assert "New draft v2 (changed from v1):\nHi {{name}}, thanks for ~your patience~ waiting. ~I'm checking" in out
    assert "Hi Customer, thanks for waiting. We reply within 24 hours." in out
    assert "promises a time (“within 24 hours”)" in out
    assert "template.review.approve by console · chatwoot:canned:ack_delay" in out
    assert "it will be published when Chatwoot is connected" in out
    assert "ack_delay · Acknowledge delay · v2 · approved" in out and "publishing v2 to Chatwoot" in out


def test_a_template_line_reads_well_in_the_console():
    line = render_message({"blocks": [{"type": "section", "text": {"type": "mrkdwn",
                                                                   "text": template_line(state(), NOW)}}]})
    assert line.startswith("ack_delay · Acknowledge <!channel> · v2 · due")
