"""The traffic model: what a mid-sized municipality's five channels send, second by second.

Pure and deterministic for a seed: ``Traffic.step(t0, t1, now)`` returns what the simulated
sources emit in that interval. A repeating scenario adds two bursts on top of the base rate (a
storm: crisis reports on phone, web and social; a disputed plan: a wave of objections on social)
and a few bad events (malformed JSON on a raw topic, a webhook with a bad signature, a webhook body
its connector cannot parse), so the demo shows dead letters and refusals next to the feed.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from stdnum.nl import bsn as stdnum_bsn

from pipeline.demo import payloads
from pipeline.demo.payloads import Message
from pipeline.demo.pool import CHANNELS, Pool, PoolText

Kind = Literal["normal", "storm", "objection", "bad-json", "bad-signature", "bad-body"]
Phase = Literal["normal", "storm", "dispute"]

WEBHOOK_TARGETS: tuple[str, ...] = (
    "cti-webhook",
    "queue-webhook",
    "open-forms-webhook",
    "webchat-webhook",
    "meta-webhook",
    "neighbourhood-webhook",
)
TARGETS_OF_CHANNEL: dict[str, tuple[str, ...]] = {
    "phone": ("cti-webhook", "asterisk-cdr"),
    "counter": ("queue-webhook",),
    "web": ("open-forms-webhook", "webchat-webhook"),
    "social": ("meta-webhook", "mastodon"),
    "neighbourhood": ("neighbourhood-webhook", "decidim"),
}
CHANNEL_WEIGHTS: dict[str, float] = {
    "phone": 0.30,
    "web": 0.25,
    "counter": 0.15,
    "social": 0.18,
    "neighbourhood": 0.12,
}
STORM_WEIGHTS: dict[str, float] = {"phone": 0.5, "web": 0.25, "social": 0.25}
MASTODON_TAG = "onzegemeente"
BUURT_CODES: tuple[str, ...] = ("BU09990101", "BU09990102", "BU09990203", "BU09990304")
_FIRST = ("jan", "fatima", "pieter", "sanne", "mohamed", "anouk", "kees", "yara", "daan", "ilse")
_LAST = ("jansen", "elamrani", "devries", "bakker", "yilmaz", "visser", "smit", "meijer")
_OPENERS = ("", "", "", "Goedemorgen, ", "Hallo, ", "Vraagje: ", "Beste gemeente, ")
_CLOSERS = ("", "", "", " Graag snel reactie.", " Alvast bedankt.", " Al de tweede keer deze week.")


@dataclass(frozen=True, slots=True)
class Emission:
    """One thing a simulated source sends: a webhook body, a status, a CDR line or raw bytes.

    ``target`` is a connector name, or ``raw`` for bytes produced straight to ``raw.<channel>``.
    """

    target: str
    channel: str
    kind: Kind
    body: bytes
    signed: bool = True


@dataclass(frozen=True, slots=True)
class Scenario:
    """When the bursts and bad events happen, in seconds within a repeating cycle."""

    cycle_s: float = 60.0
    storm: tuple[float, float] = (6.0, 14.0)
    dispute: tuple[float, float] = (16.0, 26.0)
    bad_at: tuple[float, ...] = (3.0, 20.0, 45.0)
    storm_factor: float = 4.0
    dispute_factor: float = 3.0


@dataclass
class Traffic:
    """Generates emissions; one instance per demo run (``run_id`` keeps event ids unique)."""

    pool: Pool
    rate: float = 5.0
    seed: int = 1
    run_id: str = "demo"
    scenario: Scenario = field(default_factory=Scenario)
    _rng: random.Random = field(init=False)
    _credit: float = field(default=0.0, init=False)
    _seq: int = field(default=0, init=False)

    def __post_init__(self) -> None:
        if self.rate <= 0:
            raise ValueError(f"rate must be positive, got {self.rate}")
        self._rng = random.Random(self.seed)

    def phase(self, t: float) -> Phase:
        """Which part of the scenario second ``t`` (since the start) falls in."""
        at = t % self.scenario.cycle_s
        if self.scenario.storm[0] <= at < self.scenario.storm[1]:
            return "storm"
        if self.scenario.dispute[0] <= at < self.scenario.dispute[1]:
            return "dispute"
        return "normal"

    def step(self, t0: float, t1: float, now: datetime) -> list[Emission]:
        """Everything emitted in ``[t0, t1)`` seconds since the start; ``now`` stamps the events."""
        phase = self.phase(t0)
        factor = {
            "normal": 1.0,
            "storm": self.scenario.storm_factor,
            "dispute": self.scenario.dispute_factor,
        }[phase]
        self._credit += self.rate * factor * max(0.0, t1 - t0)
        out: list[Emission] = []
        while self._credit >= 1.0:
            self._credit -= 1.0
            out.append(self._one(phase, now))
        if any(self._crosses(t0, t1, at) for at in self.scenario.bad_at):
            out.extend(self._bad_events(now))
        return out

    def _crosses(self, t0: float, t1: float, at: float) -> bool:
        cycle = self.scenario.cycle_s
        start = t0 - t0 % cycle
        return any(t0 <= base + at < t1 for base in (start, start + cycle))

    def _one(self, phase: Phase, now: datetime) -> Emission:
        rng = self._rng
        if phase == "storm" and self.pool.crisis and rng.random() < 0.8:
            channel = _weighted(rng, STORM_WEIGHTS)
            return self._emit(channel, rng.choice(self.pool.crisis), now, "storm")
        if phase == "dispute" and self.pool.objections and rng.random() < 0.75:
            return self._emit("social", rng.choice(self.pool.objections), now, "objection")
        channel = _weighted(rng, CHANNEL_WEIGHTS)
        return self._emit(channel, rng.choice(self.pool.by_channel[channel]), now, "normal")

    def message(self, text: PoolText, now: datetime) -> Message:
        """A varied copy of a pool text from a fake resident, sometimes naming an identifier."""
        rng = self._rng
        self._seq += 1
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        number = rng.randint(1, 99)
        phone = f"06-{rng.randint(1, 5)}{rng.randint(0, 9_999_999):07d}"
        email = f"{first}.{last}{number}@example.nl"
        body = rng.choice(_OPENERS) + text.text + rng.choice(_CLOSERS)
        roll = rng.random()
        if roll < 0.15:
            body += f" Bel me terug op {phone}."
        elif roll < 0.27:
            body += f" Mail gerust naar {email}."
        elif roll < 0.32:
            body += f" Mijn BSN is {fake_bsn(rng)}."
        return Message(
            uid=f"{self.run_id}-{self._seq:06d}",
            text=body,
            subject=text.subject,
            occurred_at=now,
            phone=phone,
            email=email,
            handle=f"{first}{last}{number}",
            buurt_code=rng.choice(BUURT_CODES),
        )

    def _emit(self, channel: str, text: PoolText, now: datetime, kind: Kind) -> Emission:
        target = self._rng.choice(TARGETS_OF_CHANNEL[channel])
        msg = self.message(text, now)
        return Emission(target, channel, kind, self._body(target, msg, now))

    def _body(self, target: str, msg: Message, now: datetime) -> bytes:
        if target == "asterisk-cdr":
            return payloads.asterisk_cdr(msg).encode()
        if target == "mastodon":
            status = payloads.mastodon_status(msg, snowflake(now, self._seq), MASTODON_TAG)
            return _json(status)
        if target == "decidim":
            pool = self.pool.objections or self.pool.by_channel["neighbourhood"]
            replies = [
                self.message(self._rng.choice(pool), now) for _ in range(self._rng.randint(0, 2))
            ]
            return _json(payloads.decidim_proposal(msg, snowflake(now, self._seq), replies))
        builders = {
            "cti-webhook": payloads.cti_wrap_up,
            "queue-webhook": payloads.queue_served,
            "open-forms-webhook": payloads.open_forms_submission,
            "webchat-webhook": payloads.webchat_transcript,
            "meta-webhook": payloads.meta_comment,
            "neighbourhood-webhook": payloads.neighbourhood_post,
        }
        return _json(builders[target](msg))

    def _bad_events(self, now: datetime) -> list[Emission]:
        """One of each: malformed JSON on a raw topic, a forged webhook, an unparseable body."""
        rng = self._rng
        channel = rng.choice(CHANNELS)
        broken = (
            b'{"id": "broken-' + str(self._seq).encode() + b'", "channel": "' + channel.encode()
        )
        forged = self.message(rng.choice(self.pool.by_channel["phone"]), now)
        unparseable = payloads.queue_served(
            self.message(rng.choice(self.pool.by_channel["counter"]), now)
        )
        unparseable.pop("ticket")  # a ticket.served event without its ticket
        return [
            Emission("raw", channel, "bad-json", broken),
            Emission(
                "cti-webhook",
                "phone",
                "bad-signature",
                _json(payloads.cti_wrap_up(forged)),
                signed=False,
            ),
            Emission("queue-webhook", "counter", "bad-body", _json(unparseable)),
        ]


def snowflake(now: datetime, sequence: int) -> str:
    """A Mastodon-style id: milliseconds since the epoch shifted left 16 bits, plus a sequence.

    Ids grow with the clock, so a connector that resumes from a stored id sees a new run's items.
    """
    return str((int(now.timestamp() * 1000) << 16) | (sequence & 0xFFFF))


def fake_bsn(rng: random.Random) -> str:
    """A random number that passes the BSN 11-test (so masking has something real to find)."""
    while True:
        candidate = f"{rng.randint(10_000_000, 99_999_999)}{rng.randint(0, 9)}"
        if stdnum_bsn.is_valid(candidate):
            return candidate


def _weighted(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _json(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode()
