"""Plain text from the HTML that Mastodon and ActivityPub put in a status's ``content``."""

from __future__ import annotations

import re
from html.parser import HTMLParser

_BREAKS = {"br": "\n"}
_BLOCK_ENDS = {"p": "\n\n", "li": "\n", "blockquote": "\n\n"}


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.parts.append(_BREAKS.get(tag, ""))

    def handle_endtag(self, tag: str) -> None:
        self.parts.append(_BLOCK_ENDS.get(tag, ""))

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def html_to_text(html: str) -> str:
    """Tags dropped, paragraphs and line breaks kept, entities decoded, blank runs squeezed."""
    parser = _Text()
    parser.feed(html)
    parser.close()
    text = "".join(parser.parts)
    text = re.sub(r"[ \t]+\n", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()
