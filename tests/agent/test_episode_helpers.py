"""mwx_sdk.episode's shared pieces: generators kept around an inner episode, the task's instruction."""

from __future__ import annotations

import random

import numpy as np
import pytest

from mwx_sdk.episode import global_rng_kept, instruction_for, seed_everything


def test_global_generators_go_on_as_if_the_block_had_not_run():
    import torch
    seed_everything(11)
    want = (random.random(), np.random.rand(), float(torch.rand(1)))
    seed_everything(11)
    with global_rng_kept():
        seed_everything(99)  # an inner episode seeds them from its own seed and draws
        random.random(), np.random.rand(3), torch.rand(5)
    assert (random.random(), np.random.rand(), float(torch.rand(1))) == want


def test_the_generators_are_put_back_when_the_block_raises():
    seed_everything(4)
    want = np.random.rand()
    seed_everything(4)
    with pytest.raises(RuntimeError), global_rng_kept():
        np.random.rand(10)
        raise RuntimeError("inner episode failed")
    assert np.random.rand() == want


def test_instruction_for_reads_the_envs_task():
    import gymnasium as gym

    import mwx_sdk

    env = mwx_sdk.make_env("mwx/h1-walk-v0")
    assert instruction_for(env, "x") == mwx_sdk.get_task("walk").composition.instruction
    env.close()
    assert instruction_for(gym.make("CartPole-v1"), "balance") == "balance"
