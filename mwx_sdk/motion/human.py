"""Human motion as global keypoint positions: the common output of the BVH and AMASS loaders.

Every loader maps its own skeleton onto the same named keypoints (:data:`KEYPOINTS`), in
metres, Z up, so retargeting never needs to know where the motion came from.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["KEYPOINTS", "HumanMotion"]

#: Keypoints every loader provides, in this order.
KEYPOINTS: tuple[str, ...] = (
    "pelvis",
    "left_hip", "left_knee", "left_ankle", "left_toe",
    "right_hip", "right_knee", "right_ankle", "right_toe",
    "chest", "neck", "head",
    "left_shoulder", "left_elbow", "left_wrist",
    "right_shoulder", "right_elbow", "right_wrist",
)


@dataclass
class HumanMotion:
    """Global positions of the human keypoints over time.

    Args:
        positions: ``(T, len(KEYPOINTS), 3)`` in metres, Z up.
        fps: frames per second.
        source: where the motion comes from (file, dataset, clip id).
        license: terms of use of the data, carried into retargeted clips.
        meta: extra information from the loader.
    """

    positions: np.ndarray
    fps: float
    source: str = ""
    license: str = ""
    meta: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.positions = np.asarray(self.positions, dtype=np.float64)
        if self.positions.ndim != 3 or self.positions.shape[1:] != (len(KEYPOINTS), 3):
            raise ValueError(
                f"HumanMotion.positions must have shape (T, {len(KEYPOINTS)}, 3), got {self.positions.shape}"
            )
        if self.positions.shape[0] < 2:
            raise ValueError("HumanMotion needs at least 2 frames")
        if not np.all(np.isfinite(self.positions)):
            raise ValueError("HumanMotion.positions has non-finite values")
        if not np.isfinite(self.fps) or self.fps <= 0:
            raise ValueError(f"HumanMotion.fps must be positive, got {self.fps}")
        self.fps = float(self.fps)

    @property
    def num_frames(self) -> int:
        return int(self.positions.shape[0])

    def __getitem__(self, name: str) -> np.ndarray:
        """``(T, 3)`` trajectory of keypoint ``name``."""
        return self.positions[:, KEYPOINTS.index(name)]

    def frames(self, start: int | None = None, stop: int | None = None, reverse: bool = False) -> HumanMotion:
        """Frames ``[start, stop)``, optionally played backwards (e.g. stand-up -> sit-down)."""
        pos = self.positions[start:stop]
        if reverse:
            pos = pos[::-1]
        meta = dict(self.meta, frames=[start, stop], reversed=reverse)
        return HumanMotion(pos.copy(), self.fps, self.source, self.license, meta)

    def resample(self, fps: float) -> HumanMotion:
        """Linearly interpolated copy at ``fps`` frames per second."""
        t_in = np.arange(self.num_frames) / self.fps
        n_out = max(2, int(np.floor(t_in[-1] * fps + 1e-9)) + 1)
        t_out = np.arange(n_out) / fps
        flat = self.positions.reshape(self.num_frames, -1)
        out = np.stack([np.interp(t_out, t_in, flat[:, k]) for k in range(flat.shape[1])], axis=1)
        return HumanMotion(out.reshape(n_out, len(KEYPOINTS), 3), fps, self.source, self.license, dict(self.meta))
