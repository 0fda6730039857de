"""What the dashboard shows, read from the DOM as numbers keyed by data-testid."""

from __future__ import annotations

from tests.dashboard.cdp import Browser

_NUMBERS_JS = """
Object.fromEntries([...document.querySelectorAll('[data-testid]')]
  .map((node) => [node.dataset.testid, node.textContent.trim()]))
"""


async def shown(browser: Browser) -> dict[str, str]:
    """Every data-testid on the page with its visible text."""
    texts: dict[str, str] = await browser.evaluate(_NUMBERS_JS)
    return texts


def as_int(text: str) -> int:
    """A number as the page writes it in Dutch (1.234 is one thousand two hundred thirty-four)."""
    return int(text.replace(".", "").replace("\u00a0", ""))


def numbers(texts: dict[str, str], prefix: str) -> dict[str, int]:
    """The counts of one panel, e.g. ``perspective-`` gives {"buurten": 3, ...}."""
    return {
        key[len(prefix) :]: as_int(value) for key, value in texts.items() if key.startswith(prefix)
    }


def total_is(count: int) -> str:
    """A JavaScript condition: the page is live and shows ``count`` as the total."""
    return (
        "document.querySelector('[data-testid=status]').dataset.state === 'ok' && "
        "document.querySelector('[data-testid=total]').textContent.replace(/\\./g, '') "
        f"=== '{count}'"
    )
