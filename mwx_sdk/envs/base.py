"""``H1Env``: the gymnasium base of the HumanoidBench-compatible H1 tasks.

Mechanics (HumanoidBench task specification, section 1):

- action ``a in [-1, 1]^nu`` maps affinely onto each actuator's ctrlrange,
  ``ctrl = (a + 1) / 2 (hi - lo) + lo``; MuJoCo clamps values outside the range. As in the
  reference, ``lo`` and ``hi`` are the ctrlrange rounded to float32 (gymnasium's ``MujocoEnv``
  keeps its action bounds in float32) and the map runs in numpy's dtype of the action with
  them: a float32 action (the action space's dtype) gives a float32 ctrl, a float64 one a
  float64 ctrl. (A map in float64 differs from the reference in the last bits of ctrl, and the
  contacts grow such differences into visibly different trajectories within a second);
- each step holds the controls for ``frame_skip = 10`` physics steps of 2 ms, then runs
  ``mj_rnePostConstraint`` once and *no* ``mj_forward``: sites, bodies, sensors and actuator
  forces describe the start of the last substep, ``qpos``/``qvel`` the end (as in the reference);
- reset: keyframe 0 (or ``keyframe=``), ``mj_forward``, ``qpos += U(-r, r)`` with
  ``r = randomness`` from the env's seeded ``np_random``, free-joint quaternions re-normalised,
  ``mj_forward``, then the task reset;
- ``info = {"per_timestep_reward": r, **reward_terms, "success": ...}``; truncation comes from
  the gymnasium ``TimeLimit`` (``max_episode_steps`` of the task).

Non-finite actions: MuJoCo answers a NaN or infinite control by zeroing *every* control of that
physics step (its ``BADCTRL`` warning), so a policy that emits NaN would go on "stepping" with
plausible rewards. By default :meth:`H1Env.step` refuses such an action with a ``ValueError``
naming the joints, before touching the simulation. ``nonfinite_actions="pass"`` (constructor or
``make_env(..., nonfinite_actions="pass")``) keeps HumanoidBench's pass-through behaviour and
marks the step with ``info["nonfinite_action"] = True`` (the key is absent on finite steps).

Deliberate differences from the reference implementation:

- task randomisation (goals, object poses) uses the env's seeded ``np_random`` instead of the
  global numpy generator, so ``reset(seed=s)`` reproduces an episode completely;
- ``mj_forward`` runs after the task reset, so the first observation is consistent (the
  reference's package task returns a stale destination there);
- stateful tasks (truck) clear their progress on reset.

Per-step cost: the observation and each task's reward inputs are read with one precomputed
fancy index each from a flat view over MjData's buffer (:func:`float_buffer`), and the reward
terms are computed in closed form on Python floats (:mod:`mwx_sdk.envs.scalar`), so an env step
costs little more than its 10 physics steps (``bench/env_throughput.py``).

``info["success"]`` is the task's own success flag where it has one (push, package, truck,
basketball) and otherwise ``episode return so far >= success_bar``.
"""

from __future__ import annotations

import ctypes
import os
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any, ClassVar

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from .._lazy import LazyModule
from .quantities import H1Quantities

# imported when the first env is built: the task registry imports the task modules cheaply
mujoco = LazyModule("mujoco")

FRAME_SKIP = 10
# sum of squared action values above which step() looks at each element (NaN, inf or huge)
_SCREEN_BOUND = 1e6

# thresholds of the generic predicates (metres, m/s, and the torso zz component)
STANDING_HEAD_HEIGHT = 1.2
STANDING_UPRIGHT = 0.8
FALLEN_HEAD_HEIGHT = 0.6
MOVING_SPEED = 0.3
NEAR_DISTANCE = 1.0

_REFERENCE_ENVS = Path(__file__).resolve().parents[2].parent / "shared" / "reference" / "humanoid_bench" / "assets" / "envs"


def reference_model_path(task: str, robot: str = "h1") -> Path:
    """Path of the HumanoidBench reference env XML for ``task`` (``$MWX_HB_ASSETS`` or ../shared)."""
    root = Path(os.environ["MWX_HB_ASSETS"]) / "envs" if os.environ.get("MWX_HB_ASSETS") else _REFERENCE_ENVS
    return root / f"{robot}_pos_{task}.xml"


def default_model_path(task: str, variant: str | None = None) -> Path:
    """The project's own H1 scene for ``task`` when present, else the HumanoidBench reference XML.

    Args:
        task: task name.
        variant: H1 model variant (``mwx_sdk.envs.assets.VARIANTS``: ``"mesh"``, the default,
            HumanoidBench's collision hulls, or ``"primitive"``, primitive collision shapes).

    Raises:
        ValueError: for an unknown variant.
        FileNotFoundError: when neither exists.
    """
    try:
        from .assets import DEFAULT_VARIANT, VARIANTS, scene_path  # the project's own H1 MJCF scenes
    except ImportError:
        scene_path = None
    if scene_path is not None:
        if variant is not None and variant not in VARIANTS:
            raise ValueError(f"unknown model_variant {variant!r}: valid variants are {', '.join(VARIANTS)}")
        try:
            p = Path(scene_path(task, variant=variant or DEFAULT_VARIANT))
            if p.is_file():
                return p
        except (KeyError, ValueError, FileNotFoundError):
            pass
    ref = reference_model_path(task)
    if ref.is_file():
        return ref
    raise FileNotFoundError(
        f"no H1 scene found for task {task!r}: mwx_sdk.envs.assets has none and the reference XML "
        f"{ref} does not exist. Pass model_path=<your MJCF using HumanoidBench names> or set "
        "MWX_HB_ASSETS to a HumanoidBench assets folder."
    )


class DataViews:
    """Numpy views of the ``MjData`` fields the tasks read, created once.

    Reading ``data.qpos`` builds a new array object on every access; the hot path reads these
    cached views instead (they share MjData's memory, so they always show the current state).
    """

    FIELDS = ("qpos", "qvel", "act", "ctrl", "xpos", "xquat", "xmat", "site_xpos", "sensordata", "actuator_force")
    __slots__ = FIELDS

    def __init__(self, data: Any) -> None:
        for name in self.FIELDS:
            setattr(self, name, getattr(data, name))


# MjData fields the per-step gathers read (all float64)
GATHER_FIELDS = ("qpos", "qvel", "xpos", "xquat", "xmat", "site_xpos", "sensordata", "actuator_force")
_MAX_SPAN = 1 << 28  # bytes; MjData keeps these fields in one buffer, far below this


def float_buffer(data: Any, fields: tuple[str, ...] = GATHER_FIELDS) -> tuple[np.ndarray | None, dict[str, int]]:
    """One flat float64 view spanning the given MjData fields, and each field's offset in it.

    MjData allocates its fields in a single buffer, so one view covers them all and a single
    fancy index (``buf[idx]``) reads elements of several fields in one numpy call. Only the
    fields' own elements are ever indexed; the view holds a reference to ``data``.

    Returns:
        ``(buf, offsets)``, or ``(None, offsets into the concatenation of the fields)`` when
        the fields are not float64, not contiguous or not close together in memory (then
        :func:`gather_source` concatenates them on every call).
    """
    arrs = [getattr(data, f) for f in fields]
    addrs = [a.__array_interface__["data"][0] for a in arrs]
    # an empty field has no element to index, and numpy may place it anywhere: its address
    # neither spans nor aligns the view (its offset is 0, never read)
    held = [(ad, a) for ad, a in zip(addrs, arrs) if a.size]
    if not held:
        return None, {f: 0 for f in fields}
    base = min(ad for ad, _ in held)
    end = max(ad + a.nbytes for ad, a in held)
    usable = all(a.dtype == np.float64 and a.flags.c_contiguous for _, a in held) and end - base <= _MAX_SPAN
    if usable and not any((ad - base) % 8 for ad, _ in held):
        raw = (ctypes.c_double * ((end - base) // 8)).from_address(base)
        raw.owner = data  # the view keeps the MjData (and so its memory) alive
        buf = np.ctypeslib.as_array(raw)
        return buf, {f: (ad - base) // 8 if a.size else 0 for f, ad, a in zip(fields, addrs, arrs)}
    offsets, n = {}, 0
    for f, a in zip(fields, arrs):
        offsets[f], n = n, n + a.size
    return None, offsets


def gather_source(data: Any, fields: tuple[str, ...] = GATHER_FIELDS) -> np.ndarray:
    """The fields concatenated (the slow substitute for :func:`float_buffer`'s view)."""
    return np.concatenate([getattr(data, f).ravel() for f in fields])


def robot_state_summary(task: str, q: Any, d: Any, nearest: dict, predicates: dict) -> dict[str, Any]:
    """The state description a VLM prompt gets, from the robot's quantities ``q`` on data ``d``
    (shared by the built-in tasks and the HumanoidBench adapter)."""
    root = q.root_pos(d)
    return {
        "task": task,
        "head_height": round(q.head_height(d), 3),
        "pelvis_height": round(float(root[2]), 3),
        "upright": round(q.torso_upright(d), 3),
        "speed": round(float(np.hypot(*q.com_velocity(d)[:2])), 3),
        "position": [round(float(root[0]), 3), round(float(root[1]), 3)],
        "nearest_objects": nearest,
        "true_predicates": sorted(k for k, v in predicates.items() if v),
    }


class H1Env(gym.Env):
    """Base class of the H1 tasks; subclasses set the class attributes and the task hooks.

    Args:
        model_path: MJCF of the robot + task scene (HumanoidBench element names); defaults to
            :func:`default_model_path` of the task and ``model_variant``.
        model_variant: which bundled H1 model to load when ``model_path`` is not given:
            ``"mesh"`` (the default; the links' meshes, as in HumanoidBench) or ``"primitive"``
            (primitive collision shapes, cheaper); see :mod:`mwx_sdk.envs.assets`.
        render_mode: ``None`` or ``"rgb_array"``.
        randomness: half-width of the uniform qpos noise added on reset.
        keyframe: keyframe name or index to reset from (default 0).
        width: render width in pixels.
        height: render height in pixels.
        camera: fixed camera name or id to render from; default a camera tracking the pelvis.
        nonfinite_actions: ``"raise"`` (default) refuses an action holding NaN or inf with a
            ``ValueError`` naming the joints; ``"pass"`` hands it to MuJoCo like HumanoidBench
            (which zeroes the controls of that step) and sets ``info["nonfinite_action"] = True``.
    """

    metadata: ClassVar[dict] = {"render_modes": ["rgb_array"], "render_fps": 50}

    #: The task this class runs (:class:`mwx_sdk.task.Task`); a subclass sets it, and the
    #: attributes below are read from it.
    task_def: ClassVar[Any] = None
    task: str = ""
    max_episode_steps: int = 1000
    success_bar: float = float("inf")
    terminate_height: float | None = 0.2
    description: str = ""
    # scene objects for near(<name>) predicates: name -> ("body" | "site", element name)
    scene_objects: ClassVar[dict[str, tuple[str, str]]] = {}
    # True when the reward terms carry the task's own ``success`` flag
    own_success: bool = False
    #: The tracking camera's settings for ``render()`` when no fixed camera is named
    #: (:class:`~mwx_sdk.envs.render.SceneRenderer`'s distance, elevation, azimuth): a task
    #: whose robot walks into something sets a view that shows both.
    render_view: ClassVar[dict[str, float]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        d = cls.__dict__.get("task_def")
        if d is not None:  # one source for what the task states: its Task
            cls.task = d.name
            cls.max_episode_steps = int(d.max_episode_steps)
            cls.success_bar = float(d.success_bar)
            cls.description = d.description
            cls.scene_objects = {k: tuple(v) for k, v in d.objects.items()}

    def __init__(
        self,
        model_path: str | os.PathLike | None = None,
        render_mode: str | None = None,
        randomness: float = 0.01,
        keyframe: str | int | None = None,
        width: int = 256,
        height: int = 256,
        camera: str | int | None = None,
        nonfinite_actions: str = "raise",
        model_variant: str | None = None,
    ) -> None:
        if model_path is not None and model_variant is not None:
            raise ValueError("pass model_path or model_variant, not both: model_variant picks a bundled scene")
        if render_mode not in (None, "rgb_array"):
            raise ValueError(f"render_mode must be None or 'rgb_array', got {render_mode!r}")
        if nonfinite_actions not in ("raise", "pass"):
            raise ValueError(f"nonfinite_actions must be 'raise' or 'pass', got {nonfinite_actions!r}")
        self.nonfinite_actions = nonfinite_actions
        if randomness < 0:
            raise ValueError(f"randomness must be >= 0, got {randomness}")
        path = Path(model_path) if model_path is not None else default_model_path(self.task, model_variant)
        if not path.is_file():
            raise FileNotFoundError(f"model_path {path} does not exist; pass an MJCF file path")
        self.model_path = path
        self.model = mujoco.MjModel.from_xml_path(str(path))
        self.data = mujoco.MjData(self.model)
        self.v = DataViews(self.data)
        m = self.model
        if abs(m.opt.timestep - 0.002) > 1e-12:
            raise ValueError(f"{path}: physics timestep must be 0.002 s (HumanoidBench), got {m.opt.timestep}")
        if m.nkey == 0:
            raise ValueError(f"{path}: the model needs a keyframe to reset from (HumanoidBench key 'qpos0')")
        # a robot colliding through mesh hulls touches itself in ordinary gaits (hip yaw on hip
        # pitch, arm on thigh); the planner's model keeps those contacts (the user's
        # self_collision= still wins), while the primitive H1's links do not touch in them
        robot_geoms = (m.body_rootid[m.geom_bodyid] == 1) & ((m.geom_contype != 0) | (m.geom_conaffinity != 0))
        meshes = bool(np.any(robot_geoms & (m.geom_type == mujoco.mjtGeom.mjGEOM_MESH)))
        self.planner_defaults: dict[str, Any] = {"self_collision": True} if meshes else {}
        self.q = H1Quantities(m)
        self._root_z = self.q.root_qposadr + 2
        self._bind_views()
        self.render_mode = render_mode
        self.randomness = float(randomness)
        self.width, self.height, self.camera = int(width), int(height), camera
        self._key = self._resolve_key(keyframe)
        lo, hi = m.actuator_ctrlrange[:, 0].copy(), m.actuator_ctrlrange[:, 1].copy()
        if not np.all(m.actuator_ctrllimited):
            raise ValueError(f"{path}: every actuator needs a ctrlrange (ctrllimited) for the affine action map")
        # the bounds of HumanoidBench's action map: gymnasium's MujocoEnv stores the ctrlrange as
        # float32, and the reference computes (a + 1) / 2 * (high - low) + low with them
        self._mid = (lo + hi) / 2.0  # the map in float64 (benches and tests compare with it)
        self._half = (hi - lo) / 2.0
        self._lo32 = lo.astype(np.float32)
        self._span32 = hi.astype(np.float32) - self._lo32
        self._act_shape = (m.nu,)
        self._free_quat = [int(m.jnt_qposadr[j]) + 3 for j in range(m.njnt) if m.jnt_type[j] == mujoco.mjtJoint.mjJNT_FREE]
        self._ball_quat = [int(m.jnt_qposadr[j]) for j in range(m.njnt) if m.jnt_type[j] == mujoco.mjtJoint.mjJNT_BALL]
        self._step = self._make_stepper()
        self._buf, self._offsets = float_buffer(self.data)
        self._renderer = None
        self._return = 0.0
        self._succeeded = False
        self._setup()
        self._obs_index = np.array(self._obs_layout(), dtype=np.intp)
        mujoco.mj_resetDataKeyframe(m, self.data, self._key)
        mujoco.mj_forward(m, self.data)
        obs = self._get_obs()
        self.action_space = spaces.Box(-1.0, 1.0, shape=(m.nu,), dtype=np.float32)
        self.observation_space = spaces.Box(-np.inf, np.inf, shape=obs.shape, dtype=np.float64)

    # -- task hooks (override) ---------------------------------------------------------------
    def _setup(self) -> None:
        """Resolve task element ids (called once, after the model is loaded)."""

    def _task_reset(self) -> None:
        """Task-specific randomisation after the keyframe + noise (use ``self.np_random``)."""

    def _obs_layout(self) -> list[int]:
        """Gather offsets (:meth:`_index`) of the observation: ``qpos`` then ``qvel``."""
        return self._index("qpos", range(self.model.nq)) + self._index("qvel", range(self.model.nv))

    def _get_obs(self) -> np.ndarray:
        buf = self._buf
        return (buf if buf is not None else gather_source(self.data))[self._obs_index]

    def _gather(self, index: np.ndarray) -> np.ndarray:
        """A new array of the data elements at gather offsets ``index`` (one numpy call)."""
        buf = self._buf
        return (buf if buf is not None else gather_source(self.data))[index]

    def _gather_index(self, *items: Any) -> np.ndarray:
        """Gather offsets of named robot quantities and ``(field, rows[, cols])`` tuples, in order.

        Names: ``head_z``, ``torso_zz``, ``pelvis_zz`` (one value each), ``com_vel``, ``imu``,
        ``lhand``, ``rhand``, ``root`` (x, y, z), ``pelvis_quat`` (w, x, y, z), ``force`` (nu).
        """
        q = self.q
        a, c = q.root_qposadr, q.com_vel_adr
        named = {
            "head_z": ("site_xpos", q.head, 2),
            "torso_zz": ("xmat", q.torso, 8),
            "pelvis_zz": ("xmat", q.pelvis, 8),
            "com_vel": ("sensordata", range(c, c + 3)),
            "imu": ("site_xpos", q.imu, range(3)),
            "lhand": ("site_xpos", q.left_hand, range(3)),
            "rhand": ("site_xpos", q.right_hand, range(3)),
            "root": ("qpos", range(a, a + 3)),
            "pelvis_quat": ("xquat", q.pelvis, range(4)),
            "force": ("actuator_force", range(self.model.nu)),
        }
        out: list[int] = []
        for it in items:
            out += self._index(*(named[it] if isinstance(it, str) else it))
        return np.array(out, dtype=np.intp)

    def _index(self, field: str, rows: Any, cols: Any = None) -> list[int]:
        """Gather offsets of ``data.<field>[row]`` (1-D field) or ``[row, col]`` for each pair.

        Args:
            field: one of ``GATHER_FIELDS``.
            rows: row indices (an int or an iterable).
            cols: column indices for 2-D fields (an int or an iterable), every row x col.

        Returns:
            list of flat offsets, rows major.
        """
        arr = getattr(self.data, field)
        base = self._offsets[field]
        rows = [rows] if isinstance(rows, (int, np.integer)) else list(rows)
        if cols is None:
            if arr.ndim != 1:
                raise ValueError(f"data.{field} is 2-D; pass cols")
            return [base + int(r) for r in rows]
        cols = [cols] if isinstance(cols, (int, np.integer)) else list(cols)
        width = arr.shape[1]
        return [base + int(r) * width + int(c) for r in rows for c in cols]

    def _reward(self) -> tuple[float, dict]:
        """``(reward, terms)`` of the current state (override this or :meth:`_reward_info`)."""
        if type(self)._reward_info is H1Env._reward_info:
            raise NotImplementedError(f"{type(self).__name__} must override _reward or _reward_info")
        r, info = self._reward_info()
        terms = dict(info)
        del terms["per_timestep_reward"]
        return r, terms

    def _reward_info(self) -> tuple[float, dict]:
        """``(reward, info)`` with ``info = {"per_timestep_reward": reward, **terms}``.

        Tasks on the per-step fast path override this to build the info dict in one go.
        """
        r, terms = self._reward()
        return r, {"per_timestep_reward": r, **terms}

    def _terminated(self) -> bool:
        return self.robot_down()

    def robot_down(self) -> bool:
        """The robot's own end of an episode: the pelvis below ``terminate_height``. Tasks also
        end episodes on their objects (basketball's dropped ball, push's box at the goal), which
        is not a fall."""
        th = self.terminate_height
        return th is not None and self._qpos.item(self._root_z) < th

    def _task_predicates(self) -> dict[str, Callable[[], bool]]:
        return {}

    # -- gymnasium API -------------------------------------------------------------------------
    def step(self, action: Any):
        a = action if type(action) is np.ndarray else np.asarray(action, dtype=np.float64)
        if a.shape != self._act_shape:
            raise ValueError(f"action must have shape {self._act_shape}, got {a.shape}")
        # one cheap reduction per step: a sum of squares that is NaN, inf or huge sends the action
        # to the exact element-wise checks
        nonfinite = False
        if not a @ a <= _SCREEN_BOUND:
            a, nonfinite = self._screen_action(a)
        # HumanoidBench's arithmetic and dtype: float32 bounds, so a float32 action gives a float32
        # ctrl (cast into MjData's float64 ctrl) and a float64 action a float64 one
        self._ctrl[:] = (a + 1) / 2 * self._span32 + self._lo32
        self._step()
        obs = self._get_obs()
        reward, info = self._reward_info()
        if nonfinite:
            info["nonfinite_action"] = True
        terminated = bool(self._terminated())
        self._return += reward
        if self.own_success:
            self._succeeded = bool(info["success"])
        else:
            self._succeeded = info["success"] = self._return >= self.success_bar
        return obs, reward, terminated, False, info

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        m, d = self.model, self.data
        mujoco.mj_resetDataKeyframe(m, d, self._key)
        mujoco.mj_forward(m, d)
        if self.randomness > 0:
            d.qpos += self.np_random.uniform(-self.randomness, self.randomness, m.nq)
            self._normalize_quats()
            mujoco.mj_forward(m, d)
        self._task_reset()
        mujoco.mj_forward(m, d)
        self._return = 0.0
        self._succeeded = False
        return self._get_obs(), {}

    def render(self):
        if self.render_mode is None:
            gym.logger.warn("render() called with render_mode=None; pass render_mode='rgb_array'")
            return None
        if self._renderer is None:
            from .render import SceneRenderer

            view = {} if self.camera is not None else dict(self.render_view)
            self._renderer = SceneRenderer(self.model, self.width, self.height, camera=self.camera, **view)
        return self._renderer.render(self.data)

    def close(self) -> None:
        if self._renderer is not None:
            self._renderer.close()
            self._renderer = None

    # -- state, predicates, summaries ---------------------------------------------------------
    @property
    def episode_return(self) -> float:
        """Undiscounted return since the last reset."""
        return self._return

    @property
    def dt(self) -> float:
        """Control period in seconds (0.02)."""
        return self.model.opt.timestep * FRAME_SKIP

    def object_position(self, name: str) -> np.ndarray:
        """World position of a scene object listed in ``scene_objects`` (a copy)."""
        kind, idx = self._object_ids[name]
        if kind == "attr":
            return np.asarray(getattr(self, idx), dtype=np.float64).reshape(3).copy()
        return (self.data.xpos[idx] if kind == "body" else self.data.site_xpos[idx]).copy()

    def object_pose(self, name: str) -> tuple[np.ndarray, np.ndarray | None]:
        """World position and orientation (quaternion ``w, x, y, z``) of a scene object; the
        orientation is ``None`` for sites and points (a goal the task draws).

        Raises:
            KeyError: ``name`` is not one of :attr:`scene_objects`, with the names it has.
        """
        if name not in self._object_ids:
            raise KeyError(f"{self.task!r} has no object {name!r}; its objects: {', '.join(self._object_ids) or 'none'}")
        kind, idx = self._object_ids[name]
        quat = self.data.xquat[idx].copy() if kind == "body" else None
        return self.object_position(name), quat

    def object_distances(self) -> dict[str, float]:
        """Horizontal distance from the pelvis to every scene object, nearest first."""
        root = self.q.root_pos(self.data)
        out = {n: float(np.hypot(*(self.object_position(n)[:2] - root[:2]))) for n in self._object_ids}
        return dict(sorted(out.items(), key=lambda kv: kv[1]))

    def predicates(self) -> dict[str, Callable[[], bool]]:
        """Named completion predicates computed from the current physics state.

        Generic ones (thresholds are module constants): ``standing`` (head above
        ``STANDING_HEAD_HEIGHT`` = 1.2 m and torso zz above ``STANDING_UPRIGHT`` = 0.8),
        ``fallen`` (head below ``FALLEN_HEAD_HEIGHT`` = 0.6 m or the task's termination
        height reached), ``moving`` / ``still`` (horizontal CoM speed above / below
        ``MOVING_SPEED`` = 0.3 m/s), ``near(<object>)`` (pelvis within ``NEAR_DISTANCE`` = 1 m
        of the object horizontally) for each scene object, and ``success``. Tasks add their own.

        Returns:
            dict of predicate name -> zero-argument callable returning bool.
        """
        q, d = self.q, self.data
        preds: dict[str, Callable[[], bool]] = {
            "standing": lambda: q.head_height(d) > STANDING_HEAD_HEIGHT and q.torso_upright(d) > STANDING_UPRIGHT,
            # the robot's own fall: a task's end on success (walk_sit) or on its objects
            # (basketball's dropped ball) is none
            "fallen": lambda: q.head_height(d) < FALLEN_HEAD_HEIGHT or self.robot_down(),
            "moving": lambda: float(np.hypot(*q.com_velocity(d)[:2])) > MOVING_SPEED,
            "still": lambda: float(np.hypot(*q.com_velocity(d)[:2])) <= MOVING_SPEED,
            "success": lambda: self._success_now(),
        }
        for name in self._object_ids:
            preds[f"near({name})"] = partial(self._near, name)
        preds.update(self._task_predicates())
        return preds

    def evaluate_predicates(self) -> dict[str, bool]:
        """Every predicate evaluated now."""
        return {k: bool(f()) for k, f in self.predicates().items()}

    def state_summary(self) -> dict[str, Any]:
        """A compact description of the current state for a VLM prompt.

        Returns:
            dict with task, head_height, pelvis_height, upright, speed, position (x, y), the
            nearest objects with distances, the predicates that hold now, and ``objects``: every
            scene object's name -> the other words its task gives it (empty without objects).
        """
        nearest = {k: round(v, 3) for k, v in list(self.object_distances().items())[:3]}
        out = robot_state_summary(self.task, self.q, self.data, nearest, self.evaluate_predicates())
        words = dict(getattr(self.task_def, "object_words", None) or {}) if self.task_def is not None else {}
        out["objects"] = {name: list(words.get(name, ())) for name in self.scene_objects}
        return out

    # -- internals --------------------------------------------------------------------------
    def _screen_action(self, a: np.ndarray) -> tuple[np.ndarray, bool]:
        """``(action to apply, non-finite?)`` for an action that failed the cheap check.

        Huge finite values are clipped to ``[-1, 1]``: the ctrlrange clamp does the same to them,
        and clipping first keeps the affine map from overflowing into an infinite control.
        """
        if np.isfinite(a).all():
            return np.clip(a, -1.0, 1.0), False
        if self.nonfinite_actions == "raise":
            raise ValueError(self._nonfinite_message(a))
        return a, True

    def _nonfinite_message(self, a: np.ndarray) -> str:
        m = self.model
        names = [mujoco.mj_id2name(m, mujoco.mjtObj.mjOBJ_ACTUATOR, i) or f"#{i}" for i in range(m.nu)]
        parts = []
        for label, mask in (("NaN", np.isnan(a)), ("inf", np.isinf(a))):
            if mask.any():
                parts.append(f"{label} at joints {[names[i] for i in np.flatnonzero(mask)]}")
        return (
            f"action has {' and '.join(parts)}; MuJoCo would silently zero every control of the step. "
            "Fix the policy or planner that produced it, or make the env with nonfinite_actions='pass' "
            "to step anyway (HumanoidBench's behaviour, flagged in info['nonfinite_action'])"
        )

    def _near(self, name: str) -> bool:
        return self.object_distances()[name] < NEAR_DISTANCE

    def _success_now(self) -> bool:
        return self._succeeded

    def _resolve_key(self, keyframe: str | int | None) -> int:
        if keyframe is None:
            return 0
        if isinstance(keyframe, (int, np.integer)):
            if not 0 <= keyframe < self.model.nkey:
                raise ValueError(f"keyframe index {keyframe} out of range (model has {self.model.nkey})")
            return int(keyframe)
        k = mujoco.mj_name2id(self.model, mujoco.mjtObj.mjOBJ_KEY, keyframe)
        if k < 0:
            names = [mujoco.mj_id2name(self.model, mujoco.mjtObj.mjOBJ_KEY, i) for i in range(self.model.nkey)]
            raise ValueError(f"no keyframe named {keyframe!r}; the model has {names}")
        return k

    def _bind_views(self) -> None:
        """Views into ``data`` of every quantity the per-step path reads (created once).

        Each ``data.<field>`` access builds a new array object; these views share MjData's
        memory, so they always show the current state. Scalars are read with ``.item(i)`` and
        3-vectors with ``.tolist()``, which give Python floats directly.
        """
        d, q = self.data, self.q
        self._ctrl, self._qpos, self._qvel = d.ctrl, d.qpos, d.qvel
        self._force = d.actuator_force
        self._head = d.site_xpos[q.head]
        self._imu = d.site_xpos[q.imu]
        self._lhand = d.site_xpos[q.left_hand]
        self._rhand = d.site_xpos[q.right_hand]
        self._torso_mat = d.xmat[q.torso]
        self._pelvis_mat = d.xmat[q.pelvis]
        self._com_vel = d.sensordata[q.com_vel_adr : q.com_vel_adr + 3]
        a = q.root_qposadr
        self._root_pos = d.qpos[a : a + 3]

    def _normalize_quats(self) -> None:
        qp = self.data.qpos
        for a in self._free_quat + self._ball_quat:
            qp[a : a + 4] /= np.linalg.norm(qp[a : a + 4])

    def _make_stepper(self) -> Callable[[], None]:
        m, d = self.model, self.data
        step, rne = mujoco.mj_step, mujoco.mj_rnePostConstraint
        try:
            step(m, d, nstep=1)  # probe the nstep keyword (absent in old bindings)
            mujoco.mj_resetData(m, d)

            def run() -> None:
                step(m, d, FRAME_SKIP)
                rne(m, d)

        except TypeError:

            def run() -> None:
                for _ in range(FRAME_SKIP):
                    step(m, d)
                rne(m, d)

        return run

    def _body(self, name: str) -> int:
        i = mujoco.mj_name2id(self.model, mujoco.mjtObj.mjOBJ_BODY, name)
        if i < 0:
            raise ValueError(f"{self.model_path}: task {self.task!r} needs a body named {name!r}")
        return i

    def _site(self, name: str) -> int:
        i = mujoco.mj_name2id(self.model, mujoco.mjtObj.mjOBJ_SITE, name)
        if i < 0:
            raise ValueError(f"{self.model_path}: task {self.task!r} needs a site named {name!r}")
        return i

    def _joint(self, name: str) -> tuple[int, int]:
        """(qpos address, dof address) of a named joint."""
        j = mujoco.mj_name2id(self.model, mujoco.mjtObj.mjOBJ_JOINT, name)
        if j < 0:
            raise ValueError(f"{self.model_path}: task {self.task!r} needs a joint named {name!r}")
        return int(self.model.jnt_qposadr[j]), int(self.model.jnt_dofadr[j])

    @property
    def _object_ids(self) -> dict[str, tuple[str, int]]:
        ids = self.__dict__.get("_object_ids_cache")
        if ids is None:
            ids = {n: (k, self._body(e) if k == "body" else self._site(e) if k == "site" else e)
                   for n, (k, e) in self.scene_objects.items()}
            self.__dict__["_object_ids_cache"] = ids
        return ids
