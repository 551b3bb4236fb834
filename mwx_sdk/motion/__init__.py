"""Human motion priors: clip format, BVH / AMASS loaders, retargeting to the robot, quality
metrics, the imitation reward and the generic motion-prior expert.

Names are resolved lazily so ``import mwx_sdk.motion`` stays light (mujoco and mink load only
when retargeting, smplx and torch only when reading AMASS files).
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_LAZY = {
    "Clip": "clip",
    "ClipFormatError": "clip",
    "load_clip": "clip",
    "save_clip": "clip",
    "HumanMotion": "human",
    "KEYPOINTS": "human",
    "load_bvh": "bvh",
    "parse_bvh": "bvh",
    "load_amass": "amass",
    "load_body_model": "amass",
    "RetargetConfig": "retarget",
    "retarget": "retarget",
    "clip_metrics": "quality",
    "rms_joint_error": "quality",
    "foot_sliding": "quality",
    "imitation_reward": "imitation",
    "ImitationRewardConfig": "imitation",
    "MotionPriorExpert": "expert",
    "render_prior_video": "video",
}

__all__ = list(_LAZY)


def __getattr__(name: str) -> Any:
    mod = _LAZY.get(name)
    if mod is None:
        raise AttributeError(f"module 'mwx_sdk.motion' has no attribute {name!r}")
    value = getattr(import_module(f"mwx_sdk.motion.{mod}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
