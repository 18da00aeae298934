"""Who a comment mentions: ``@username`` words, read the same way by the comment services and the
native importer. Pure (no Django): which names are members is the caller's question.

An ``@`` after a word character is an e-mail address, not a mention; a name ends before a final
full stop or dash ("thanks @ana."), and its characters are Django's username characters.
"""

from __future__ import annotations

import re

MENTION_RE = re.compile(r"(?<![\w@])@([\w.+-]{1,150})")
MAX_MENTIONS = 50


def mentioned_names(body: str) -> list[str]:
    """The ``@names`` in a body, in order of first appearance, without repeats."""
    seen: dict[str, None] = {}
    for match in MENTION_RE.finditer(body):
        name = match.group(1).rstrip(".-")
        if name:
            seen.setdefault(name, None)
    return list(seen)[:MAX_MENTIONS]
