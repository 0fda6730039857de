"""Resume positions of connectors: the value format of the compacted ``connect.offsets`` topic."""

from __future__ import annotations

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, JsonValue

from schemas import limits


class ConnectOffset(BaseModel):
    """Where one connector stopped reading one source partition.

    The record key is ``<connector>/<partition>`` (UTF-8), so compaction keeps only the newest
    position per source partition; a tombstone (null value) forgets the partition.
    """

    model_config = ConfigDict(strict=True, extra="forbid")

    connector: str = Field(
        min_length=1, max_length=limits.MAX_ID, description="Name of the connector instance."
    )
    partition: str = Field(
        min_length=1,
        max_length=limits.MAX_ID,
        description="Source partition as the connector names it (a file, a stream, a page).",
    )
    position: JsonValue = Field(
        description="Opaque resume position; only the connector that wrote it interprets it."
    )
    updated_at: AwareDatetime = Field(description="When the runtime stored this position.")

    def key(self) -> bytes:
        """The Kafka record key: ``<connector>/<partition>``."""
        return f"{self.connector}/{self.partition}".encode()

    def value(self) -> bytes:
        """The Kafka record value: this position as compact JSON."""
        return self.model_dump_json().encode()
