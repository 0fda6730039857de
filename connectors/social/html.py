"""Plain text from the HTML that Mastodon and ActivityPub put in a status's ``content``."""

from __future__ import annotations

import re
from html.parser import HTMLParser

_BREAKS = {"br": "\n", "li": "\n"}
_BLOCK_ENDS = {
    **dict.fromkeys(("p", "blockquote", "pre", "ul", "ol", "div"), "\n\n"),
    **dict.fromkeys(("h1", "h2", "h3", "h4", "h5", "h6"), "\n\n"),
    "tr": "\n",
}
_HIDDEN = {"script", "style"}  # their content is code, never something a resident wrote


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN:
            self.hidden += 1
        self.parts.append(_BREAKS.get(tag, ""))

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        self.parts.append(_BLOCK_ENDS.get(tag, ""))

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    """Tags dropped, blocks and line breaks kept, entities decoded, blank runs squeezed.

    Every block element ends a line (a heading glued to the next paragraph would merge two words
    into one the tagger does not know); script and style content is dropped.
    """
    parser = _Text()
    parser.feed(html)
    parser.close()
    text = "".join(parser.parts)
    text = re.sub(r"[ \t]+\n", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()
