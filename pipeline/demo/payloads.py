"""The payload shapes of the simulated sources, exactly as the shipped connectors parse them.

One function per source; each takes what the simulator decided (text, subject, a fake resident)
and returns the bytes or JSON the real system would send, so the demo exercises the connectors.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from pydantic import JsonValue

CDR_ZONE = ZoneInfo("Europe/Amsterdam")
"""Asterisk writes local times; the demo's connector config names the same zone."""


@dataclass(frozen=True, slots=True)
class Message:
    """What one simulated resident says, on which subject, when, and how to reach them."""

    uid: str
    text: str
    subject: str | None
    occurred_at: datetime
    phone: str
    email: str
    handle: str
    buurt_code: str


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def cti_wrap_up(msg: Message, *, call_id: str | None = None) -> dict[str, JsonValue]:
    """A CTI ``call.wrap_up`` event carrying the agent's note."""
    started = msg.occurred_at - timedelta(minutes=4)
    return {
        "event": "call.wrap_up",
        "occurred_at": _iso(msg.occurred_at),
        "call": {
            "id": call_id or f"call-{msg.uid}",
            "direction": "inbound",
            "queue": {"id": "q-kcc", "name": msg.subject or "KCC algemeen"},
            "caller": {"number": msg.phone},
            "agent": {"id": "agent-17"},
            "started_at": _iso(started),
            "answered_at": _iso(started + timedelta(seconds=40)),
            "ended_at": _iso(msg.occurred_at),
            "wait_seconds": 40,
            "talk_seconds": 200,
            "disposition": "answered",
        },
        "wrap_up": {"note": msg.text, "category": {"code": "ALG", "label": msg.subject}},
    }


def queue_served(msg: Message) -> dict[str, JsonValue]:
    """A counter system's ``ticket.served`` event with the employee's notes."""
    return {
        "event": "ticket.served",
        "sequence": 3,
        "occurred_at": _iso(msg.occurred_at),
        "branch": {"id": "stadhuis", "name": "Stadhuis"},
        "service": {"id": "svc", "name": msg.subject or "Burgerzaken"},
        "counter": "Balie 3",
        "ticket": {"id": f"t-{msg.uid}", "number": "B" + msg.uid[-3:]},
        "customer": {"email": msg.email},
        "notes": msg.text,
    }


def open_forms_submission(msg: Message) -> dict[str, JsonValue]:
    """An Open Forms ``json_dump`` registration of a contact form."""
    return {
        "values": {"omschrijving": msg.text, "email": msg.email, "postcode": "1234 AB"},
        "metadata": {
            "public_reference": f"OF-{msg.uid}",
            "registration_timestamp": _iso(msg.occurred_at),
            "auth_type": "none",
            "form_version": "3",
            "form_name": msg.subject or "Contactformulier",
            "language_code": "nl",
        },
    }


def webchat_transcript(msg: Message) -> dict[str, JsonValue]:
    """A finished web-chat conversation: the resident's question and the agent's answer."""
    answered = msg.occurred_at + timedelta(minutes=1)
    return {
        "conversation_id": f"chat-{msg.uid}",
        "topic": msg.subject,
        "language": "nl",
        "page": "/contact",
        "started_at": _iso(msg.occurred_at),
        "ended_at": _iso(answered + timedelta(minutes=3)),
        "resident": {"email": msg.email},
        "messages": [
            {"role": "resident", "sent_at": _iso(msg.occurred_at), "text": msg.text},
            {"role": "agent", "sent_at": _iso(answered), "text": "Dank u, ik zoek het voor u uit."},
        ],
    }


def meta_comment(msg: Message) -> dict[str, JsonValue]:
    """A Facebook page webhook delivery with one new comment."""
    stamp = int(msg.occurred_at.timestamp())
    return {
        "object": "page",
        "entry": [
            {
                "id": "page-gemeente",
                "time": stamp,
                "changes": [
                    {
                        "field": "feed",
                        "value": {
                            "item": "comment",
                            "verb": "add",
                            "message": msg.text,
                            "comment_id": f"c-{msg.uid}",
                            "post_id": "page-gemeente_post-1",
                            "created_time": stamp,
                            "from": {"id": f"fb-{msg.handle}", "name": msg.handle},
                        },
                    }
                ],
            }
        ],
    }


def neighbourhood_post(msg: Message) -> dict[str, JsonValue]:
    """A post from a neighbourhood platform bridge."""
    return {
        "platform": "buurtplatform",
        "id": f"p-{msg.uid}",
        "kind": "post",
        "buurt_code": msg.buurt_code,
        "title": msg.subject,
        "body": msg.text,
        "author": {"handle": msg.handle},
        "language": "nl",
        "created_at": _iso(msg.occurred_at),
    }


def mastodon_status(msg: Message, status_id: str, tag: str) -> dict[str, JsonValue]:
    """A Mastodon status as the REST API returns it on a hashtag timeline."""
    return {
        "id": status_id,
        "created_at": msg.occurred_at.isoformat(timespec="milliseconds"),
        "content": f"<p>{_html_escape(msg.text)} #{tag}</p>",
        "language": "nl",
        "spoiler_text": "",
        "visibility": "public",
        "account": {"id": f"a-{msg.handle}", "acct": f"{msg.handle}@social.example"},
        "tags": [{"name": tag}],
    }


def decidim_proposal(
    msg: Message, proposal_id: str, comments: list[Message] | None = None
) -> dict[str, JsonValue]:
    """A Decidim proposal node as the connector's GraphQL query asks for it."""
    return {
        "id": proposal_id,
        "title": {"translation": msg.subject or "Voorstel voor de buurt"},
        "body": {"translation": f"<p>{_html_escape(msg.text)}</p>"},
        "publishedAt": msg.occurred_at.isoformat(timespec="microseconds"),
        "address": None,
        "category": {"id": "7", "name": {"translation": "Openbare ruimte"}},
        "author": {"nickname": msg.handle},
        "comments": [
            {
                "id": f"{proposal_id}-{n}",
                "body": f"<p>{_html_escape(c.text)}</p>",
                "createdAt": c.occurred_at.isoformat(timespec="seconds"),
                "author": {"nickname": c.handle},
            }
            for n, c in enumerate(comments or [])
        ],
    }


def asterisk_cdr(msg: Message) -> str:
    """One ``Master.csv`` line (cdr_csv with uniqueid and userfield), note in the userfield."""
    end = msg.occurred_at.astimezone(CDR_ZONE)
    start = end - timedelta(minutes=5)
    row = [
        "kcc", msg.phone, "7000", "from-pstn", f'"Beller" <{msg.phone}>', "SIP/trunk-0001",
        "SIP/agent-0017", "Queue", "kcc", start.strftime("%Y-%m-%d %H:%M:%S"),
        (start + timedelta(seconds=35)).strftime("%Y-%m-%d %H:%M:%S"),
        end.strftime("%Y-%m-%d %H:%M:%S"), "300", "265", "ANSWERED",
        "DOCUMENTATION", f"ast-{msg.uid}", msg.text.replace("\n", " "),
    ]  # fmt: skip
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(row)
    return buffer.getvalue()


def _html_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
