"""Pure parts of the connector runtime: backoff, offsets, config loading, signatures, registry."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from importlib.metadata import EntryPoint
from pathlib import Path

import orjson
import pytest
from pydantic import Field, SecretStr

from connectors import registry
from connectors.contract import ConnectorConfig
from connectors.testing.fakes import EchoWebhook, EchoWebhookConfig
from pipeline.cli.connect_cmd import config_fields
from pipeline.connect.backoff import Backoff
from pipeline.connect.config import load_connector_config, load_webhook_configs, webhook_secret_env
from pipeline.connect.offsets import PositionTracker, latest_positions, offset_record
from pipeline.connect.signature import ReplayCache, SignatureError, sign, verify
from pipeline.errors import SamenspelError


class DemoConfig(ConnectorConfig):
    path: Path
    poll_interval: float = Field(default=1.0, gt=0)
    hashtags: list[str] = Field(default_factory=list)
    token: SecretStr | None = None


# --- backoff ---------------------------------------------------------------------------------


def test_backoff_grows_exponentially_within_jitter_bounds_and_caps() -> None:
    """Each delay lies between half and all of base*2^n, and never above the cap."""
    backoff = Backoff(base=0.5, cap=30.0, rng=random.Random(7))
    delays = [backoff.next_delay() for _ in range(10)]
    for attempt, delay in enumerate(delays):
        ceiling = min(30.0, 0.5 * 2**attempt)
        assert ceiling / 2 <= delay <= ceiling
    assert max(delays) <= 30.0
    assert delays[6] > delays[0] * 8


def test_backoff_reset_and_retry_after_hint() -> None:
    """A source's Retry-After wins (capped) and reset starts from the base again."""
    backoff = Backoff(base=1.0, cap=10.0, rng=random.Random(1))
    assert backoff.next_delay(hint=4.0) == 4.0
    assert backoff.next_delay(hint=99.0) == 10.0
    backoff.reset()
    assert 0.5 <= backoff.next_delay() <= 1.0


def test_backoff_rejects_nonsense() -> None:
    """A cap below the base is a programming error caught at construction."""
    with pytest.raises(ValueError, match="cap"):
        Backoff(base=5.0, cap=1.0)


# --- offsets ---------------------------------------------------------------------------------


def test_offset_record_format() -> None:
    """Key <connector>/<partition>; value JSON with connector, partition, position, updated_at."""
    at = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    record = offset_record("asterisk-cdr", "Master.csv", {"offset": 120, "inode": 7}, now=at)
    assert record.key() == b"asterisk-cdr/Master.csv"
    assert orjson.loads(record.value()) == {
        "connector": "asterisk-cdr",
        "partition": "Master.csv",
        "position": {"offset": 120, "inode": 7},
        "updated_at": "2026-03-02T08:00:00Z",
    }


def test_latest_positions_keeps_last_per_partition_skips_others_and_tombstones() -> None:
    """Replaying the compacted topic gives the newest position per partition of one connector."""
    entries: list[tuple[bytes | None, bytes | None]] = [
        (b"a/p1", offset_record("a", "p1", 1).value()),
        (b"b/p1", offset_record("b", "p1", 50).value()),
        (b"a/p2", offset_record("a", "p2", "cursor-x").value()),
        (b"a/p1", offset_record("a", "p1", 2).value()),
        (b"a/p2", None),
        (b"a/p3", b"not json"),
    ]
    assert latest_positions(entries, "a") == {"p1": 2}


def test_tracker_stores_only_what_changed_and_rewinds() -> None:
    """The snapshot holds read-but-unstored positions; rewind forgets them."""
    tracker = PositionTracker({"p": 1})
    tracker.advance("p", 1)
    assert tracker.snapshot() == {}
    tracker.advance("p", 3)
    tracker.advance("q", "x")
    assert tracker.snapshot() == {"p": 3, "q": "x"}
    tracker.rewind()
    assert tracker.snapshot() == {}
    assert tracker.stored == {"p": 1}


# --- config ----------------------------------------------------------------------------------


def test_config_from_yaml_with_env_overrides(tmp_path: Path) -> None:
    """YAML gives the base, SAMENSPEL_CONNECTOR_<FIELD> overrides, JSON lists stay lists."""
    file = tmp_path / "c.yaml"
    file.write_text("path: /var/log/asterisk/cdr-csv/Master.csv\npoll_interval: 2\n")
    env = {
        "SAMENSPEL_CONNECTOR_POLL_INTERVAL": "0.5",
        "SAMENSPEL_CONNECTOR_HASHTAGS": '["gemeente", "afval"]',
        "SAMENSPEL_CONNECTOR_TOKEN": "s3cret",
    }
    config = load_connector_config("demo", DemoConfig, file, env)
    assert isinstance(config, DemoConfig)
    assert config.poll_interval == 0.5
    assert config.hashtags == ["gemeente", "afval"]
    assert config.token is not None and config.token.get_secret_value() == "s3cret"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("poll_interval: 2\n", "bad config for connector 'demo': path: Field required"),
        ("path: x\npoll_interval: -1\n", "poll_interval: Input should be greater than 0"),
        ("path: x\nsurprise: 1\n", "surprise: Extra inputs are not permitted"),
        ("- a\n- b\n", "must be a mapping"),
        ("path: [unclosed\n", "is not valid YAML"),
    ],
)
def test_bad_config_is_one_readable_error(tmp_path: Path, text: str, message: str) -> None:
    """Missing, invalid, unknown fields and broken YAML each give a SamenspelError naming it."""
    file = tmp_path / "c.yaml"
    file.write_text(text)
    with pytest.raises(SamenspelError) as caught:
        load_connector_config("demo", DemoConfig, file, {})
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_comma_separated_env_list_and_non_utf8_config(tmp_path: Path) -> None:
    """A list field also takes ``a, b`` from the environment; a non-UTF-8 file is one line."""
    file = tmp_path / "c.yaml"
    file.write_text("path: x\n")
    env = {"SAMENSPEL_CONNECTOR_HASHTAGS": "gemeente, afval,"}
    config = load_connector_config("demo", DemoConfig, file, env)
    assert isinstance(config, DemoConfig) and config.hashtags == ["gemeente", "afval"]
    file.write_bytes(b"path: \xff\n")
    with pytest.raises(SamenspelError, match=r"c\.yaml is not UTF-8 text \(byte 6\)$"):
        load_connector_config("demo", DemoConfig, file, {})


def test_missing_config_file_is_reported(tmp_path: Path) -> None:
    """A config path that does not exist is named in the error."""
    with pytest.raises(SamenspelError, match=r"cannot read config .*nope\.yaml"):
        load_connector_config("demo", DemoConfig, tmp_path / "nope.yaml", {})


def test_webhook_configs_take_secrets_from_env(tmp_path: Path) -> None:
    """Secrets come from SAMENSPEL_WEBHOOK_SECRET_<NAME>; unconfigured hooks are not served."""
    file = tmp_path / "hooks.yaml"
    file.write_text("echo:\n  verify_token: tok\n")
    models = {"echo": EchoWebhookConfig, "other-hook": EchoWebhookConfig}
    env = {webhook_secret_env("echo"): "k1"}
    configs = load_webhook_configs(models, file, env)
    assert list(configs) == ["echo"]
    echo = configs["echo"]
    assert isinstance(echo, EchoWebhookConfig)
    assert echo.secret.get_secret_value() == "k1" and echo.verify_token == "tok"
    assert webhook_secret_env("other-hook") == "SAMENSPEL_WEBHOOK_SECRET_OTHER_HOOK"


def test_webhook_config_errors_name_the_connector(tmp_path: Path) -> None:
    """An unknown connector name or a missing secret is a one-line error naming it."""
    file = tmp_path / "hooks.yaml"
    file.write_text("nope:\n  secret: x\n")
    with pytest.raises(SamenspelError, match="unknown webhook connector 'nope'"):
        load_webhook_configs({"echo": EchoWebhookConfig}, file, {})
    file.write_text("echo:\n  verify_token: tok\n")
    with pytest.raises(SamenspelError, match="webhook connector 'echo': secret: Field required"):
        load_webhook_configs({"echo": EchoWebhookConfig}, file, {})


def test_config_fields_list_names_types_and_defaults() -> None:
    """'samenspel connectors' shows each field from the JSON Schema."""
    lines = config_fields(DemoConfig)
    assert lines[0] == "path (string, required)"
    assert lines[1] == "poll_interval (number, default 1.0)"


# --- signatures ------------------------------------------------------------------------------


def test_signature_scheme_is_hmac_of_timestamp_dot_body() -> None:
    """The header is sha256=<hex HMAC> of '<ts>.<body>', or of the body alone without a ts."""
    import hashlib
    import hmac

    body, ts = b'{"a":1}', "1800000000"
    expected = hmac.new(b"k", b"1800000000." + body, hashlib.sha256).hexdigest()
    assert sign(b"k", body, ts) == f"sha256={expected}"
    assert sign(b"k", body) == "sha256=" + hmac.new(b"k", body, hashlib.sha256).hexdigest()


@pytest.mark.parametrize(
    ("signature", "timestamp", "now", "reason"),
    [
        (None, "1000", 1000.0, "missing X-Hub-Signature-256"),
        ("sha1=abc", "1000", 1000.0, "must start with 'sha256='"),
        ("sha256=" + "0" * 64, "1000", 1000.0, "does not match"),
        ("good", "1000", 1301.0, "outside"),
        ("good", "-5", 1000.0, "unix seconds"),
        ("good", None, 1000.0, "missing X-Samenspel-Timestamp"),
    ],
)
def test_verify_refuses(
    signature: str | None, timestamp: str | None, now: float, reason: str
) -> None:
    """Every way a request can be unauthentic has its own reason."""
    if signature == "good":
        signature = sign(b"k", b"body", timestamp)
    with pytest.raises(SignatureError, match=reason):
        verify(b"k", b"body", signature, timestamp, require_timestamp=True, now=now)


def test_verify_accepts_within_window() -> None:
    """A right signature with a timestamp 299 s off is accepted."""
    verify(b"k", b"body", sign(b"k", b"body", "1000"), "1000", require_timestamp=True, now=1299.0)


def test_replay_cache_refuses_repeats_until_the_window_passes() -> None:
    """A signature is refused again within the window, accepted after release or expiry."""
    cache = ReplayCache(window=300)
    assert cache.reserve("s", 0.0)
    assert not cache.reserve("s", 10.0)
    cache.release("s")
    assert cache.reserve("s", 20.0)
    assert cache.reserve("s", 321.0)
    assert len(cache) == 1


# --- registry --------------------------------------------------------------------------------


def test_registry_reports_a_broken_plugin_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    """An entry point that fails to import gives a SamenspelError naming it."""
    broken = EntryPoint("broken-one", "connectors.does_not_exist:X", registry.GROUP)
    monkeypatch.setattr(registry, "entry_points", lambda group: [broken])
    with pytest.raises(SamenspelError, match=r"'broken-one'.*cannot be loaded"):
        registry.load_connectors()


def test_registry_rejects_a_name_mismatch(monkeypatch: pytest.MonkeyPatch) -> None:
    """The entry-point name must equal the class's declared name."""
    entry = EntryPoint("other", "connectors.testing.fakes:EchoWebhook", registry.GROUP)
    monkeypatch.setattr(registry, "entry_points", lambda group: [entry])
    with pytest.raises(SamenspelError, match="declares name 'echo'"):
        registry.load_connectors()
    entry = EntryPoint("echo", "connectors.testing.fakes:EchoWebhook", registry.GROUP)
    monkeypatch.setattr(registry, "entry_points", lambda group: [entry])
    assert registry.load_connectors() == {"echo": EchoWebhook}
