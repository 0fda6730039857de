"""Bad command-line arguments, bad settings and odd ``samenspel tag`` input: one readable line
each, a non-zero exit status, and nothing else lost. No Kafka is needed: every case is refused
before a broker would be contacted.
"""

from __future__ import annotations

import io
import logging
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import ValidationError

from pipeline.assembly import build_chain
from pipeline.cli import main
from pipeline.cli.tag_cmd import BOM, tag_stream
from pipeline.errors import SamenspelError
from pipeline.settings import Settings, describe_setting_error, get_settings

KEY = "cli-test-pseudonym-key-0123456789"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """No setting from the caller's shell, a fresh settings cache, and logging as it was.

    ``main`` points the root logger at the stderr of the moment, which capsys closes afterwards.
    """
    for name in list(os.environ):
        if name.startswith("SAMENSPEL_") or name == "KAFKA_BOOTSTRAP_SERVERS":
            monkeypatch.delenv(name)
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()
    root.handlers[:], root.level = handlers, level


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    """Exit status and stderr of ``samenspel argv``; argparse's exit counts as a status."""
    try:
        status = main(list(argv))
    except SystemExit as exit_:
        status = int(exit_.code or 0)
    return status, capsys.readouterr().err


def assert_one_line(err: str, *fragments: str) -> None:
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1, err
    for fragment in fragments:
        assert fragment in err, (fragment, err)


# --- arguments ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (("--log-level", "NOPE", "connectors"), "--log-level: choose from DEBUG"),
        (("kafka", "start", "--port", "99999"), "--port: must be between 1 and 65535"),
        (("kafka", "start", "--nodes", "0"), "--nodes: must be between 1 and 9"),
        (("worker", "--web-port", "0"), "--web-port: must be between 1 and 65535"),
        (("worker", "--worker-id", " "), "--worker-id: must not be empty"),
        (("connect", "mastodon", "--port", "-1"), "--port: must be between 1 and 65535"),
        (("webhooks", "--max-body", "0"), "--max-body: must be at least 1"),
        (("demo", "--rate", "nan"), "--rate: expected a finite number"),
        (("demo", "--duration", "-5"), "--duration: must be above 0"),
        (("tail", "interactions", "--max", "0"), "--max: must be at least 1"),
        (("bench", "--events", "5"), "--events: must be at least 100"),
        (("tagger", "train", "--c", "0"), "--c: must be above 0"),
        (("tagger", "train", "--cv", "1"), "--cv: must be 0 (no cross-validation) or at least 2"),
        (("tagger", "evaluate", "f", "--review-threshold", "2"), "must be between 0 and 1"),
        (("deadletters", "list", "--offsets", "abc"), "--offsets: expects N or N-M"),
        (("deadletters", "replay", "--offsets", "9-2"), "--offsets: expects N or N-M"),
        (("deadletters", "list", "--stage", "parsing"), "--stage: invalid choice: 'parsing'"),
    ],
)
def test_a_bad_argument_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], argv: tuple[str, ...], fragment: str
) -> None:
    """Refused while parsing: before Kafka, training or a library deep down sees the value.

    ``--offsets abc`` used to print a traceback (its type raised SamenspelError inside argparse).
    """
    status, err = run(capsys, *argv)
    assert status == 2
    assert_one_line(err, fragment)


def test_log_level_is_case_insensitive(capsys: pytest.CaptureFixture[str]) -> None:
    status, err = run(capsys, "--log-level", "warning", "connectors")
    assert (status, err) == (0, "")


def test_tagger_train_refuses_an_unwritable_output_before_training(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Training takes minutes on a busy machine; a bad --out used to fail only after it."""
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    status, err = run(capsys, "tagger", "train", "--out", str(blocker / "model.json"))
    assert status == 1
    assert_one_line(err, "cannot create")
    status, err = run(capsys, "tagger", "train", "--out", str(tmp_path))
    assert status == 1
    assert_one_line(err, "is a folder")


def test_connectors_refuse_a_short_pseudonym_key_at_start(
    capsys: pytest.CaptureFixture[str], clean_env: pytest.MonkeyPatch
) -> None:
    """A key that the worker would refuse is refused by connectors and the receiver too."""
    clean_env.setenv("SAMENSPEL_PSEUDONYM_KEY", "short")
    for argv in (("connect", "mastodon"), ("webhooks",)):
        status, err = run(capsys, *argv)
        assert status == 1
        assert_one_line(err, "at least 16")


# --- settings ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("variable", "value", "fragment"),
    [
        ("SAMENSPEL_WEB_PORT", "-1", "SAMENSPEL_WEB_PORT: Input should be greater than"),
        (
            "SAMENSPEL_REVIEW_THRESHOLD",
            "nan",
            "SAMENSPEL_REVIEW_THRESHOLD: Input should be a finite",
        ),
        ("SAMENSPEL_PROCESSING_GUARANTEE", "maybe", "SAMENSPEL_PROCESSING_GUARANTEE: Input"),
        ("KAFKA_BOOTSTRAP_SERVERS", "broker:99999", "KAFKA_BOOTSTRAP_SERVERS: expected host:port"),
        ("KAFKA_BOOTSTRAP_SERVERS", "broker:0", "port 1-65535"),
        ("KAFKA_BOOTSTRAP_SERVERS", "http://broker:9092", "got 'http://broker:9092'"),
        ("KAFKA_BOOTSTRAP_SERVERS", "a:9092,,b:9092", "got ''"),
        ("SAMENSPEL_WEB_HOST", "", "SAMENSPEL_WEB_HOST: String should have at least 1"),
        ("SAMENSPEL_KAFKA_SASL_MECHANISM", "GSSAPY", "SAMENSPEL_KAFKA_SASL_MECHANISM: Input"),
        ("SAMENSPEL_KAFKA_SSL_CAFILE", "/nonexistent/ca.crt", "no such file '/nonexistent/ca.crt'"),
        ("SAMENSPEL_KAFKA_SECURITY_PROTOCOL", "SASL_SSL", "also needs SAMENSPEL_KAFKA_SASL_MECH"),
    ],
)
def test_a_bad_setting_is_one_line_naming_the_variable(
    capsys: pytest.CaptureFixture[str],
    clean_env: pytest.MonkeyPatch,
    variable: str,
    value: str,
    fragment: str,
) -> None:
    """The operator reads the variable to fix, not the Python field name or 'Value error'."""
    clean_env.setenv(variable, value)
    status, err = run(capsys, "topics", "list")
    assert status == 1
    assert_one_line(err, "bad setting ", fragment)
    assert "Value error" not in err


def test_good_bootstrap_lists_are_accepted() -> None:
    """Blanks after commas and IPv6 literals are fine."""
    for servers in ("b1:9093, b2:9093", "[::1]:9092", "kafka.example.nl:9094"):
        assert Settings(kafka_bootstrap_servers=servers).bootstrap_list()


def test_blank_optional_settings_count_as_unset() -> None:
    """SAMENSPEL_RULES_FILE= used to mean the folder '.'; a blank key '0 bytes'."""
    settings = Settings(rules_file="", pseudonym_key="  ", data_dir="", kafka_ssl_cafile="")
    assert (settings.rules_file, settings.pseudonym_key) == (None, None)
    assert (settings.data_dir, settings.kafka_ssl_cafile) == (None, None)


def test_sasl_needs_mechanism_and_credentials() -> None:
    """Without them kafka-python fails later as 'no broker answers'."""
    with pytest.raises(ValidationError) as caught:
        Settings(kafka_security_protocol="SASL_SSL", kafka_sasl_mechanism="PLAIN")
    assert describe_setting_error(caught.value) == (
        "SAMENSPEL_KAFKA_SECURITY_PROTOCOL=SASL_SSL also needs "
        "SAMENSPEL_KAFKA_SASL_USERNAME, SAMENSPEL_KAFKA_SASL_PASSWORD"
    )
    complete = Settings(
        kafka_security_protocol="SASL_SSL",
        kafka_sasl_mechanism="SCRAM-SHA-512",
        kafka_sasl_username="u",
        kafka_sasl_password="p",
    )
    assert complete.kafka_sasl_mechanism == "SCRAM-SHA-512"


def test_get_settings_error_is_a_samenspel_error(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("SAMENSPEL_OIN", "123")
    with pytest.raises(SamenspelError, match=r"^bad setting SAMENSPEL_OIN: "):
        get_settings()


# --- samenspel tag with odd input ----------------------------------------------------------------

GOOD = b'{"channel": "web", "text": "Mijn container is niet geleegd"}'


def _tag(lines: list[bytes]) -> tuple[int, list[str], list[str]]:
    out, err = io.StringIO(), io.StringIO()
    failed = tag_stream(build_chain(Settings(pseudonym_key=KEY)), lines, out, err)
    return failed, out.getvalue().splitlines(), err.getvalue().splitlines()


def test_odd_lines_each_give_one_error_with_the_line_number_and_the_rest_is_tagged() -> None:
    """Every bad line is one error line naming its number; every good line is still tagged."""
    lines = [
        BOM + GOOD,  # 1 a UTF-8 BOM (Windows editors)
        GOOD + b"\r\n",  # 2 CRLF
        b"",  # 3 empty: skipped
        b'{"channel": "web", "text": "bad \xff bytes"}',  # 4 invalid UTF-8
        b"[1, 2]",  # 5 a list
        b"null",  # 6
        b'{"channel": 5, "text": "x"}',  # 7 channel of the wrong type
        b'{"channel": "web"}',  # 8 text missing
        b'{"channel": "web", "text": 12}',  # 9 text a number
        b'{"channel": "web", "text": NaN}',  # 10 not JSON
        b'{"channel": "web", "text": "x", "metadata": {"v": Infinity}}',  # 11 not JSON
        b'{"channel": "web", "text": "' + b"a" * 2_000_000 + b'"}',  # 12 2 MB
        b'{"channel": "web", "text": "x", "m": ' + b"[" * 5000 + b"]" * 5000 + b"}",  # 13 deep
        '{"channel": "web", "text": "😀🎉"}'.encode(),  # 14 only emoji: fine
        b'{"channel": "web", "text": "a", "text": "b"}',  # 15 duplicate key: the last wins
    ]
    failed, out, err = _tag(lines)
    assert len(out) == 4
    numbers = [int(line.split("line ")[1].split(":")[0]) for line in err]
    assert numbers == [4, 5, 6, 7, 8, 9, 10, 11, 12, 13]
    assert failed == len(err)
    assert "not valid JSON" in err[numbers.index(10)]  # not "id: Field required"
    assert "not valid UTF-8" in err[numbers.index(4)]


def test_tag_exit_status_says_whether_any_line_failed(
    capsys: pytest.CaptureFixture[str], clean_env: pytest.MonkeyPatch
) -> None:
    """0 when every line was tagged, 1 when one failed; the good lines are printed either way."""
    clean_env.setenv("SAMENSPEL_PSEUDONYM_KEY", KEY)
    for stdin, expected in ((GOOD + b"\n", 0), (GOOD + b"\n{broken\n" + GOOD + b"\n", 1)):
        clean_env.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin)))
        status, err = run(capsys, "tag")
        assert status == expected
        assert err.count("line 2:") == expected
