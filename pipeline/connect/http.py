"""The small HTTP side of connector processes: ``/health`` for orchestrators, ``/metrics``."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from pipeline.connect import metrics
from pipeline.errors import SamenspelError


@dataclass(slots=True)
class Health:
    """Whether the process is connected to its source and Kafka; 503 while it retries."""

    connector: str
    connected: bool = False
    detail: str = "starting"

    def up(self) -> None:
        self.connected, self.detail = True, "connected"
        metrics.UP.labels(connector=self.connector).set(1)

    def down(self, detail: str) -> None:
        self.connected, self.detail = False, detail
        metrics.UP.labels(connector=self.connector).set(0)


HEALTH_KEY = web.AppKey("health", list[Health])


async def _health(request: web.Request) -> web.Response:
    checks = request.app[HEALTH_KEY]
    healthy = all(check.connected for check in checks)
    body = {c.connector: {"connected": c.connected, "detail": c.detail} for c in checks}
    return web.json_response(
        {"status": "ok" if healthy else "unavailable", "connectors": body},
        status=200 if healthy else 503,
    )


async def _metrics(_request: web.Request) -> web.Response:
    response = web.Response(body=metrics.render())
    response.content_type = "text/plain"
    response.charset = "utf-8"
    return response


def add_ops_routes(app: web.Application, checks: list[Health]) -> None:
    """Add ``GET /health`` (200 when every check is connected, else 503) and ``GET /metrics``."""
    app[HEALTH_KEY] = checks
    app.router.add_get("/health", _health)
    app.router.add_get("/metrics", _metrics)


async def start_site(app: web.Application, host: str, port: int) -> web.AppRunner:
    """Serve ``app`` in the running loop; the caller awaits ``runner.cleanup()`` to stop."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
    except OSError as exc:
        await runner.cleanup()
        raise SamenspelError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    return runner
