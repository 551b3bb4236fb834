"""The ``litellm`` VLM backend: any provider litellm speaks (OpenAI, Anthropic, Ollama, ...).

The prompt follows MetaWorld (instruction, expert library with descriptions, the task's
completion predicates, a compact state summary, and a camera image when the model supports
vision); the answer is strict JSON parsed by :func:`mwx_sdk.semantic.parse_plan` with the
tau = 0.3 softmax. Requests are retried with exponential backoff and a timeout, answers are
cached on disk keyed by (model, prompt, image hash), and persistent failure falls back to the
offline planner with a warning, so an episode never crashes on the network.

API keys come only from the environment (``api_key_env`` names the variable, otherwise litellm
reads its provider's usual one); they are never logged, put in warnings or written to the cache.
litellm is imported on first use (extra ``vlm``).
"""

from __future__ import annotations

import os
import time
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from mwx_sdk import hookimpl
from mwx_sdk.interfaces import ExpertSpec, SemanticPlan, VLMBackend
from mwx_sdk.semantic.cache import ResponseCache, cache_key
from mwx_sdk.semantic.parsing import DEFAULT_TAU, PlanParseError, parse_plan
from mwx_sdk.semantic.prompt import build_messages, encode_png

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
            except Exception:  # unknown models are not in litellm's table
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
        kwargs: dict[str, Any] = dict(
            model=self.config.model,
            messages=messages,
            timeout=self.config.timeout,
            temperature=self.config.temperature,
            max_tokens=self.config.max_tokens,
            num_retries=0,
            max_retries=0,
        )
        if self.config.api_base:
            kwargs["api_base"] = self.config.api_base
        if self.config.json_mode:
            kwargs["response_format"] = {"type": "json_object"}
        if key is not None:
            kwargs["api_key"] = key
        self.requests += 1
        try:
            resp = litellm.completion(**kwargs)
        except Exception as exc:  # every provider error type funnels into a retry
            raise VLMRequestError(_redact(f"{type(exc).__name__}: {exc}", key)) from None
        choices = getattr(resp, "choices", None) or []
        if not choices:
            raise VLMRequestError("response has no choices")
        message = getattr(choices[0], "message", None)
        text = getattr(message, "content", None)
        if not isinstance(text, str) or not text.strip():
            raise VLMRequestError("response message is empty")
        return text

    # -- VLMBackend ------------------------------------------------------------------------
    def plan(
        self,
        instruction: str,
        experts: Sequence[ExpertSpec],
        *,
        image: np.ndarray | None = None,
        state: Mapping[str, Any] | None = None,
        predicates: Sequence[str] = (),
    ) -> SemanticPlan:
        names = [e.name for e in experts]
        image_url = image_sha = None
        if image is not None and self.supports_vision():
            image_url, image_sha = encode_png(image)
        messages = build_messages(instruction, experts, predicates, state, image_url)
        keyed = build_messages(instruction, experts, predicates, state, None)
        key = cache_key(
            self.config.model,
            keyed,
            image_sha,
            api_base=self.config.api_base,
            temperature=self.config.temperature,
            max_tokens=self.config.max_tokens,
            json_mode=self.config.json_mode,
        )
        if self.cache is not None:
            text = self.cache.get(key)
            if text is not None:
                try:
                    return self._parse(text, instruction, names, predicates)
                except PlanParseError:
                    pass  # a stale or corrupted entry: ask again
        try:
            api_key = self._api_key()
        except VLMRequestError as exc:  # a missing key is not transient: retrying only waits
            attempts, last = 0, str(exc)
        else:
            attempts, last = int(self.config.retries) + 1, "no attempt made"
        for attempt in range(attempts):
            if attempt:
                time.sleep(min(self.config.backoff * 2 ** (attempt - 1), 30.0))
            try:
                text = self._request(messages, api_key)
                plan = self._parse(text, instruction, names, predicates)
            except (VLMRequestError, PlanParseError) as exc:
                last = str(exc)
                continue
            if self.cache is not None:
                self.cache.put(key, self.config.model, text)
            return plan
        self.fallbacks += 1
        warnings.warn(
            f"litellm backend ({self.config.model}) failed after {attempts} "
            f"attempt(s): {last}; planning offline with {self.config.fallback!r} instead",
            stacklevel=2,
        )
        return self._offline().plan(
            instruction, experts, image=image, state=state, predicates=predicates
        )

    def _parse(self, text: str, instruction: str, names: list[str], predicates: Sequence[str]) -> SemanticPlan:
        return parse_plan(
            text, instruction, names, predicates, tau=self.config.tau, backend=f"litellm:{self.config.model}"
        )


def _redact(text: str, key: str | None) -> str:
    if key:
        text = text.replace(key, "***")
    return text[:500]


@hookimpl
def register_vlm_backends(register):
    register(LiteLLMBackend, name="litellm", description="Any litellm model (OpenAI, Anthropic, Ollama, ...) with retries, cache and offline fallback")
