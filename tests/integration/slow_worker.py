"""A worker whose publishing stalls on a marked event: the crash test's "deliberately slow event".

Run as ``python tests/integration/slow_worker.py``; SLOW_EVENT_S sets the stall (0 = none).
"""

from __future__ import annotations

import asyncio
import os
import sys
from typing import Any

from pipeline.cli import main
from pipeline.worker.batch import BatchProcessor

MARKER = b"SLOW-EVENT"
_original_publish = BatchProcessor._publish


async def _slow_publish(self: BatchProcessor, outputs: list[Any]) -> None:
    if any(MARKER in out.value for out in outputs):
        await asyncio.sleep(float(os.environ.get("SLOW_EVENT_S", "0")))
    await _original_publish(self, outputs)


BatchProcessor._publish = _slow_publish  # type: ignore[method-assign]

if __name__ == "__main__":
    sys.exit(main(["worker"]))
