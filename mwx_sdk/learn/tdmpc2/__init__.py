"""TD-MPC2 (world model, latent MPPI, learner) with MetaWorld expert guidance."""

from .agent import TDMPC2Agent
from .config import MODEL_SIZES, TDMPC2Config

__all__ = ["MODEL_SIZES", "TDMPC2Agent", "TDMPC2Config"]
