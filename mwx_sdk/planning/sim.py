"""Planner-owned copies of the simulator: model with extra sensors, state copy, batched rollouts.

The planner never steps the environment's own ``MjData``. It builds its own ``MjModel`` from
the environment's XML with a block of sensors appended (head and feet positions, torso axes,
centre-of-mass position and velocity, actuator forces), so every quantity a task reward needs
comes out of :func:`mujoco.rollout` as a dense array, with no Python loop per physics step.

Version notes:
- ``MjSpec`` (mujoco >= 3.2) appends the sensors; on 3.1.x the sensor block is spliced into
  the XML text and compiled from a temporary mirror of the asset folders.
- mujoco >= 3.3 ships ``mujoco.rollout.Rollout`` with a native thread pool that releases the
  GIL. Older versions (HumanoidBench pins 3.1.6) have only the ``rollout`` function; it also
  releases the GIL, so the batch is split into one slice per thread, each on its own
  ``MjData``, run from a small Python thread pool. Rows are independent, so the result is the
  same as one call on the whole batch.
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

#: The sensors appended to the planner model, as (name, mujoco sensor type, object type, object).
#: ``{act}`` is expanded to one ``actuatorfrc`` sensor per actuator.
PLANNER_SENSORS: tuple[tuple[str, str, str, str], ...] = (
    ("mwxp_head", "framepos", "site", "head"),
    ("mwxp_torso_z", "framezaxis", "xbody", "torso_link"),
    ("mwxp_torso_x", "framexaxis", "xbody", "torso_link"),
    ("mwxp_com", "subtreecom", "body", "pelvis"),
    ("mwxp_com_vel", "subtreelinvel", "body", "pelvis"),
    ("mwxp_left_foot", "framepos", "site", "left_foot"),
    ("mwxp_right_foot", "framepos", "site", "right_foot"),
)

_SENSOR_DIM = {"framepos": 3, "framequat": 4, "framezaxis": 3, "framexaxis": 3, "subtreecom": 3,
               "subtreelinvel": 3, "jointpos": 1}

#: A sensor spec: (name, mujoco sensor type, object type, object name).
SensorSpec = tuple[str, str, str, str]


def _mujoco():
    import mujoco

    return mujoco


def full_physics_spec() -> int:
    """The ``mjtState`` bits of the full physics state (time, qpos, qvel, act, plugin...)."""
    mj = _mujoco()
    st = mj.mjtState
    if hasattr(st, "mjSTATE_FULLPHYSICS"):
        return int(st.mjSTATE_FULLPHYSICS)
    # Older enums spell the same set out bit by bit.
    bits = 0
    for name in ("mjSTATE_TIME", "mjSTATE_QPOS", "mjSTATE_QVEL", "mjSTATE_ACT", "mjSTATE_PLUGIN"):
        bits |= int(getattr(st, name, 0))
    return bits


def ctrl_spec() -> int:
    return int(_mujoco().mjtState.mjSTATE_CTRL)


def model_path_of(env: Any) -> Path | None:
    """Find the MJCF file an environment was built from, or ``None``.

    Looks at the usual attribute names on the unwrapped env (``model_path``, ``xml_path``,
    ``fullpath``, ``scene_path``); a callable ``scene_path`` is called with no arguments.
    """
    base = getattr(env, "unwrapped", env)
    for attr in ("model_path", "xml_path", "fullpath", "scene_path", "_model_path"):
        val = getattr(base, attr, None)
        if callable(val):
            try:
                val = val()
            except TypeError:
                continue
        if isinstance(val, (str, os.PathLike)) and Path(val).is_file():
            return Path(val)
    return None


def _sensor_xml(sensors: tuple[SensorSpec, ...], actuators: list[str]) -> str:
    lines = []
    for name, stype, otype, obj in sensors:
        if stype.startswith("frame"):
            lines.append(f'<{stype} name="{name}" objtype="{otype}" objname="{obj}"/>')
        elif stype == "jointpos":
            lines.append(f'<{stype} name="{name}" joint="{obj}"/>')
        else:
            lines.append(f'<{stype} name="{name}" body="{obj}"/>')
    for i, act in enumerate(actuators):
        lines.append(f'<actuatorfrc name="mwxp_frc_{i}" actuator="{act}"/>')
    return "<sensor>\n" + "\n".join(lines) + "\n</sensor>\n"


def _compile_with_spec(path: Path, actuators: list[str], sensors: tuple[SensorSpec, ...]):
    mj = _mujoco()
    spec = mj.MjSpec.from_file(str(path))
    st, ot = mj.mjtSensor, mj.mjtObj
    types = {
        "framepos": st.mjSENS_FRAMEPOS,
        "framequat": st.mjSENS_FRAMEQUAT,
        "jointpos": st.mjSENS_JOINTPOS,
        "framezaxis": st.mjSENS_FRAMEZAXIS,
        "framexaxis": st.mjSENS_FRAMEXAXIS,
        "subtreecom": st.mjSENS_SUBTREECOM,
        "subtreelinvel": st.mjSENS_SUBTREELINVEL,
    }
    objs = {"site": ot.mjOBJ_SITE, "xbody": ot.mjOBJ_XBODY, "body": ot.mjOBJ_BODY, "joint": ot.mjOBJ_JOINT}
    for name, stype, otype, obj in sensors:
        s = spec.add_sensor()
        s.name, s.type, s.objtype, s.objname = name, types[stype], objs[otype], obj
    for i, act in enumerate(actuators):
        s = spec.add_sensor()
        s.name, s.type, s.objtype, s.objname = f"mwxp_frc_{i}", st.mjSENS_ACTUATORFRC, ot.mjOBJ_ACTUATOR, act
    return spec.compile()


def _compile_with_xml_text(path: Path, actuators: list[str], sensors: tuple[SensorSpec, ...]):
    """mujoco 3.1.x: splice the sensor block into the XML and compile from a mirrored folder.

    Relative includes and asset paths resolve against the file's folder and its parent, so
    both are mirrored with symbolic links into a temporary folder next to the new file.
    """
    mj = _mujoco()
    text = path.read_text()
    idx = text.rfind("</mujoco>")
    if idx < 0:
        raise ValueError(f"{path} is not an MJCF file (no closing </mujoco>)")
    text = text[:idx] + _sensor_xml(sensors, actuators) + text[idx:]
    with tempfile.TemporaryDirectory(prefix="mwx_planner_") as tmp:
        root = Path(tmp)
        for entry in path.parent.parent.iterdir():
            if entry.name != path.parent.name:
                (root / entry.name).symlink_to(entry)
        here = root / path.parent.name
        here.mkdir()
        for entry in path.parent.iterdir():
            (here / entry.name).symlink_to(entry)
        target = here / f"_mwx_planner_{path.name}"
        target.write_text(text)
        return mj.MjModel.from_xml_path(str(target))


@dataclass
class SensorLayout:
    """Where each planner quantity lives in ``sensordata`` and in the state vector."""

    slices: dict[str, slice]
    force: slice
    qpos0: int  # offset of qpos inside the full-physics state vector
    nq: int
    nv: int
    extra: dict[str, slice] = field(default_factory=dict)  # task sensors, by name

    @classmethod
    def of(cls, model, extra_sensors: tuple[SensorSpec, ...] = ()) -> SensorLayout:
        mj = _mujoco()
        slices = {}
        for name, stype, _, _ in PLANNER_SENSORS:
            s = model.sensor(name)
            slices[name[5:]] = slice(int(s.adr[0]), int(s.adr[0]) + _SENSOR_DIM[stype])
        extra = {}
        for name, stype, _, _ in extra_sensors:
            s = model.sensor(f"mwxp_x_{name}")
            extra[name] = slice(int(s.adr[0]), int(s.adr[0]) + _SENSOR_DIM[stype])
        first = int(model.sensor("mwxp_frc_0").adr[0])
        force = slice(first, first + model.nu)
        qpos0 = mj.mj_stateSize(model, int(mj.mjtState.mjSTATE_TIME))
        return cls(slices, force, qpos0, model.nq, model.nv, extra)


def build_planner_model(path: Path, env_model, *, timestep: float | None, integrator: str | None,
                        iterations: int | None, ls_iterations: int | None,
                        extra_sensors: tuple[SensorSpec, ...] = ()):
    """Compile the planner model: the env's MJCF plus :data:`PLANNER_SENSORS`.

    Args:
        path: MJCF file the environment was built from.
        env_model: the environment's ``MjModel`` (sizes and control ranges are checked against it).
        timestep: physics step of the planner model, or ``None`` to keep the env's.
        integrator: ``"euler"``, ``"implicit"``, ``"implicitfast"``, ``"rk4"`` or ``None``.
        iterations: solver iterations, or ``None`` to keep the env's.
        ls_iterations: line-search iterations, or ``None`` to keep the env's.
        extra_sensors: task sensors ``(name, type, object type, object)`` appended as well
            (e.g. the chair's position); their values appear in ``layout.extra[name]``.

    Returns:
        ``(model, layout)``.
    """
    mj = _mujoco()
    actuators = [env_model.actuator(i).name for i in range(env_model.nu)]
    if any(not a for a in actuators):
        raise ValueError("every actuator of the env model needs a name for the planner's force sensors")
    for spec in extra_sensors:
        if spec[1] not in _SENSOR_DIM:
            raise ValueError(f"unsupported planner sensor type {spec[1]!r}; known: {sorted(_SENSOR_DIM)}")
    sensors = PLANNER_SENSORS + tuple((f"mwxp_x_{n}", t, o, obj) for n, t, o, obj in extra_sensors)
    try:
        if hasattr(mj, "MjSpec") and hasattr(mj.MjSpec, "from_file"):
            model = _compile_with_spec(path, actuators, sensors)
        else:
            model = _compile_with_xml_text(path, actuators, sensors)
    except ValueError as exc:
        raise ValueError(
            f"cannot build the planner model from {path}: {exc}. It needs the env's sites head, "
            "left_foot, right_foot, bodies pelvis and torso_link and the env's actuators; pass "
            "model_xml=<the XML the env was built from>"
        ) from exc
    for attr in ("nq", "nv", "nu", "na"):
        if getattr(model, attr) != getattr(env_model, attr):
            raise ValueError(
                f"planner model from {path} has {attr}={getattr(model, attr)} but the env model has "
                f"{getattr(env_model, attr)}; pass the XML the env was built from (model_xml=...)"
            )
    if not np.allclose(model.actuator_ctrlrange, env_model.actuator_ctrlrange):
        raise ValueError(f"planner model from {path} has different actuator ctrlranges than the env")
    # Physics options follow the env, then the planner's coarser settings override them.
    model.opt.timestep = env_model.opt.timestep
    model.opt.integrator = env_model.opt.integrator
    model.opt.iterations = env_model.opt.iterations
    model.opt.ls_iterations = env_model.opt.ls_iterations
    model.opt.solver = env_model.opt.solver
    model.opt.disableflags = env_model.opt.disableflags
    model.opt.enableflags = env_model.opt.enableflags
    if timestep is not None:
        model.opt.timestep = float(timestep)
    if integrator is not None:
        model.opt.integrator = {
            "euler": mj.mjtIntegrator.mjINT_EULER,
            "rk4": mj.mjtIntegrator.mjINT_RK4,
            "implicit": mj.mjtIntegrator.mjINT_IMPLICIT,
            "implicitfast": mj.mjtIntegrator.mjINT_IMPLICITFAST,
        }[integrator]
    if iterations is not None:
        model.opt.iterations = int(iterations)
    if ls_iterations is not None:
        model.opt.ls_iterations = int(ls_iterations)
    return model, SensorLayout.of(model, tuple(extra_sensors))


class BatchRoller:
    """Runs batches of open-loop control sequences from one initial state.

    Uses a private ``mujoco.rollout.Rollout`` thread pool when the installed mujoco has one
    (the native threads release the GIL, so both cores work); otherwise the batch runs on
    the calling thread.

    Args:
        model: the planner model.
        threads: worker threads (1 = calling thread).
        backend: ``"native"`` (``mujoco.rollout.Rollout``, mujoco >= 3.3), ``"split"`` (one
            ``rollout`` call per thread on a slice of the batch, any mujoco) or ``None`` (the
            first that the installed mujoco has).
    """

    def __init__(self, model, threads: int = 1, backend: str | None = None) -> None:
        mj = _mujoco()
        import mujoco.rollout as mr

        self.model = model
        self.threads = max(1, int(threads))
        if backend not in (None, "native", "split"):
            raise ValueError(f"backend must be 'native', 'split' or None, got {backend!r}")
        if backend == "native" and not hasattr(mr, "Rollout"):
            raise ValueError(f"mujoco {mj.__version__} has no mujoco.rollout.Rollout (3.3 or newer); "
                             "use backend='split'")
        self._native = hasattr(mr, "Rollout") if backend is None else backend == "native"
        self._mr = mr
        # one MjData per thread, whichever pool runs them
        self.datas = [mj.MjData(model) for _ in range(self.threads)]
        self._pool = mr.Rollout(nthread=self.threads if self.threads > 1 else 0) if self._native else None
        self._split = None
        if not self._native and self.threads > 1:
            from concurrent.futures import ThreadPoolExecutor

            self._split = ThreadPoolExecutor(max_workers=self.threads, thread_name_prefix="mwx-rollout")
        self.nstate = mj.mj_stateSize(model, full_physics_spec())

    def run(self, initial_state: np.ndarray, warmstart: np.ndarray | None, controls: np.ndarray):
        """Roll out ``controls`` (N, nstep, nu) from ``initial_state`` (nstate,).

        Returns:
            ``(state, sensordata)`` of shapes (N, nstep, nstate) and (N, nstep, nsensordata).
        """
        n, _nstep, _ = controls.shape
        x0 = np.ascontiguousarray(np.broadcast_to(initial_state, (n, initial_state.shape[0])))
        ws = None if warmstart is None else np.ascontiguousarray(
            np.broadcast_to(warmstart, (n, warmstart.shape[0])))
        controls = np.ascontiguousarray(controls, dtype=np.float64)
        if self._pool is not None:
            # One sample per chunk keeps both threads busy on small batches.
            return self._pool.rollout(
                self.model, self.datas, x0, controls, control_spec=ctrl_spec(),
                initial_warmstart=ws, chunk_size=1,
            )
        if self._split is not None and n > 1:
            return self._run_split(x0, ws, controls)
        return self._mr.rollout(self.model, self.datas[0], x0, controls,
                                control_spec=ctrl_spec(), initial_warmstart=ws)

    def _run_split(self, x0: np.ndarray, ws: np.ndarray | None, controls: np.ndarray):
        n, nstep, _ = controls.shape
        state = np.empty((n, nstep, self.nstate))
        sens = np.empty((n, nstep, self.model.nsensordata))
        edges = np.linspace(0, n, min(self.threads, n) + 1).astype(int)

        def chunk(i: int) -> None:
            sl = slice(int(edges[i]), int(edges[i + 1]))
            self._mr.rollout(self.model, self.datas[i], x0[sl], controls[sl], control_spec=ctrl_spec(),
                             initial_warmstart=None if ws is None else ws[sl],
                             state=state[sl], sensordata=sens[sl])

        for fut in [self._split.submit(chunk, i) for i in range(len(edges) - 1)]:
            fut.result()
        return state, sens

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool = None
        if self._split is not None:
            self._split.shutdown(wait=True)
            self._split = None


def get_state(model, data) -> tuple[np.ndarray, np.ndarray]:
    """The full physics state and the warm-start accelerations of ``data``."""
    mj = _mujoco()
    spec = full_physics_spec()
    state = np.empty(mj.mj_stateSize(model, spec))
    mj.mj_getState(model, data, state, spec)
    return state, data.qacc_warmstart.copy()


def _bounds(ctrlrange: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    # the env (like HumanoidBench, through gymnasium's float32 action bounds) keeps the low bound
    # and the span in float32; rollouts that use the exact bounds drift from it in the last bits
    b = np.asarray(ctrlrange).astype(np.float32)
    return b[:, 0], b[:, 1] - b[:, 0]


def action_to_ctrl(actions: np.ndarray, ctrlrange: np.ndarray) -> np.ndarray:
    """Map actions in [-1, 1] to actuator controls with the env's arithmetic (the HumanoidBench
    affine map ``(a + 1) / 2 * span + lo`` with float32 bounds, in the actions' dtype)."""
    lo, span = _bounds(ctrlrange)
    return (np.asarray(actions) + 1) / 2 * span + lo


def ctrl_to_action(ctrl: np.ndarray, ctrlrange: np.ndarray) -> np.ndarray:
    """Inverse of :func:`action_to_ctrl`."""
    lo, span = _bounds(ctrlrange)
    return 2.0 * (np.asarray(ctrl) - lo) / span - 1.0


_NAME_RE = re.compile(r"(h1[a-z]*-)?(?P<task>[a-z_]+)(-v\d+)?$")


def task_of(env: Any) -> str | None:
    """The task name (``"stand"``, ``"walk"``, a plugin's task) of an environment.

    The env's own task (:func:`mwx_sdk.task.task_for_env`: its ``task_def``, or a task's id or
    HumanoidBench id) comes first; otherwise a ``task_name``/``task`` attribute or the
    ``<robot>-<task>-v<N>`` pattern of its id is taken as the name.
    """
    from mwx_sdk.task import task_for_env

    known = task_for_env(env)
    if known is not None:
        return known.name
    base = getattr(env, "unwrapped", env)
    for attr in ("task_name", "task"):
        val = getattr(base, attr, None)
        if isinstance(val, str) and val:
            return val
        name = getattr(val, "name", None)
        if isinstance(name, str) and name:
            return name
    spec = getattr(env, "spec", None) or getattr(base, "spec", None)
    env_id = getattr(spec, "id", None)
    if isinstance(env_id, str):
        m = _NAME_RE.search(env_id.split("/")[-1])
        if m:
            return m.group("task")
    return None
