"""How ``demo`` and ``tail`` show messages: one rich line per interaction, dead letter or record.

Nothing rendered may show a citizen identifier: the party pseudonym is never shown, and text is
masked again here (defence in depth: a topic may hold messages from an older worker, and raw
topics hold identifiers by design).
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from pydantic import ValidationError
from rich.text import Text

from pipeline.privacy.masking import mask_text, mask_value
from schemas import Interaction

PERSPECTIVE_STYLE: dict[str, str] = {
    "burgers_en_bedrijven": "bold cyan",
    "buurten": "bold green",
    "belanghebbenden": "bold magenta",
    "bestuur_en_organisatie": "bold yellow",
}
TEXT_WIDTH = 70
DEADLETTER_HEADERS = ("stage", "error_class", "error_message", "original_topic")


def shorten(text: str, width: int = TEXT_WIDTH) -> str:
    """One line of at most ``width`` characters, identifiers masked."""
    flat = " ".join(mask_text(text).text.split())
    return flat if len(flat) <= width else flat[: width - 1].rstrip() + "…"


def render_interaction(interaction: Interaction) -> Text:
    """``time channel perspective · citizen role · municipality role confidence [review] text``."""
    tags = interaction.tags
    line = Text()
    line.append(interaction.received_at.strftime("%H:%M:%S "), style="dim")
    line.append(f"{interaction.channel.value:<13} ", style="bold")
    line.append(f"{tags.perspective.value:<22}", style=PERSPECTIVE_STYLE[tags.perspective.value])
    line.append(f" · {tags.citizen_role.value:<16} · {tags.municipality_role.value:<12} ")
    line.append(f"{tags.confidence:.2f} ", style="green" if not tags.needs_review else "red")
    line.append("⚑ review " if tags.needs_review else "         ", style="bold red")
    line.append(shorten(interaction.content))
    return line


def render_dead_letter(headers: Mapping[str, bytes]) -> Text:
    """A dead letter by its ``samenspel_*`` headers; the original bytes are never shown."""
    facts = {
        name: headers.get(f"samenspel_{name}", b"").decode("utf-8", "replace")
        for name in DEADLETTER_HEADERS
    }
    line = Text()
    line.append("DEAD LETTER ", style="bold white on red")
    line.append(f" stage={facts['stage'] or '?'} ", style="bold red")
    line.append(f"error={facts['error_class'] or '?'} ", style="red")
    line.append(f"from={facts['original_topic'] or '?'} ", style="dim")
    line.append(shorten(facts["error_message"], 90))
    return line


def render_other(value: bytes | None) -> Text:
    """Any other message as compact JSON with every string masked, or as masked text."""
    if value is None:
        return Text("(tombstone)", style="dim")
    try:
        decoded = json.loads(value)
    except ValueError:
        return Text(shorten(value.decode("utf-8", "replace"), 160), style="dim")
    return Text(json.dumps(mask_value(decoded), ensure_ascii=False, separators=(",", ":")))


def parse_interaction(value: bytes | None) -> Interaction | None:
    """The interaction in a feed message, or None when the value is not one."""
    if value is None:
        return None
    try:
        return Interaction.model_validate_json(value)
    except ValidationError:
        return None


def render_record(kind: str, value: bytes | None, headers: Mapping[str, bytes]) -> Text:
    """Render a message of a topic whose short name is ``kind`` (``interactions``, ...)."""
    if kind == "interactions":
        interaction = parse_interaction(value)
        if interaction is not None:
            return render_interaction(interaction)
    if kind == "deadletter":
        return render_dead_letter(headers)
    return render_other(value)


@dataclass
class FeedStats:
    """Counts for the progress line: interactions per channel, rates over a sliding window."""

    window_s: float = 10.0
    totals: dict[str, int] = field(default_factory=dict)
    dead_letters: int = 0
    refused: int = 0
    sent: int = 0
    _recent: deque[tuple[float, str]] = field(default_factory=deque)

    def interaction(self, channel: str, now: float) -> None:
        self.totals[channel] = self.totals.get(channel, 0) + 1
        self._recent.append((now, channel))

    def rates(self, now: float) -> dict[str, float]:
        """Interactions per second per channel over the last ``window_s`` seconds."""
        while self._recent and self._recent[0][0] < now - self.window_s:
            self._recent.popleft()
        counts: dict[str, int] = {}
        for _, channel in self._recent:
            counts[channel] = counts.get(channel, 0) + 1
        return {channel: n / self.window_s for channel, n in counts.items()}

    def progress(self, now: float, channels: Iterable[str]) -> Text:
        rates = self.rates(now)
        line = Text()
        line.append(" feed ", style="bold black on white")
        for channel in channels:
            line.append(f" {channel} ", style="bold")
            line.append(f"{rates.get(channel, 0.0):.1f}/s ({self.totals.get(channel, 0)})")
        line.append("  dead letters ", style="bold")
        line.append(str(self.dead_letters), style="red" if self.dead_letters else "")
        line.append("  refused webhooks ", style="bold")
        line.append(str(self.refused), style="red" if self.refused else "")
        line.append(f"  sent {self.sent}", style="dim")
        return line
