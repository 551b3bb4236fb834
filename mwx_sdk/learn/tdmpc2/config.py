"""Configuration of the TD-MPC2 world model, its latent MPPI planner and its learner.

Model sizes follow TD-MPC2's presets by parameter count (``model_size=1`` or ``5``); every
field can be overridden. The MetaWorld paper's hyper-parameters are the defaults where it gives
them (horizon 3, discount 0.99, learning rate 1e-3, batch 256, expert-guidance weight 0.05).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

# latent/hidden sizes of TD-MPC2's 1M and 5M presets (the 1M preset keeps two Q heads)
MODEL_SIZES: dict[int, dict[str, int]] = {
    1: {"enc_dim": 256, "mlp_dim": 384, "latent_dim": 128, "num_enc_layers": 2, "num_q": 2},
    5: {"enc_dim": 256, "mlp_dim": 512, "latent_dim": 512, "num_enc_layers": 2, "num_q": 5},
}

CONFIG_TYPE = "tdmpc2"


@dataclass
class TDMPC2Config:
    """Hyper-parameters of one TD-MPC2 agent.

    Args:
        obs_dim: observation size (state observations).
        action_dim: action size; actions live in ``[-1, 1]``.
        model_size: preset (1 or 5, millions of parameters) filling the ``*_dim`` fields left
            at ``None``, or ``None`` to give every size explicitly.
        enc_dim: hidden width of the encoder.
        mlp_dim: hidden width of dynamics, reward, termination, policy and Q networks.
        latent_dim: latent size; a multiple of ``simnorm_dim``.
        num_enc_layers: encoder depth (hidden layers + 1).
        num_q: size of the Q ensemble.
        simnorm_dim: group size of the simplicial normalisation of latents.
        num_bins: bins of the two-hot discrete regression of rewards and values.
        vmin: lower end of the bins in symlog space.
        vmax: upper end of the bins in symlog space.
        dropout: dropout on the first Q layer during updates.
        log_std_min: lower bound of the policy's log standard deviation.
        log_std_max: upper bound of the policy's log standard deviation.
        episodic: learn a termination head and stop value bootstrapping at terminations.
        horizon: planning and training horizon H.
        iterations: MPPI iterations per ``act``.
        num_samples: MPPI samples per iteration.
        num_elites: elites kept per iteration.
        num_pi_trajs: samples drawn from the policy prior.
        temperature: MPPI temperature over elite values.
        min_std: lower bound of the sampling standard deviation.
        max_std: initial (and upper) sampling standard deviation.
        discount: gamma.
        lr: learning rate.
        enc_lr_scale: learning-rate multiplier of the encoder.
        batch_size: sub-trajectories per update.
        grad_clip_norm: global gradient-norm clip.
        tau: soft-update rate of the target Q ensemble and of the Q scale.
        rho: per-step decay of the multi-step losses.
        consistency_coef: weight of the latent consistency loss.
        reward_coef: weight of the reward loss.
        value_coef: weight of the value loss.
        termination_coef: weight of the termination loss.
        entropy_coef: weight of the policy entropy bonus.
        guidance_lambda: expert-guidance weight lambda in ``lambda * ||a - a_ref||^2`` added to
            the policy loss; 0 disables guidance (MetaWorld: 0.05).
        guidance_seed: seed the MPPI sampling mean with ``a_ref`` when one is given (only
            when ``residual`` is off).
        residual: act around the experts: latent MPPI samples residuals to ``a_ref`` (held
            over the horizon) within the anchor, the executed action is ``a_ref`` plus the
            plan's weighted-mean residual in evaluation, and the policy prior outputs a
            residual to ``a_ref``. ``act`` then needs ``a_ref``. Off: plain TD-MPC2 planning.
        anchor_min: the anchor (largest ``|a - a_ref|`` per action dimension) while the
            learned value has earned no trust; small enough that the experts' behaviour
            survives it.
        anchor_max: the anchor at full trust (2 leaves the whole action box open).
        trust_rate: the most trust (0..1) may grow per 1000 environment steps of observed
            returns; it falls at once when the value stops explaining the returns.
        trust_window: steps of (predicted value, observed return) pairs trust is measured on.
        trust_r2_min: the explained variance below which the value earns no trust; above it
            trust rises linearly to 1 at R^2 = 1. On walking, a value explaining 40-47 % of the
            returns opened the anchor and the agent then fell sooner than the experts alone.
        imitation_coef: weight of the imitation reward added to the learned reward target.
        plan_dtype: ``"float32"``, or ``"bfloat16"`` to plan on a bfloat16 copy of the model
            (several times faster matrix products on CPUs with AMX/AVX512-BF16 and on GPUs;
            values carry ~3 significant digits, enough to rank samples). Training stays float32.
        compile: wrap the hot paths with ``torch.compile`` (off by default: on CPU it measured no
            faster than the eager closed forms and takes minutes to compile).
        fused_kernels: compile only Mish and its derivative into fused CPU kernels (process-wide;
            needs a C++ compiler, compiles once in tens of seconds and is cached on disk by
            inductor; falls back to the eager kernels if compiling fails). Off by default.
        device: ``"auto"`` (CUDA when available), ``"cpu"`` or ``"cuda"``/``"cuda:N"``.
        threads: torch intra-op threads on CPU; 0 picks one (1 for small models or a busy
            machine, else the core count).
    """

    obs_dim: int
    action_dim: int
    model_size: int | None = 1
    enc_dim: int | None = None
    mlp_dim: int | None = None
    latent_dim: int | None = None
    num_enc_layers: int | None = None
    num_q: int | None = None
    simnorm_dim: int = 8
    num_bins: int = 101
    vmin: float = -10.0
    vmax: float = 10.0
    dropout: float = 0.01
    log_std_min: float = -10.0
    log_std_max: float = 2.0
    episodic: bool = True
    horizon: int = 3
    iterations: int = 6
    num_samples: int = 512
    num_elites: int = 64
    num_pi_trajs: int = 24
    temperature: float = 0.5
    min_std: float = 0.05
    max_std: float = 2.0
    discount: float = 0.99
    lr: float = 1e-3
    enc_lr_scale: float = 0.3
    batch_size: int = 256
    grad_clip_norm: float = 20.0
    tau: float = 0.01
    rho: float = 0.5
    consistency_coef: float = 20.0
    reward_coef: float = 0.1
    value_coef: float = 0.1
    termination_coef: float = 1.0
    entropy_coef: float = 1e-4
    guidance_lambda: float = 0.05
    guidance_seed: bool = True
    residual: bool = False
    anchor_min: float = 0.05
    anchor_max: float = 2.0
    trust_rate: float = 0.05
    trust_window: int = 5000
    trust_r2_min: float = 0.6
    imitation_coef: float = 0.0
    plan_dtype: str = "float32"
    compile: bool = False
    fused_kernels: bool = False
    device: str = "auto"
    threads: int = 0

    def __post_init__(self) -> None:
        if int(self.obs_dim) <= 0 or int(self.action_dim) <= 0:
            raise ValueError(f"obs_dim and action_dim must be positive, got {self.obs_dim}, {self.action_dim}")
        preset: dict[str, int] = {}
        if self.model_size is not None:
            if self.model_size not in MODEL_SIZES:
                raise ValueError(
                    f"model_size must be one of {sorted(MODEL_SIZES)} or None, got {self.model_size}"
                )
            preset = MODEL_SIZES[self.model_size]
        for key in ("enc_dim", "mlp_dim", "latent_dim", "num_enc_layers", "num_q"):
            if getattr(self, key) is None:
                if key not in preset:
                    raise ValueError(f"{key} is required when model_size is None")
                setattr(self, key, preset[key])
            if int(getattr(self, key)) <= 0:
                raise ValueError(f"{key} must be positive, got {getattr(self, key)}")
        if self.latent_dim % self.simnorm_dim:
            raise ValueError(f"latent_dim {self.latent_dim} is not a multiple of simnorm_dim {self.simnorm_dim}")
        if self.num_q < 2:
            raise ValueError("num_q must be at least 2 (two heads are drawn for targets)")
        if self.num_bins < 2 or self.vmax <= self.vmin:
            raise ValueError("num_bins must be >= 2 and vmax > vmin")
        if self.horizon < 1 or self.iterations < 1:
            raise ValueError("horizon and iterations must be >= 1")
        if not 0 < self.num_elites <= self.num_samples:
            raise ValueError(f"num_elites must be in (0, num_samples], got {self.num_elites}")
        if not 0 <= self.num_pi_trajs < self.num_samples:
            raise ValueError(f"num_pi_trajs must be in [0, num_samples), got {self.num_pi_trajs}")
        if not 0 < self.min_std <= self.max_std:
            raise ValueError("need 0 < min_std <= max_std")
        if not 0 < self.discount <= 1:
            raise ValueError(f"discount must be in (0, 1], got {self.discount}")
        if self.lr <= 0 or self.batch_size <= 0 or self.temperature <= 0:
            raise ValueError("lr, batch_size and temperature must be positive")
        if not 0 < self.tau <= 1:
            raise ValueError(f"tau must be in (0, 1], got {self.tau}")
        if self.guidance_lambda < 0 or self.imitation_coef < 0:
            raise ValueError("guidance_lambda and imitation_coef must be >= 0")
        if not 0 <= self.anchor_min <= self.anchor_max:
            raise ValueError(f"need 0 <= anchor_min <= anchor_max, got {self.anchor_min}, {self.anchor_max}")
        if self.trust_rate < 0 or self.trust_window < 2:
            raise ValueError("trust_rate must be >= 0 and trust_window >= 2")
        if not 0 <= self.trust_r2_min < 1:
            raise ValueError(f"trust_r2_min must be in [0, 1), got {self.trust_r2_min}")
        if not (self.device == "auto" or self.device == "cpu" or self.device.startswith("cuda")):
            raise ValueError(f"device must be 'auto', 'cpu' or 'cuda[:N]', got {self.device!r}")
        if self.plan_dtype not in ("float32", "bfloat16"):
            raise ValueError(f"plan_dtype must be 'float32' or 'bfloat16', got {self.plan_dtype!r}")
        if self.threads < 0:
            raise ValueError("threads must be >= 0")

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly copy (resolved sizes included)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TDMPC2Config:
        """Build from :meth:`to_dict` output, refusing unknown keys with a clear message."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown TD-MPC2 config keys {unknown}; known keys: {sorted(known)}")
        return cls(**data)
