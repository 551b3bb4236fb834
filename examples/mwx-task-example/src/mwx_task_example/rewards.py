"""The walk_backward reward, one function for the env's single states and the planner's batches."""

from __future__ import annotations

from typing import Any

import numpy as np

from mwx_sdk.envs import rewards as R

#: Backward speed (m/s) at which the reward's move factor saturates.
SPEED = 0.5


def walk_backward_reward(head_height: Any, torso_upright: Any, com_vel: Any, actuator_force: Any,
                         speed: float = SPEED):
    """``SC * STAND * MOVE(-v_x; speed)``: HumanoidBench's walk reward mirrored along x.

    Args:
        head_height: z of site ``head``; a float or an (N, H) batch.
        torso_upright: ``xmat(torso_link)[2, 2]``, same shape as ``head_height``.
        com_vel: centre-of-mass velocity, shape ``(..., 3)``.
        actuator_force: actuator forces, shape ``(..., nu)``.
        speed: backward speed (m/s) from which the move factor is 1.

    Returns:
        ``(reward, terms)``; terms: stand_reward, small_control, move, standing, upright.
    """
    # walk_reward reads only the x velocity: negating it turns "forward" into "backward"
    return R.walk_reward(head_height, torso_upright, -np.asarray(com_vel, dtype=np.float64),
                         np.asarray(actuator_force, dtype=np.float64), speed=speed)
