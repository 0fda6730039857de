"""The text pool of the simulators: real-sounding interactions from the labelled development set.

Simulated traffic reuses these texts (varied a little) because hand-written demo sentences would
neither sound like residents nor exercise the tagger the way real traffic does.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import SamenspelError

DEV_DATA = Path(__file__).resolve().parents[2] / "data" / "labelled" / "dev.jsonl"
CHANNELS: tuple[str, ...] = ("phone", "counter", "web", "social", "neighbourhood")
_POOL_OF = {"email": "web", "field": "neighbourhood"}
_CRISIS = re.compile(
    r"storm|onweer|wateroverlast|omgewaaid|overstrom|kelder|noodweer|onder water|zandzak|"
    r"flooding|boom .*gevallen",
    re.IGNORECASE,
)
_OBJECTION = re.compile(
    r"bezwaar|zienswijze|windturbine|windpark|hoogbouw|petitie|\btegen\b|bestemmingsplan",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class PoolText:
    """One labelled text and where it came from."""

    channel: str
    source: str
    text: str
    subject: str | None


@dataclass(frozen=True, slots=True)
class Pool:
    """Texts per channel, plus the crisis reports and objections the bursts draw from."""

    by_channel: dict[str, tuple[PoolText, ...]]
    crisis: tuple[PoolText, ...]
    objections: tuple[PoolText, ...]


def load_pool(path: Path = DEV_DATA) -> Pool:
    """Read the labelled JSON lines; e-mail joins web and field work joins neighbourhood."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise SamenspelError(f"cannot read the demo text pool {path}: {exc.strerror}") from None
    texts: list[PoolText] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            channel = _POOL_OF.get(row["channel"], row["channel"])
            texts.append(PoolText(channel, row["source"], row["text"], row.get("subject")))
        except (ValueError, KeyError, TypeError) as exc:
            raise SamenspelError(f"{path} line {number}: not a labelled row ({exc})") from None
    by_channel = {c: tuple(t for t in texts if t.channel == c) for c in CHANNELS}
    empty = [channel for channel, items in by_channel.items() if not items]
    if empty:
        raise SamenspelError(f"{path} has no texts for channel {empty[0]!r}")
    return Pool(
        by_channel=by_channel,
        crisis=tuple(t for t in texts if _CRISIS.search(t.text)),
        objections=tuple(t for t in texts if _OBJECTION.search(t.text)),
    )
