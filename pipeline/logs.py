"""The one place where logging is configured: structlog for our code and for the stdlib loggers.

JSON lines when stderr is not a terminal (for log shippers), readable lines on a terminal.
Every line passes the identifier scrubber, so no citizen identifier reaches a log.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

import structlog

from pipeline.privacy.log_scrub import scrub_identifiers

_configured = False


def configure_logging(level: str = "INFO", *, json: bool | None = None) -> None:
    """Configure structlog and route stdlib logging (faust, aiokafka, kafka-python) through it."""
    global _configured
    use_json = (not sys.stderr.isatty()) if json is None else json
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.format_exc_info,
        scrub_identifiers,
    ]
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if use_json
        else structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    )
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in ("aiokafka", "faust", "mode"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
    # kafka-python logs every refused connection as an error; its failures reach us as exceptions.
    logging.getLogger("kafka").setLevel(logging.CRITICAL)
    _configured = True


def get_logger(name: str) -> structlog.stdlib.BoundLogger:
    """A structlog logger; configures logging with defaults if nobody did yet."""
    if not _configured:
        configure_logging()
    logger: structlog.stdlib.BoundLogger = structlog.get_logger(name)
    return logger
