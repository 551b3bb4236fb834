"""The ``litellm`` VLM backend: any provider litellm speaks (OpenAI, Anthropic, Ollama, ...).

The prompt follows MetaWorld (instruction, expert library with descriptions, the task's
completion predicates, a compact state summary, and a camera image when the model supports
vision); the answer is strict JSON parsed by :func:`mwx_sdk.semantic.parse_plan` with the
tau = 0.3 softmax. Requests are retried with exponential backoff and a timeout, validated plans
are cached on disk keyed by (model, endpoint, prompt, image hash), and persistent failure falls
back to the offline interpreter with a warning, so an episode never crashes on the network or on
what the model answers.

Replies are untrusted: one above ``max_reply_bytes`` is refused before parsing, the parser
rejects pathological nesting, and only the parsed plan is cached (``mwx cache clear`` empties
the cache). API keys come only from the environment (``api_key_env`` names the variable,
otherwise litellm reads its provider's usual one). Every key value found in the environment is
redacted from errors, warnings and replies (:func:`mwx_sdk.textsafe.redact`); a reply that
echoed one is used redacted and never cached. litellm is imported on first use (extra ``vlm``).
"""

from __future__ import annotations

import os
import re
import sys
import time
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from mwx_sdk import hookimpl
from mwx_sdk.interfaces import ExpertSpec, SemanticPlan, VLMBackend
from mwx_sdk.semantic.cache import ResponseCache, cache_key
from mwx_sdk.semantic.parsing import DEFAULT_TAU, PlanParseError, parse_plan, plan_to_json
from mwx_sdk.semantic.prompt import build_messages, encode_png
from mwx_sdk.semantic.targets import scene_objects
from mwx_sdk.textsafe import clean_text, known_secrets, redact

MISSING_EXTRA = "the litellm VLM backend needs litellm: pip install 'mwx-sdk[vlm]'"


class VLMRequestError(RuntimeError):
    """A request failed (transport error, bad status, empty or malformed answer)."""


@dataclass
class LiteLLMConfig:
    """Configuration of the litellm backend.

    Args:
        model: a litellm model string (``"openai/gpt-4o-mini"``, ``"anthropic/..."``,
            ``"ollama/llava"``).
        api_base: custom endpoint (``"http://localhost:11434"``), or ``None``.
        api_key_env: name of the environment variable holding the API key, or ``None`` to let
            litellm use the provider's usual variable.
        timeout: seconds per request.
        retries: extra attempts after the first one.
        backoff: first backoff delay in seconds; doubles each retry (capped at 30 s).
        temperature: sampling temperature of the model (0 for repeatable plans).
        max_tokens: answer length limit.
        tau: softmax temperature over parsed scores (MetaWorld: 0.3).
        vision: send the camera image; ``None`` asks ``litellm.supports_vision``.
        cache: use the on-disk response cache.
        cache_dir: cache folder; ``None`` uses ``$MWX_CACHE_DIR/vlm`` or ``~/.cache/mwx/vlm``.
        fallback: offline backend used on persistent failure (``"embedding"`` or ``"lexical"``).
        json_mode: ask the provider for a JSON object (``response_format``); only for models
            that support it (OpenAI, many local servers). The parser copes without it.
        max_reply_bytes: longer replies are refused before parsing or caching (the attempt
            counts as failed, so the backend retries and then falls back).
    """

    model: str = "openai/gpt-4o-mini"
    api_base: str | None = None
    api_key_env: str | None = None
    timeout: float = 30.0
    retries: int = 2
    backoff: float = 1.0
    temperature: float = 0.0
    max_tokens: int = 800
    tau: float = DEFAULT_TAU
    vision: bool | None = None
    cache: bool = True
    cache_dir: str | None = None
    fallback: str = "embedding"
    json_mode: bool = False
    max_reply_bytes: int = 65_536

    def __post_init__(self) -> None:
        if not isinstance(self.model, str) or not self.model.strip():
            raise ValueError(f"model must be a litellm model string, got {self.model!r}")
        if self.timeout <= 0:
            raise ValueError(f"timeout must be positive seconds, got {self.timeout}")
        if int(self.retries) < 0:
            raise ValueError(f"retries must be >= 0, got {self.retries}")
        if self.backoff < 0:
            raise ValueError(f"backoff must be >= 0, got {self.backoff}")
        if not self.tau > 0:
            raise ValueError(f"tau must be positive, got {self.tau}")
        if self.fallback not in {"embedding", "lexical"}:
            raise ValueError(f"fallback must be 'embedding' or 'lexical', got {self.fallback!r}")
        if self.api_key_env is not None and not str(self.api_key_env).strip():
            raise ValueError("api_key_env must name an environment variable (e.g. OPENAI_API_KEY)")
        if int(self.max_reply_bytes) < 1024:
            raise ValueError(f"max_reply_bytes must be at least 1024, got {self.max_reply_bytes}")


def _import_litellm():
    # The cost map is otherwise fetched from the network on import.
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    try:
        import litellm
    except ImportError as exc:
        raise ImportError(MISSING_EXTRA) from exc
    litellm.suppress_debug_info = True
    litellm.telemetry = False
    return litellm


class LiteLLMBackend(VLMBackend):
    """Semantic plans from a hosted or local (V)LM through litellm."""

    name = "litellm"

    def __init__(self, **cfg: Any) -> None:
        self.config = LiteLLMConfig(**cfg)
        self.cache = ResponseCache(self.config.cache_dir) if self.config.cache else None
        self.requests = 0  # network requests actually sent (cache hits do not count)
        self.fallbacks = 0
        self._fallback = None
        self._vision: bool | None = self.config.vision

    # -- helpers ---------------------------------------------------------------------------
    def _api_key(self) -> str | None:
        env = self.config.api_key_env
        if env is None:
            return None
        key = os.environ.get(env)
        if not key:
            raise VLMRequestError(f"environment variable {env} is not set; export your API key there")
        return key

    def supports_vision(self) -> bool:
        """Whether images are sent (config override, else litellm's model table)."""
        if self._vision is None:
            try:
                self._vision = bool(_import_litellm().supports_vision(model=self.config.model))
            except ImportError:
                raise
            except Exception:  # noqa: BLE001 - unknown models are not in litellm's table
                self._vision = False
        return self._vision

    def _offline(self):
        if self._fallback is None:
            from mwx_plugins.vlm_embedding import EmbeddingBackend, LexicalBackend

            cls = EmbeddingBackend if self.config.fallback == "embedding" else LexicalBackend
            self._fallback = cls(tau=self.config.tau)
        return self._fallback

    def _request(self, messages: list[dict], key: str | None) -> str:
        litellm = _import_litellm()
        kwargs: dict[str, Any] = {
            "model": self.config.model,
            "messages": messages,
            "timeout": self.config.timeout,
            "temperature": self.config.temperature,
            "max_tokens": self.config.max_tokens,
            "num_retries": 0,
            "max_retries": 0,
        }
        if self.config.api_base:
            kwargs["api_base"] = self.config.api_base
        if self.config.json_mode:
            kwargs["response_format"] = {"type": "json_object"}
        if key is not None:
            kwargs["api_key"] = key
        self.requests += 1
        try:
            resp = litellm.completion(**kwargs)
        except Exception as exc:  # noqa: BLE001 - every provider error type funnels into a retry
            raise VLMRequestError(_redact(f"{type(exc).__name__}: {exc}", key)) from None
        choices = getattr(resp, "choices", None) or []
        if not choices:
            raise VLMRequestError("response has no choices")
        message = getattr(choices[0], "message", None)
        text = getattr(message, "content", None)
        if not isinstance(text, str) or not text.strip():
            raise VLMRequestError("response message is empty")
        limit = int(self.config.max_reply_bytes)
        # characters are at most 4 UTF-8 bytes: only a long reply needs encoding to be measured
        size = len(text) if len(text) * 4 <= limit else len(text.encode("utf-8", "surrogatepass"))
        if size > limit:
            raise VLMRequestError(f"reply is {size} bytes, above max_reply_bytes={limit}; ignored")
        return text

    def endpoint(self) -> str | dict[str, str]:
        """Where requests go: ``api_base``, else what litellm reads from the environment.

        Without ``api_base`` litellm takes the endpoint from variables such as
        ``OPENAI_API_BASE``, ``OPENAI_BASE_URL``, ``ANTHROPIC_BASE_URL`` or ``OLLAMA_API_BASE``
        (and from ``litellm.api_base`` when a program sets it), so all of them are part of the
        cache key: a plan from one server is never replayed for another.
        """
        if self.config.api_base:
            return self.config.api_base
        found = {k: v for k, v in os.environ.items() if v and _ENDPOINT_ENV.search(k)}
        litellm = sys.modules.get("litellm")  # set only by a program that imported litellm itself
        base = getattr(litellm, "api_base", None) if litellm is not None else None
        if isinstance(base, str) and base:
            found["litellm.api_base"] = base
        return found

    # -- VLMBackend ------------------------------------------------------------------------
    def interpret(
        self,
        instruction: str,
        experts: Sequence[ExpertSpec],
        *,
        image: np.ndarray | None = None,
        state: Mapping[str, Any] | None = None,
        predicates: Sequence[str] = (),
    ) -> SemanticPlan:
        names = [e.name for e in experts]
        found = scene_objects(state)
        objects = None if found is None else list(found)
        image_url = image_sha = None
        if image is not None and self.supports_vision():
            image_url, image_sha = encode_png(image)
        messages = build_messages(instruction, experts, predicates, state, image_url)
        keyed = build_messages(instruction, experts, predicates, state, None)
        key = cache_key(
            self.config.model,
            keyed,
            image_sha,
            api_base=self.endpoint(),
            temperature=self.config.temperature,
            max_tokens=self.config.max_tokens,
            json_mode=self.config.json_mode,
        )
        if self.cache is not None:
            text = self.cache.get(key)
            if text is not None:
                try:
                    return self._parse(text, instruction, names, predicates, objects)
                except PlanParseError:
                    pass  # a stale or corrupted entry: ask again
        api_key = None
        try:
            api_key = self._api_key()
        except VLMRequestError as exc:  # a missing key is not transient: retrying only waits
            attempts, last = 0, str(exc)
        else:
            attempts, last = int(self.config.retries) + 1, "no attempt made"
        secrets = self._secrets(api_key)
        for attempt in range(attempts):
            if attempt:
                time.sleep(min(self.config.backoff * 2 ** (attempt - 1), 30.0))
            try:
                text = self._request(messages, api_key)
                # a reply that echoes a credential is used redacted and never stored
                safe = redact(text, secrets)
                plan = self._parse(safe, instruction, names, predicates, objects)
            except (VLMRequestError, PlanParseError) as exc:
                last = str(exc)
                continue
            if safe != text:
                warnings.warn(
                    f"litellm backend ({self.config.model}): the reply contained an API key or token; "
                    "it was redacted and the plan is not cached",
                    stacklevel=2,
                )
            elif self.cache is not None:
                self.cache.put(key, self.config.model, plan_to_json(plan))
            return plan
        self.fallbacks += 1
        warnings.warn(
            f"litellm backend ({self.config.model}) failed after {attempts} "
            f"attempt(s): {clean_text(redact(last, secrets), 500)}; "
            f"planning offline with {self.config.fallback!r} instead",
            stacklevel=2,
        )
        return self._offline().interpret(
            instruction, experts, image=image, state=state, predicates=predicates
        )

    def _secrets(self, api_key: str | None) -> list[str]:
        found = known_secrets([self.config.api_key_env])
        if api_key and api_key not in found:
            found.insert(0, api_key)
        return found

    def _parse(self, text: str, instruction: str, names: list[str], predicates: Sequence[str],
               objects: Sequence[str] | None = None) -> SemanticPlan:
        return parse_plan(
            text,
            instruction,
            names,
            predicates,
            tau=self.config.tau,
            backend=f"litellm:{self.config.model}",
            max_chars=int(self.config.max_reply_bytes),
            objects=objects,
        )


# endpoint variables of litellm's providers: OPENAI_API_BASE, OPENAI_BASE_URL, AZURE_API_BASE,
# ANTHROPIC_BASE_URL, OLLAMA_API_BASE, AZURE_OPENAI_ENDPOINT ...
_ENDPOINT_ENV = re.compile(r"_(API_BASE|BASE_URL|ENDPOINT)$")


def _redact(text: str, key: str | None) -> str:
    """An error text without the configured key, any key found in the environment or a bearer
    token, on one line of at most 500 characters."""
    return clean_text(redact(text, known_secrets() + ([key] if key else [])), 500)


@hookimpl
def register_vlm_backends(register):
    register(LiteLLMBackend, name="litellm", description="Any litellm model (OpenAI, Anthropic, Ollama, ...) with retries, cache and offline fallback")
