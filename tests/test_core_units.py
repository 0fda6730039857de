"""Pure pieces: parsing, normalising, the chain, topics, settings, stats, CLI errors."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from pipeline import stats
from pipeline.assembly import build_chain
from pipeline.errors import SamenspelError
from pipeline.normalise import StageError, coarse_location, normalise, parse_raw_event
from pipeline.privacy import Pseudonymiser
from pipeline.settings import Settings, get_settings
from pipeline.topics import TopicSpec, fit_to_cluster, load_topic_specs
from schemas import Interaction, RawLocation, interaction_id

KEY = "unit-test-key-0123456789abcdef"


def raw(**fields: object) -> bytes:
    body = {
        "id": "e-1",
        "channel": "web",
        "source": "open-forms",
        "occurred_at": "2026-11-30T10:00:00+01:00",
        "text": "De lantaarnpaal in de Kerkstraat is kapot.",
    }
    body.update(fields)
    return json.dumps(body).encode()


@pytest.mark.parametrize(
    ("value", "error_class", "words"),
    [
        (None, "EmptyMessage", "tombstone"),
        (b"x" * 2048, "TooLarge", "exceeds the limit"),
        (b'{"id": "\xff"}', "InvalidUtf8", "UTF-8"),
        (b"{nope", "InvalidJson", "not valid JSON"),
        (b"[1]", "NotAnObject", "not an object"),
        (raw(occurred_at="2026-11-30T10:00:00"), "ValidationError", "occurred_at"),
        (raw(channel="fax"), "ValidationError", "channel"),
        (raw(text=5), "ValidationError", "text"),
    ],
)
def test_parse_rejects_bad_events_with_a_reason(
    value: bytes | None, error_class: str, words: str
) -> None:
    """Each kind of bad raw event fails at the parse stage with a reason naming the problem."""
    with pytest.raises(StageError) as caught:
        parse_raw_event(value, max_bytes=1024)
    assert caught.value.stage == "parse"
    assert caught.value.error_class == error_class
    assert words in caught.value.message


def test_unknown_raw_fields_are_kept_in_metadata() -> None:
    """Fields the raw model does not know move into metadata instead of being lost."""
    event = parse_raw_event(raw(ticket={"nr": 12}), max_bytes=10_000)
    assert event.metadata["ticket"] == {"nr": 12}


def test_normalise_gives_a_deterministic_id_and_coarse_location() -> None:
    """The interaction id depends only on source and source id; postcodes shrink to four digits."""
    event = parse_raw_event(
        raw(location={"postcode": "3511 AB", "buurt_code": "BU03440101"}), max_bytes=10_000
    )
    normalised = normalise(event)
    assert normalised.id == interaction_id("open-forms", "e-1")
    assert normalised.location is not None
    assert normalised.location.postcode4 == "3511"
    assert normalised.location.buurt_code == "BU03440101"


def test_coarse_location_of_free_text_keeps_only_postcode_digits() -> None:
    """A free-text address yields the postcode digits and is returned for masking, not kept."""
    location, leftover = coarse_location("Kerkstraat 12, 3511 AB Utrecht")
    assert location is not None and location.postcode4 == "3511"
    assert leftover == "Kerkstraat 12, 3511 AB Utrecht"
    assert coarse_location(RawLocation(address="Dorpsweg 3")) == (None, "Dorpsweg 3")


def test_chain_removes_identifiers_and_pseudonymises_the_party() -> None:
    """Content and subject lose identifiers, the party becomes a keyed pseudonym, tags are set."""
    chain = build_chain(Settings(pseudonym_key=KEY))
    value = raw(
        text="Bel mij terug op 06-12345678 of mail jan@example.nl, BSN 111222333.",
        subject="Vraag van jan@example.nl",
        party="+31 6 12345678",
        party_kind="phone",
    )
    interaction = chain.process_bytes(value)
    wire = interaction.model_dump_json()
    for identifier in ("12345678", "jan@example.nl", "111222333"):
        assert identifier not in wire
    assert "[TELEFOON]" in interaction.content and "[E-MAIL]" in interaction.content
    assert interaction.party == Pseudonymiser(KEY).pseudonym("06-12345678", "phone")
    assert Interaction.model_validate_json(wire) == interaction
    assert 0.0 <= interaction.tags.confidence <= 1.0


def test_chain_takes_postcode_digits_from_the_text_when_no_location_is_given() -> None:
    """A six-character postcode in the text ends up as coarse location only."""
    chain = build_chain(Settings(pseudonym_key=KEY))
    interaction = chain.process_bytes(
        raw(text="Afval naast de container bij 3511 AB blijft liggen")
    )
    assert interaction.location is not None and interaction.location.postcode4 == "3511"
    assert "3511 AB" not in interaction.content


def test_worker_chain_refuses_to_start_without_a_key() -> None:
    """Without a pseudonym key the worker's chain cannot be built."""
    with pytest.raises(SamenspelError, match="pseudonym key"):
        build_chain(Settings(pseudonym_key=None))


def test_topic_specs_carry_the_prefix_and_are_capped_to_the_cluster() -> None:
    """Declared topics get the prefix; one broker means replication 1 and min ISR 1."""
    specs = {spec.name: spec for spec in load_topic_specs("x")}
    assert set(specs) == {
        "x.raw.phone", "x.raw.counter", "x.raw.web", "x.raw.social", "x.raw.neighbourhood",
        "x.interactions", "x.deadletter", "x.connect.offsets", "x.stats",
    }  # fmt: skip
    assert specs["x.connect.offsets"].config["cleanup.policy"] == "compact"
    fitted = fit_to_cluster(specs["x.interactions"], brokers=1)
    assert fitted.replication_factor == 1 and fitted.config["min.insync.replicas"] == "1"
    assert (
        fit_to_cluster(TopicSpec("t", 3, 3, {"min.insync.replicas": "2"}), 3).config[
            "min.insync.replicas"
        ]
        == "2"
    )


def test_a_broken_topics_file_names_the_problem(tmp_path: Path) -> None:
    """A topics file with a bad field is refused with the field named."""
    bad = tmp_path / "topics.yaml"
    bad.write_text(
        "defaults: {partitions: 3, replication_factor: 1}\ntopics:\n  a: {partitions: zero}\n"
    )
    with pytest.raises(SamenspelError, match=r"topics\.a\.partitions"):
        load_topic_specs("x", bad)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"root:x:0:0:root:/root:/bin/bash\n", "must be a mapping with a 'topics' section"),
        (b"- a\n- b\n", "must be a mapping with a 'topics' section"),
        (b"topics: \xff\n", "is not UTF-8 text"),
    ],
)
def test_a_topics_file_that_is_no_mapping_is_one_readable_line(
    tmp_path: Path, content: bytes, message: str
) -> None:
    bad = tmp_path / "topics.yaml"
    bad.write_bytes(content)
    with pytest.raises(SamenspelError, match=message):
        load_topic_specs("x", bad)


def test_bad_settings_give_one_readable_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """A malformed bootstrap list is reported as one line naming the setting."""
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "no-port-here")
    get_settings.cache_clear()
    try:
        with pytest.raises(SamenspelError, match="KAFKA_BOOTSTRAP_SERVERS"):
            get_settings()
    finally:
        get_settings.cache_clear()


def test_stats_summary_adds_up_and_old_windows_expire() -> None:
    """Counts summed over partitions add up per dimension; windows older than a day expire."""
    chain = build_chain(Settings(pseudonym_key=KEY))
    interaction = chain.process_bytes(raw())
    keys = [(stats.stats_key(interaction, p), 3) for p in (0, 1)]
    summary = stats.summarise(keys)
    assert summary["total"] == 6
    (window,) = summary["windows"].values()
    assert sum(window["perspective"].values()) == sum(window["channel"].values()) == 6
    now = datetime(2026, 11, 30, 12, tzinfo=UTC)
    assert not stats.expired(keys[0][0], now)
    assert stats.expired(keys[0][0], now + timedelta(days=2))


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pipeline", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=60,
        check=False,
    )


def test_cli_unknown_command_is_one_line() -> None:
    """An unknown command gives one line on stderr and exit status 2, no traceback."""
    result = run_cli("frobnicate")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "invalid choice" in result.stderr


def test_cli_without_java_or_maven_is_one_line(tmp_path: Path) -> None:
    """Starting the local Kafka without Java/Maven on PATH says so in one line."""
    result = run_cli(
        "kafka", "start", "--port", "29392",
        env={"PATH": str(tmp_path), "SAMENSPEL_CACHE_DIR": str(tmp_path / "cache")},
    )  # fmt: skip
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0
    assert "not found on PATH" in result.stderr and "Traceback" not in result.stderr


def test_cli_port_in_use_is_one_line(tmp_path: Path) -> None:
    """A busy broker port is reported before anything starts."""
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run_cli(
            "kafka", "start", "--port", str(port),
            env={"SAMENSPEL_KAFKA_STATE_DIR": str(tmp_path / "state")},
        )  # fmt: skip
    assert result.returncode == 1
    assert f"port {port}" in result.stderr and "already in use" in result.stderr
    assert "Traceback" not in result.stderr


def test_cli_unreachable_bootstrap_server_is_one_line() -> None:
    """topics apply against a closed port says that no broker answers."""
    result = run_cli("topics", "apply", env={"KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:1"})
    assert result.returncode == 1
    assert "no Kafka broker answers at 127.0.0.1:1" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("failed_at", "selected"),
    [
        ("2026-11-30T12:00:00+00:00", True),
        ("2026-11-29T12:00:00+00:00", False),
        ("2026-11-30T12:00:00", False),  # no zone: cannot be placed in time
        ("not a time", False),
        (None, False),
    ],
)
def test_dead_letter_selection_since_survives_foreign_headers(
    failed_at: str | None, selected: bool
) -> None:
    """--since skips a dead letter whose failed_at is missing, malformed or naive; no crash."""
    from datetime import UTC, datetime

    from pipeline.deadletters import DeadLetterRecord, Selection

    headers = {} if failed_at is None else {"failed_at": failed_at}
    record = DeadLetterRecord(0, 1, None, None, headers)
    since = Selection(since=datetime(2026, 11, 30, tzinfo=UTC))
    assert since.matches(record) is selected
