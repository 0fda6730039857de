"""Log lines pass the scrubber: no identifier reaches a rendered log line."""

from __future__ import annotations

import io
import json
import logging

import structlog

from pipeline.privacy import scrub_identifiers

SECRETS = ["123456782", "06-12345678", "jan.jansen@example.nl", "NL91ABNA0417164300"]


def _render(
    configure_stdlib: bool = False,
) -> tuple[io.StringIO, structlog.typing.FilteringBoundLogger]:
    out = io.StringIO()
    structlog.configure(
        processors=[
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso"),
            structlog.processors.format_exc_info,
            scrub_identifiers,
            structlog.processors.JSONRenderer(),
        ],
        logger_factory=structlog.PrintLoggerFactory(out),
        cache_logger_on_first_use=False,
    )
    return out, structlog.get_logger("test")


def test_event_and_kwargs_are_scrubbed() -> None:
    """A BSN, phone, e-mail and IBAN in the event, kwargs and nested values are all removed."""
    out, log = _render()
    log.info(
        "citizen 123456782 called from 06-12345678",
        email="jan.jansen@example.nl",
        nested={"iban": ["NL91ABNA0417164300"]},
        count=3,
    )
    line = out.getvalue()
    for secret in SECRETS:
        assert secret not in line
    record = json.loads(line)
    assert record["event"] == "citizen [BSN] called from [TELEFOON]"
    assert record["nested"] == {"iban": ["[IBAN]"]}
    assert record["count"] == 3
    structlog.reset_defaults()


def test_exception_text_is_scrubbed() -> None:
    """An exception message carrying a BSN is masked in the rendered traceback."""
    out, log = _render()
    try:
        raise ValueError("bad record for bsn 123456782")
    except ValueError:
        log.exception("failed")
    record = json.loads(out.getvalue())
    assert "123456782" not in out.getvalue()
    assert "[BSN]" in record["exception"]
    structlog.reset_defaults()


def test_timestamp_level_logger_untouched() -> None:
    """The processor leaves timestamp, level and logger as they are."""
    event = {
        "timestamp": "2024-03-12 06-12345678",
        "level": "info",
        "logger": "x",
        "e": "06-12345678",
    }
    scrubbed = scrub_identifiers(None, "info", dict(event))
    assert scrubbed["timestamp"] == event["timestamp"]
    assert scrubbed["e"] == "[TELEFOON]"


def test_project_logging_scrubs_stdlib_records() -> None:
    """Through pipeline.logs, a stdlib logger's message is masked before it is written."""
    from pipeline.logs import configure_logging

    stream = io.StringIO()
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    configure_logging("INFO", json=True)
    handler = logging.getLogger().handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(stream)
    logging.getLogger("faust.test").warning("payload from 06-12345678 with NL91ABNA0417164300")
    line = stream.getvalue()
    assert "[TELEFOON]" in line
    root.handlers[:], level = saved
    root.setLevel(level)
    structlog.reset_defaults()
    for secret in SECRETS:
        assert secret not in line
