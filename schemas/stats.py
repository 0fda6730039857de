"""Windowed statistics: counts per perspective, channel and area in an hourly tumbling window."""

from __future__ import annotations

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from schemas.taxonomy import Channel, Perspective


class StatsRecord(BaseModel):
    """How many interactions of one perspective, channel and area a window holds so far."""

    model_config = ConfigDict(strict=True, extra="forbid")

    window_start: AwareDatetime
    window_end: AwareDatetime
    perspective: Perspective
    channel: Channel
    area: str = Field(max_length=16)
    count: int = Field(ge=0)
