"""A faust transport whose producer is idempotent (acks=all) outside transactions too.

faust-streaming enables idempotence only inside exactly-once transactions; retries of a plain
producer may then write duplicates. Registered under the URL scheme ``samenspel://``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from faust.transport.drivers import TRANSPORTS
from faust.transport.drivers import aiokafka as faust_aiokafka


class IdempotentProducer(faust_aiokafka.Producer):
    def _settings_extra(self) -> Mapping[str, Any]:
        return {**super()._settings_extra(), "acks": "all", "enable_idempotence": True}


class Transport(faust_aiokafka.Transport):
    Producer = IdempotentProducer


TRANSPORTS.aliases["samenspel"] = f"{__name__}:Transport"
