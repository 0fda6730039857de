"""The identifier corpus through `samenspel tag`, the feed's own chain: nothing may leak."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

CORPUS = Path(__file__).parent / "data" / "sentences.jsonl"


def test_tag_output_carries_none_of_the_corpus_identifiers() -> None:
    """Every corpus sentence through `samenspel tag`: no identifier survives in the output."""
    rows = [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines() if line]
    events = [
        json.dumps(
            {"id": f"s{i}", "channel": "web", "text": row["text"], "subject": row["text"][:200]}
        )
        for i, row in enumerate(rows)
    ]
    result = subprocess.run(
        [sys.executable, "-m", "pipeline", "tag"],
        input="\n".join(events) + "\n",
        capture_output=True,
        text=True,
        env={**os.environ, "SAMENSPEL_PSEUDONYM_KEY": "corpus-test-key-0123456789"},
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-500:]
    outputs = result.stdout.splitlines()
    assert len(outputs) == len(rows)
    identifiers = [item["value"] for row in rows for item in row["identifiers"]]
    assert len(identifiers) >= 150
    for row, output in zip(rows, outputs, strict=True):
        interaction = json.loads(output)
        for item in row["identifiers"]:
            assert item["value"] not in output, (item, interaction["content"])
        for kept in row["keep"]:
            assert kept in interaction["content"], (kept, interaction["content"])
