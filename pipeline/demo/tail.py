"""``samenspel tail TOPIC``: show any topic the way the demo shows the feed."""

from __future__ import annotations

import time

from rich.console import Console

from pipeline.demo.feed import TopicReader, resolve_topic, short_name
from pipeline.demo.view import render_record
from pipeline.errors import SamenspelError
from pipeline.settings import Settings


def run_tail(
    settings: Settings,
    topic: str,
    *,
    from_beginning: bool = False,
    max_messages: int | None = None,
    idle_exit_s: float | None = None,
    console: Console | None = None,
) -> int:
    """Print messages until Ctrl-C, ``max_messages`` shown, or ``idle_exit_s`` without any."""
    if max_messages is not None and max_messages < 1:
        raise SamenspelError(f"--max must be at least 1, got {max_messages}")
    if console is None:
        console = Console()
        console = console if console.is_terminal else Console(width=200)
    full = resolve_topic(settings, topic)
    kind = short_name(settings, full)
    reader = TopicReader(settings, [full], from_beginning=from_beginning)
    shown = 0
    last = time.monotonic()
    try:
        while max_messages is None or shown < max_messages:
            batch = reader.poll(500)
            if batch:
                last = time.monotonic()
            elif idle_exit_s is not None and time.monotonic() - last >= idle_exit_s:
                break
            for seen in batch:
                console.print(
                    render_record(kind, seen.value, seen.headers), overflow="ellipsis", no_wrap=True
                )
                shown += 1
                if max_messages is not None and shown >= max_messages:
                    break
    except KeyboardInterrupt:
        pass
    finally:
        reader.close()
    return 0
