"""`/occ help`, the answer to an unknown subcommand, and the Home tab's list of commands: all
generated from the Router, so they always match what is registered."""
from __future__ import annotations

from blocks.help import help_message
from blocks.home import commands_section
from chatops.core import Deps, Interaction, Router


def install(r: Router, d: Deps) -> None:
    r.command("help", summary="this list", answer=lambda ix: help_message(r.synopses()), shared=True)
    r.on_unknown(lambda ix: help_message(r.synopses(), unknown=ix.text or None))
    r.home_section("commands", lambda user_id: commands_section(r.synopses()), order=90)
