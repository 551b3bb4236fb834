"""A synthetic SMPL-H body model with the real array shapes and kinematic tree.

Real body models cannot be shipped; this one has SMPL-H's 6890 vertices and 52 joints, a
plausible Y-up rest skeleton, vertices scattered around their joints, a J_regressor that
averages each joint's vertices, small random shape directions, zero pose blend shapes and
one-hot skinning weights.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

NUM_VERTS = 6890
NUM_JOINTS = 52

# SMPL body tree (22 joints), then 15 left-hand and 15 right-hand finger joints
BODY_PARENTS = [-1, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 9, 9, 12, 13, 14, 16, 17, 18, 19]

# rest positions of the 22 body joints, metres, Y up, subject facing +z, left = +x
BODY_REST = np.array([
    [0.0, 0.93, 0.0],                                   # 0 pelvis
    [0.09, 0.84, 0.0], [-0.09, 0.84, 0.0],              # 1, 2 hips
    [0.0, 1.03, 0.0],                                   # 3 spine1
    [0.10, 0.45, 0.0], [-0.10, 0.45, 0.0],              # 4, 5 knees
    [0.0, 1.16, 0.0],                                   # 6 spine2
    [0.10, 0.08, -0.03], [-0.10, 0.08, -0.03],          # 7, 8 ankles
    [0.0, 1.22, 0.02],                                  # 9 spine3
    [0.11, 0.02, 0.10], [-0.11, 0.02, 0.10],            # 10, 11 feet
    [0.0, 1.45, 0.0],                                   # 12 neck
    [0.08, 1.37, 0.0], [-0.08, 1.37, 0.0],              # 13, 14 collars
    [0.0, 1.58, 0.03],                                  # 15 head
    [0.19, 1.38, 0.0], [-0.19, 1.38, 0.0],              # 16, 17 shoulders
    [0.45, 1.38, 0.0], [-0.45, 1.38, 0.0],              # 18, 19 elbows
    [0.70, 1.38, 0.0], [-0.70, 1.38, 0.0],              # 20, 21 wrists
])


def _parents() -> list[int]:
    parents = list(BODY_PARENTS)
    for wrist in (20, 21):
        for _finger in range(5):
            base = len(parents)
            parents += [wrist, base, base + 1]
    return parents


def _rest_joints() -> np.ndarray:
    parents = _parents()
    rest = np.zeros((NUM_JOINTS, 3))
    rest[:22] = BODY_REST
    for j in range(22, NUM_JOINTS):
        side = 1.0 if j < 37 else -1.0
        rest[j] = rest[parents[j]] + [side * 0.03, 0.0, 0.01 * ((j - 22) % 5 - 2)]
    return rest


def make_smplh_model(path: Path, seed: int = 0) -> Path:
    """Write ``SMPLH_NEUTRAL.npz`` into the folder ``path`` and return its path."""
    rng = np.random.default_rng(seed)
    rest = _rest_joints()
    owner = np.arange(NUM_VERTS) % NUM_JOINTS
    v = rest[owner] + rng.normal(0.0, 0.02, (NUM_VERTS, 3))
    regressor = np.zeros((NUM_JOINTS, NUM_VERTS))
    for j in range(NUM_JOINTS):
        idx = np.flatnonzero(owner == j)
        regressor[j, idx] = 1.0 / len(idx)
    # shift each joint's vertices so the regressed joints are exactly the rest joints
    v += (rest - regressor @ v)[owner]
    weights = np.zeros((NUM_VERTS, NUM_JOINTS))
    weights[np.arange(NUM_VERTS), owner] = 1.0
    parents = _parents()
    kintree = np.array([[4294967295] + parents[1:], list(range(NUM_JOINTS))], dtype=np.int64)
    path.mkdir(parents=True, exist_ok=True)
    out = path / "SMPLH_NEUTRAL.npz"
    np.savez_compressed(
        out,
        v_template=v,
        shapedirs=rng.normal(0.0, 0.005, (NUM_VERTS, 3, 16)),
        posedirs=np.zeros((NUM_VERTS, 3, (NUM_JOINTS - 1) * 9), dtype=np.float32),
        J_regressor=regressor,
        kintree_table=kintree,
        weights=weights,
        f=np.stack([np.arange(0, NUM_VERTS - 2), np.arange(1, NUM_VERTS - 1), np.arange(2, NUM_VERTS)], 1).astype(np.int64),
        hands_componentsl=np.eye(45),
        hands_componentsr=np.eye(45),
        hands_meanl=np.zeros(45),
        hands_meanr=np.zeros(45),
    )
    return out


def make_walk_amass(path: Path, frames: int = 40, fps: float = 60.0) -> Path:
    """An AMASS-style SMPL-H motion file: the body faces and walks along -y of the Z-up world."""
    t = np.arange(frames) / fps
    poses = np.zeros((frames, 156))
    # AMASS root orientation turns the Y-up body into the Z-up world: +90 degrees about x
    poses[:, 0] = np.pi / 2
    swing = 0.4 * np.sin(2 * np.pi * t)
    poses[:, 3 + 3 * 0] = -swing          # left hip flexes forward and back
    poses[:, 3 + 3 * 1] = swing           # right hip, opposite phase
    poses[:, 3 + 3 * 3] = 0.4 * np.clip(np.sin(2 * np.pi * t), 0, None)   # left knee (joint 4)
    poses[:, 3 + 3 * 4] = 0.4 * np.clip(-np.sin(2 * np.pi * t), 0, None)  # right knee (joint 5)
    # the root rotates about the pelvis joint, so trans puts the pelvis 0.93 m above the floor
    pelvis = BODY_REST[0]
    trans = np.stack([np.zeros(frames), -1.0 * t, np.zeros(frames)], axis=1) + [0.0, -pelvis[1], 0.93]
    out = path / "walk_poses.npz"
    np.savez(out, poses=poses, trans=trans, betas=np.zeros(16), gender=np.array("neutral"),
             mocap_framerate=np.array(fps))
    return out
