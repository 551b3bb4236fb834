"""Untrusted text made safe to show: model replies, instructions, provider error messages.

Text that a model or a user wrote reaches terminals (Rich markup), markdown and CSV reports,
video overlays and warnings. Each sink has its own hazards (``[/]`` is Rich markup, ``|`` ends a
markdown cell, ``=`` starts a spreadsheet formula, ESC sequences drive the terminal, and a
megabyte of text makes Rich's wrapping quadratic), so every sink goes through one function here
that starts from :func:`clean_text`: escape sequences and control characters removed, whitespace
folded to single spaces, and the length capped with an ellipsis.

Secrets are handled here too: :func:`redact` removes every known API key value (the configured
variable and the usual provider variables litellm reads) and ``Bearer <token>`` patterns from a
text before it is shown, warned about or stored.

Only the standard library is imported at module level (Rich loads in :func:`for_terminal`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from typing import Any

__all__ = [
    "ELLIPSIS",
    "MAX_CHARS",
    "clean_text",
    "csv_cell",
    "for_code_span",
    "for_markdown",
    "for_overlay",
    "for_terminal",
    "known_secrets",
    "redact",
]

MAX_CHARS = 200
ELLIPSIS = "…"
REDACTED = "***"

# ESC-introduced sequences: CSI (colours, cursor moves), OSC (titles, hyperlinks; ended by BEL
# or ST), DCS/SOS/PM/APC strings, and two-character escapes; also the 8-bit CSI and OSC.
_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"
    r"|\x1b[PX^_][^\x1b]*(?:\x1b\\)?"
    r"|\x1b[ -/]*[0-~]"
    r"|\x9b[0-?]*[ -/]*[@-~]"
    r"|\x9d[^\x07\x1b\x9c]*(?:\x07|\x9c)?"
)
# C0 and C1 controls other than whitespace (those are folded below), DEL, and the bidirectional
# overrides that make text display in another order than it reads.
_CONTROLS = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_SPACES = re.compile(r"\s+")


def clean_text(text: Any, max_chars: int = MAX_CHARS) -> str:
    """One line of printable text: escape sequences and control characters removed,
    whitespace (newlines included) folded to single spaces, at most ``max_chars`` characters
    (the last one an ellipsis when the text was cut).

    Args:
        text: any value (``str()`` is taken of non-strings).
        max_chars: length limit, at least 1.

    Returns:
        The cleaned text.
    """
    max_chars = max(int(max_chars), 1)
    s = text if isinstance(text, str) else str(text)
    # only a bounded prefix is cleaned, so a multi-megabyte reply costs no more than a short one
    window = 8 * max_chars + 64
    cut = len(s) > window
    s = _SPACES.sub(" ", _CONTROLS.sub("", _ESCAPES.sub("", s[:window]))).strip()
    if cut or len(s) > max_chars:
        s = s[: max_chars - 1].rstrip() + ELLIPSIS
    return s


def for_terminal(text: Any, max_chars: int = MAX_CHARS) -> str:
    """:func:`clean_text` with Rich markup escaped, for ``console.print`` and table cells."""
    from rich.markup import escape

    return escape(clean_text(text, max_chars))


# CommonMark lets a backslash escape any ASCII punctuation; these are the ones that start
# emphasis, links, HTML, code spans or table cells in the middle of a line.
_MARKDOWN = re.compile(r"([\\`*_\[\]<>|~&])")


def for_markdown(text: Any, max_chars: int = MAX_CHARS) -> str:
    """:func:`clean_text` with markdown punctuation backslash-escaped (safe in a table cell)."""
    return _MARKDOWN.sub(r"\\\1", clean_text(text, max_chars))


def for_code_span(text: Any, max_chars: int = MAX_CHARS) -> str:
    """:func:`clean_text` as a markdown code span, fenced by more backticks than it contains."""
    s = clean_text(text, max_chars).replace("|", "\\|")
    longest = max((len(run) for run in re.findall(r"`+", s)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if s.startswith("`") or s.endswith("`") or longest else ""
    return f"{fence}{pad}{s}{pad}{fence}"


_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


def csv_cell(value: Any, max_chars: int = 500) -> Any:
    """A CSV cell: strings are cleaned and kept from being read as spreadsheet formulas.

    Non-strings pass through unchanged. A string that starts with ``= + - @`` and is not a plain
    number gets a leading apostrophe, the usual guard against formula injection.
    """
    if not isinstance(value, str):
        return value
    s = clean_text(value, max_chars)
    if s[:1] in ("=", "+", "-", "@") and not _NUMBER.match(s):
        s = "'" + s
    return s


def for_overlay(text: Any, max_chars: int = 40) -> str:
    """:func:`clean_text` limited to Latin-1 (the characters Pillow's bitmap font can draw)."""
    return clean_text(text, max_chars).encode("latin-1", "replace").decode("latin-1")


# -- secrets -------------------------------------------------------------------------------

# Environment variables whose values are credentials: the providers' usual names
# (OPENAI_API_KEY, ANTHROPIC_API_KEY, AZURE_API_KEY, GEMINI_API_KEY, HF_TOKEN,
# AWS_SECRET_ACCESS_KEY, AZURE_AD_TOKEN ...) all end in one of these words.
_SECRET_NAME = re.compile(r"(KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIALS)$", re.IGNORECASE)
MIN_SECRET_CHARS = 8

# Credentials that a provider or a proxy may echo in an error message.
_SECRET_PATTERNS = (
    re.compile(r"(?i)\b(bearer|basic)(\s+)[A-Za-z0-9._~+/=-]{4,}"),
    re.compile(
        r"(?i)\b(api[-_ ]?key|x-api-key|x-goog-api-key|api-token|access[-_]token|authorization)"
        r"""(["']?\s*[:=]\s*["']?)(?!bearer\b|basic\b)[^\s"',;}&]{4,}"""
    ),
    re.compile(r"\b(sk-)()[A-Za-z0-9_-]{12,}"),
)


def known_secrets(names: Iterable[str | None] = (), environ: dict[str, str] | None = None) -> list[str]:
    """Values of the environment variables that hold credentials, longest first.

    Args:
        names: variables to include whatever their name (e.g. a configured ``api_key_env``).
        environ: the environment (default ``os.environ``).

    Returns:
        The distinct secret values, longest first so that a key containing another is
        replaced whole.
    """
    env = os.environ if environ is None else environ
    found: set[str] = set()
    for name, value in env.items():
        if value and _SECRET_NAME.search(name) and len(value.strip()) >= MIN_SECRET_CHARS:
            found.add(value.strip())
    for name in names:
        value = env.get(name) if name else None
        if value and len(value.strip()) >= 4:
            found.add(value.strip())
    return sorted(found, key=len, reverse=True)


def redact(text: str, secrets: Iterable[str] | None = None) -> str:
    """``text`` with every secret value and credential pattern replaced by ``***``.

    Args:
        text: a message, an error text or a model reply.
        secrets: the values to remove; ``None`` uses :func:`known_secrets`.

    Returns:
        The redacted text (unchanged when it held nothing secret).
    """
    if not isinstance(text, str):
        text = str(text)
    for secret in known_secrets() if secrets is None else secrets:
        if secret:
            text = text.replace(secret, REDACTED)
    for pattern in _SECRET_PATTERNS:
        text = pattern.sub(lambda m: f"{m.group(1)}{m.group(2)}{REDACTED}", text)
    return text
