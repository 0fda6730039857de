"""Throughput of the whole chain on one core: ``Chain.process_many`` + ``serialise``.

Input: every text of data/labelled/dev.jsonl and train.jsonl (all seven channels), as raw JSON
events; about 10% get a phone number, e-mail address, IBAN or BSN inserted (and the identifier as
``party``), some carry a location or extra fields, so that every step pays what it pays in
production. CPU time of this process is measured (the machine is shared); each figure is given as
the min and the median of ``--runs`` runs after a warm-up pass, as a running worker has warm caches.

The per-stage lines time each step on its own over the same events (parse, normalise, protect,
tag, serialise); their sum is close to, not exactly, the whole chain (``model_construct`` and the
clock are only in the whole).

Usage: python benchmarks/bench_chain.py [--runs 5] [--repeat 2] [--share 0.1] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import random
import statistics
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
from stdnum import iban as stdnum_iban

from pipeline import heap
from pipeline.bench.chain_run import in_batches, run_batches
from pipeline.chain import Chain, serialise
from pipeline.normalise import normalise
from pipeline.privacy import Pseudonymiser
from pipeline.tagging import Tagger

DATA = Path(__file__).resolve().parent.parent / "data" / "labelled"
BASE_TIME = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
BENCH_KEY = b"bench-key-not-secret-0123456789ab"


def _bsn(rng: random.Random) -> str:
    """A random 9-digit number that passes the 11-test."""
    while True:
        digits = [rng.randrange(10) for _ in range(8)]
        total = sum(d * w for d, w in zip(digits, range(9, 1, -1), strict=True))
        last = total % 11
        if last < 10 and digits[0] != 0:
            return "".join(map(str, digits)) + str(last)


def _iban(rng: random.Random) -> str:
    """A valid Dutch IBAN in the usual groups of four."""
    bank = rng.choice(["ABNA", "INGB", "RABO", "SNSB", "TRIO"])
    account = f"{rng.randrange(10**10):010d}"
    check = stdnum_iban.calc_check_digits(f"NL00{bank}{account}")
    compact = f"NL{check}{bank}{account}"
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))


def _identifier(rng: random.Random, number: int) -> tuple[str, str, str]:
    """A sentence naming an identifier, the identifier as party, and its kind."""
    kind = rng.choice(["phone", "email", "iban", "bsn"])
    if kind == "phone":
        phone = rng.choice([f"06-{10_000_000 + number:08d}", f"+31 6 {number % 10**8:08d}"])
        return f" Bel mij terug op {phone}.", phone, "phone"
    if kind == "email":
        email = f"inwoner{number}@example.nl"
        return f" Mail graag naar {email}.", email, "email"
    if kind == "iban":
        iban = _iban(rng)
        return f" Terugbetalen op {iban} graag.", iban, "other"
    bsn = _bsn(rng)
    return f" Mijn BSN is {bsn}.", bsn, "bsn"


def make_events(share: float, seed: int = 11) -> list[bytes]:
    """Raw events (JSON bytes) for every dev and train text, ``share`` with an identifier."""
    rng = random.Random(seed)
    rows: list[dict[str, Any]] = []
    for name in ("dev", "train"):
        with (DATA / f"{name}.jsonl").open("rb") as handle:
            rows.extend(orjson.loads(line) for line in handle if line.strip())
    events = []
    for number, row in enumerate(rows):
        body: dict[str, Any] = {
            "id": f"bench-{number}",
            "channel": row["channel"],
            "source": row.get("source") or f"bench-{row['channel']}",
            "occurred_at": (BASE_TIME + timedelta(seconds=number)).isoformat(),
            "text": row["text"],
            "subject": row.get("subject"),
            "metadata": {"seq": number % 5, "caller": number // 5},
        }
        if rng.random() < share:
            sentence, party, kind = _identifier(rng, number)
            body["text"] += sentence
            body["party"], body["party_kind"] = party, kind
        roll = rng.random()
        if roll < 0.1:
            body["location"] = {"postcode": "3581 KL", "wijk_code": "WK034401"}
        elif roll < 0.15:
            body["location"] = "Kerkstraat 12, 3581 KL Utrecht"
        if rng.random() < 0.2:
            body["language"] = "NL"
            body["crm_ticket"] = f"T-{number}"
        events.append(orjson.dumps(body))
    return events


def cpu_times(run: Callable[[], object], runs: int) -> tuple[float, float]:
    """Min and median CPU seconds of ``runs`` calls of ``run`` (the min is the least disturbed)."""
    times = []
    for _ in range(runs):
        start = time.process_time()
        run()
        times.append(time.process_time() - start)
    return min(times), statistics.median(times)


def _stage_times(
    chain: Chain, events: Sequence[bytes], runs: int
) -> dict[str, tuple[float, float]]:
    """Min and median CPU seconds of each stage on its own over all ``events``."""
    raws = [chain.parse(value) for value in events]
    normalised = [normalise(raw) for raw in raws]
    protected = [chain.protect(event) for event in normalised]
    interactions = [chain.process(raw) for raw in raws]
    stages: dict[str, Callable[[], object]] = {
        "parse": lambda: [chain.parse(value) for value in events],
        "normalise": lambda: [normalise(raw) for raw in raws],
        "protect": lambda: [chain.protect(event) for event in normalised],
        "tag": lambda: [chain.tag(event) for event in protected],
        "serialise": lambda: [serialise(interaction) for interaction in interactions],
    }
    return {name: cpu_times(run, runs) for name, run in stages.items()}


def main() -> None:
    """Print the chain's rate, µs per event and the per-stage breakdown."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5, help="timed runs; min and median shown")
    parser.add_argument("--repeat", type=int, default=2, help="passes over the events per run")
    parser.add_argument("--share", type=float, default=0.1, help="share with an identifier")
    parser.add_argument("--profile", action="store_true", help="cProfile one pass instead")
    args = parser.parse_args()
    events = make_events(args.share) * args.repeat
    chain = Chain(Tagger.load(), Pseudonymiser(BENCH_KEY, "bench"), max_event_bytes=1 << 20)

    batches = in_batches(events)

    def whole() -> None:  # in batches, as the worker runs the chain
        run_batches(chain, batches)

    heap.settle()  # the collector as in the worker after its start
    whole()  # warm-up: word, stem and validation caches as a running worker has them
    if args.profile:
        cProfile.runctx("whole()", globals(), {"whole": whole}, "/tmp/bench_chain.prof")
        pstats.Stats("/tmp/bench_chain.prof").sort_stats("tottime").print_stats(25)
        return
    count = len(events)
    best, seconds = cpu_times(whole, args.runs)
    print(f"{count} events ({args.share:.0%} with an identifier), {args.runs} runs")
    print(
        f"chain+serialise: {count / seconds:,.0f} events/s median ({seconds / count * 1e6:.1f} µs"
        f" each), {count / best:,.0f} events/s best ({best / count * 1e6:.1f} µs)"
    )
    stages = _stage_times(chain, events, args.runs)
    print(f"  {'µs/event':10s} {'min':>7s} {'median':>7s}")
    for name, (low, middle) in stages.items():
        print(f"  {name:10s} {low / count * 1e6:7.1f} {middle / count * 1e6:7.1f}")
    low_sum = sum(low for low, _ in stages.values())
    middle_sum = sum(middle for _, middle in stages.values())
    print(f"  {'sum':10s} {low_sum / count * 1e6:7.1f} {middle_sum / count * 1e6:7.1f}")


if __name__ == "__main__":
    main()
