"""Pass-through to the real HumanoidBench package (``h1-walk-v0``, ``h1hand-door-v0``, ...).

HumanoidBench is not on PyPI. When ``import humanoid_bench`` works, its ids are reachable
through ``mwx_sdk.make_env`` wrapped by :class:`HumanoidBenchEnv` (success flag from the return
vs the task's success bar, generic predicates, rendering). When it does not, building one of
those ids raises :class:`HumanoidBenchNotInstalled` saying how to install it and naming the
built-in ``mwx/h1-<task>-v0`` equivalent.

The ids are registered with gymnasium as thin proxies whose entry point imports
``humanoid_bench`` on first use. Importing it registers the package's own specs under the same
ids; the proxies are taken out of the registry for that import, the package's specs are kept
here, and the proxies are put back so ``make_env`` keeps returning the wrapped env. (If
``humanoid_bench`` was imported before the plugins loaded, its own ids stay in place unwrapped.)
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable
from typing import Any

import gymnasium as gym

from .registration import TASK_NAMES

PROXY_ENTRY_POINT = "mwx_sdk.envs.humanoid_bench:make_humanoid_bench_env"

# task -> (max_episode_steps, success_bar), from the HumanoidBench environment table
HB_TASKS: dict[str, tuple[int, float]] = {
    "stand": (1000, 800.0), "walk": (1000, 700.0), "run": (1000, 700.0), "crawl": (1000, 700.0),
    "hurdle": (1000, 700.0), "stair": (1000, 700.0), "slide": (1000, 700.0), "pole": (1000, 700.0),
    "maze": (1000, 1200.0), "sit_simple": (1000, 750.0), "sit_hard": (1000, 750.0),
    "balance_simple": (1000, 800.0), "balance_hard": (1000, 800.0), "reach": (1000, 12000.0),
    "door": (1000, 600.0), "push": (500, 700.0), "package": (1000, 1500.0), "truck": (1000, 3000.0),
    "basketball": (500, 1200.0), "highbar_simple": (1000, 750.0), "cabinet": (1000, 2500.0),
    "cube": (500, 370.0), "powerlift": (1000, 800.0), "bookshelf_simple": (1000, 2000.0),
    "bookshelf_hard": (1000, 2000.0), "window": (1000, 650.0), "spoon": (1000, 650.0),
    "room": (1000, 400.0), "insert_normal": (500, 350.0), "insert_small": (500, 350.0),
}
_H1_ONLY = {"highbar_simple"}
_H1HAND_ONLY = {"cabinet", "cube", "powerlift", "bookshelf_simple", "bookshelf_hard", "window", "spoon", "room",
                "insert_normal", "insert_small"}


def hb_env_ids() -> list[str]:
    """HumanoidBench ids that can be built with its assets (``h1-*`` and ``h1hand-*``)."""
    ids = []
    for robot in ("h1", "h1hand"):
        for task in HB_TASKS:
            if (robot == "h1" and task in _H1HAND_ONLY) or (robot == "h1hand" and task in _H1_ONLY):
                continue
            ids.append(f"{robot}-{task}-v0")
    return ids


def parse_hb_id(hb_id: str) -> tuple[str, str]:
    """``"h1hand-door-v0"`` -> ``("h1hand", "door")``."""
    robot, _, rest = hb_id.partition("-")
    task = rest.rsplit("-v", 1)[0]
    if not robot or task not in HB_TASKS:
        raise ValueError(f"{hb_id!r} is not a HumanoidBench id like 'h1-walk-v0'")
    return robot, task


class HumanoidBenchNotInstalled(ImportError):
    """``humanoid_bench`` cannot be imported."""


def install_help(hb_id: str) -> str:
    """The error text for a HumanoidBench id when the package is missing."""
    _, task = parse_hb_id(hb_id)
    if task in TASK_NAMES:
        alt = f"The built-in equivalent is 'mwx/h1-{task}-v0' (mwx_sdk.make_env('mwx/h1-{task}-v0'))."
    else:
        alt = f"There is no built-in equivalent of {task!r}; built-in tasks: {', '.join(TASK_NAMES)}."
    return (
        f"{hb_id!r} needs the humanoid_bench package, which is not installed. humanoid-bench is not on "
        "PyPI; install it from source with `git clone https://github.com/carlosferrazza/humanoid-bench && "
        "pip install -e humanoid-bench` (note: it pins mujoco==3.1.6). " + alt
    )


_LOCK = threading.Lock()
_HB_SPECS: dict[str, Any] | None = None


def _is_proxy(spec: Any) -> bool:
    return getattr(spec, "entry_point", None) == PROXY_ENTRY_POINT


def _load_hb_specs(hb_id: str) -> dict[str, Any]:
    global _HB_SPECS
    with _LOCK:
        if _HB_SPECS is not None:
            return _HB_SPECS
        proxies = {k: v for k, v in gym.registry.items() if _is_proxy(v)}
        for k in proxies:
            del gym.registry[k]
        try:
            importlib.import_module("humanoid_bench")
        except ImportError as exc:
            if exc.name is not None and exc.name.split(".")[0] == "humanoid_bench":
                raise HumanoidBenchNotInstalled(install_help(hb_id)) from exc
            raise ImportError(
                f"humanoid_bench is installed but failed to import ({exc}); it pins mujoco==3.1.6 "
                "and gymnasium 0.29 - check its dependencies"
            ) from exc
        finally:
            specs = {k: v for k, v in gym.registry.items() if k.startswith("h1") and not _is_proxy(v)}
            gym.registry.update(proxies)
        _HB_SPECS = specs
        return specs


def _load_creator(entry_point: Any) -> Callable:
    if callable(entry_point):
        return entry_point
    module, _, attr = str(entry_point).partition(":")
    return getattr(importlib.import_module(module), attr)


class HumanoidBenchEnv(gym.Wrapper):
    """A HumanoidBench env with the mwx diagnostics: success from return vs bar, predicates.

    Args:
        env: the HumanoidBench env (unwrapped or wrapped).
        hb_id: its id (for the task's success bar).
    """

    def __init__(self, env: gym.Env, hb_id: str) -> None:
        super().__init__(env)
        self.hb_id = hb_id
        self.robot, self.task = parse_hb_id(hb_id)
        self.success_bar = HB_TASKS[self.task][1]
        self._return = 0.0
        self._succeeded = False
        self._q = None

    @property
    def episode_return(self) -> float:
        """Undiscounted return since the last reset."""
        return self._return

    def reset(self, **kwargs: Any):
        self._return = 0.0
        self._succeeded = False
        return self.env.reset(**kwargs)

    def step(self, action: Any):
        obs, reward, terminated, truncated, info = self.env.step(action)
        self._return += float(reward)
        info = dict(info)
        info.setdefault("per_timestep_reward", float(reward))
        if "success" in info:
            self._succeeded = bool(info["success"])
        else:
            self._succeeded = info["success"] = self._return >= self.success_bar
        return obs, reward, terminated, truncated, info

    def _quantities(self):
        if self._q is None:
            base = self.env.unwrapped
            if not (hasattr(base, "model") and hasattr(base, "data")):
                raise AttributeError(f"{self.hb_id} exposes no MuJoCo model/data for predicates")
            from .quantities import H1Quantities

            self._q = (H1Quantities(base.model), base.data)
        return self._q

    def predicates(self) -> dict[str, Callable[[], bool]]:
        """Generic predicates (standing, fallen, moving, still, success) from the MuJoCo state."""
        import numpy as np

        from .base import FALLEN_HEAD_HEIGHT, MOVING_SPEED, STANDING_HEAD_HEIGHT, STANDING_UPRIGHT

        q, d = self._quantities()
        return {
            "standing": lambda: q.head_height(d) > STANDING_HEAD_HEIGHT and q.torso_upright(d) > STANDING_UPRIGHT,
            "fallen": lambda: q.head_height(d) < FALLEN_HEAD_HEIGHT,
            "moving": lambda: float(np.hypot(*q.com_velocity(d)[:2])) > MOVING_SPEED,
            "still": lambda: float(np.hypot(*q.com_velocity(d)[:2])) <= MOVING_SPEED,
            "success": lambda: self._succeeded,
        }


def make_humanoid_bench_env(hb_id: str, **kwargs: Any) -> HumanoidBenchEnv:
    """Build the real HumanoidBench env ``hb_id`` wrapped in :class:`HumanoidBenchEnv`.

    Raises:
        HumanoidBenchNotInstalled: when ``humanoid_bench`` cannot be imported.
    """
    specs = _load_hb_specs(hb_id)
    spec = specs.get(hb_id)
    if spec is None:
        raise gym.error.Error(f"humanoid_bench is installed but does not register {hb_id!r}")
    env = _load_creator(spec.entry_point)(**{**(spec.kwargs or {}), **kwargs})
    return HumanoidBenchEnv(env, hb_id)


def register_humanoid_bench_ids(register: Callable | None = None) -> list[str]:
    """Register the proxy ids (``register_envs`` callback, or gymnasium directly)."""
    if register is None:

        def register(env_id, entry_point, description=None, **kw):
            if env_id not in gym.registry:
                gym.register(id=env_id, entry_point=entry_point, **kw)

    ids = hb_env_ids()
    for i in ids:
        register(
            i,
            PROXY_ENTRY_POINT,
            description=f"HumanoidBench {i} (needs the humanoid_bench package)",
            max_episode_steps=HB_TASKS[parse_hb_id(i)[1]][0],
            kwargs={"hb_id": i},
        )
    return ids
