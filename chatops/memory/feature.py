"""Memory: the team's decision log. `log` is the leaf every feature writes to."""
from __future__ import annotations

from functools import partial

from chatops.core import Deps, Router

from . import handlers


def install(r: Router, d: Deps) -> None:
    r.command("memory", usage="[ops|build] [words]", summary="recent Memory decision-log entries, or search them",
              answer=partial(handlers.show, d.db), shared=True)
    r.command("memory log", usage="<text>", summary="add a decision to Memory ops (you are the actor)",
              answer=partial(handlers.add, d.db))
