"""The platform every feature stands on: the Router, the typed interaction and the roles."""
from .interaction import Actor, Interaction, clean
from .router import Command, Deps, Reply, Role, Router, SubmitResult

__all__ = ["Actor", "Interaction", "clean", "Command", "Deps", "Reply", "Role", "Router", "SubmitResult"]
