"""One place renders untrusted text: terminal markup, markdown, CSV, overlays, redaction."""

from __future__ import annotations

import io
import time

import pytest

from mwx_sdk.textsafe import (
    ELLIPSIS,
    clean_text,
    csv_cell,
    for_code_span,
    for_markdown,
    for_overlay,
    for_terminal,
    known_secrets,
    redact,
)

HOSTILE = (
    "[/] [bold red]x[/] \x1b[2J\x1b]0;pwned\x07 \x1b]8;;http://evil\x1b\\link\x1b]8;;\x1b\\"
    " a\rb\x00c\u202eevil\nnext\\"
)


def _console():
    from rich.console import Console

    buf = io.StringIO()
    return Console(file=buf, force_terminal=False, width=100, color_system=None), buf


def test_clean_text_removes_escapes_and_controls_and_folds_lines():
    s = clean_text(HOSTILE)
    assert not any(ord(c) < 32 or 0x7F <= ord(c) <= 0x9F for c in s)
    assert "\u202e" not in s and "pwned" not in s and "http://evil" not in s
    assert "[/] [bold red]x[/]" in s and "link a bcevil next" in s
    assert clean_text("a" * 1000, 20) == "a" * 19 + ELLIPSIS
    assert clean_text("  short  ") == "short"
    assert clean_text(None) == "None"


def test_huge_text_is_cut_in_bounded_time():
    huge = "[/]" * 2_000_000  # 6 MB
    t0 = time.perf_counter()
    s = for_terminal(huge)
    console, buf = _console()
    console.print(s)
    assert time.perf_counter() - t0 < 2.0
    assert len(clean_text(huge)) == 200 and buf.getvalue().count("[/]") > 10


def test_for_terminal_is_printed_literally_by_rich():
    from rich.table import Table

    console, buf = _console()
    safe = for_terminal(HOSTILE, 500)
    console.print(f"[bold]{safe}[/] done")  # raw HOSTILE here raises rich.errors.MarkupError
    t = Table()
    t.add_column("v")
    t.add_row(safe)
    console.print(t)
    out = buf.getvalue()
    assert "[/] [bold red]x[/]" in out and "\x1b" not in out and "\x07" not in out
    assert "done" in out
    assert for_terminal("ends with a backslash\\")  # rich's escape keeps a trailing backslash inert


def test_markdown_csv_and_overlay_forms():
    cell = for_markdown("a|b `c` <script>alert(1)</script> *x*\nnew row")
    assert "\n" not in cell and "\\|" in cell and "<script>" not in cell and "\\<script\\>" in cell
    span = for_code_span("mwx eval --instruction 'a`b' | tee")
    assert span.startswith("``") and span.endswith("``") and "\\|" in span
    assert csv_cell("=HYPERLINK(\"http://evil\")").startswith("'=")
    assert csv_cell("@SUM(A1)").startswith("'@") and csv_cell("-1.5") == "-1.5" and csv_cell(3.0) == 3.0
    assert csv_cell("walk\r\nforward") == "walk forward"
    assert for_overlay("walk → sit 🪑\x1b[31m", 40) == "walk ? sit ?"


def test_redact_every_known_key_and_bearer_tokens(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "test-openai-value-1234")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "test-anthropic-value-5678")
    monkeypatch.setenv("HF_TOKEN", "hf-token-value-9999")
    monkeypatch.setenv("MY_GATEWAY_SECRET", "gateway-secret-0000")
    monkeypatch.setenv("CUSTOM_VAR", "custom-named-key-4242")
    monkeypatch.setenv("SHORT_TOKEN", "abc")  # too short to be a credential worth redacting
    secrets = known_secrets(["CUSTOM_VAR"])
    for value in ("test-openai-value-1234", "test-anthropic-value-5678", "hf-token-value-9999",
                  "gateway-secret-0000", "custom-named-key-4242"):
        assert value in secrets
    assert "abc" not in secrets
    text = (
        "401: key test-openai-value-1234 / test-anthropic-value-5678 / hf-token-value-9999 rejected; "
        "headers {'Authorization': 'Bearer tok-unknown-to-env-77', 'x-api-key': 'xk-unknown-88'} "
        "api_key=\"ak-unknown-99\" sk-proj-abcdefghijklmnopqrstuv"
    )
    out = redact(text, secrets)
    leaks = ("test-openai", "test-anthropic", "hf-token-value", "tok-unknown", "xk-unknown", "ak-unknown",
             "abcdefghij")
    for leaked in leaks:
        assert leaked not in out, out
    assert "Bearer ***" in out and "401: key ***" in out
    assert redact("walk to the chair, then sit", secrets) == "walk to the chair, then sit"


@pytest.mark.parametrize("name", ["OPENAI_API_KEY", "AZURE_API_KEY", "GEMINI_API_KEY", "AZURE_AD_TOKEN"])
def test_provider_variables_are_known_secrets(monkeypatch, name):
    monkeypatch.setenv(name, "value-of-the-provider-key")
    assert redact("echo value-of-the-provider-key", None) == "echo ***"
