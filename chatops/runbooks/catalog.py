"""Runbooks as data: one markdown file per runbook in `data/`, TOML front matter between `+++`
lines (Python's own tomllib reads it) and the steps as the body. Validated by a pydantic model at
start-up: a broken file stops start-up with the file and the field named."""
from __future__ import annotations

import re
import tomllib
from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

DATA = Path(__file__).resolve().parent / "data"
SOP = re.compile(r"^SOP-CX-\d{3}$")
INTEGRATIONS = ("shopify", "chatwoot", "google_analytics")


class RunbookError(Exception):
    """A runbook file that cannot be used: the message names the file and the field."""


class Rung(BaseModel):
    model_config = ConfigDict(extra="forbid")

    who: str = Field(min_length=1, max_length=80)
    when: str = Field(min_length=1, max_length=200)
    does: str = Field(min_length=1, max_length=300)


class Ladder(BaseModel):
    model_config = ConfigDict(extra="forbid")

    L1: Rung
    L2: Rung
    L3: Rung


class Runbook(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,48}$")
    title: str = Field(min_length=3, max_length=80)
    kind: Literal["conversation", "outage"]
    integration: Literal["shopify", "chatwoot", "google_analytics"] | None = None
    words: tuple[str, ...] = Field(min_length=1)
    labels: tuple[str, ...] = ()
    sops: tuple[str, ...] = ()
    template: str | None = None
    owner: str = Field(min_length=1, max_length=80)
    last_verified: date
    ladder: Ladder
    steps: str = Field(min_length=1, max_length=2800)

    @field_validator("sops")
    @classmethod
    def _sop_ids(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for sop in value:
            if not SOP.match(sop):
                raise ValueError(f"{sop!r} is not an SOP id like SOP-CX-001")
        return value

    @field_validator("words", "labels")
    @classmethod
    def _lower(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(v.strip().lower() for v in value if v.strip())


def parse(path: Path) -> Runbook:
    text = path.read_text(encoding="utf-8")
    match = re.match(r"\A\+\+\+\n(.*?)\n\+\+\+\n?(.*)\Z", text, re.S)
    if not match:
        raise RunbookError(f"{path.name}: no front matter between +++ lines")
    try:
        meta = tomllib.loads(match.group(1))
    except tomllib.TOMLDecodeError as exc:
        raise RunbookError(f"{path.name}: front matter is not valid TOML ({exc})") from None
    try:
        runbook = Runbook(**meta, steps=match.group(2).strip())
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or "front matter"
        raise RunbookError(f"{path.name}: field {where}: {err['msg']}") from None
    if runbook.id != path.stem:
        raise RunbookError(f"{path.name}: field id: {runbook.id!r} must match the file name")
    if (runbook.kind == "outage") != (runbook.integration is not None):
        raise RunbookError(f"{path.name}: field integration: an outage runbook names its integration, "
                           "a conversation runbook none")
    return runbook


def load(directory: Path = DATA) -> tuple[Runbook, ...]:
    """Every runbook, in file-name order; RunbookError for the first broken file."""
    books = tuple(parse(path) for path in sorted(directory.glob("*.md")))
    if not books:
        raise RunbookError(f"{directory}: no runbooks (*.md)")
    return books
