"""The TD-MPC2 implicit world model: encoder, latent dynamics, reward, termination, policy
prior and a Q ensemble (with its slowly-updated target copy)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .config import TDMPC2Config
from .layers import NormedMLP, QEnsemble, TwoHot, gaussian_logprob


class WorldModel(nn.Module):
    """Latent model ``z = h(o)``, ``z' = d(z, a)``, ``r = R(z, a)``, ``Q_k(z, a)``, ``pi(z)``.

    Args:
        cfg: the agent configuration (sizes are read from it).
    """

    def __init__(self, cfg: TDMPC2Config) -> None:
        super().__init__()
        self.cfg = cfg
        L, A, H = cfg.latent_dim, cfg.action_dim, cfg.mlp_dim
        enc_hidden = [cfg.enc_dim] * max(cfg.num_enc_layers - 1, 1)
        self.encoder = NormedMLP(cfg.obs_dim, enc_hidden, L, out="simnorm", simnorm_dim=cfg.simnorm_dim)
        self.dynamics = NormedMLP(L + A, [H, H], L, out="simnorm", simnorm_dim=cfg.simnorm_dim)
        self.reward_head = NormedMLP(L + A, [H, H], cfg.num_bins, zero_out=True)
        self.termination_head = NormedMLP(L, [H, H], 1) if cfg.episodic else None
        self.policy = NormedMLP(L, [H, H], 2 * A)
        self.q = QEnsemble(cfg.num_q, L + A, H, cfg.num_bins, cfg.dropout)
        self.twohot = TwoHot(cfg.num_bins, cfg.vmin, cfg.vmax)
        # target Q parameters: plain buffers, soft-updated, never trained
        for name, p in self.q._params().items():
            self.register_buffer(f"target_{name}", p.detach().clone())
        self.log_std_min, self.log_std_dif = cfg.log_std_min, cfg.log_std_max - cfg.log_std_min
        if cfg.residual:
            # the prior outputs a residual to a_ref: a zero mean makes it start at the experts' action
            with torch.no_grad():
                self.policy.linears[-1].weight[:A].zero_()

    def train(self, mode: bool = True) -> WorldModel:
        """Set training mode on every submodule (only the Q ensemble's dropout depends on it).

        The flags are written directly: ``nn.Module.train`` walks the module tree through
        ``__setattr__``, which costs as much as some of an update's kernels when it runs twice
        per update and once per ``act``.
        """
        if not isinstance(mode, bool):
            raise TypeError("training mode is expected to be boolean")
        mods = self.__dict__.get("_all_modules")
        if mods is None:
            mods = self.__dict__["_all_modules"] = list(self.modules())
        for mod in mods:
            mod.__dict__["training"] = mode
        return self

    # -- pieces ------------------------------------------------------------------------------
    def encode(self, obs: torch.Tensor) -> torch.Tensor:
        """Latent of observations ``(..., obs_dim) -> (..., latent_dim)``."""
        return self.encoder(obs)

    def next(self, za: torch.Tensor) -> torch.Tensor:
        """Next latent from the concatenated ``[z, a]``."""
        return self.dynamics(za)

    def reward_logits(self, za: torch.Tensor) -> torch.Tensor:
        """Reward logits from ``[z, a]``."""
        return self.reward_head(za)

    def termination_logit(self, z: torch.Tensor) -> torch.Tensor:
        """Termination logit of a latent (episodic models only)."""
        return self.termination_head(z)

    def pi(self, z: torch.Tensor, sample: bool = True):
        """Policy prior: a tanh-squashed Gaussian.

        Args:
            z: latents ``(..., latent_dim)``.
            sample: draw a sample; otherwise the returned action is the squashed mean.

        Returns:
            ``(action, mean_action, entropy)``; ``entropy`` is ``-log pi(a|z)`` per sample
            (``(..., 1)``), including the tanh correction.
        """
        out = self.policy(z)
        mu, log_std = out.chunk(2, dim=-1)
        log_std = self.log_std_min + 0.5 * self.log_std_dif * (torch.tanh(log_std) + 1)
        if not sample:
            m = torch.tanh(mu)
            return m, m, None
        eps = torch.randn_like(mu)
        pre = mu + eps * log_std.exp()
        a = torch.tanh(pre)
        logp = gaussian_logprob(eps, log_std)
        logp = logp - torch.log(F.relu(1 - a.pow(2)) + 1e-6).sum(-1, keepdim=True)
        return a, torch.tanh(mu), -logp

    def pi_action(self, z: torch.Tensor) -> torch.Tensor:
        """A sample of the policy prior only (no log-probability), drawing the same noise as
        :meth:`pi` (planning and TD targets need nothing else)."""
        mu, log_std = self.policy(z).chunk(2, dim=-1)
        log_std = self.log_std_min + 0.5 * self.log_std_dif * (torch.tanh(log_std) + 1)
        return torch.tanh(mu + torch.randn_like(mu) * log_std.exp())

    def q_logits(self, za: torch.Tensor, heads: torch.Tensor | None = None, target: bool = False):
        """Logits of Q heads ``(k, B, bins)``; ``target`` uses the target ensemble."""
        params = self.target_params() if target else None
        return self.q(za, heads=heads, params=params)

    def q_value(self, za: torch.Tensor, heads: torch.Tensor, target: bool = False, reduce: str = "avg"):
        """Q estimate over ``heads``: ``"avg"`` or ``"min"`` of the decoded values, ``(B, 1)``."""
        vals = self.twohot.decode(self.q_logits(za, heads, target))
        return vals.mean(0) if reduce == "avg" else vals.min(0).values

    def target_params(self) -> dict:
        return {k: getattr(self, f"target_{k}") for k in self.q._params()}

    @torch.no_grad()
    def soft_update_target(self, tau: float) -> None:
        """``target <- (1 - tau) * target + tau * online``."""
        online = list(self.q._params().values())
        target = list(self.target_params().values())
        torch._foreach_lerp_(target, online, tau)

    def random_heads(self, k: int = 2, generator: torch.Generator | None = None) -> torch.Tensor:
        """``k`` distinct random Q-head indices."""
        return torch.randperm(self.cfg.num_q, generator=generator, device=self.w_device)[:k]

    @property
    def w_device(self) -> torch.device:
        return self.q.w0.device

    def parameter_groups(self) -> dict[str, list[nn.Parameter]]:
        """Parameters by optimiser group: encoder, the rest of the model, and the policy."""
        model = [
            *self.dynamics.parameters(),
            *self.reward_head.parameters(),
            *(self.termination_head.parameters() if self.termination_head is not None else []),
            *self.q.parameters(),
        ]
        return {"encoder": list(self.encoder.parameters()), "model": model, "policy": list(self.policy.parameters())}
