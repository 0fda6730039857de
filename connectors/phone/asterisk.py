"""Asterisk ``Master.csv`` CDRs: import a directory once, or follow one growing file.

The position of a file is ``{"offset": <bytes>, "inode": <inode>}`` after the last complete line,
so a restart resumes at the exact byte; a different inode or a shorter file means the file was
rotated or truncated, and reading starts again at 0.
"""

from __future__ import annotations

import asyncio
import csv
import os
from collections.abc import AsyncIterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import BinaryIO, ClassVar, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, JsonValue, field_validator

import schemas
from connectors.contract import (
    BadRecord,
    Connector,
    ConnectorConfig,
    EndOfInput,
    NotConnected,
    SourceRecord,
)
from connectors.web.payload import phone_party

COLUMNS = (
    "accountcode", "src", "dst", "dcontext", "clid", "channel", "dstchannel", "lastapp",
    "lastdata", "start", "answer", "end", "duration", "billsec", "disposition", "amaflags",
    "uniqueid", "userfield",
)  # fmt: skip
"""The column order of cdr_csv with ``loguniqueid`` and ``loguserfield`` on."""

DISPOSITIONS_NL = {
    "ANSWERED": "beantwoord",
    "NO ANSWER": "niet beantwoord",
    "BUSY": "in gesprek",
    "FAILED": "mislukt",
    "CONGESTION": "overbelast",
}
_METADATA_FIELDS = ("accountcode", "dst", "dcontext", "lastapp", "disposition", "amaflags")
_CHUNK = 1 << 20


class AsteriskCdrConfig(ConnectorConfig):
    """Where the CDRs are and how to read them."""

    path: Path = Field(description="A directory (mode import) or one CSV file (mode follow).")
    mode: Literal["import", "follow"] = Field(
        default="import", description="import: read the directory once; follow: tail one file."
    )
    pattern: str = Field(default="Master*.csv", description="File glob in import mode.")
    timezone: str = Field(default="Europe/Amsterdam", description="Zone of the CDR times.")
    queue_names: dict[str, str] = Field(
        default_factory=dict, description="Readable names of destinations, e.g. {'7000': 'KCC'}."
    )
    poll_interval: float = Field(default=1.0, gt=0, description="Seconds between tail checks.")
    source: str = Field(
        default="asterisk", min_length=1, max_length=100, description="RawEvent.source value."
    )

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value


def _local_time(value: str, zone: ZoneInfo, column: str) -> datetime:
    try:
        naive = datetime.strptime(value, "%Y-%m-%d %H:%M:%S")
    except ValueError as exc:
        raise ValueError(f"{column}: not a 'YYYY-MM-DD HH:MM:SS' time: {value!r}") from exc
    return naive.replace(tzinfo=zone)


def parse_cdr(
    line: str,
    *,
    zone: ZoneInfo,
    queue_names: Mapping[str, str] | None = None,
    source: str = "asterisk",
) -> schemas.RawEvent:
    """Turn one CSV line of ``Master.csv`` into a raw event; ValueError says what is wrong."""
    rows = list(csv.reader([line], strict=True))
    if len(rows) != 1 or len(rows[0]) != len(COLUMNS):
        found = len(rows[0]) if len(rows) == 1 else 0
        raise ValueError(f"expected {len(COLUMNS)} CDR columns, found {found}")
    cdr = dict(zip(COLUMNS, rows[0], strict=True))
    if not cdr["uniqueid"]:
        raise ValueError("uniqueid is empty")
    start = _local_time(cdr["start"], zone, "start")
    answered = _local_time(cdr["answer"], zone, "answer") if cdr["answer"] else None
    try:
        duration, billsec = int(cdr["duration"]), int(cdr["billsec"])
    except ValueError as exc:
        raise ValueError(f"duration/billsec not integers: {exc}") from exc
    queue = (queue_names or {}).get(cdr["dst"], cdr["dst"])
    disposition = DISPOSITIONS_NL.get(cdr["disposition"], cdr["disposition"].lower())
    text = f"Inkomend gesprek naar {queue} ({billsec} s), {disposition}"
    if cdr["userfield"].strip():
        text = f"{text}\n{cdr['userfield'].strip()}"
    metadata: dict[str, JsonValue] = {key: cdr[key] for key in _METADATA_FIELDS if cdr[key]}
    metadata.update(duration=duration, billsec=billsec, queue=queue)
    if answered is not None:
        metadata["answered_at"] = answered.isoformat()
    caller = phone_party(cdr["src"])  # Asterisk writes "anonymous" for a withheld number
    return schemas.RawEvent(
        id=cdr["uniqueid"],
        channel=schemas.Channel.PHONE,
        source=source,
        occurred_at=start,
        text=text,
        subject=queue,
        party=caller,
        party_kind="phone" if caller else None,
        metadata=metadata,
    )


def _inode(path: Path) -> int:
    return os.stat(path).st_ino


def _resume_offset(stored: JsonValue, inode: int, size: int) -> int:
    """Offset to resume at: 0 when the stored position belongs to another or a longer file."""
    if not isinstance(stored, dict):
        return 0
    offset, stored_inode = stored.get("offset"), stored.get("inode")
    if not isinstance(offset, int) or stored_inode != inode or offset > size:
        return 0
    return offset


class AsteriskCdrConnector(Connector[AsteriskCdrConfig]):
    """Reads CDR lines; one bad line becomes a BadRecord and reading goes on."""

    name: ClassVar[str] = "asterisk-cdr"
    channel: ClassVar[schemas.Channel] = schemas.Channel.PHONE
    config_model: ClassVar[type[ConnectorConfig]] = AsteriskCdrConfig
    description: ClassVar[str] = "Asterisk Master.csv call detail records (import or follow)."

    def __init__(self, config: AsteriskCdrConfig) -> None:
        super().__init__(config)
        self._zone = ZoneInfo(config.timezone)
        self._positions: dict[str, JsonValue] = {}  # advanced as records go out: read() resumes

    async def connect(self, positions: Mapping[str, JsonValue]) -> None:
        path = self.config.path
        if self.config.mode == "import" and not path.is_dir():
            raise NotConnected(f"asterisk-cdr: {path} is not a directory")
        if self.config.mode == "follow" and not path.parent.is_dir():
            raise NotConnected(f"asterisk-cdr: directory of {path} does not exist")
        self._positions = dict(positions)

    async def close(self) -> None:
        """Nothing stays open between reads."""

    def read(self) -> AsyncIterator[SourceRecord | BadRecord]:
        if self.config.mode == "import":
            return self._import()
        return self._follow()

    def _record(self, raw: bytes, partition: str, position: JsonValue) -> SourceRecord | BadRecord:
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError:
            line = raw.decode("latin-1")
        try:
            event = parse_cdr(
                line.rstrip("\r\n"),
                zone=self._zone,
                queue_names=self.config.queue_names,
                source=self.config.source,
            )
        except (ValueError, csv.Error) as exc:
            return BadRecord(raw, f"{partition}: {exc}", position, partition)
        return SourceRecord(event, position, partition)

    def _lines(
        self, handle: BinaryIO, partition: str, offset: int, inode: int, *, final: bool
    ) -> tuple[list[SourceRecord | BadRecord], int]:
        """Complete lines from ``offset`` (and a last unterminated line when ``final``)."""
        handle.seek(offset)
        data = handle.read(_CHUNK)
        records: list[SourceRecord | BadRecord] = []
        start = 0
        while True:
            end = data.find(b"\n", start)
            if end < 0:
                if final and start < len(data) and len(data) < _CHUNK:
                    end = len(data) - 1
                else:
                    break
            raw = data[start : end + 1]
            start = end + 1
            if raw.strip():
                position: dict[str, JsonValue] = {"offset": offset + start, "inode": inode}
                records.append(self._record(raw, partition, position))
        return records, offset + start

    async def _import(self) -> AsyncIterator[SourceRecord | BadRecord]:
        for path in sorted(self.config.path.glob(self.config.pattern)):
            partition = path.name
            with path.open("rb") as handle:
                inode = _inode(path)
                size = os.fstat(handle.fileno()).st_size
                offset = _resume_offset(self._positions.get(partition), inode, size)
                while offset < size:
                    records, new_offset = self._lines(handle, partition, offset, inode, final=True)
                    for record in records:
                        self._positions[partition] = record.position
                        yield record
                    if new_offset == offset:
                        break
                    offset = new_offset
                    await asyncio.sleep(0)
        raise EndOfInput(f"asterisk-cdr: imported {self.config.path}")

    async def _follow(self) -> AsyncIterator[SourceRecord | BadRecord]:
        path, partition = self.config.path, self.config.path.name
        handle: BinaryIO | None = None
        inode, offset = 0, 0
        try:
            while True:
                if handle is None:
                    if not path.exists():  # the runtime reconnects with backoff, reports unhealthy
                        raise NotConnected(f"asterisk-cdr: {path} does not exist")
                    handle = path.open("rb")
                    inode = os.fstat(handle.fileno()).st_ino
                    size = os.fstat(handle.fileno()).st_size
                    offset = _resume_offset(self._positions.get(partition), inode, size)
                records, offset = self._lines(handle, partition, offset, inode, final=False)
                for record in records:
                    self._positions[partition] = record.position
                    yield record
                if records:
                    continue
                rotated = not path.exists() or _inode(path) != inode
                if rotated:  # drain the old file to its end, then read the new one from byte 0
                    records, offset = self._lines(handle, partition, offset, inode, final=True)
                    for record in records:
                        self._positions[partition] = record.position
                        yield record
                    handle.close()
                    handle = None
                    self._positions.pop(partition, None)
                    continue
                if os.fstat(handle.fileno()).st_size < offset:  # truncated in place
                    offset = 0
                    continue
                await asyncio.sleep(self.config.poll_interval)
        finally:
            if handle is not None:
                handle.close()
