"""Text from data and users, made plain where the dashboard would otherwise interpret it.

Streamlit renders every ``st.markdown``/``caption``/``info``/``warning``/``error``/``success`` body,
heading, widget label, radio option, expander label and metric label as Markdown: CommonMark with
GFM (tables, strikethrough, autolinks to ``www.`` addresses, e-mail addresses and ``http://``
URLs), KaTeX (``$...$``), directives (``:red[...]``, ``:blue-badge[...]``, ``:small[...]``,
``:help[...]``), Mermaid code blocks, ``:material/icon:`` icons, ``:streamlit:``, emoji short codes
(``:smile:``) and typographic replacements (``->``, ``--``, ``>=`` …). `md` turns any string into
Markdown that shows exactly that string: the characters that start markup are backslash-escaped
(CommonMark allows it for every ASCII punctuation character), and where Streamlit rewrites the
*parsed* text (icons, emoji, typography and GFM's literal autolinks, which backslashes do not stop)
an invisible WORD JOINER (U+2060) is put between the characters that would be rewritten.

Plotly's text (hover templates and the values put into them, marker text, legend names, tick
labels) understands a subset of HTML (``<a href>``, ``<span style>``, ``<b>``, ``<br>`` …) and
entities; `plotly_text` escapes ``&``, ``<`` and ``>`` so such text is shown, not obeyed.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

WORD_JOINER = "\u2060"

# Punctuation that starts Markdown in Streamlit (CommonMark, GFM, math, directives, HTML, entities).
# Not escaped, because it cannot start markup on its own: . , ; ? ' " / % @ (see the rules below).
_MARKUP = re.compile(r"([\\`*_{}\[\]()#+\-!|<>&$~:=^])")
# An ordered-list marker ("1. " at the start of a line): the only place a full stop is markup.
_LIST_NUMBER = re.compile(r"^(\d{1,9})\.(?=[ \t]|$)")
# Rewrites Streamlit does on parsed text, after backslash escapes are gone:
_REWRITTEN = re.compile(
    r"(?<=:)(?=[\w+\-/])"  # :material/x:, :material_x:, :streamlit:, :smile:, :+1:, http://
    r"|(?<=[<>~\-])(?=[\-=>])"  # <->, ->, <-, --, >=, <=, ~=
    r"|(?<=@)(?=[\w\-])"  # e-mail autolinks (x@example.org)
    r"|(?i:(?<=www))(?=\.)"  # www. autolinks
)
_LINE_BREAK = re.compile(r"\r\n?|\n")


def _line(text: str) -> str:
    text = _REWRITTEN.sub(WORD_JOINER, text.strip())
    return _LIST_NUMBER.sub(r"\1\\.", _MARKUP.sub(r"\\\1", text))


def md(text: object, *, lines: bool = False) -> str:
    """`text` as Streamlit Markdown that shows exactly it (plain text, no links, images, colours,
    maths, icons or HTML). Line breaks become spaces, or hard line breaks with ``lines=True``
    (for multi-line texts such as descriptions and notes in a block of their own). Leading and
    trailing spaces of each line are dropped (Markdown would show them as indentation or code)."""
    parts = _LINE_BREAK.split(str(text))
    if not lines:
        return _line(" ".join(p.strip() for p in parts if p.strip()))
    kept = [_line(p) for p in parts]
    while kept and not kept[-1]:
        kept.pop()
    while kept and not kept[0]:
        kept.pop(0)
    return "\\\n".join(kept)


def md_list(items: Sequence[object]) -> str:
    """A Markdown bullet list of plain texts (each made one line by `md`)."""
    return "\n".join(f"- {md(i)}" for i in items)


def plotly_text(text: object) -> str:
    """`text` for Plotly's hover, marker, legend and tick texts: shown as it is, never as HTML."""
    return html.escape(str(text), quote=False)
