"""TD-MPC2 agent: latent MPPI planning (``act``) and model learning (``update``), with the
MetaWorld expert guidance and an optional imitation term in the reward target.

Guidance comes in two forms:

* ``residual=True`` (what guided training uses): the agent acts *around* the experts. The latent
  MPPI samples residuals to ``a_ref`` (the experts' action, held over the planning horizon),
  bounded by an *anchor* -- the largest ``|a - a_ref|`` per action dimension -- and starting
  with a spread no wider than the anchor; the experts' own action is always a candidate; in
  evaluation the executed action is ``a_ref`` plus the plan's weighted-mean residual. The policy
  prior outputs a residual to ``a_ref`` (it starts at zero) and ``lambda * ||a - a_ref||^2``
  pulls it there. The anchor opens from ``anchor_min`` to ``anchor_max`` as the learned value
  earns *trust*: trust is the explained variance (R^2) of the observed discounted returns by the
  value the agent predicted for its executed actions when it took them (:meth:`observe_returns`,
  over the last ``trust_window`` steps), rescaled from [``trust_r2_min``, 1] to [0, 1]; it grows by at most ``trust_rate``
  per 1000 observed steps and falls at once. Why this measure: an untrained value function
  ranks actions at random, so planning freely with it does worse than the experts; R^2 is high
  only when the value predicts *which* states and actions lead to higher or lower returns (the
  variance of the returns, falls included), not just their average, and it is measured on
  predictions made before the outcome was seen. While the experts' behaviour gives returns
  without variance the anchor stays closed and the agent does what the experts do; as the value
  proves it can tell good from bad outcomes inside the anchor, the anchor widens, step by step.
* ``residual=False`` with ``guidance_seed`` (MetaWorld's seeding): ``a_ref`` seeds the first step
  of the sampling mean and is one of the candidates; ``lambda * ||a - a_ref||^2`` pulls the
  policy prior. With ``guidance_lambda = 0`` and no ``a_ref`` this is plain TD-MPC2.
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
from .layers import use_fused_kernels
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
    freed memory and grows the heap in 64 MiB steps. Setting those freezes glibc's adaptive mmap
    threshold wherever it stood, and blocks above it are mapped and faulted in afresh on every
    allocation (the 5M model's activations are several MiB), so the threshold is set to 256 MiB as
    well. It is process-wide and done once; a no-op off glibc.

    Returns:
        Whether the settings are in effect.
    """
    global _MALLOC_TUNED
    if _MALLOC_TUNED or not sys.platform.startswith("linux"):
        return _MALLOC_TUNED
    try:
        libc = ctypes.CDLL("libc.so.6")
        # mallopt parameters: M_TRIM_THRESHOLD = -1, M_TOP_PAD = -2, M_MMAP_THRESHOLD = -3
        _MALLOC_TUNED = bool(libc.mallopt(-1, 1 << 30) and libc.mallopt(-2, 64 << 20)
                             and libc.mallopt(-3, 256 << 20))
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
            if cfg.fused_kernels:
                use_fused_kernels(True)
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
        self._q_levels = torch.tensor([0.05, 0.95], device=self.device)  # of the Q scale's range
        self.rho_w = cfg.rho ** torch.arange(cfg.horizon + 1, device=self.device, dtype=torch.float32)
        self._prev_mean = torch.zeros(cfg.horizon, cfg.action_dim, device=self.device)
        self._std0 = torch.full((cfg.horizon, cfg.action_dim), cfg.max_std, device=self.device)
        self.updates = 0
        # residual guidance: trust in the learned value (0..1) sets the anchor
        self.trust = 0.0
        self.explained_variance = float("nan")
        self.last_value = float("nan")
        self._trust_pairs: list[tuple[np.ndarray, np.ndarray]] = []
        self._anchor_t = torch.tensor(cfg.anchor_min, device=self.device)
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
            a_ref: the experts' reference action: the centre of the residual plan (required
                with ``residual``), else it seeds the MPPI mean when given.
            t0: first step of an episode (no warm start from the previous plan).
            eval_mode: act with the plan's mean (no exploration noise).
            mpc: plan with MPPI; otherwise sample the policy prior.

        Returns:
            Action ``(action_dim,)`` in ``[-1, 1]`` (float32). With ``residual`` the value the
            model predicts for it is left in :attr:`last_value`.
        """
        if np.shape(obs) != (self.cfg.obs_dim,):
            raise ValueError(f"obs has shape {np.shape(obs)}, expected ({self.cfg.obs_dim},)")
        residual = self.cfg.residual
        if residual and a_ref is None:
            raise ValueError(
                "this TD-MPC2 agent acts around the experts (residual guidance): pass a_ref, the experts' "
                "action (the tdmpc2 planner needs guidance=True and experts)"
            )
        with torch.inference_mode():
            o = torch.as_tensor(np.asarray(obs, dtype=np.float32), device=self.device).unsqueeze(0)
            ref = None
            if a_ref is not None and (self.cfg.guidance_seed or residual):
                ref = torch.as_tensor(np.asarray(a_ref, dtype=np.float32), device=self.device)
                if ref.shape != (self.cfg.action_dim,):
                    raise ValueError(f"a_ref has shape {tuple(ref.shape)}, expected ({self.cfg.action_dim},)")
                if not bool(torch.isfinite(ref).all()):
                    raise ValueError("a_ref contains NaN or Inf; the experts produced an invalid action")
                ref = ref.clamp(-1, 1)
            self.model.eval()
            if residual:
                a, value = self._plan_residual(o, ref, t0, eval_mode, mpc)
                self.last_value = float(value)
                return a.float().cpu().numpy()
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

    def _estimate_value(self, m, z0, actions, d0, r0, dwa, rwa, ref=None, eps=None) -> torch.Tensor:
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
        if ref is not None:  # residual prior: the bootstrap acts around the held a_ref too
            a_pi = (ref + a_pi.clamp(-eps, eps)).clamp(-1, 1)
        q = m.q_value(torch.cat([z, a_pi], -1), m.random_heads(2), reduce="avg")
        return G + (disc * alive) * q

    def _plan_residual(self, obs: torch.Tensor, ref: torch.Tensor, t0: bool, eval_mode: bool, mpc: bool):
        """Latent MPPI over residuals to ``ref`` within the anchor; returns the action and the
        value (mean of the Q heads) the model predicts for it."""
        cfg, m = self.cfg, self._planning_model()
        H, N, P, A, K = cfg.horizon, cfg.num_samples, cfg.num_pi_trajs, cfg.action_dim, cfg.num_elites
        L = cfg.latent_dim
        dtype = m.q.w0.dtype
        eps = self.anchor
        ref = ref.to(dtype)
        z0 = m.encode(obs.to(dtype))
        if not mpc:
            res = (m.pi(z0, sample=False)[1] if eval_mode else m.pi_action(z0))[0]
            a = (ref + res.clamp(-eps, eps)).clamp(-1, 1)
            return a, self._q_mean(m, z0, a)
        dw, rw = m.dynamics.linears[0], m.reward_head.linears[0]
        d0 = F.linear(z0, dw.weight[:, :L], dw.bias)
        r0 = F.linear(z0, rw.weight[:, :L], rw.bias)
        dwa, rwa = dw.weight[:, L:], rw.weight[:, L:]

        actions = torch.empty(H, N, A, device=self.device, dtype=dtype)
        if P > 0:
            z = z0.expand(P, L)
            for t in range(H):
                actions[t, :P] = (ref + m.pi_action(z).clamp(-eps, eps)).clamp(-1, 1)
                if t < H - 1:
                    z = m.next(torch.cat([z, actions[t, :P]], -1))
        actions[:, P] = ref  # the experts' action, held, is always a candidate
        first = P + 1
        mean = torch.zeros(H, A, device=self.device)  # of the residual
        if not t0:
            mean[:-1] = self._prev_mean[1:]
        lo = min(cfg.min_std, eps)
        hi = max(min(cfg.max_std, eps), lo)
        std = torch.full((H, A), hi, device=self.device)
        ref32 = ref.float()
        for _ in range(cfg.iterations):
            noise = torch.randn(H, N - first, A, device=self.device)
            res = (mean.unsqueeze(1) + std.unsqueeze(1) * noise).clamp_(-eps, eps)
            actions[:, first:] = (ref32 + res).clamp_(-1, 1)
            value = self._estimate_value(m, z0, actions, d0, r0, dwa, rwa, ref, eps).float()
            value = torch.nan_to_num(value, nan=-1e9)
            elite_value, elite_idx = torch.topk(value.squeeze(1), K, sorted=False)
            elite_res = actions[:, elite_idx].float() - ref32
            score = torch.exp(cfg.temperature * (elite_value - elite_value.max()))
            score = score / score.sum()
            w = score.view(1, K, 1)
            mean = (w * elite_res).sum(1)
            std = ((w * (elite_res - mean.unsqueeze(1)) ** 2).sum(1)).sqrt().clamp_(lo, hi)
        if eval_mode:
            # the weighted mean: with a value that cannot tell samples apart it stays at a_ref
            r = mean[0]
        else:
            r = elite_res[0, torch.multinomial(score, 1)[0]] + std[0] * torch.randn(A, device=self.device)
        self._prev_mean.copy_(mean)
        a = (ref32 + r.clamp(-eps, eps)).clamp(-1, 1)
        return a, self._q_mean(m, z0, a.to(dtype))

    @staticmethod
    def _q_mean(m: WorldModel, z: torch.Tensor, a: torch.Tensor) -> torch.Tensor:
        return m.q_value(torch.cat([z, a.view(1, -1)], -1), None, reduce="avg")[0, 0].float()

    # -- trust in the learned value (residual guidance) --------------------------------------
    @property
    def anchor(self) -> float:
        """The largest ``|a - a_ref|`` per action dimension the residual planner may choose."""
        cfg = self.cfg
        return cfg.anchor_min + (cfg.anchor_max - cfg.anchor_min) * self.trust

    def _set_trust(self, trust: float) -> None:
        self.trust = float(min(max(trust, 0.0), 1.0))
        self._anchor_t.fill_(self.anchor)

    def observe_returns(self, predicted: np.ndarray, observed: np.ndarray) -> float:
        """Update trust from values predicted at acting time and the discounted returns that
        followed.

        Args:
            predicted: :attr:`last_value` of each step, recorded when the action was chosen.
            observed: the discounted return from each of those steps (``cfg.discount``).

        Returns:
            The new trust in [0, 1] (the anchor follows it).
        """
        p = np.asarray(predicted, np.float64).ravel()
        g = np.asarray(observed, np.float64).ravel()
        if p.shape != g.shape:
            raise ValueError(f"predicted {p.shape} and observed {g.shape} returns differ in length")
        ok = np.isfinite(p) & np.isfinite(g)
        p, g = p[ok], g[ok]
        if p.size == 0:
            return self.trust
        self._trust_pairs.append((p, g))
        total = sum(len(x) for x, _ in self._trust_pairs)
        while total - len(self._trust_pairs[0][0]) >= self.cfg.trust_window:
            total -= len(self._trust_pairs.pop(0)[0])
        P = np.concatenate([x for x, _ in self._trust_pairs])[-self.cfg.trust_window:]
        G = np.concatenate([y for _, y in self._trust_pairs])[-self.cfg.trust_window:]
        if len(G) < min(self.cfg.trust_window, 200):
            return self.trust  # too little evidence either way
        sst = float(((G - G.mean()) ** 2).sum())
        # returns without variance carry no evidence that the value can rank outcomes
        r2 = 1.0 - float(((P - G) ** 2).sum()) / sst if sst > 1e-6 * len(G) * max(1.0, float(np.abs(G).mean())) else 0.0
        self.explained_variance = r2
        lo = self.cfg.trust_r2_min
        target = min(max((r2 - lo) / (1.0 - lo), 0.0), 1.0)
        self._set_trust(min(target, self.trust + self.cfg.trust_rate * len(p) / 1000.0))
        return self.trust

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
        ref_full = None
        if cfg.residual:
            # the reference at each latent; the replay stores none for the last observation of a
            # sub-trajectory, so the one before it stands in (the experts' action changes little
            # between two control steps, and the term is weighted by rho^H)
            ref_full = torch.cat([b["a_ref"], b["a_ref"][-1:]], 0)
        with torch.no_grad():
            next_z = m.encode(obs[1:])
            a_next = m.pi_action(next_z)
            if ref_full is not None:
                a_next = (ref_full[1:] + a_next.clamp(-self._anchor_t, self._anchor_t)).clamp(-1, 1)
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

        pi_loss, guide_loss = self._update_pi(zs_t.detach(), b, ref_full)
        m.soft_update_target(cfg.tau)
        m.eval()
        return torch.stack(
            [total.detach(), consistency.detach(), reward_loss.detach(), value_loss.detach(),
             term_loss.detach(), pi_loss, guide_loss, grad_norm.detach(), self.q_scale.clone()]
        )

    def _update_pi(self, zs: torch.Tensor, b: dict[str, torch.Tensor], ref_full: torch.Tensor | None = None):
        cfg, m = self.cfg, self.model
        Hp1, B, _ = zs.shape
        a, mean_a, entropy = m.pi(zs)
        if ref_full is not None:  # residual prior: a = a_ref + residual, within the anchor
            a = (ref_full + a.clamp(-self._anchor_t, self._anchor_t)).clamp(-1, 1)
            mean_a = ref_full + mean_a
        detached = {k: v.detach() for k, v in m.q._params().items()}
        heads = m.random_heads(2)
        # the latents are detached: keep them apart so the backward only forms action gradients
        qs = m.twohot.decode(m.q(a.reshape(Hp1 * B, -1), heads, params=detached, fixed=zs.reshape(Hp1 * B, -1)))
        qs = qs.mean(0).view(Hp1, B, 1)
        with torch.no_grad():
            q0 = qs[0].detach().flatten()
            lo_hi = torch.quantile(q0, self._q_levels)
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
        if self.cfg.residual:
            out["agent.trust"] = torch.tensor(self.trust, dtype=torch.float64)
        return out

    def load_state_tensors(self, tensors: Mapping[str, torch.Tensor]) -> None:
        """Inverse of :meth:`state_tensors` (shapes are checked by the caller)."""
        model_sd = {k[len("model."):]: v for k, v in tensors.items() if k.startswith("model.")}
        self.model.load_state_dict(model_sd, strict=True)
        self.q_scale.copy_(tensors["agent.q_scale"])
        self.updates = int(tensors["agent.updates"])
        if "agent.trust" in tensors:
            self._set_trust(float(tensors["agent.trust"]))
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
