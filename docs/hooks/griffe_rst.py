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


def rst_to_markdown(text: str) -> str:
    """Roles become inline code, ``:param x:`` becomes ``x:`` in bold, ``text::`` becomes ``text:``."""
    text = _ROLE.sub(lambda m: f"``{m.group(1).lstrip('.')}``", text)
    text = _PARAM.sub(lambda m: f"{m.group(1)}**`{m.group(2)}`**:", text)
    return _LITERAL.sub(r"\1:", text)


class RstRoles(griffe.Extension):
    """Rewrite every docstring as it is loaded."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = rst_to_markdown(obj.docstring.value)
