"""Reading rendered pages the way a user does: the text on the page and the messages shown at its top."""

from __future__ import annotations

import html
import re
from typing import Protocol


class Response(Protocol):
    """Anything with a body: the test client's responses."""

    content: bytes


_MESSAGES = re.compile(r'<ul class="messages"[^>]*>(.*?)</ul>', re.S)
_ITEM = re.compile(r"<li[^>]*>(.*?)</li>", re.S)
_TAG = re.compile(r"<[^>]+>")
_INPUT = re.compile(r"<input\b[^>]*>")


def text(response: Response) -> str:
    """The page's markup with entities decoded, so messages can be compared as the user reads them."""
    return html.unescape(response.content.decode())


def flash_messages(response: Response) -> list[str]:
    """The messages shown at the top of the page (success and error), in order."""
    block = _MESSAGES.search(response.content.decode())
    if block is None:
        return []
    return [html.unescape(_TAG.sub("", item)).strip() for item in _ITEM.findall(block.group(1))]


def section(page: str, start: str, end: str | None = None) -> str:
    """The part of `page` from the first `start` to the following `end` (or to the end of the page)."""
    begin = page.index(start)
    stop = page.index(end, begin) if end is not None else len(page)
    return page[begin:stop]


def checked_values(page: str, name: str) -> list[str]:
    """The values of the ticked checkboxes or radio buttons called `name`, in page order."""
    values = []
    for tag in _INPUT.findall(page):
        if f'name="{name}"' in tag and re.search(r"\schecked\b", tag):
            match = re.search(r'value="([^"]*)"', tag)
            values.append(html.unescape(match.group(1)) if match else "")
    return values
