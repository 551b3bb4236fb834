"""A griffe extension for the API pages: the docstrings' reStructuredText roles as markdown.

The code's docstrings are Google-style with Sphinx roles (``:class:`~mwx_sdk.x.Y```) and
``:param name:`` lines (the hook specifications); mkdocstrings renders docstrings as
markdown, where those would show as literal text. This rewrites them to inline code when the
documentation is built; the source files are not touched.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

_ROLE = re.compile(r":(?:py:)?(?:class|func|meth|mod|data|attr|exc|obj):`~?([^`]+)`")
_PARAM = re.compile(r"^(\s*):param\s+([A-Za-z_][A-Za-z0-9_]*):", re.MULTILINE)
_LITERAL = re.compile(r"(\S)::$", re.MULTILINE)
_BORDER = re.compile(r"^\s*=+( +=+)+\s*$")


def _simple_tables(text: str) -> str:
    """RST simple tables (``====  ====`` borders, three of them) as preformatted text blocks."""
    lines, out, i = text.splitlines(), [], 0
    while i < len(lines):
        if _BORDER.match(lines[i]):
            borders = [j for j in range(i, len(lines)) if _BORDER.match(lines[j])]
            end = next((j for j in range(i, len(lines)) if not lines[j].strip()), len(lines))
            inside = [j for j in borders if j < end]
            if len(inside) >= 3:
                out += ["```text", *(ln.replace("``", "") for ln in lines[i:inside[-1] + 1]), "```"]
                i = inside[-1] + 1
                continue
        out.append(lines[i])
        i += 1
    return "\n".join(out)


def _literal_blocks(text: str) -> str:
    """Inside ``text::`` literal blocks (shown as code) roles and double backticks are dropped."""
    out, literal, indent = [], False, 0
    for line in text.splitlines():
        width = len(line) - len(line.lstrip())
        if literal and line.strip() and width <= indent:
            literal = False
        if literal:
            line = _ROLE.sub(lambda m: m.group(1).lstrip("."), line).replace("``", "")
        elif line.rstrip().endswith("::"):
            literal, indent = True, width
        out.append(line)
    return "\n".join(out)


def rst_to_markdown(text: str) -> str:
    """Roles become inline code, ``:param x:`` becomes ``x:`` in bold, ``text::`` becomes
    ``text:``, simple tables become preformatted blocks."""
    text = _literal_blocks(_simple_tables(text))
    text = _ROLE.sub(lambda m: f"``{m.group(1).lstrip('.')}``", text)
    text = _PARAM.sub(lambda m: f"{m.group(1)}**`{m.group(2)}`**:", text)
    return _LITERAL.sub(r"\1:", text)


class RstRoles(griffe.Extension):
    """Rewrite every docstring as it is loaded."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = rst_to_markdown(obj.docstring.value)
