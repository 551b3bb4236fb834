"""Shared helpers of the bundled motion-prior skills (not a plugin itself)."""

from __future__ import annotations

import os
from pathlib import Path

from mwx_sdk.motion.clip import Clip, load_clip

ACKNOWLEDGEMENT = (
    "Motion data from the CMU Graphics Lab Motion Capture Database (mocap.cs.cmu.edu), "
    "created with funding from NSF EIA-0196217."
)


def load_prior(package_file: str, prior: str | os.PathLike | None = None) -> Clip:
    """The ``prior.npz`` shipped beside ``package_file``, or the clip file ``prior`` when given.

    Raises:
        FileNotFoundError: the prior is missing; regenerate it with ``scripts/build_priors.py``.
    """
    path = Path(prior) if prior is not None else Path(package_file).with_name("prior.npz")
    if not path.is_file():
        raise FileNotFoundError(
            f"motion prior {path} is missing: reinstall mwx-sdk or run `python scripts/build_priors.py`"
        )
    return load_clip(path)


def time_where(clip: Clip, values, target: float, start: int = 0, stop: int | None = None) -> float:
    """Clip time (s) of the frame in ``[start, stop)`` whose ``values`` are closest to ``target``."""
    import numpy as np

    v = np.asarray(values)[start:stop]
    return (start + int(np.argmin(np.abs(v - target)))) / clip.fps
