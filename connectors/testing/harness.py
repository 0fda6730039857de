"""Local fake sources for the shipped connectors: tests and the conformance suite need no network.

Every harness has the same small surface:

- ``await start(n_records)``: bring the fake source up holding ``n_records`` good records;
- ``add_records(n)`` / ``add_bad_record()``: more good records, or one the connector must reject;
- ``fail(seconds)``: answer as a broken source would (HTTP 503, or a missing file) for a while;
- ``config()``: the connector config (a dict) that points the connector at this fake;
- ``await stop()``.

HTTP fakes run ``aiohttp.web`` on 127.0.0.1 with a free port and speak the documented wire format
of their system closely enough for the connector (paging, ``min_id``, cursors, rate-limit headers).
Webhook harnesses produce request bodies instead: ``bodies(n)`` and ``bad_body()``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from aiohttp import web
from pydantic import JsonValue

_BASE_TIME = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


class _HttpFake:
    """The shared part of the HTTP fakes: server lifecycle, outages, rate limits, request log."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.base_url = ""
        self._runner: web.AppRunner | None = None
        self._down_until = 0.0
        self._down_status = 503
        self.rate_limit_remaining: int | None = None
        self.rate_limit_reset = ""

    def routes(self, app: web.Application) -> None:
        raise NotImplementedError

    async def start(self, n_records: int = 0) -> None:
        self.add_records(n_records)
        app = web.Application(middlewares=[self._gate])
        self.routes(app)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.base_url = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def add_records(self, n: int) -> None:
        raise NotImplementedError

    def fail(self, seconds: float, status: int = 503) -> None:
        """Answer every request with ``status`` for ``seconds``."""
        self._down_until = time.monotonic() + seconds
        self._down_status = status

    def rate_limit(self, remaining: int, reset: datetime) -> None:
        """Send ``X-RateLimit-Remaining``/``-Reset``; at 0 remaining a request gets 429."""
        self.rate_limit_remaining = remaining
        self.rate_limit_reset = reset.isoformat().replace("+00:00", "Z")

    @web.middleware
    async def _gate(
        self, request: web.Request, handler: Callable[[web.Request], Any]
    ) -> web.StreamResponse:
        self.requests.append((request.path, dict(request.query)))
        if time.monotonic() < self._down_until:
            return web.json_response({"error": "unavailable"}, status=self._down_status)
        limited = self.rate_limit_remaining
        headers = {}
        if limited is not None:
            if limited <= 0:
                headers = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": self.rate_limit_reset}
                return web.json_response(
                    {"error": "Too many requests"}, status=429, headers=headers
                )
            self.rate_limit_remaining = limited - 1
            headers = {
                "X-RateLimit-Limit": "300",
                "X-RateLimit-Remaining": str(limited - 1),
                "X-RateLimit-Reset": self.rate_limit_reset,
            }
        response: web.StreamResponse = await handler(request)
        response.headers.update(headers)
        return response


def mastodon_status(index: int, tag: str = "gemeente", *, mention: bool = True) -> dict[str, Any]:
    """A status shaped like Mastodon's ``Status`` entity."""
    created = (_BASE_TIME + timedelta(minutes=index)).isoformat().replace("+00:00", ".000Z")
    mention_html = (
        '<span class="h-card"><a href="https://social.example.nl/@gemeente">'
        "@<span>gemeente</span></a></span> "
    )
    return {
        "id": str(113920000000000000 + index),
        "created_at": created,
        "in_reply_to_id": None,
        "sensitive": False,
        "spoiler_text": "",
        "visibility": "public",
        "language": "nl",
        "replies_count": 0,
        "reblogs_count": 0,
        "favourites_count": index % 3,
        "content": f"<p>{mention_html if mention else ''}Melding {index}: de straatverlichting "
        f'is kapot. <a href="https://social.example.nl/tags/{tag}" class="mention hashtag">'
        f"#<span>{tag}</span></a></p>",
        "reblog": None,
        "account": {
            "id": str(9000 + index),
            "username": f"inwoner{index}",
            "acct": f"inwoner{index}@mastodon.example",
        },
        "media_attachments": [],
        "mentions": [],
        "tags": [{"name": tag, "url": f"https://social.example.nl/tags/{tag}"}],
        "emojis": [],
    }


class FakeMastodon(_HttpFake):
    """Mastodon's notifications and tag timeline with ``min_id``/``since_id``/``max_id`` paging."""

    def __init__(self, hashtag: str = "gemeente") -> None:
        super().__init__()
        self.hashtag = hashtag
        self.statuses: list[dict[str, Any]] = []
        self.notifications: list[dict[str, Any]] = []

    def routes(self, app: web.Application) -> None:
        app.router.add_get("/api/v1/notifications", self._notifications)
        app.router.add_get("/api/v1/timelines/tag/{tag}", self._tag)

    def add_status(self, status: dict[str, Any], *, mention: bool = True) -> None:
        """Add a status to the tag timeline (if it has the tag) and, if ``mention``, as mention."""
        self.statuses.append(status)
        if mention:
            self.notifications.append(
                {
                    "id": str(70000 + len(self.notifications)),
                    "type": "mention",
                    "created_at": status.get("created_at"),
                    "account": status.get("account"),
                    "status": status,
                }
            )

    def add_records(self, n: int) -> None:
        start = len(self.statuses)
        for index in range(start, start + n):
            self.add_status(mastodon_status(index, self.hashtag))

    def add_bad_record(self) -> None:
        """A status without ``account``: the connector must turn it into a BadRecord."""
        status = mastodon_status(len(self.statuses), self.hashtag)
        del status["account"]
        self.add_status(status)

    def config(self) -> dict[str, JsonValue]:
        return {
            "base_url": self.base_url,
            "access_token": "test-token",
            "hashtags": [self.hashtag],
            "start_from": "beginning",
            "page_size": 2,
            "poll_interval": 0.05,
            "timeout": 2.0,
        }

    async def _notifications(self, request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != "Bearer test-token":
            return web.json_response({"error": "The access token is invalid"}, status=401)
        wanted = request.query.getall("types[]", [])
        items = [n for n in self.notifications if not wanted or n["type"] in wanted]
        return self._page(request, items)

    async def _tag(self, request: web.Request) -> web.Response:
        tag = request.match_info["tag"]
        items = [s for s in self.statuses if any(t["name"] == tag for t in s.get("tags", []))]
        return self._page(request, items)

    @staticmethod
    def _page(request: web.Request, items: list[dict[str, Any]]) -> web.Response:
        """Mastodon's paging: newest first; ``min_id`` gives the page right after that id."""

        def key(item: dict[str, Any]) -> tuple[int, str]:
            return (len(item["id"]), str(item["id"]))

        ordered = sorted(items, key=key)
        limit = min(int(request.query.get("limit", "20")), 40)
        min_id, since_id, max_id = (request.query.get(k) for k in ("min_id", "since_id", "max_id"))
        if max_id:
            ordered = [i for i in ordered if key(i) < (len(max_id), max_id)]
        if since_id:
            ordered = [i for i in ordered if key(i) > (len(since_id), since_id)]
        if min_id:
            ordered = [i for i in ordered if key(i) > (len(min_id), min_id)][:limit]
        else:
            ordered = ordered[-limit:]
        page = list(reversed(ordered))
        headers = {}
        if page:
            url = request.url.with_query(None)
            prev_url = url.with_query({"limit": str(limit), "min_id": page[0]["id"]})
            next_url = url.with_query({"limit": str(limit), "max_id": page[-1]["id"]})
            headers["Link"] = f'<{next_url}>; rel="next", <{prev_url}>; rel="prev"'
        return web.json_response(page, headers=headers)


def decidim_proposal(index: int) -> dict[str, Any]:
    """A proposal node as Decidim's GraphQL API returns it for the connector's query."""
    published = _BASE_TIME + timedelta(hours=index)
    return {
        "id": str(500 + index),
        "title": {"translation": f"Voorstel {index}: meer groen in de straat"},
        "body": {"translation": f"<p>Plant bomen in straat {index}, dat geeft schaduw.</p>"},
        "publishedAt": published.isoformat(),
        "address": None,
        "category": {"id": "4", "name": {"translation": "Groen"}},
        "author": {"nickname": f"bewoner{index}"},
        "comments": [
            {
                "id": str(9000 + index),
                "body": "Goed plan!",
                "createdAt": (published + timedelta(minutes=30)).isoformat(),
                "author": {"nickname": f"buur{index}"},
            }
        ]
        if index % 2 == 0
        else [],
    }


class FakeDecidim(_HttpFake):
    """Decidim's ``POST /api`` for the connector's two queries, with cursor paging."""

    def __init__(self, process_id: str = "12", component_id: str = "81") -> None:
        super().__init__()
        self.process_id = process_id
        self.component_id = component_id
        self.proposals: list[dict[str, Any]] = []

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/api", self._api)

    def add_records(self, n: int) -> None:
        start = len(self.proposals)
        self.proposals.extend(decidim_proposal(index) for index in range(start, start + n))

    def add_bad_record(self) -> None:
        """A proposal without ``publishedAt``: the connector must turn it into a BadRecord."""
        proposal = decidim_proposal(len(self.proposals))
        proposal["publishedAt"] = None
        self.proposals.append(proposal)

    def config(self) -> dict[str, JsonValue]:
        return {
            "base_url": self.base_url,
            "process_ids": [self.process_id],
            "page_size": 2,
            "poll_interval": 0.05,
            "timeout": 2.0,
        }

    async def _api(self, request: web.Request) -> web.Response:
        body = await request.json()
        query, variables = body.get("query", ""), body.get("variables") or {}
        self.requests.append(("/api#vars", {k: json.dumps(v) for k, v in variables.items()}))
        if "participatoryProcess(" in query:
            if variables.get("id") != self.process_id:
                return web.json_response({"data": {"participatoryProcess": None}})
            components = [
                {"id": self.component_id, "__typename": "Proposals"},
                {"id": "99", "__typename": "Meetings"},
            ]
            space = {"id": self.process_id, "slug": "groen", "components": components}
            return web.json_response({"data": {"participatoryProcess": space}})
        if "component(" not in query:
            return web.json_response({"errors": [{"message": "unknown query"}]})
        if variables.get("component") != self.component_id:
            return web.json_response({"data": {"component": None}})
        since = (variables.get("filter") or {}).get("publishedSince")
        ordered = sorted(self.proposals, key=lambda p: p["publishedAt"] or "")
        if since:
            ordered = [p for p in ordered if (p["publishedAt"] or "")[:10] >= since]
        start = int(variables.get("after") or 0)
        first = int(variables.get("first", 50))
        nodes = ordered[start : start + first]
        end = start + len(nodes)
        info = {"endCursor": str(end) if nodes else None, "hasNextPage": end < len(ordered)}
        component = {"id": self.component_id, "proposals": {"pageInfo": info, "nodes": nodes}}
        return web.json_response({"data": {"component": component}})


CDR_LINE = (
    '"","06{src:08d}","7000","from-trunk","""06{src:08d}"" <06{src:08d}>","SIP/trunk-{i:06x}",'
    '"SIP/2041-{i:06x}","Queue","kcc,t,,,300","2026-03-02 {h:02d}:{m:02d}:05",'
    '"2026-03-02 {h:02d}:{m:02d}:30","2026-03-02 {h:02d}:{m:02d}:59",54,29,"ANSWERED",'
    '"DOCUMENTATION","1772439245.{i}","Vraag {i} over de afvalkalender"\n'
)


@dataclass
class AsteriskHarness:
    """A directory with a growing ``Master.csv``; ``rotate()`` moves it aside like logrotate."""

    directory: Path
    written: int = 0
    bad: int = 0
    rotations: int = 0
    file_name: str = "Master.csv"
    _hidden: Path | None = field(default=None, repr=False)

    @property
    def path(self) -> Path:
        return self.directory / self.file_name

    async def start(self, n_records: int = 0) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        self.path.touch()
        self.add_records(n_records)

    async def stop(self) -> None:
        """Files stay for inspection; the test's tmp_path cleans them up."""

    def line(self, index: int) -> str:
        return CDR_LINE.format(src=index, i=index, h=8 + (index // 60) % 12, m=index % 60)

    def add_records(self, n: int) -> None:
        with (self._hidden or self.path).open("a", encoding="utf-8") as handle:
            for _ in range(n):
                handle.write(self.line(self.written + self.bad))
                self.written += 1

    def add_bad_record(self) -> None:
        with (self._hidden or self.path).open("a", encoding="utf-8") as handle:
            handle.write('"","0612345678","7000","too few columns"\n')
        self.bad += 1

    def rotate(self) -> Path:
        """Rename ``Master.csv`` to ``Master.csv.<n>`` and start an empty one."""
        self.rotations += 1
        target = self.directory / f"{self.file_name}.{self.rotations}"
        self.path.rename(target)
        self.path.touch()
        return target

    def fail(self, seconds: float) -> None:
        """Hide the file until ``recover()``; records added meanwhile go into the hidden file."""
        self._hidden = self.path.rename(self.directory / f".{self.file_name}.hidden")

    def recover(self) -> None:
        """Put the hidden file back (same inode, so a stored position still applies)."""
        if self._hidden is not None:
            self._hidden.rename(self.path)
            self._hidden = None

    def config(self, mode: str = "follow") -> dict[str, JsonValue]:
        path = self.path if mode == "follow" else self.directory
        return {"path": str(path), "mode": mode, "poll_interval": 0.02}


@dataclass
class WebhookHarness:
    """Bodies for a webhook connector: ``make(i)`` builds the i-th distinct valid payload."""

    connector: str
    make: Callable[[int], dict[str, Any]]
    bad: dict[str, Any]
    extra_config: dict[str, JsonValue] = field(default_factory=dict)

    def bodies(self, n: int, start: int = 0) -> list[bytes]:
        return [json.dumps(self.make(i)).encode() for i in range(start, start + n)]

    def bad_body(self) -> bytes:
        return json.dumps(self.bad).encode()

    def config(self) -> dict[str, JsonValue]:
        return {"secret": "harness-secret", **self.extra_config}


def _at(index: int) -> str:
    return (_BASE_TIME + timedelta(minutes=index)).isoformat()


def _cti(i: int) -> dict[str, Any]:
    call = {
        "id": f"c-{i:06d}",
        "queue": {"id": "q-kcc", "name": "KCC Algemeen"},
        "caller": {"number": f"+316{i:08d}"},
        "started_at": _at(i),
        "talk_seconds": 60 + i,
    }
    note = {"note": f"Vraag {i} over parkeren", "category": {"code": "PRK", "label": "Parkeren"}}
    return {"event": "call.wrap_up", "occurred_at": _at(i + 1), "call": call, "wrap_up": note}


def _queue(i: int) -> dict[str, Any]:
    return {
        "event": "ticket.served",
        "sequence": 3,
        "occurred_at": _at(i),
        "branch": {"id": "stadhuis", "name": "Stadhuis"},
        "service": {"id": "pp", "name": "Paspoort aanvragen"},
        "ticket": {"id": f"T-{i:05d}", "number": f"A{i:03d}"},
        "notes": f"Klant {i} geholpen met een aanvraag.",
    }


def _open_forms(i: int) -> dict[str, Any]:
    return {
        "values": {
            "omschrijving": f"Losliggende stoeptegel nummer {i} bij de school.",
            "postcode": "1091 GH",
        },
        "values_schema": {"type": "object", "properties": {}},
        "metadata": {
            "auth_type": "",
            "public_reference": f"OF-{i:06d}",
            "form_version": "1",
            "registration_timestamp": _at(i),
        },
        "metadata_schema": {"type": "object", "properties": {}},
    }


def _webchat(i: int) -> dict[str, Any]:
    return {
        "conversation_id": f"chat-{i:05d}",
        "started_at": _at(i),
        "messages": [{"role": "resident", "sent_at": _at(i), "text": f"Vraag {i} over de WOZ."}],
    }


def _meta(i: int) -> dict[str, Any]:
    value = {
        "from": {"id": f"60{i:08d}"},
        "item": "comment",
        "verb": "add",
        "comment_id": f"1045_{i}",
        "post_id": "1045_1",
        "message": f"Reactie {i} op het bericht over de wegwerkzaamheden.",
        "created_time": 1772460000 + i,
    }
    return {
        "object": "page",
        "entry": [
            {"id": "1045", "time": 1772460000 + i, "changes": [{"field": "feed", "value": value}]}
        ],
    }


def _neighbourhood(i: int) -> dict[str, Any]:
    return {
        "platform": "hoplr",
        "id": f"p-{i}",
        "kind": "post",
        "buurt_code": "BU03630501",
        "body": f"Bericht {i}: wie helpt mee met de buurtschoonmaak?",
        "author": {"handle": f"buur{i}"},
        "created_at": _at(i),
    }


WEBHOOK_HARNESSES: dict[str, WebhookHarness] = {
    "cti-webhook": WebhookHarness("cti-webhook", _cti, {"event": "call.wrap_up", "call": {}}),
    "queue-webhook": WebhookHarness("queue-webhook", _queue, {"event": "ticket.served"}),
    "open-forms-webhook": WebhookHarness("open-forms-webhook", _open_forms, {"values": {}}),
    "webchat-webhook": WebhookHarness("webchat-webhook", _webchat, {"conversation_id": "x"}),
    "meta-webhook": WebhookHarness(
        "meta-webhook", _meta, {"object": "whatsapp", "entry": []}, {"require_timestamp": False}
    ),
    "neighbourhood-webhook": WebhookHarness(
        "neighbourhood-webhook", _neighbourhood, {"platform": "hoplr", "kind": "post"}
    ),
}
"""One body factory per shipped webhook connector, by connector name."""
