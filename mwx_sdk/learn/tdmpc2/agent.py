"""TD-MPC2 agent: latent MPPI planning (``act``) and model learning (``update``), with the
MetaWorld expert guidance (``a_ref`` seeds the sampling mean and pulls the policy prior by
``lambda * ||a - a_ref||^2``) and an optional imitation term in the reward target.
"""

from __future__ import annotations

import copy
import ctypes
import os
import sys
from collections.abc import Mapping
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from ..device import resolve_device
from .config import TDMPC2Config
from .world_model import WorldModel

BATCH_KEYS = ("obs", "action", "reward", "terminated", "a_ref", "ref_mask", "imitation")


def _adam(params: list, lr: float, **kw):
    try:
        return torch.optim.Adam(params, lr=lr, fused=True, **kw)
    except (RuntimeError, TypeError):  # fused kernels missing for this device or dtype
        return torch.optim.Adam(params, lr=lr, foreach=True, **kw)


_MALLOC_TUNED = False


def keep_freed_memory() -> bool:
    """Let glibc malloc keep freed memory for reuse instead of giving it back to the system.

    By default glibc trims freed heap tops back to the system, so the next update's activations
    are page-faulted in afresh (a measured ~10% of a small CPU update). This keeps up to 1 GiB of
    freed memory and grows the heap in 64 MiB steps. The mmap threshold is left alone (raising it
    made planning slower). It is process-wide and done once; a no-op off glibc.

    Returns:
        Whether the settings are in effect.
    """
    global _MALLOC_TUNED
    if _MALLOC_TUNED or not sys.platform.startswith("linux"):
        return _MALLOC_TUNED
    try:
        libc = ctypes.CDLL("libc.so.6")
        # mallopt parameters: M_TRIM_THRESHOLD = -1, M_TOP_PAD = -2
        _MALLOC_TUNED = bool(libc.mallopt(-1, 1 << 30) and libc.mallopt(-2, 64 << 20))
    except (OSError, AttributeError):  # not glibc
        _MALLOC_TUNED = False
    return _MALLOC_TUNED


def auto_threads(model: torch.nn.Module) -> int:
    """Intra-op threads for CPU work: one for small models or when the machine is already busy
    (OpenMP workers spinning against other processes cost far more than they bring), else the
    core count."""
    cores = os.cpu_count() or 1
    small = sum(p.numel() for p in model.parameters()) < 300_000
    busy = hasattr(os, "getloadavg") and os.getloadavg()[0] > 0.75 * cores
    return 1 if (small or busy or cores == 1) else cores


class TDMPC2Agent:
    """World model + planner + learner.

    Args:
        cfg: the configuration.
    """

    def __init__(self, cfg: TDMPC2Config) -> None:
        self.cfg = cfg
        self.device = resolve_device(cfg.device)
        self.model = WorldModel(cfg).to(self.device).eval()  # train() only inside update
        if self.device.type == "cpu":
            torch.set_num_threads(cfg.threads or auto_threads(self.model))
            keep_freed_memory()
        groups = self.model.parameter_groups()
        self.optim = _adam(
            [
                {"params": groups["encoder"], "lr": cfg.lr * cfg.enc_lr_scale},
                {"params": groups["model"], "lr": cfg.lr},
            ],
            lr=cfg.lr,
        )
        self.pi_optim = _adam(groups["policy"], lr=cfg.lr, eps=1e-5)
        self._model_params = groups["encoder"] + groups["model"]
        self._pi_params = groups["policy"]
        self.q_scale = torch.ones((), device=self.device)
        self.rho_w = cfg.rho ** torch.arange(cfg.horizon + 1, device=self.device, dtype=torch.float32)
        self._prev_mean = torch.zeros(cfg.horizon, cfg.action_dim, device=self.device)
        self._std0 = torch.full((cfg.horizon, cfg.action_dim), cfg.max_std, device=self.device)
        self.updates = 0
        self._shadow: WorldModel | None = None
        self._shadow_at = -1
        self._shadow_pairs: tuple[list[torch.Tensor], list[torch.Tensor]] | None = None
        self._plan_fn = self._plan
        self._update_fn = self._update
        if cfg.compile:
            self._plan_fn = torch.compile(self._plan, dynamic=False)
            self._update_fn = torch.compile(self._update, dynamic=False)

    # -- acting ------------------------------------------------------------------------------
    def act(
        self,
        obs: np.ndarray,
        a_ref: np.ndarray | None = None,
        *,
        t0: bool = False,
        eval_mode: bool = False,
        mpc: bool = True,
    ) -> np.ndarray:
        """Choose an action.

        Args:
            obs: observation ``(obs_dim,)``.
            a_ref: the experts' reference action; seeds the MPPI mean when given.
            t0: first step of an episode (no warm start from the previous plan).
            eval_mode: act with the plan's mean (no exploration noise).
            mpc: plan with MPPI; otherwise sample the policy prior.

        Returns:
            Action ``(action_dim,)`` in ``[-1, 1]`` (float32).
        """
        if np.shape(obs) != (self.cfg.obs_dim,):
            raise ValueError(f"obs has shape {np.shape(obs)}, expected ({self.cfg.obs_dim},)")
        with torch.inference_mode():
            o = torch.as_tensor(np.asarray(obs, dtype=np.float32), device=self.device).unsqueeze(0)
            ref = None
            if a_ref is not None and self.cfg.guidance_seed:
                ref = torch.as_tensor(np.asarray(a_ref, dtype=np.float32), device=self.device)
                if ref.shape != (self.cfg.action_dim,):
                    raise ValueError(f"a_ref has shape {tuple(ref.shape)}, expected ({self.cfg.action_dim},)")
                ref = ref.clamp(-1, 1)
            self.model.eval()
            if mpc:
                a = self._plan_fn(o, ref, t0, eval_mode)
            else:
                z = self.model.encode(o)
                a, mean, _ = self.model.pi(z)
                a = (mean if eval_mode else a)[0]
            return a.float().cpu().numpy()

    def _planning_model(self) -> WorldModel:
        """The model planning runs on: the model itself, or its bfloat16 copy (refreshed after
        updates) when ``plan_dtype`` is ``"bfloat16"``."""
        if self.cfg.plan_dtype == "float32":
            return self.model
        if self._shadow is None:
            self._shadow = copy.deepcopy(self.model).to(torch.bfloat16).eval()
            # state_dict tensors share storage with the parameters, which the optimisers and
            # load_state_dict update in place, so the pairing is taken once
            self._shadow_pairs = (list(self.model.state_dict().values()),
                                  list(self._shadow.state_dict().values()))
            self._shadow_at = self.updates
        elif self._shadow_at != self.updates:
            with torch.no_grad():
                src, dst = self._shadow_pairs
                torch._foreach_copy_(dst, src)
            self._shadow_at = self.updates
        return self._shadow

    def _plan(self, obs: torch.Tensor, a_ref: torch.Tensor | None, t0: bool, eval_mode: bool) -> torch.Tensor:
        cfg, m = self.cfg, self._planning_model()
        H, N, P, A, K = cfg.horizon, cfg.num_samples, cfg.num_pi_trajs, cfg.action_dim, cfg.num_elites
        L = cfg.latent_dim
        dtype = m.q.w0.dtype
        z0 = m.encode(obs.to(dtype))  # (1, L)
        # the latent part of the first dynamics/reward layer is shared by every sample at t=0
        dw, rw = m.dynamics.linears[0], m.reward_head.linears[0]
        d0 = F.linear(z0, dw.weight[:, :L], dw.bias)
        r0 = F.linear(z0, rw.weight[:, :L], rw.bias)
        dwa, rwa = dw.weight[:, L:], rw.weight[:, L:]

        actions = torch.empty(H, N, A, device=self.device, dtype=dtype)
        if P > 0:
            z = z0.expand(P, L)
            for t in range(H - 1):
                actions[t, :P] = m.pi_action(z)
                z = m.next(torch.cat([z, actions[t, :P]], -1))
            actions[H - 1, :P] = m.pi_action(z)

        mean = torch.zeros(H, A, device=self.device)
        if not t0:
            mean[:-1] = self._prev_mean[1:]
        std = self._std0.clone()
        seeded = a_ref is not None
        if seeded:
            mean[0] = a_ref
            if t0:
                mean[1:] = a_ref
        first = P + 1 if seeded else P  # the plain expert trajectory is always a candidate
        if seeded:
            actions[:, P] = a_ref
        pi_value = None
        for it in range(cfg.iterations):
            noise = torch.randn(H, N - first, A, device=self.device)
            actions[:, first:] = (mean.unsqueeze(1) + std.unsqueeze(1) * noise).clamp_(-1, 1)
            start = 0 if pi_value is None else P
            value = self._estimate_value(m, z0, actions[:, start:], d0, r0, dwa, rwa).float()
            if P > 0:
                if pi_value is None:
                    pi_value = value[:P]
                else:
                    value = torch.cat([pi_value, value], 0)
            value = torch.nan_to_num(value, nan=-1e9)
            elite_value, elite_idx = torch.topk(value.squeeze(1), K, sorted=False)
            elite_actions = actions[:, elite_idx].float()
            score = torch.exp(cfg.temperature * (elite_value - elite_value.max()))
            score = score / score.sum()
            w = score.view(1, K, 1)
            mean = (w * elite_actions).sum(1)
            std = ((w * (elite_actions - mean.unsqueeze(1)) ** 2).sum(1)).sqrt().clamp_(cfg.min_std, cfg.max_std)
        pick = torch.multinomial(score, 1)
        a = elite_actions[0, pick[0]]
        if not eval_mode:
            a = a + std[0] * torch.randn(A, device=self.device)
        self._prev_mean.copy_(mean)
        return a.clamp(-1, 1)

    def _estimate_value(self, m, z0, actions, d0, r0, dwa, rwa) -> torch.Tensor:
        cfg = self.cfg
        n = actions.shape[1]
        G = torch.zeros(n, 1, device=self.device, dtype=actions.dtype)
        alive = torch.ones(n, 1, device=self.device, dtype=actions.dtype)
        disc = 1.0
        z = None
        for t in range(cfg.horizon):
            a = actions[t]
            if t == 0:
                rl = m.reward_head(None, first=torch.addmm(r0, a, rwa.t()))
                z = m.dynamics(None, first=torch.addmm(d0, a, dwa.t()))
            else:
                za = torch.cat([z, a], -1)
                rl = m.reward_head(za)
                z = m.next(za)
            G = G + (disc * alive) * m.twohot.decode(rl)
            disc *= cfg.discount
            if cfg.episodic:
                alive = alive * (m.termination_logit(z) <= 0).to(alive.dtype)
        a_pi = m.pi_action(z)
        q = m.q_value(torch.cat([z, a_pi], -1), m.random_heads(2), reduce="avg")
        return G + (disc * alive) * q

    # -- learning ----------------------------------------------------------------------------
    def update(self, batch: Mapping[str, Any]) -> dict[str, float]:
        """One gradient step of the model and of the policy prior on a batch of
        sub-trajectories.

        Args:
            batch: tensors with time first: ``obs (H+1, B, obs_dim)``, ``action (H, B, A)``,
                ``reward``, ``terminated``, ``ref_mask`` and ``imitation`` ``(H, B, 1)`` and
                ``a_ref (H, B, A)``.

        Returns:
            Losses and statistics as floats.
        """
        b = {k: torch.as_tensor(batch[k], device=self.device) for k in BATCH_KEYS}
        info = self._update_fn(b)
        self.updates += 1
        return dict(zip(_INFO_KEYS, info.tolist()))

    def _update(self, b: dict[str, torch.Tensor]) -> torch.Tensor:
        cfg, m = self.cfg, self.model
        H = cfg.horizon
        obs, action = b["obs"], b["action"]
        r_target = b["reward"] + cfg.imitation_coef * b["imitation"]
        rho = self.rho_w[:H].view(H, 1, 1)
        with torch.no_grad():
            next_z = m.encode(obs[1:])
            a_next = m.pi_action(next_z)
            B = next_z.shape[1]
            q_next = m.q_value(
                torch.cat([next_z, a_next], -1).view(H * B, -1), m.random_heads(2), target=True, reduce="min"
            ).view(H, B, 1)
            td = r_target + cfg.discount * (1 - b["terminated"]) * q_next

        m.train()
        z = m.encode(obs[0])
        zs = [z]
        consistency = 0.0
        for t in range(H):
            z = m.next(torch.cat([z, action[t]], -1))
            consistency = consistency + F.mse_loss(z, next_z[t]) * cfg.rho**t
            zs.append(z)
        zs_t = torch.stack(zs)
        za = torch.cat([zs_t[:-1], action], -1).view(H * B, -1)
        q_logits = m.q_logits(za).view(cfg.num_q, H, B, -1)
        r_logits = m.reward_logits(za).view(H, B, -1)
        reward_loss = (m.twohot.soft_ce(r_logits, r_target) * rho).mean(dim=(1, 2)).sum() / H
        value_loss = (m.twohot.soft_ce(q_logits, td.unsqueeze(0).expand(cfg.num_q, -1, -1, -1)) * rho).mean(
            dim=(2, 3)
        ).sum() / (H * cfg.num_q)
        consistency = consistency / H
        total = cfg.consistency_coef * consistency + cfg.reward_coef * reward_loss + cfg.value_coef * value_loss
        if cfg.episodic:
            term_loss = F.binary_cross_entropy_with_logits(m.termination_logit(zs_t[1:]), b["terminated"])
            total = total + cfg.termination_coef * term_loss
        else:
            term_loss = torch.zeros((), device=self.device)
        total.backward()
        grad_norm = torch.nn.utils.clip_grad_norm_(self._model_params, cfg.grad_clip_norm, foreach=True)
        self.optim.step()
        self.optim.zero_grad(set_to_none=True)

        pi_loss, guide_loss = self._update_pi(zs_t.detach(), b)
        m.soft_update_target(cfg.tau)
        m.eval()
        return torch.stack(
            [total.detach(), consistency.detach(), reward_loss.detach(), value_loss.detach(),
             term_loss.detach(), pi_loss, guide_loss, grad_norm.detach(), self.q_scale.clone()]
        )

    def _update_pi(self, zs: torch.Tensor, b: dict[str, torch.Tensor]):
        cfg, m = self.cfg, self.model
        Hp1, B, _ = zs.shape
        a, mean_a, entropy = m.pi(zs)
        detached = {k: v.detach() for k, v in m.q._params().items()}
        heads = m.random_heads(2)
        # the latents are detached: keep them apart so the backward only forms action gradients
        qs = m.twohot.decode(m.q(a.reshape(Hp1 * B, -1), heads, params=detached, fixed=zs.reshape(Hp1 * B, -1)))
        qs = qs.mean(0).view(Hp1, B, 1)
        with torch.no_grad():
            q0 = qs[0].detach().flatten()
            lo_hi = torch.quantile(q0, torch.tensor([0.05, 0.95], device=self.device))
            self.q_scale.lerp_((lo_hi[1] - lo_hi[0]).clamp_min(1e-3), cfg.tau)
        qs = qs / self.q_scale
        rho = self.rho_w.view(Hp1, 1, 1)
        pi_loss = (-(cfg.entropy_coef * cfg.action_dim * entropy + qs) * rho).mean(dim=(1, 2)).mean()
        guide = torch.zeros((), device=self.device)
        if cfg.guidance_lambda > 0:
            H = Hp1 - 1
            err = ((mean_a[:H] - b["a_ref"]) ** 2).sum(-1, keepdim=True) * b["ref_mask"]
            guide = (err * rho[:H]).mean(dim=(1, 2)).sum() / H
            pi_loss = pi_loss + cfg.guidance_lambda * guide
        pi_loss.backward()
        torch.nn.utils.clip_grad_norm_(self._pi_params, cfg.grad_clip_norm, foreach=True)
        self.pi_optim.step()
        self.pi_optim.zero_grad(set_to_none=True)
        return pi_loss.detach(), guide.detach()

    # -- state for checkpoints ---------------------------------------------------------------
    def state_tensors(self) -> dict[str, torch.Tensor]:
        """Model parameters and learner buffers as a flat name -> tensor mapping."""
        out = {f"model.{k}": v for k, v in self.model.state_dict().items()}
        out["agent.q_scale"] = self.q_scale
        out["agent.updates"] = torch.tensor(self.updates, dtype=torch.int64)
        return out

    def load_state_tensors(self, tensors: Mapping[str, torch.Tensor]) -> None:
        """Inverse of :meth:`state_tensors` (shapes are checked by the caller)."""
        model_sd = {k[len("model."):]: v for k, v in tensors.items() if k.startswith("model.")}
        self.model.load_state_dict(model_sd, strict=True)
        self.q_scale.copy_(tensors["agent.q_scale"])
        self.updates = int(tensors["agent.updates"])
        self._shadow_at = -1  # new weights: the bfloat16 copy is refreshed before it plans again

    def optimizers(self) -> dict[str, torch.optim.Optimizer]:
        return {"optim": self.optim, "pi_optim": self.pi_optim}

    def reset(self) -> None:
        """Forget the warm-start plan (call at episode start)."""
        self._prev_mean.zero_()


_INFO_KEYS = (
    "loss", "consistency_loss", "reward_loss", "value_loss", "termination_loss",
    "pi_loss", "guidance_loss", "grad_norm", "q_scale",
)
