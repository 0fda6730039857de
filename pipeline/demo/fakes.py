"""Local stand-ins for the polled sources: a Mastodon REST API and a Decidim GraphQL endpoint.

They speak just enough of each API for the shipped connectors (same paths, parameters, paging
and answer shapes), so the demo runs the real ``mastodon`` and ``decidim`` connectors unchanged.
Items are added by the traffic model; only the newest ``MAX_ITEMS`` are kept.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

MAX_ITEMS = 1000
DECIDIM_PROCESS = "1"
DECIDIM_COMPONENT = "11"


def _id_key(item: dict[str, Any]) -> tuple[int, str]:
    item_id = str(item["id"])
    return (len(item_id), item_id)


class FakeMastodon:
    """``GET /api/v1/timelines/tag/<tag>`` and ``/api/v1/notifications`` (always empty)."""

    def __init__(self) -> None:
        self.statuses: list[dict[str, Any]] = []
        self.requests = 0

    def add(self, status: dict[str, Any]) -> None:
        self.statuses.append(status)
        self.statuses.sort(key=_id_key)
        del self.statuses[:-MAX_ITEMS]

    def page(self, min_id: str | None, limit: int) -> list[dict[str, Any]]:
        """Like Mastodon: with ``min_id`` the oldest ``limit`` newer items, newest first."""
        if min_id is None:
            chosen = self.statuses[-limit:]
        else:
            bound = (len(min_id), min_id)
            chosen = [s for s in self.statuses if _id_key(s) > bound][:limit]
        return list(reversed(chosen))

    async def _timeline(self, request: web.Request) -> web.Response:
        self.requests += 1
        limit = min(40, max(1, int(request.query.get("limit", "20"))))
        return web.json_response(self.page(request.query.get("min_id"), limit))

    async def _notifications(self, request: web.Request) -> web.Response:
        return web.json_response([])

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/api/v1/timelines/tag/{tag}", self._timeline)
        app.router.add_get("/api/v1/notifications", self._notifications)
        return app


class FakeDecidim:
    """``POST /api``: the process's components and a cursor-paged, date-filtered proposal list."""

    def __init__(self) -> None:
        self.proposals: list[dict[str, Any]] = []
        self.requests = 0

    def add(self, proposal: dict[str, Any]) -> None:
        self.proposals.append(proposal)
        self.proposals.sort(key=lambda p: (str(p["publishedAt"]), *_id_key(p)))
        del self.proposals[:-MAX_ITEMS]

    def answer(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        """The GraphQL ``data`` for the two queries the connector sends."""
        if "participatoryProcess" in query:
            if str(variables.get("id")) != DECIDIM_PROCESS:
                return {"participatoryProcess": None}
            components = [{"id": DECIDIM_COMPONENT, "__typename": "Proposals"}]
            return {"participatoryProcess": {"id": DECIDIM_PROCESS, "components": components}}
        since = (variables.get("filter") or {}).get("publishedSince")
        chosen = [p for p in self.proposals if since is None or p["publishedAt"][:10] >= since]
        start = int(variables.get("after") or 0)
        first = int(variables.get("first") or 50)
        nodes = chosen[start : start + first]
        end = start + len(nodes)
        info = {"endCursor": str(end), "hasNextPage": end < len(chosen)}
        proposals = {"pageInfo": info, "nodes": nodes}
        return {"component": {"id": DECIDIM_COMPONENT, "proposals": proposals}}

    async def _api(self, request: web.Request) -> web.Response:
        self.requests += 1
        try:
            body = await request.json()
            data = self.answer(str(body["query"]), dict(body.get("variables") or {}))
        except (ValueError, KeyError, TypeError) as exc:
            return web.json_response({"errors": [{"message": f"bad request: {exc}"}]}, status=400)
        return web.json_response({"data": data})

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/api", self._api)
        return app
