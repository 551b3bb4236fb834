"""Learners: the TD-MPC2 world model, replay, checkpoints, the IRM router and expert distillation.

Submodules import torch; this package file does not, so ``import mwx_sdk.learn`` stays light.
"""
