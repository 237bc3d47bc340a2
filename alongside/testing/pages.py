"""Reading rendered pages the way a user does: the text on the page and the messages shown at its top."""

from __future__ import annotations

import html
import re

from django.http import HttpResponse

_MESSAGES = re.compile(r'<ul class="messages"[^>]*>(.*?)</ul>', re.S)
_ITEM = re.compile(r"<li[^>]*>(.*?)</li>", re.S)
_TAG = re.compile(r"<[^>]+>")


def text(response: HttpResponse) -> str:
    """The page's markup with entities decoded, so messages can be compared as the user reads them."""
    return html.unescape(response.content.decode())


def flash_messages(response: HttpResponse) -> list[str]:
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
