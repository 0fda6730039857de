"""Bench results: the numbers, the machine they were measured on, and where they are kept.

``benchmarks/results/<timestamp>.json`` keeps every run; ``latest.json`` is the one the regression
gate (tests/bench/test_regression.py) compares against.
"""

from __future__ import annotations

import os
import platform
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel, Field

from pipeline.tagging import native

RESULTS_DIR = Path(__file__).resolve().parent.parent.parent / "benchmarks" / "results"


class Machine(BaseModel):
    cpu_model: str
    cores: int
    python: str
    kafka_version: str | None
    git_commit: str | None
    brokers: int | None = None
    tagger_core: str | None = None
    """``compiled`` or ``python (why)``: the chain's speed depends on it (tagging/native.py)."""


class BenchResult(BaseModel):
    """One bench run; the first seven fields are the contract of the JSON line."""

    baseline_events_per_s: float
    pipeline_events_per_s: float
    ratio: float
    p50_latency_ms: float | None
    p99_latency_ms: float | None
    chain_events_per_s: float
    webhook_events_per_s: float | None
    events: int
    latency_rate: float
    latency_events: int
    webhook_note: str | None = None
    processing_guarantee: str = "at_least_once"
    started_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    machine: Machine | None = None


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def git_commit(repo: Path = RESULTS_DIR.parent.parent) -> str | None:
    """HEAD of the checkout, with ``+dirty`` when the tree has local changes; None outside git."""
    try:
        head = subprocess.run(
            ["git", "-C", str(repo), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(repo), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True, text=True, check=True,
        ).stdout.strip()  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        return None
    return f"{head}+dirty" if dirty else head


def machine(kafka_version: str | None, brokers: int | None) -> Machine:
    return Machine(
        cpu_model=cpu_model(),
        cores=os.cpu_count() or 1,
        python=platform.python_version(),
        kafka_version=kafka_version,
        git_commit=git_commit(),
        brokers=brokers,
        tagger_core=native.describe(),
    )


def write_results(result: BenchResult, directory: Path = RESULTS_DIR) -> Path:
    """Write ``<timestamp>.json`` and ``latest.json``; return the timestamped path."""
    directory.mkdir(parents=True, exist_ok=True)
    text = result.model_dump_json(indent=2) + "\n"
    path = directory / f"{result.started_at.strftime('%Y%m%dT%H%M%SZ')}.json"
    path.write_text(text, encoding="utf-8")
    (directory / "latest.json").write_text(text, encoding="utf-8")
    return path


def load_results(path: Path) -> BenchResult:
    return BenchResult.model_validate_json(path.read_bytes())


def summary_line(result: BenchResult) -> str:
    """The JSON object printed as the bench's last line (the first seven fields)."""
    keys = list(BenchResult.model_fields)[:7]
    return result.model_dump_json(include=set(keys))
