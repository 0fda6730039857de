"""Dead letters: the original bytes and what went wrong, where and when (Kafka Connect's model)."""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from schemas import limits

Stage = Literal["parse", "normalise", "protect", "tag", "publish", "connector"]


class DeadLetter(BaseModel):
    """One failed event; the same facts travel as ``samenspel_*`` headers on the topic."""

    model_config = ConfigDict(strict=True, extra="forbid")

    original_b64: str = Field(description="The original message value, base64.")
    original_key_b64: str | None = None
    topic: str = Field(max_length=249)
    partition: int = Field(ge=-1)
    offset: int = Field(ge=-1)
    stage: Stage
    error_class: str = Field(max_length=200)
    message: str = Field(max_length=limits.MAX_ERROR_MESSAGE)
    worker: str = Field(max_length=200)
    failed_at: AwareDatetime
