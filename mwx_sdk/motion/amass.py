"""AMASS motion files (SMPL-H / SMPL-X parameters) to human keypoints.

An AMASS ``.npz`` holds per-frame axis-angle ``poses`` (root, 21 body joints, then jaw / eyes /
hands), root translation ``trans``, shape ``betas``, the ``gender`` and the capture rate. Joint
positions need a body model (``SMPLH_NEUTRAL.npz``, ``SMPLX_MALE.npz`` ...), which cannot be
shipped: the user supplies the folder or file. Two backends compute the same body joints:

- ``"smplx"`` (default when installed): the ``smplx`` package's model classes, built from the
  body-model arrays that this module loads itself (so no pickle is involved);
- ``"numpy"``: the SMPL kinematic chain evaluated here, ``J = J_regressor (v_template +
  shapedirs betas)`` then Rodrigues rotations composed along ``kintree_table``. Pose blend
  shapes and skinning move vertices, not joints, so joints are identical to smplx's.

Body models are read with ``allow_pickle=False``. Original ``.pkl`` body models (and AMASS files
holding Python objects) are only opened with ``allow_pickle=True``, which warns: unpickling
runs code from the file, so only do it for files you trust.
"""

from __future__ import annotations

import os
import pickle
import warnings
from pathlib import Path

import numpy as np

from .human import KEYPOINTS, HumanMotion

__all__ = ["AMASS_LICENSE", "SMPL_KEYPOINTS", "BodyModel", "load_amass", "load_body_model", "smpl_joints"]

#: Keypoint -> SMPL body joint index (the first 22 joints agree in SMPL, SMPL-H and SMPL-X).
SMPL_KEYPOINTS = {
    "pelvis": 0,
    "left_hip": 1, "left_knee": 4, "left_ankle": 7, "left_toe": 10,
    "right_hip": 2, "right_knee": 5, "right_ankle": 8, "right_toe": 11,
    "chest": 9, "neck": 12, "head": 15,
    "left_shoulder": 16, "left_elbow": 18, "left_wrist": 20,
    "right_shoulder": 17, "right_elbow": 19, "right_wrist": 21,
}

AMASS_LICENSE = (
    "AMASS (amass.is.tue.mpg.de) and the SMPL family of body models are licensed by the Max "
    "Planck Society for non-commercial research; check the license of the sub-dataset used."
)

#: Body-model genders; a file's ``gender`` string becomes part of a file name, so nothing else passes.
GENDERS = ("neutral", "male", "female")

_REQUIRED = ("v_template", "shapedirs", "J_regressor", "kintree_table", "weights", "posedirs", "f")
NUM_BODY_JOINTS = 22


class BodyModel(dict):
    """Arrays of an SMPL-family body model plus ``model_type`` and ``path`` attributes."""

    model_type: str = "smplh"
    path: str = ""


def _warn_pickle(path: Path) -> None:
    warnings.warn(
        f"loading {path} with pickle: unpickling can run arbitrary code, only do this for files "
        "you trust (convert them to plain .npz once to avoid it)",
        UserWarning,
        stacklevel=3,
    )


def check_gender(gender: object, source: str = "gender") -> str:
    """``gender`` lower-cased when it is neutral, male or female (any case, surrounding blanks).

    Raises:
        ValueError: anything else; the value would otherwise steer the body-model file lookup
            (``"../../x"`` leaves the body-model folder).
    """
    g = gender.strip().lower() if isinstance(gender, str) else None
    if g not in GENDERS:
        raise ValueError(
            f"{source} must be one of {', '.join(GENDERS)} (any case), got {str(gender)[:60]!r}; "
            "pass gender='neutral' (--gender) to override the file's value"
        )
    return g


def _resolve_model_file(path: Path, model_type: str, gender: str) -> Path:
    gender = check_gender(gender)
    if path.is_file():
        return path
    if not path.is_dir():
        raise FileNotFoundError(f"no body model at {path}; pass the folder holding e.g. SMPLH_NEUTRAL.npz")
    stem = {"smplh": "SMPLH", "smplx": "SMPLX", "smpl": "SMPL"}[model_type]
    names = [f"{stem}_{gender.upper()}", f"{stem.lower()}_{gender.lower()}"]
    cands = [path / f"{n}{ext}" for n in names for ext in (".npz", ".pkl")]
    cands += [path / model_type / gender.lower() / "model.npz", path / model_type / f"{stem}_{gender.upper()}.npz"]
    for c in cands:
        if c.is_file():
            return c
    raise FileNotFoundError(
        f"no {stem} {gender} body model in {path}: expected one of " + ", ".join(c.name for c in cands[:4])
    )


def load_body_model(
    path: str | os.PathLike, model_type: str = "smplh", gender: str = "neutral", *, allow_pickle: bool = False
) -> BodyModel:
    """Load and check SMPL-family body-model arrays.

    Args:
        path: a body-model file or a folder holding ``<TYPE>_<GENDER>.npz``.
        model_type: ``"smpl"``, ``"smplh"`` or ``"smplx"``.
        gender: ``"neutral"``, ``"male"`` or ``"female"``.
        allow_pickle: permit ``.pkl`` models (warns: unpickling runs code from the file).

    Returns:
        The arrays (``v_template``, ``shapedirs``, ``J_regressor``, ``kintree_table`` ...).

    Raises:
        ValueError: missing arrays or inconsistent shapes, with what is expected.
    """
    if model_type not in ("smpl", "smplh", "smplx"):
        raise ValueError(f"model_type must be 'smpl', 'smplh' or 'smplx', got {model_type!r}")
    file = _resolve_model_file(Path(path), model_type, gender)
    if file.suffix == ".pkl":
        if not allow_pickle:
            raise ValueError(
                f"{file} is a pickle; pass allow_pickle=True (--allow-pickle) if you trust it, or convert "
                "it to .npz with numpy arrays only"
            )
        _warn_pickle(file)
        with open(file, "rb") as fh:
            raw = pickle.load(fh, encoding="latin1")
        arrays = {k: np.asarray(v.toarray() if hasattr(v, "toarray") else v) for k, v in raw.items()}
    else:
        try:
            with np.load(file, allow_pickle=allow_pickle) as npz:
                arrays = {k: npz[k] for k in npz.files}
        except ValueError as exc:
            raise ValueError(
                f"{file} holds Python objects; pass allow_pickle=True only if you trust it ({exc})"
            ) from exc
        if allow_pickle:
            _warn_pickle(file)
    missing = [k for k in _REQUIRED if k not in arrays]
    if missing:
        raise ValueError(f"{file} is not an SMPL-family body model: missing {', '.join(missing)}")
    v = arrays["v_template"]
    nv = v.shape[0]
    jr = arrays["J_regressor"]
    nj = jr.shape[0]
    checks = [
        (v.ndim == 2 and v.shape[1] == 3, f"v_template must be (V, 3), got {v.shape}"),
        (arrays["shapedirs"].ndim == 3 and arrays["shapedirs"].shape[:2] == (nv, 3),
         f"shapedirs must be ({nv}, 3, B), got {arrays['shapedirs'].shape}"),
        (jr.shape == (nj, nv), f"J_regressor must be (J, {nv}), got {jr.shape}"),
        (arrays["kintree_table"].shape == (2, nj), f"kintree_table must be (2, {nj}), got {arrays['kintree_table'].shape}"),
        (arrays["weights"].shape == (nv, nj), f"weights must be ({nv}, {nj}), got {arrays['weights'].shape}"),
        (nj >= NUM_BODY_JOINTS, f"the model has {nj} joints; at least {NUM_BODY_JOINTS} body joints are needed"),
    ]
    for ok, msg in checks:
        if not ok:
            raise ValueError(f"{file}: {msg}")
    model = BodyModel(arrays)
    model.model_type = model_type
    model.path = str(file)
    return model


def _rodrigues(aa: np.ndarray) -> np.ndarray:
    """Rotation matrices ``(..., 3, 3)`` from axis-angle vectors ``(..., 3)``."""
    theta = np.linalg.norm(aa, axis=-1, keepdims=True)
    k = aa / np.maximum(theta, 1e-12)
    kx, ky, kz = k[..., 0], k[..., 1], k[..., 2]
    zero = np.zeros_like(kx)
    kmat = np.stack([zero, -kz, ky, kz, zero, -kx, -ky, kx, zero], axis=-1).reshape(*aa.shape[:-1], 3, 3)
    s = np.sin(theta)[..., None]
    c = np.cos(theta)[..., None]
    eye = np.broadcast_to(np.eye(3), kmat.shape)
    return eye + s * kmat + (1 - c) * (kmat @ kmat)


def smpl_joints(model: BodyModel, poses: np.ndarray, trans: np.ndarray, betas: np.ndarray) -> np.ndarray:
    """Body joint positions ``(T, 22, 3)`` by SMPL forward kinematics in numpy.

    Args:
        model: body-model arrays from :func:`load_body_model`.
        poses: ``(T, >= 66)`` axis-angle; the first 66 values are root + 21 body joints.
        trans: ``(T, 3)`` root translations.
        betas: ``(B,)`` shape coefficients (truncated to the model's shape space).
    """
    sd = np.asarray(model["shapedirs"], dtype=np.float64)
    b = np.zeros(sd.shape[2])
    nb = min(len(betas), sd.shape[2])
    b[:nb] = np.asarray(betas, dtype=np.float64)[:nb]
    v_shaped = np.asarray(model["v_template"], dtype=np.float64) + sd @ b
    joints = np.asarray(model["J_regressor"], dtype=np.float64) @ v_shaped
    parents = np.asarray(model["kintree_table"][0], dtype=np.int64)[:NUM_BODY_JOINTS]
    rots = _rodrigues(np.asarray(poses, dtype=np.float64)[:, : 3 * NUM_BODY_JOINTS].reshape(-1, NUM_BODY_JOINTS, 3))
    t = rots.shape[0]
    g_rot = np.zeros((t, NUM_BODY_JOINTS, 3, 3))
    g_pos = np.zeros((t, NUM_BODY_JOINTS, 3))
    g_rot[:, 0] = rots[:, 0]
    g_pos[:, 0] = joints[0]
    for j in range(1, NUM_BODY_JOINTS):
        p = int(parents[j])
        g_rot[:, j] = g_rot[:, p] @ rots[:, j]
        g_pos[:, j] = g_pos[:, p] + np.einsum("tij,j->ti", g_rot[:, p], joints[j] - joints[p])
    return g_pos + np.asarray(trans, dtype=np.float64)[:, None, :]


def _smplx_joints(model: BodyModel, poses: np.ndarray, trans: np.ndarray, betas: np.ndarray) -> np.ndarray:
    try:
        import smplx
        import torch
        from smplx.utils import Struct
    except ImportError as exc:
        raise ImportError("the smplx backend needs `pip install mwx-sdk[motion]` (smplx, torch)") from exc
    data = dict(model)
    t = poses.shape[0]
    nb = min(len(betas), data["shapedirs"].shape[2])
    common = dict(data_struct=Struct(**data), batch_size=t, num_betas=nb)
    if model.model_type == "smpl":
        body = smplx.SMPL(model.path, **common)
        extra = {}
    elif model.model_type == "smplh":
        body = smplx.SMPLH(model.path, use_pca=False, flat_hand_mean=True, **common)
        extra = {"left_hand_pose": poses[:, 66:111], "right_hand_pose": poses[:, 111:156]}
    else:
        body = smplx.SMPLX(model.path, use_pca=False, flat_hand_mean=True, use_face_contour=False, **common)
        extra = {"jaw_pose": poses[:, 66:69], "leye_pose": poses[:, 69:72], "reye_pose": poses[:, 72:75],
                 "left_hand_pose": poses[:, 75:120], "right_hand_pose": poses[:, 120:165]}
    nb = int(body.num_betas)  # smplx may keep fewer shape coefficients than the file has
    b = np.zeros(nb, dtype=np.float32)
    b[: min(nb, len(betas))] = np.asarray(betas, dtype=np.float32)[:nb]
    tensors = {k: torch.as_tensor(np.ascontiguousarray(v), dtype=torch.float32) for k, v in extra.items() if v.shape[1]}
    with torch.no_grad():
        out = body(
            betas=torch.as_tensor(np.tile(b, (t, 1))),
            global_orient=torch.as_tensor(poses[:, :3], dtype=torch.float32),
            body_pose=torch.as_tensor(poses[:, 3:66], dtype=torch.float32),
            transl=torch.as_tensor(trans, dtype=torch.float32),
            **tensors,
        )
    return out.joints[:, :NUM_BODY_JOINTS].numpy().astype(np.float64)


def load_amass(
    path: str | os.PathLike,
    body_model: str | os.PathLike | BodyModel,
    *,
    model_type: str | None = None,
    gender: str | None = None,
    backend: str = "auto",
    allow_pickle: bool = False,
    max_frames: int | None = None,
) -> HumanMotion:
    """Load an AMASS motion file as human keypoints (metres, Z up).

    Args:
        path: the AMASS ``.npz`` (``poses``, ``trans``, ``betas``, ``gender``, frame rate).
        body_model: body-model folder or file (or arrays from :func:`load_body_model`).
        model_type: ``"smplh"`` or ``"smplx"``; guessed from the pose width when ``None``.
        gender: overrides the file's gender (``"neutral"``, ``"male"``, ``"female"``).
        backend: ``"smplx"``, ``"numpy"`` or ``"auto"`` (smplx when importable).
        allow_pickle: open files holding Python objects or ``.pkl`` body models (warns).
        max_frames: keep only the first frames (useful for previews and tests).

    Returns:
        The motion's keypoints with the source and AMASS license text.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no AMASS file at {path}")
    try:
        with np.load(path, allow_pickle=allow_pickle) as npz:
            data = {k: npz[k] for k in npz.files}
    except ValueError as exc:
        raise ValueError(f"{path} holds Python objects; pass allow_pickle=True only if you trust it ({exc})") from exc
    if allow_pickle:
        _warn_pickle(path)
    for k in ("poses", "trans"):
        if k not in data:
            raise ValueError(f"{path} is not an AMASS motion file: missing {k!r} (expected poses, trans, betas)")
    poses = np.asarray(data["poses"], dtype=np.float64)
    trans = np.asarray(data["trans"], dtype=np.float64)
    if poses.ndim != 2 or poses.shape[1] < 66 or trans.shape != (poses.shape[0], 3):
        raise ValueError(f"{path}: poses must be (T, >=66) and trans (T, 3); got {poses.shape} and {trans.shape}")
    if max_frames is not None:
        poses, trans = poses[:max_frames], trans[:max_frames]
    betas = np.asarray(data.get("betas", np.zeros(10)), dtype=np.float64).reshape(-1)
    fps = data.get("mocap_framerate", data.get("mocap_frame_rate"))
    if fps is None:
        raise ValueError(f"{path}: no frame rate (mocap_framerate or mocap_frame_rate)")
    mtype = model_type or ("smplx" if poses.shape[1] == 165 else "smplh")
    if gender is not None:
        g = check_gender(gender)
    else:
        raw = data.get("gender", "neutral")
        raw = raw.reshape(()).item() if isinstance(raw, np.ndarray) and raw.size == 1 else raw
        raw = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
        if raw.startswith("b'") and raw.endswith("'"):  # bytes stringified by an older numpy
            raw = raw[2:-1]
        g = check_gender(raw.strip() or "neutral", f"{path}: the file's gender")
    if isinstance(body_model, BodyModel):
        model = body_model
    else:
        model = load_body_model(body_model, mtype, g, allow_pickle=allow_pickle)
    use = backend
    if backend == "auto":
        try:
            import smplx  # noqa: F401

            use = "smplx"
        except ImportError:
            use = "numpy"
    if use == "smplx":
        joints = _smplx_joints(model, poses, trans, betas)
    elif use == "numpy":
        joints = smpl_joints(model, poses, trans, betas)
    else:
        raise ValueError(f"backend must be 'smplx', 'numpy' or 'auto', got {backend!r}")
    keypoints = joints[:, [SMPL_KEYPOINTS[k] for k in KEYPOINTS]]
    return HumanMotion(
        positions=keypoints,
        fps=float(fps),
        source=f"amass:{path.name}",
        license=AMASS_LICENSE,
        meta={"file": path.name, "model_type": mtype, "gender": g, "backend": use},
    )

