"""The readable table of a bench run, with each number next to its target."""

from __future__ import annotations

from rich.table import Table

from pipeline.bench.results import BenchResult

TARGETS = {"ratio": 0.8, "chain_events_per_s": 20_000.0, "p99_latency_ms": 100.0}
"""Targets on the 2-core development machine (docs/performance.md)."""


def _mark(ok: bool | None) -> str:
    return "" if ok is None else ("[green]met" if ok else "[red]missed")


def table(result: BenchResult) -> Table:
    out = Table(title=f"samenspel bench: {result.events} events, {result.processing_guarantee}")
    out.add_column("measure")
    out.add_column("value", justify="right")
    out.add_column("target", justify="right")
    out.add_column("")
    p99 = result.p99_latency_ms
    rows: list[tuple[str, str, str, bool | None]] = [
        ("baseline (bare consume → produce)", f"{result.baseline_events_per_s:,.0f}/s", "", None),
        ("worker, full chain", f"{result.pipeline_events_per_s:,.0f}/s", "", None),
        ("ratio worker / baseline", f"{result.ratio:.2f}", "≥ 0.80", result.ratio >= 0.8),
        (
            "chain alone (1 core, CPU time)",
            f"{result.chain_events_per_s:,.0f}/s",
            "≥ 20,000/s",
            result.chain_events_per_s >= TARGETS["chain_events_per_s"],
        ),
        (
            f"latency p50 at {result.latency_rate:,.0f}/s",
            "n/a" if result.p50_latency_ms is None else f"{result.p50_latency_ms:.0f} ms",
            "",
            None,
        ),
        (
            f"latency p99 at {result.latency_rate:,.0f}/s",
            "n/a" if p99 is None else f"{p99:.0f} ms",
            "≤ 100 ms",
            None if p99 is None else p99 <= TARGETS["p99_latency_ms"],
        ),
        (
            "webhook receiver ingest",
            "n/a"
            if result.webhook_events_per_s is None
            else f"{result.webhook_events_per_s:,.0f}/s",
            "",
            None,
        ),
    ]
    for name, value, target, ok in rows:
        out.add_row(name, value, target, _mark(ok))
    if result.webhook_note:
        out.caption = f"webhooks: {result.webhook_note}"
    return out
