"""The asterisk-cdr connector: CSV parsing, directory import, following, rotation, resumption."""

from __future__ import annotations

import asyncio
import shutil
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from connectors.contract import BadRecord, EndOfInput, NotConnected, SourceRecord
from connectors.phone.asterisk import AsteriskCdrConfig, AsteriskCdrConnector, parse_cdr
from connectors.testing.harness import AsteriskHarness
from schemas import Channel
from tests.connectors.connector_helpers import DATA, ids, take, until_signal

AMS = ZoneInfo("Europe/Amsterdam")


def _connector(**config: object) -> AsteriskCdrConnector:
    return AsteriskCdrConnector(AsteriskCdrConfig.model_validate(config))


def test_parse_cdr_maps_columns_and_local_time() -> None:
    """A sample CDR line becomes a phone event with local time, caller as party and the note."""
    line = (DATA / "asterisk/Master.csv").read_text().splitlines()[0]
    event = parse_cdr(line, zone=AMS, queue_names={"7000": "KCC"})
    assert event.id == "1772439245.101"
    assert event.channel is Channel.PHONE
    assert event.occurred_at == datetime(2026, 3, 2, 9, 14, 5, tzinfo=AMS)
    assert event.occurred_at.utcoffset() is not None
    assert event.text.startswith("Inkomend gesprek naar KCC (228 s), beantwoord\n")
    assert "grofvuil" in event.text
    assert (event.party, event.party_kind) == ("0612345678", "phone")
    assert event.metadata["billsec"] == 228
    assert event.metadata["answered_at"] == "2026-03-02T09:14:52+01:00"
    assert "clid" not in event.metadata and "channel" not in event.metadata


def test_parse_cdr_accepts_an_empty_answer_time() -> None:
    """An unanswered call has an empty answer column and says so in the text."""
    line = (DATA / "asterisk/Master.csv").read_text().splitlines()[1]
    event = parse_cdr(line, zone=AMS)
    assert event.text == "Inkomend gesprek naar 7000 (0 s), niet beantwoord"
    assert "answered_at" not in event.metadata


@pytest.mark.parametrize(
    ("line", "fragment"),
    [
        ('"a","b"', "expected 18 CDR columns, found 2"),
        (
            '"","1","2","c","d","e","f","g","h","gisteren","","x",1,1,"ANSWERED","D","9.1",""',
            "start",
        ),
        (
            '"","1","2","c","d","e","f","g","h","2026-03-02 09:00:00","","x",1,1,"OK","D","",""',
            "uniqueid",
        ),
    ],
)
def test_parse_cdr_names_what_is_wrong(line: str, fragment: str) -> None:
    """A malformed line gives a ValueError naming the problem."""
    with pytest.raises(ValueError, match=fragment):
        parse_cdr(line, zone=AMS)


def test_config_rejects_an_unknown_time_zone() -> None:
    """A misspelt time zone is a validation error naming it."""
    with pytest.raises(ValidationError, match="Europe/Amsterdan"):
        AsteriskCdrConfig.model_validate({"path": "/tmp", "timezone": "Europe/Amsterdan"})


def test_import_reads_every_line_then_ends(tmp_path: Path) -> None:
    """Import yields the sample's good lines, a BadRecord for the broken one, then EndOfInput."""
    shutil.copy(DATA / "asterisk/Master.csv", tmp_path / "Master.csv")
    records, signal = asyncio.run(_import(tmp_path))
    assert isinstance(signal, EndOfInput)
    assert ids(records) == ["1772439245.101", "1772439670.102", "1772442153.103", "1772448300.104"]
    bad = [r for r in records if isinstance(r, BadRecord)]
    assert len(bad) == 1 and "Master.csv" in bad[0].reason
    assert bad[0].payload.startswith(b'"","0612345678","7000","from-trunk","broken')
    assert {r.partition for r in records} == {"Master.csv"}


async def _import(directory: Path) -> tuple[list[SourceRecord | BadRecord], BaseException]:
    connector = _connector(path=str(directory), mode="import")
    await connector.connect({})
    return await until_signal(connector)


def test_import_resumes_at_the_stored_byte_offset(tmp_path: Path) -> None:
    """Given the position of the second record, a new import starts with the third."""
    shutil.copy(DATA / "asterisk/Master.csv", tmp_path / "Master.csv")

    async def run() -> list[str]:
        first, _ = await _import(tmp_path)
        connector = _connector(path=str(tmp_path), mode="import")
        await connector.connect({"Master.csv": first[1].position})
        rest, _ = await until_signal(connector)
        return ids(rest)

    assert asyncio.run(run()) == ["1772442153.103", "1772448300.104"]


def test_import_of_a_missing_directory_is_not_connected(tmp_path: Path) -> None:
    """Import mode needs a directory; a missing one is NotConnected naming the path."""
    connector = _connector(path=str(tmp_path / "nope"), mode="import")
    with pytest.raises(NotConnected, match="nope"):
        asyncio.run(connector.connect({}))


def test_follow_reads_appended_lines_and_waits_for_partial_ones(tmp_path: Path) -> None:
    """Following yields lines as they are appended and never a half-written line."""
    harness = AsteriskHarness(tmp_path)

    async def run() -> list[str]:
        await harness.start(2)
        connector = _connector(**harness.config())
        await connector.connect({})
        first = await take(connector, 2)
        with harness.path.open("a") as handle:
            handle.write(harness.line(2)[:40])  # a partial line: the writer is mid-write
        harness.written += 1
        task = asyncio.ensure_future(take(connector, 1, timeout=3))
        await asyncio.sleep(0.1)
        assert not task.done()
        with harness.path.open("a") as handle:
            handle.write(harness.line(2)[40:])
        return ids(first + await task)

    assert asyncio.run(run()) == ["1772439245.0", "1772439245.1", "1772439245.2"]


def test_follow_handles_rotation_and_truncation(tmp_path: Path) -> None:
    """After logrotate the follower drains the old file, then reads the new one from byte 0."""
    harness = AsteriskHarness(tmp_path)

    async def run() -> tuple[list[str], list[str]]:
        await harness.start(2)
        connector = _connector(**harness.config())
        await connector.connect({})
        stream = connector.read()
        got = [await anext(stream), await anext(stream)]
        harness.add_records(1)  # written just before the rotation
        harness.rotate()
        harness.add_records(2)
        for _ in range(3):
            got.append(await asyncio.wait_for(anext(stream), 3))
        harness.path.write_text("")  # truncated in place
        harness.add_records(1)
        got.append(await asyncio.wait_for(anext(stream), 3))
        await stream.aclose()
        return ids(got), [str(r.position) for r in got[-1:]]

    got, last_position = asyncio.run(run())
    assert got == [f"1772439245.{i}" for i in range(6)]
    assert "'offset': " in last_position[0]


def test_follow_resumes_exactly_after_restart(tmp_path: Path) -> None:
    """A new follower given the stored position reads only what came after it."""
    harness = AsteriskHarness(tmp_path)

    async def run() -> list[str]:
        await harness.start(3)
        first = _connector(**harness.config())
        await first.connect({})
        records = await take(first, 3)
        harness.add_records(2)
        second = _connector(**harness.config())
        await second.connect({"Master.csv": records[1].position})
        return ids(await take(second, 3))

    assert asyncio.run(run()) == ["1772439245.2", "1772439245.3", "1772439245.4"]


def test_follow_turns_a_broken_line_into_a_bad_record_and_goes_on(tmp_path: Path) -> None:
    """A broken line in the middle is a BadRecord with a position; the next line still arrives."""
    harness = AsteriskHarness(tmp_path)

    async def run() -> list[SourceRecord | BadRecord]:
        await harness.start(1)
        harness.add_bad_record()
        harness.add_records(1)
        connector = _connector(**harness.config())
        await connector.connect({})
        return await take(connector, 3)

    records = asyncio.run(run())
    assert [type(r).__name__ for r in records] == ["SourceRecord", "BadRecord", "SourceRecord"]
    assert "columns" in records[1].reason
    assert records[1].position is not None


def test_follow_of_a_missing_file_is_not_connected(tmp_path: Path) -> None:
    """A followed file that is gone is NotConnected, so the runtime reports it and retries."""
    harness = AsteriskHarness(tmp_path)

    async def run() -> BaseException:
        await harness.start(1)
        harness.fail(1)
        connector = _connector(**harness.config())
        await connector.connect({})
        return (await until_signal(connector))[1]

    raised = asyncio.run(run())
    assert isinstance(raised, NotConnected) and "Master.csv does not exist" in str(raised)
