"""Pass-through to the real HumanoidBench package (``h1-walk-v0``, ``h1hand-door-v0``, ...).

HumanoidBench is not on PyPI. When ``import humanoid_bench`` works, its ids are reachable
through ``mwx_sdk.make_env`` behind :class:`HumanoidBenchEnv`, which gives them the face of the
built-in tasks (``env.unwrapped`` holds ``model``, ``data``, ``task``, ``model_path``,
``success_bar``, ``predicates()``, ``state_summary()``), seeds the package's task resets, and
renders without the package's 1 GiB GL context. When it does not, building one of those ids
raises :class:`HumanoidBenchNotInstalled` saying how to install it and naming the built-in
``mwx/h1-<task>-v0`` equivalent.

The ids are registered with gymnasium as thin proxies whose entry point imports
``humanoid_bench`` on first use. Importing it registers the package's own specs under the same
ids; the proxies are taken out of the registry for that import, the package's specs are kept
here, and the proxies are put back so ``make_env`` keeps returning the wrapped env. (If
``humanoid_bench`` was imported before the plugins loaded, its own ids stay in place unwrapped.)
"""

from __future__ import annotations

import importlib
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

import gymnasium as gym
import numpy as np

from .registration import TASK_NAMES

PROXY_ENTRY_POINT = "mwx_sdk.envs.humanoid_bench:make_humanoid_bench_env"

from .tasks.humanoid_bench_catalogue import _H1_ONLY, _H1HAND_ONLY, _OWN_SUCCESS, HB_TASKS


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


#: Largest shadow map (pixels per side) the adapter's renderer allocates. HumanoidBench's scenes
#: ask for 16384, a 1 GiB depth texture in every GL context (host memory under software EGL).
RENDER_SHADOW_SIZE = 4096


class HumanoidBenchEnv(gym.Env):
    """A HumanoidBench env seen the way mwx sees its own ``mwx/h1-<task>-v0`` tasks.

    ``env.unwrapped`` is this adapter, so the agent, the planner, the experts and the evaluation
    find here what they read on an :class:`~mwx_sdk.envs.base.H1Env`: ``model``, ``data``,
    ``dt``, ``frame_skip``, ``model_path`` (the MJCF the planner copies), ``task`` (the task
    name), ``success_bar``, ``own_success``, ``predicates()`` and ``state_summary()``, plus
    :attr:`planner_defaults` for ``mppi``.
    Stepping and resetting are HumanoidBench's own, unchanged (same physics, observation,
    reward and info), with three differences in what surrounds them:

    - **global numpy generator**: HumanoidBench's task resets (goals, object poses, the
      basketball's throw) draw from ``numpy.random``, not from the env's seed. Each reset runs
      with the global generator swapped for this env's own, seeded by ``reset(seed=...)``, so a
      seeded reset reproduces the whole episode and the caller's global generator is left as
      it was;
    - **rendering**: the HumanoidBench env is built without a render mode (it would open a GL
      context with a 16384-pixel shadow map at construction, about 1 GiB); ``render()`` draws
      with :class:`~mwx_sdk.envs.render.SceneRenderer` on first use, with the shadow map capped
      at :data:`RENDER_SHADOW_SIZE`;
    - **non-finite actions** are refused with a ``ValueError`` naming the joints (MuJoCo would
      zero every control of the step), unless ``nonfinite_actions="pass"``, as on the built-in
      tasks.

    Args:
        env: the HumanoidBench env (built without a render mode).
        hb_id: its id (for the task's success bar).
        render_mode: ``None`` or ``"rgb_array"``.
        width: render width in pixels.
        height: render height in pixels.
        camera: fixed camera name or id to render from; default a camera tracking the pelvis.
        nonfinite_actions: ``"raise"`` (default) or ``"pass"`` (HumanoidBench's behaviour, the
            step flagged with ``info["nonfinite_action"] = True``).
    """

    metadata: ClassVar[dict] = {"render_modes": ["rgb_array"], "render_fps": 50}

    #: ``mppi`` options this env's model asks for, beneath the user's (read by the planner). The
    #: mesh H1 touches itself (knee on knee, ankle on ankle, hip-pitch on hip-yaw) while it walks:
    #: a planner model without self-collisions mispredicts its joints several times more than
    #: one with them (``python -m bench.parity --planner``), and walked it into falls.
    planner_defaults: ClassVar[dict[str, Any]] = {"self_collision": True}

    def __init__(self, env: gym.Env, hb_id: str, render_mode: str | None = None, width: int = 256,
                 height: int = 256, camera: str | int | None = None, nonfinite_actions: str = "raise") -> None:
        if render_mode not in (None, "rgb_array"):
            raise ValueError(f"render_mode must be None or 'rgb_array', got {render_mode!r}")
        if nonfinite_actions not in ("raise", "pass"):
            raise ValueError(f"nonfinite_actions must be 'raise' or 'pass', got {nonfinite_actions!r}")
        self.env = env
        self.hb_id = hb_id
        self.robot, self.task = parse_hb_id(hb_id)
        self.max_episode_steps, self.success_bar = HB_TASKS[self.task]
        self.own_success = self.task in _OWN_SUCCESS
        self.description = f"HumanoidBench {hb_id}"
        self.action_space = env.action_space
        self.observation_space = env.observation_space
        self.render_mode = render_mode
        self.width, self.height, self.camera = int(width), int(height), camera
        self.nonfinite_actions = nonfinite_actions
        base = env.unwrapped
        self.hb_env = base
        self.model = getattr(base, "model", None)
        self.data = getattr(base, "data", None)
        self.frame_skip = int(getattr(base, "frame_skip", 0) or 0) or None
        path = getattr(base, "fullpath", None) or getattr(base, "model_path", None)
        self.model_path = Path(path) if isinstance(path, (str, os.PathLike)) and Path(path).is_file() else None
        self.metadata = {**self.metadata, "render_fps": round(1.0 / self.dt) if self.model is not None else 50}
        self._task_rng: np.random.RandomState | None = None
        self._renderer = None
        self._return = 0.0
        self._succeeded = False
        self._terminated = False
        self._q = None

    @property
    def dt(self) -> float:
        """Control period in seconds (0.02 on every HumanoidBench task)."""
        if self.model is None:
            return float(getattr(self.hb_env, "dt", 0.02))
        return float(self.model.opt.timestep) * (self.frame_skip or 1)

    @property
    def hb_task(self) -> Any:
        """HumanoidBench's own task object (``env.unwrapped.task`` of the package)."""
        return getattr(self.hb_env, "task", None)

    @property
    def episode_return(self) -> float:
        """Undiscounted return since the last reset."""
        return self._return

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        if seed is not None or self._task_rng is None:
            self._task_rng = np.random.RandomState(
                seed if seed is not None else int(self.np_random.integers(2**32)))
        saved = np.random.get_state()
        np.random.set_state(self._task_rng.get_state())
        try:
            obs, info = self.env.reset(seed=seed, options=options)
        finally:
            self._task_rng.set_state(np.random.get_state())
            np.random.set_state(saved)
        self._return = 0.0
        self._succeeded = False
        self._terminated = False
        return obs, info

    def step(self, action: Any):
        a = np.asarray(action)
        nonfinite = a.dtype.kind == "f" and not np.isfinite(a).all()
        if nonfinite and self.nonfinite_actions == "raise":
            raise ValueError(self._nonfinite_message(a))
        obs, reward, terminated, truncated, info = self.env.step(action)
        self._return += float(reward)
        self._terminated = bool(terminated)
        info = dict(info)
        info.setdefault("per_timestep_reward", float(reward))
        if nonfinite:
            info["nonfinite_action"] = True
        if "success" in info:
            self.own_success = True
            self._succeeded = bool(info["success"])
        else:
            self._succeeded = info["success"] = self._return >= self.success_bar
        return obs, reward, terminated, truncated, info

    def _nonfinite_message(self, a: np.ndarray) -> str:
        names = [str(i) for i in range(a.size)]
        if self.model is not None and self.model.nu == a.size:
            names = [self.model.actuator(i).name or str(i) for i in range(a.size)]
        parts = [f"{label} at joints {[names[i] for i in np.flatnonzero(mask)]}"
                 for label, mask in (("NaN", np.isnan(a)), ("inf", np.isinf(a))) if mask.any()]
        return (
            f"action has {' and '.join(parts)}; MuJoCo would silently zero every control of the step. "
            "Fix the policy or planner that produced it, or make the env with nonfinite_actions='pass' "
            "to step anyway (HumanoidBench's behaviour, flagged in info['nonfinite_action'])"
        )

    def render(self):
        if self.render_mode is None:
            gym.logger.warn("render() called with render_mode=None; pass render_mode='rgb_array'")
            return None
        if self.model is None:
            return self.env.render()
        if self._renderer is None:
            from .render import SceneRenderer

            vis = self.model.vis.quality
            size = vis.shadowsize
            vis.shadowsize = min(size, RENDER_SHADOW_SIZE)  # the GL context copies it when created
            try:
                self._renderer = SceneRenderer(self.model, self.width, self.height, camera=self.camera)
            finally:
                vis.shadowsize = size
        return self._renderer.render(self.data)

    def close(self) -> None:
        if self._renderer is not None:
            self._renderer.close()
            self._renderer = None
        self.env.close()

    # -- predicates and state ---------------------------------------------------------------
    def _quantities(self):
        if self._q is None:
            if self.model is None or self.data is None:
                raise AttributeError(f"{self.hb_id} exposes no MuJoCo model/data for predicates")
            from .quantities import H1Quantities

            self._q = (H1Quantities(self.model), self.data)
        return self._q

    def predicates(self) -> dict[str, Callable[[], bool]]:
        """Generic predicates (standing, fallen, moving, still, success) from the MuJoCo state.

        The thresholds are those of the built-in tasks (:mod:`mwx_sdk.envs.base`); ``fallen``
        also holds once the package's own termination (pelvis below 0.2 m on the locomotion
        tasks, a tipped torso on sit_hard ...) has ended the episode.
        """
        from .base import FALLEN_HEAD_HEIGHT, MOVING_SPEED, STANDING_HEAD_HEIGHT, STANDING_UPRIGHT

        q, d = self._quantities()
        return {
            "standing": lambda: q.head_height(d) > STANDING_HEAD_HEIGHT and q.torso_upright(d) > STANDING_UPRIGHT,
            "fallen": lambda: q.head_height(d) < FALLEN_HEAD_HEIGHT or self._terminated,
            "moving": lambda: float(np.hypot(*q.com_velocity(d)[:2])) > MOVING_SPEED,
            "still": lambda: float(np.hypot(*q.com_velocity(d)[:2])) <= MOVING_SPEED,
            "success": lambda: self._succeeded,
        }

    def evaluate_predicates(self) -> dict[str, bool]:
        """Every predicate evaluated now."""
        return {k: bool(f()) for k, f in self.predicates().items()}

    def state_summary(self) -> dict[str, Any]:
        """The state description a VLM prompt gets (the keys of ``H1Env.state_summary``)."""
        from .base import robot_state_summary

        q, d = self._quantities()
        return robot_state_summary(self.task, q, d, {}, self.evaluate_predicates())


def make_humanoid_bench_env(hb_id: str, render_mode: str | None = None, width: int = 256, height: int = 256,
                            camera: str | int | None = None, nonfinite_actions: str = "raise",
                            **kwargs: Any) -> HumanoidBenchEnv:
    """Build the real HumanoidBench env ``hb_id`` behind a :class:`HumanoidBenchEnv`.

    The package's env is built with ``render_mode=None`` (no GL context, no 1 GiB shadow map);
    the adapter renders when ``render_mode="rgb_array"``. An env without a MuJoCo model (a
    stand-in) is given the render mode and renders itself.

    Args:
        hb_id: a HumanoidBench id such as ``"h1-walk-v0"``.
        render_mode: ``None`` or ``"rgb_array"``.
        width: render width in pixels.
        height: render height in pixels.
        camera: fixed camera to render from (default: tracking the pelvis).
        nonfinite_actions: ``"raise"`` or ``"pass"`` (see :class:`HumanoidBenchEnv`).
        **kwargs: passed to the package's env (``randomness``, ``keyframe``, ...).

    Raises:
        HumanoidBenchNotInstalled: when ``humanoid_bench`` cannot be imported.
    """
    specs = _load_hb_specs(hb_id)
    spec = specs.get(hb_id)
    if spec is None:
        raise gym.error.Error(f"humanoid_bench is installed but does not register {hb_id!r}")
    creator = _load_creator(spec.entry_point)
    base_kwargs = {**(spec.kwargs or {}), **kwargs}
    env = creator(**{**base_kwargs, "render_mode": None})
    if render_mode is not None and getattr(env.unwrapped, "model", None) is None:
        env.close()
        env = creator(**{**base_kwargs, "render_mode": render_mode})
    return HumanoidBenchEnv(env, hb_id, render_mode=render_mode, width=width, height=height, camera=camera,
                            nonfinite_actions=nonfinite_actions)


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
