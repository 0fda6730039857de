"""Payloads shaped like the real upstreams but not like our samples: nulls, numbers as ids,
withheld numbers, odd times, HTML, junk items. Valid variations are ingested; broken ones become a
BadRecord with a reason; no parse function ever raises anything but ValueError.
"""

from __future__ import annotations

import asyncio
import copy
import json
from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo

import orjson
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from connectors.contract import BadRecord, SourceRecord, WebhookConnector
from connectors.counter.queue import QueueWebhookConfig, QueueWebhookConnector
from connectors.neighbourhood.decidim import Proposal, comment_event, proposal_event
from connectors.phone.asterisk import parse_cdr
from connectors.phone.cti import CtiWebhookConfig, CtiWebhookConnector
from connectors.registry import load_connectors
from connectors.social.html import html_to_text
from connectors.social.mastodon import MastodonConfig, MastodonConnector, Status, by_id
from connectors.social.meta import MetaWebhookConfig, MetaWebhookConnector
from connectors.testing.fakes import MemorySink
from connectors.testing.harness import WEBHOOK_HARNESSES, decidim_proposal, mastodon_status
from connectors.web.open_forms import OpenFormsConfig, OpenFormsWebhookConnector
from connectors.web.payload import phone_party
from connectors.web.webchat import WebchatConfig, WebchatWebhookConnector
from pipeline.connect.signature import sign
from pipeline.connect.webhooks import WebhookReceiver, build_app, endpoint_for
from pipeline.settings import Settings
from tests.connectors.connector_helpers import sample, take

Record = SourceRecord | BadRecord
ODD_VALUES: list[Any] = [None, "", " ", 0, -1, 10**30, 1.5, [], {}, True, "x" * 30_000, "😀"]
BROKEN_BODIES = [
    b"",
    b"null",
    b"[]",
    b"42",
    b"<xml/>",
    b"a=b&c=d",
    b"\xff\xfe",
    b"\xef\xbb\xbf{}",
    b'{"a": NaN}',
    b"[" * 5000,
]


def _connector(name: str) -> WebhookConnector[Any]:
    cls = load_connectors()[name]
    assert issubclass(cls, WebhookConnector)
    return cls(cls.config_model.model_validate(WEBHOOK_HARNESSES[name].config()))


def _parse(connector: WebhookConnector[Any], payload: Any) -> list[Record]:
    return connector.parse(json.dumps(payload).encode(), {})


def _only_event(records: list[Record]) -> SourceRecord:
    (record,) = records
    assert isinstance(record, SourceRecord), record
    return record


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every path into a JSON value: each key of each object, each index of each list."""
    yield prefix
    if isinstance(value, dict | list):
        children = value.items() if isinstance(value, dict) else enumerate(value)
        for key, child in children:
            yield from _paths(child, (*prefix, key))


def _replaced(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    changed = copy.deepcopy(value)
    parent = changed
    for key in path[:-1]:
        parent = parent[key]
    parent[path[-1]] = new
    return changed


# --- every webhook connector: broken and mutated bodies ---------------------------------------


@pytest.mark.parametrize("name", sorted(WEBHOOK_HARNESSES))
@pytest.mark.parametrize("body", BROKEN_BODIES, ids=lambda b: repr(b[:12]))
def test_a_broken_body_is_one_bad_record_naming_the_connector(name: str, body: bytes) -> None:
    """Empty, non-JSON, non-object, wrong encoding or too deep: a BadRecord, never an exception."""
    records = _connector(name).parse(body, {})
    assert [type(r) for r in records] in ([BadRecord], [])
    assert all(r.reason.startswith(f"{name}: ") for r in records if isinstance(r, BadRecord))


@pytest.mark.parametrize("name", sorted(WEBHOOK_HARNESSES))
def test_no_field_value_makes_parse_raise(name: str) -> None:
    """Each field of a valid body replaced by each odd value: records or ValueError, nothing else.

    Anything else would be answered 500 by the receiver and the whole request would be lost.
    """
    connector = _connector(name)
    valid = WEBHOOK_HARNESSES[name].make(0)
    for path in _paths(valid):
        for odd in ODD_VALUES:
            try:
                records = _parse(connector, _replaced(valid, path, odd))
            except ValueError:
                continue
            assert all(isinstance(r, SourceRecord | BadRecord) for r in records), (path, odd)


# --- telephony: withheld numbers are not a party -----------------------------------------------


@pytest.mark.parametrize("number", ["anonymous", "Anonymous", "restricted", "unknown", " ", ""])
def test_withheld_numbers_give_no_party(number: str) -> None:
    """A word instead of a number would give every withheld caller one shared pseudonym."""
    assert phone_party(number) is None


def test_real_numbers_stay_the_party() -> None:
    """Numbers in any notation, and internal extensions, are kept (trimmed)."""
    assert phone_party(" +31 6 1234 5678 ") == "+31 6 1234 5678"
    assert phone_party("2041") == "2041"


def test_cti_anonymous_caller_and_null_caller() -> None:
    """A CTI call from a withheld number, or with "caller": null, is ingested without a party."""
    connector = CtiWebhookConnector(CtiWebhookConfig(secret="s"))
    body = json.loads(sample("cti/call_wrap_up.json"))
    for caller in ({"number": "anonymous"}, None):
        body["call"]["caller"] = caller
        event = _only_event(_parse(connector, body)).event
        assert (event.party, event.party_kind) == (None, None)


def test_asterisk_anonymous_src_gives_no_party() -> None:
    """Asterisk writes "anonymous" in src for a withheld number."""
    line = sample("asterisk/Master.csv").decode().splitlines()[0]
    line = line.replace('"0612345678"', '"anonymous"', 1)
    event = parse_cdr(line, zone=ZoneInfo("Europe/Amsterdam"))
    assert (event.party, event.party_kind) == (None, None)


def test_queue_blank_email_falls_back_to_the_phone() -> None:
    """A blank e-mail address is no party; the customer's phone number is used instead."""
    connector = QueueWebhookConnector(QueueWebhookConfig(secret="s"))
    body = json.loads(sample("queue/ticket_served.json"))
    body["customer"] = {"email": "  ", "phone": "0612345678"}
    event = _only_event(_parse(connector, body)).event
    assert (event.party, event.party_kind) == ("0612345678", "phone")
    body["customer"] = {"email": None, "phone": "restricted"}
    assert _only_event(_parse(connector, body)).event.party is None


# --- null for an optional field, numbers for ids -----------------------------------------------


def test_null_optional_fields_count_as_absent() -> None:
    """ "note": null, "notes": null, a chat message without text, "auth_type": null are valid."""
    cti = CtiWebhookConnector(CtiWebhookConfig(secret="s"))
    call = json.loads(sample("cti/call_wrap_up.json"))
    call["wrap_up"]["note"] = None
    assert _only_event(_parse(cti, call)).event.text.startswith("Inkomend gesprek")

    queue = QueueWebhookConnector(QueueWebhookConfig(secret="s"))
    ticket = json.loads(sample("queue/ticket_served.json"))
    ticket["notes"] = None
    assert _only_event(_parse(queue, ticket)).event.text.startswith("Geholpen aan de balie")

    chat = WebchatWebhookConnector(WebchatConfig(secret="s"))
    transcript = json.loads(sample("webchat/transcript.json"))
    transcript["messages"].append(
        {"role": "resident", "sent_at": "2026-03-02T15:05:00+01:00", "text": None}
    )
    assert _only_event(_parse(chat, transcript)).event.text.endswith("Nee, nooit iets ontvangen.")

    forms = OpenFormsWebhookConnector(OpenFormsConfig(secret="s"))
    submission = json.loads(sample("open_forms/submission.json"))
    submission["metadata"].update(auth_type=None, form_version=None)
    assert _only_event(_parse(forms, submission)).event.metadata["auth_type"] == ""


def test_a_required_field_that_is_null_is_still_a_bad_record() -> None:
    """Null only stands for absent where absent is allowed: a null call id names the field."""
    cti = CtiWebhookConnector(CtiWebhookConfig(secret="s"))
    call = json.loads(sample("cti/call_wrap_up.json"))
    call["call"]["id"] = None
    (record,) = _parse(cti, call)
    assert isinstance(record, BadRecord) and "call.id" in record.reason


def test_numeric_ids_are_taken_as_text() -> None:
    """Ids sent as JSON numbers (common in bridges and older systems) give the same event ids."""
    queue = QueueWebhookConnector(QueueWebhookConfig(secret="s"))
    ticket = json.loads(sample("queue/ticket_served.json"))
    ticket["ticket"] = {"id": 20260302017, "number": 17}
    assert _only_event(_parse(queue, ticket)).event.id == "20260302017:ticket.served:3"

    chat = WebchatWebhookConnector(WebchatConfig(secret="s"))
    transcript = json.loads(sample("webchat/transcript.json"))
    transcript["conversation_id"] = 42
    assert _only_event(_parse(chat, transcript)).event.id == "42"

    status = mastodon_status(1)
    status.update(id=113920000000000001, account={"id": 9001, "acct": "a@b.nl"})
    assert Status.model_validate(status).id == "113920000000000001"


# --- Meta: times in every documented form, and out of range ------------------------------------


META = MetaWebhookConnector(MetaWebhookConfig(secret="s"))


def _page_feed(created_time: Any) -> list[Record]:
    body = json.loads(sample("meta/page_feed.json"))
    body["entry"][0]["changes"][0]["value"]["created_time"] = created_time
    return _parse(META, body)


@pytest.mark.parametrize(
    "created_time",
    [
        1772459990,
        "1772459990",
        1772459990000,
        "2026-03-02T13:59:50+0000",
        "2026-03-02T13:59:50.000Z",
    ],
)
def test_meta_times_in_documented_forms(created_time: Any) -> None:
    """Unix seconds, milliseconds (number or text) and ISO 8601 with +0000 or Z all read alike."""
    first, _ = _page_feed(created_time)
    assert isinstance(first, SourceRecord)
    assert first.event.occurred_at.isoformat() == "2026-03-02T13:59:50+00:00"


@pytest.mark.parametrize("created_time", [10**30, "9" * 25, "2026-03-02T13:59:50", "gisteren"])
def test_meta_unusable_time_is_a_bad_record_and_the_batch_goes_on(created_time: Any) -> None:
    """An overflowing or zoneless time used to raise OverflowError (a 500, the batch lost)."""
    first, second = _page_feed(created_time)
    assert isinstance(first, BadRecord) and "created_time" in first.reason
    assert isinstance(second, SourceRecord)


def test_meta_message_with_an_overflowing_timestamp_is_a_bad_record() -> None:
    """The same for a message's millisecond timestamp."""
    body = json.loads(sample("meta/messaging.json"))
    body["entry"][0]["messaging"][0]["timestamp"] = 10**25
    (record,) = _parse(META, body)
    assert isinstance(record, BadRecord) and "timestamp" in record.reason


def test_receiver_answers_200_and_dead_letters_an_overflowing_time() -> None:
    """End to end: the bad item is dead-lettered, its neighbour ingested, the sender gets 200."""
    sink = MemorySink("t.connect.offsets")
    settings = Settings(topic_prefix="t", pseudonym_key="x" * 32)
    body = json.loads(sample("meta/page_feed.json"))
    body["entry"][0]["changes"][0]["value"]["created_time"] = "9" * 25
    raw = orjson.dumps(body)

    async def scenario() -> tuple[int, Any]:
        endpoint = endpoint_for(MetaWebhookConnector(MetaWebhookConfig(secret="k")))
        receiver = WebhookReceiver({"meta-webhook": endpoint}, settings, sink)
        async with TestClient(TestServer(build_app(receiver))) as client:
            headers = {"X-Hub-Signature-256": sign(b"k", raw)}
            response = await client.post("/hooks/meta-webhook", data=raw, headers=headers)
            return response.status, await response.json()

    assert asyncio.run(scenario()) == (200, {"accepted": 1, "dead_lettered": 1})
    assert len(sink.on("t.raw.social")) == 1 and len(sink.on("t.deadletter")) == 1


# --- Mastodon: HTML, nulls and junk items on a page --------------------------------------------


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("<h2>Titel</h2><p>Tekst</p>", "Titel\n\nTekst"),
        ("<ul><li>een</li><li>twee</li></ul><p>na</p>", "een\ntwee\n\nna"),
        ("<div>a</div><div>b</div>", "a\n\nb"),
        ("<p>a</p><script>alert(1)</script><style>p{}</style><p>b</p>", "a\n\nb"),
        ('<p><span class="invisible">https://</span>gemeente.nl</p>', "https://gemeente.nl"),
        ("<p>open <b>vet", "open vet"),
    ],
)
def test_html_blocks_end_lines_and_code_is_dropped(html: str, text: str) -> None:
    """A heading glued to its paragraph would merge two words; script content is not text."""
    assert html_to_text(html) == text


def test_mastodon_status_with_nulls_for_optional_fields() -> None:
    """Servers that write null for spoiler_text, tags or counts still give an event."""
    status = mastodon_status(1)
    status.update(spoiler_text=None, tags=None, replies_count=None, language=None)
    parsed = Status.model_validate(status)
    assert (parsed.spoiler_text, parsed.tags, parsed.replies_count) == ("", [], 0)


def test_by_id_sorts_oldest_first_and_sets_junk_aside() -> None:
    """Items without a usable id (not an object, no id, null, a bool) cannot move the position."""
    good: list[Any] = [{"id": "113920000000000010"}, {"id": 113920000000000009}]
    junk: list[Any] = ["text", None, {"id": None}, {"id": True}, {"id": ""}, {"no": "id"}]
    items, unusable = by_id([*junk, *good])
    assert [item_id for item_id, _ in items] == ["113920000000000009", "113920000000000010"]
    assert unusable == junk


def test_junk_on_a_page_is_dead_lettered_at_the_current_position() -> None:
    """Junk items are BadRecords at the unchanged position; the statuses around them arrive."""
    page = [mastodon_status(2), {"id": None}, "not an object", mastodon_status(1)]

    async def serve_and_read() -> tuple[list[Record], dict[str, str]]:
        async def timeline(request: web.Request) -> web.Response:
            return web.json_response(page if request.query.get("min_id") == "0" else [])

        app = web.Application()
        app.router.add_get("/api/v1/timelines/tag/{tag}", timeline)
        async with TestServer(app) as server:
            config = MastodonConfig.model_validate(
                {
                    "base_url": str(server.make_url("/")),
                    "access_token": "t",
                    "mentions": False,
                    "hashtags": ["gemeente"],
                    "start_from": "beginning",
                    "poll_interval": 0.05,
                }
            )
            connector = MastodonConnector(config)
            await connector.connect({})
            try:
                return await take(connector, 4), dict(connector._since)
            finally:
                await connector.close()

    records, since = asyncio.run(serve_and_read())
    bad = [r for r in records if isinstance(r, BadRecord)]
    good = [r for r in records if isinstance(r, SourceRecord)]
    assert [r.position for r in bad] == [None, None]
    assert [r.event.id for r in good] == ["113920000000000001", "113920000000000002"]
    assert since == {"tag:gemeente": "113920000000000002"}


# --- Decidim: a proposal written in another locale ---------------------------------------------


def test_decidim_falls_back_to_another_locale() -> None:
    """Decidim answers null for a locale the author did not write in; the text is not lost."""
    node = decidim_proposal(0)
    node["title"] = {"translation": None, "translations": [{"text": "Trees"}]}
    node["body"] = {
        "translation": None,
        "translations": [None, {"locale": "en", "text": "<p>More</p>"}],
    }
    proposal = Proposal.model_validate(node)
    event = proposal_event(proposal, "12", "decidim")
    assert (event.subject, event.text) == ("Trees", "More")
    assert comment_event(proposal.comments[0], proposal, "12", "decidim").subject == "Trees"


def test_decidim_null_comments_and_numeric_ids() -> None:
    """ "comments": null is no comments; numeric ids are taken as text."""
    node = decidim_proposal(1)
    node.update(id=501, comments=None)
    proposal = Proposal.model_validate(node)
    assert (proposal.id, proposal.comments) == ("501", [])
