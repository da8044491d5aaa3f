r"""A small denoising diffusion model (DDPM, Ho et al. 2020) for 28x28 digits.

Introduced in Chapter 4 (diffusion) and compared with the conditional VAE in
Chapter 6 (conditional generation).  The pieces, equation by equation
(Ho et al. 2020 numbering):

* the variance schedule :math:`\beta_1..\beta_T` (linear) and
  :math:`\bar\alpha_t = \prod_{s\le t}(1-\beta_s)`: :class:`DDPM` buffers
* the forward process in closed form (eq. 4):
  :math:`q(x_t\mid x_0) = \mathcal N(\sqrt{\bar\alpha_t}\,x_0,\ (1-\bar\alpha_t) I)`: :meth:`DDPM.q_sample`
* the training objective (eq. 14), epsilon prediction:
  :math:`L_\text{simple} = \mathbb E_{t,x_0,\epsilon}\,\lVert\epsilon-\epsilon_\theta(x_t, t)\rVert^2`:
  :meth:`DDPM.loss`
* one reverse step (Algorithm 2, with the posterior of eq. 6-7): :meth:`DDPM.p_sample`
* classifier-free guidance (Ho & Salimans 2022):
  :math:`\tilde\epsilon = (1+w)\,\epsilon_\theta(x_t,t,y) - w\,\epsilon_\theta(x_t,t,\varnothing)`

The network :class:`UNet` is a three-level U-Net (28, 14, 7 pixels) with a
sinusoidal time embedding and an optional class embedding whose extra "null"
entry is the unconditional model.  The model works on images scaled to
[-1, 1]; :meth:`DDPM.sample` returns images in [0, 1].
"""

from __future__ import annotations

import copy
import math
import time
from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import nn

from ..errors import VaesslError
from .base import as_images, evaluating


@dataclass
class DDPMConfig:
    """The diffusion schedule and the U-Net's sizes; saved in checkpoints.

    ``beta_start``/``beta_end`` default to Ho et al.'s 1e-4 and 0.02 scaled by
    1000 / ``timesteps``, so a shorter chain still ends near pure noise
    (:math:`\\bar\\alpha_T \\approx 0`).  ``channels`` are the widths at 28, 14
    and 7 pixels.  ``num_classes = 0`` gives an unconditional model;
    ``p_uncond`` is the share of training labels replaced by the null label
    (classifier-free guidance).
    """

    timesteps: int = 400
    beta_start: float | None = None
    beta_end: float | None = None
    channels: tuple[int, int, int] = (32, 64, 64)
    time_dim: int = 64
    num_classes: int = 10
    p_uncond: float = 0.1
    clip_denoised: bool = True

    def __post_init__(self) -> None:
        if self.timesteps < 1:
            raise VaesslError(f"timesteps must be at least 1, got {self.timesteps}")
        scale = 1000.0 / self.timesteps
        if self.beta_start is None:
            self.beta_start = 1e-4 * scale
        if self.beta_end is None:
            self.beta_end = min(0.02 * scale, 0.999)
        if not 0 < self.beta_start <= self.beta_end < 1:
            raise VaesslError(f"need 0 < beta_start <= beta_end < 1, got {self.beta_start}, {self.beta_end}")
        self.channels = tuple(int(c) for c in self.channels)
        if len(self.channels) != 3 or any(c < 8 or c % 8 for c in self.channels):
            raise VaesslError(f"channels must be 3 multiples of 8 (widths at 28, 14, 7 px), got {self.channels}")
        if self.num_classes < 0 or not 0 <= self.p_uncond < 1:
            raise VaesslError("num_classes must be >= 0 and p_uncond in [0, 1)")

    def to_dict(self) -> dict:
        return asdict(self)


# --------------------------------------------------------------------------- the network
def timestep_embedding(t: torch.Tensor, dim: int) -> torch.Tensor:
    r"""Sinusoidal embedding (Vaswani et al. 2017):
    :math:`[\sin(t\,\omega_i), \cos(t\,\omega_i)]`, :math:`\omega_i = 10000^{-i/(d/2)}`."""
    half = dim // 2
    freqs = torch.exp(-math.log(10000.0) * torch.arange(half, device=t.device, dtype=torch.float32) / half)
    args = t.float().unsqueeze(1) * freqs.unsqueeze(0)
    return torch.cat([torch.sin(args), torch.cos(args)], dim=1)


class ResBlock(nn.Module):
    """GroupNorm -> SiLU -> conv, plus the (time, label) embedding, twice; a 1x1 skip when widths differ."""

    def __init__(self, cin: int, cout: int, emb_dim: int) -> None:
        super().__init__()
        self.norm1 = nn.GroupNorm(8, cin)
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.emb = nn.Linear(emb_dim, cout)
        self.norm2 = nn.GroupNorm(8, cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else nn.Identity()

    def forward(self, x: torch.Tensor, emb: torch.Tensor) -> torch.Tensor:
        h = self.conv1(F.silu(self.norm1(x)))
        h = h + self.emb(emb)[:, :, None, None]
        h = self.conv2(F.silu(self.norm2(h)))
        return h + self.skip(x)


class UNet(nn.Module):
    r""":math:`\epsilon_\theta(x_t, t, y)`: a U-Net over 28 -> 14 -> 7 -> 14 -> 28 pixels with skip connections."""

    def __init__(self, channels: tuple[int, int, int] = (32, 64, 64), time_dim: int = 64,
                 num_classes: int = 10) -> None:
        super().__init__()
        c0, c1, c2 = channels
        emb = 2 * time_dim
        self.time_dim = time_dim
        self.time_mlp = nn.Sequential(nn.Linear(time_dim, emb), nn.SiLU(), nn.Linear(emb, emb))
        self.label_emb = nn.Embedding(num_classes + 1, emb) if num_classes else None   # row K: the null label
        self.conv_in = nn.Conv2d(1, c0, 3, padding=1)
        self.down0 = ResBlock(c0, c0, emb)
        self.pool0 = nn.Conv2d(c0, c0, 3, stride=2, padding=1)          # 28 -> 14
        self.down1 = ResBlock(c0, c1, emb)
        self.pool1 = nn.Conv2d(c1, c1, 3, stride=2, padding=1)          # 14 -> 7
        self.down2 = ResBlock(c1, c2, emb)
        self.mid = ResBlock(c2, c2, emb)
        self.up2 = ResBlock(2 * c2, c2, emb)
        self.unpool1 = nn.Conv2d(c2, c2, 3, padding=1)                   # after nearest 7 -> 14
        self.up1 = ResBlock(c2 + c1, c1, emb)
        self.unpool0 = nn.Conv2d(c1, c1, 3, padding=1)                   # after nearest 14 -> 28
        self.up0 = ResBlock(c1 + c0, c0, emb)
        self.out = nn.Sequential(nn.GroupNorm(8, c0), nn.SiLU(), nn.Conv2d(c0, 1, 3, padding=1))
        nn.init.zeros_(self.out[-1].weight)
        nn.init.zeros_(self.out[-1].bias)

    def forward(self, x: torch.Tensor, t: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        e = self.time_mlp(timestep_embedding(t, self.time_dim))
        if self.label_emb is not None:
            if y is None:
                y = torch.full((len(x),), self.label_emb.num_embeddings - 1, dtype=torch.long, device=x.device)
            e = e + self.label_emb(y)
        h0 = self.down0(self.conv_in(x), e)                              # 28 px
        h1 = self.down1(self.pool0(h0), e)                               # 14 px
        h2 = self.down2(self.pool1(h1), e)                               # 7 px
        h = self.up2(torch.cat([self.mid(h2, e), h2], 1), e)
        h = self.unpool1(F.interpolate(h, scale_factor=2, mode="nearest"))
        h = self.up1(torch.cat([h, h1], 1), e)
        h = self.unpool0(F.interpolate(h, scale_factor=2, mode="nearest"))
        h = self.up0(torch.cat([h, h0], 1), e)
        return self.out(h)


# --------------------------------------------------------------------------- the diffusion model
class DDPM(nn.Module):
    """The schedule, the forward process, the loss and the sampler around a :class:`UNet`."""

    def __init__(self, config: DDPMConfig | None = None) -> None:
        super().__init__()
        self.config = config or DDPMConfig()
        c = self.config
        self.num_classes = c.num_classes
        self.net = UNet(c.channels, c.time_dim, c.num_classes)
        betas = torch.linspace(c.beta_start, c.beta_end, c.timesteps, dtype=torch.float64)  # linear schedule
        alphas = 1.0 - betas                                             # alpha_t = 1 - beta_t
        abar = torch.cumprod(alphas, 0)                                  # abar_t = prod_{s<=t} alpha_s
        abar_prev = torch.cat([torch.ones(1, dtype=torch.float64), abar[:-1]])
        for name, value in {
            "betas": betas, "alphas": alphas, "alpha_bars": abar, "alpha_bars_prev": abar_prev,
            # posterior q(x_{t-1} | x_t, x_0) (eq. 6-7): variance and the two mean coefficients
            "posterior_var": betas * (1 - abar_prev) / (1 - abar),
            "posterior_c0": betas * abar_prev.sqrt() / (1 - abar),
            "posterior_ct": (1 - abar_prev) * alphas.sqrt() / (1 - abar),
        }.items():
            self.register_buffer(name, value.float(), persistent=False)
        self.last_evaluations = 0

    @property
    def device(self) -> torch.device:
        return next(self.parameters()).device

    @property
    def timesteps(self) -> int:
        return self.config.timesteps

    # ------------------------------------------------------------------ forward process and loss
    def q_sample(self, x0: torch.Tensor, t: torch.Tensor, noise: torch.Tensor | None = None) -> torch.Tensor:
        r"""Eq. 4, sampled in one step: :math:`x_t = \sqrt{\bar\alpha_t}\,x_0 + \sqrt{1-\bar\alpha_t}\,\epsilon`.

        ``x0`` is in the model's [-1, 1] scale, ``t`` holds 0-based step indices (0 is the first
        noise level, T-1 the last), ``noise`` is :math:`\epsilon\sim\mathcal N(0, I)` (drawn if omitted).
        """
        noise = torch.randn_like(x0) if noise is None else noise
        abar = self.alpha_bars[t].reshape(-1, *([1] * (x0.dim() - 1)))
        return abar.sqrt() * x0 + (1 - abar).sqrt() * noise

    def loss(self, x: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        r"""Eq. 14, :math:`L_\text{simple} = \lVert\epsilon - \epsilon_\theta(x_t, t, y)\rVert^2` averaged over pixels and batch.

        ``x`` are images in [0, 1] (scaled to [-1, 1] here), :math:`t\sim\mathcal U\{1..T\}`.  With
        labels, a share ``p_uncond`` of them is replaced by the null label so the same network also
        learns :math:`\epsilon_\theta(x_t, t, \varnothing)` for classifier-free guidance.
        """
        x0 = x.to(self.device) * 2 - 1
        t = torch.randint(0, self.timesteps, (len(x0),), device=self.device)
        noise = torch.randn_like(x0)
        if y is not None and self.num_classes:
            y = y.to(self.device)
            drop = torch.rand(len(y), device=self.device) < self.config.p_uncond
            y = torch.where(drop, torch.full_like(y, self.num_classes), y)
        else:
            y = None
        return F.mse_loss(self.net(self.q_sample(x0, t, noise), t, y), noise)

    # ------------------------------------------------------------------ reverse process
    def _eps(self, x: torch.Tensor, t: torch.Tensor, y: torch.Tensor | None, guidance: float) -> torch.Tensor:
        r"""Guided noise estimate :math:`(1+w)\,\epsilon_\theta(x_t,t,y) - w\,\epsilon_\theta(x_t,t,\varnothing)`,
        both terms in one batched call (2 network evaluations per image when w > 0)."""
        if y is None or guidance == 0:
            return self.net(x, t, y)
        null = torch.full_like(y, self.num_classes)
        eps_c, eps_u = self.net(torch.cat([x, x]), torch.cat([t, t]), torch.cat([y, null])).chunk(2)
        return (1 + guidance) * eps_c - guidance * eps_u

    @torch.no_grad()
    def p_sample(self, x_t: torch.Tensor, t: int, y: torch.Tensor | None = None, guidance: float = 0.0,
                 noise: torch.Tensor | None = None) -> torch.Tensor:
        r"""One reverse step :math:`x_{t-1}\sim p_\theta(x_{t-1}\mid x_t)` (Algorithm 2, step 4).

        .. math::
            \hat x_0 = \frac{x_t - \sqrt{1-\bar\alpha_t}\,\hat\epsilon}{\sqrt{\bar\alpha_t}}
            \ (\text{clipped to } [-1, 1]),\qquad
            x_{t-1} = \underbrace{\frac{\beta_t\sqrt{\bar\alpha_{t-1}}}{1-\bar\alpha_t}\hat x_0
            + \frac{(1-\bar\alpha_{t-1})\sqrt{\alpha_t}}{1-\bar\alpha_t}x_t}_{\tilde\mu_t \text{ (eq. 7)}}
            + \sqrt{\tilde\beta_t}\,z

        with :math:`\tilde\beta_t = \frac{1-\bar\alpha_{t-1}}{1-\bar\alpha_t}\beta_t` and no noise at the
        last step (``t == 0``).  Without clipping this is exactly Algorithm 2's
        :math:`\frac{1}{\sqrt{\alpha_t}}(x_t - \frac{\beta_t}{\sqrt{1-\bar\alpha_t}}\hat\epsilon) + \sigma_t z`.
        """
        tt = torch.full((len(x_t),), t, dtype=torch.long, device=x_t.device)
        eps = self._eps(x_t, tt, y, guidance)
        abar = self.alpha_bars[t]
        x0_hat = (x_t - (1 - abar).sqrt() * eps) / abar.sqrt()
        if self.config.clip_denoised:
            x0_hat = x0_hat.clamp(-1.0, 1.0)
        mean = self.posterior_c0[t] * x0_hat + self.posterior_ct[t] * x_t
        if t == 0:
            return mean
        noise = torch.randn_like(x_t) if noise is None else noise
        return mean + self.posterior_var[t].sqrt() * noise

    def evaluations_per_sample(self, guidance: float = 0.0, conditional: bool = True) -> int:
        """Network evaluations per generated image: T, or 2T with classifier-free guidance."""
        return self.timesteps * (2 if guidance and conditional and self.num_classes else 1)

    @torch.no_grad()
    def sample(self, n: int, labels: torch.Tensor | int | None = None, guidance: float = 0.0,
               generator: torch.Generator | None = None, return_steps: int = 0
               ) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor, list[int]]:
        r"""Algorithm 2: start from :math:`x_T\sim\mathcal N(0, I)`, apply :meth:`p_sample` T times.

        Returns ``n`` images in [0, 1], shape (n, 1, 28, 28), on the CPU.  ``labels`` (one int or
        ``n`` ints) asks for classes; ``None`` samples the unconditional model (the null label).
        ``guidance`` is the classifier-free guidance weight w.  With ``return_steps = S > 0`` it
        returns ``(images, steps, times)``: ``steps`` of shape (S, n, 1, 28, 28) holds
        :math:`x_t` (mapped to [0, 1]) at S evenly spaced ``times`` from T (pure noise) to 0 (the image).
        ``self.last_evaluations`` is set to the network evaluations per image used.
        """
        if n < 1:
            raise VaesslError(f"the number of samples must be at least 1, got {n}")
        if guidance < 0:
            raise VaesslError(f"guidance must be >= 0, got {guidance}")
        y = None
        if labels is not None:
            if not self.num_classes:
                raise VaesslError("this DDPM is unconditional: it takes no labels")
            y = torch.as_tensor(labels, dtype=torch.long).reshape(-1)
            if len(y) == 1:
                y = y.expand(n)
            if len(y) != n:
                raise VaesslError(f"got {len(y)} labels for {n} samples")
            if y.min() < 0 or y.max() >= self.num_classes:
                raise VaesslError(f"labels must be in 0..{self.num_classes - 1}")
            y = y.to(self.device)
        elif guidance:
            raise VaesslError("classifier-free guidance needs labels")
        T = self.timesteps
        marks = sorted({round(T - i * T / max(1, return_steps - 1)) for i in range(return_steps)},
                       reverse=True) if return_steps > 1 else [0] * (return_steps == 1)
        snapshots = []
        with evaluating(self):
            x = torch.randn(n, 1, 28, 28, generator=generator).to(self.device)     # x_T ~ N(0, I)
            if T in marks:
                snapshots.append(((x.clamp(-1, 1) + 1) / 2).cpu())
            for t in range(T - 1, -1, -1):                                          # 0-based step t gives x_t
                z = torch.randn(n, 1, 28, 28, generator=generator).to(self.device) if t > 0 else None
                x = self.p_sample(x, t, y, guidance, z)
                if t in marks:
                    snapshots.append(((x.clamp(-1, 1) + 1) / 2).cpu())
        self.last_evaluations = self.evaluations_per_sample(guidance, y is not None)
        images = ((x.clamp(-1, 1) + 1) / 2).cpu()
        if return_steps > 0:
            return images, torch.stack(snapshots), marks
        return images

    @torch.no_grad()
    def generate(self, y: torch.Tensor, guidance: float = 0.0, generator: torch.Generator | None = None) -> torch.Tensor:
        """Conditional generation with the same call as the CVAE's: one image per label in ``y``."""
        y = torch.as_tensor(y, dtype=torch.long).reshape(-1)
        return self.sample(len(y), y, guidance, generator)


def train_ddpm(model: DDPM, x: torch.Tensor, labels: torch.Tensor | None = None, epochs: int = 20,
               batch_size: int = 128, lr: float = 2e-3, seed: int = 0, ema_decay: float = 0.995,
               progress: bool = True) -> list[dict]:
    r"""Minimise eq. 14 with Adam (cosine-decayed learning rate); returns one dict per epoch.

    The weights kept at the end are an exponential moving average
    :math:`\bar\theta \leftarrow d\,\bar\theta + (1-d)\,\theta` with
    :math:`d = \min(\texttt{ema\_decay}, \frac{1+k}{10+k})` at step k, as usual for diffusion models.
    """
    from ..runtime import progress_bar

    x = as_images(x).to(model.device)
    if labels is not None:
        labels = torch.as_tensor(labels, dtype=torch.long, device=model.device)
    gen = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    steps_per_epoch = -(-len(x) // batch_size)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=max(1, epochs * steps_per_epoch),
                                                pct_start=0.05, anneal_strategy="cos")
    ema = copy.deepcopy(model).eval().requires_grad_(False)
    history: list[dict] = []
    model.train()
    step = 0
    bar = progress_bar(epochs * steps_per_epoch, "ddpm", progress)
    for epoch in range(1, epochs + 1):
        start, total, n = time.perf_counter(), 0.0, 0
        for idx in torch.randperm(len(x), generator=gen).split(batch_size):
            idx = idx.to(model.device)
            loss = model.loss(x[idx], None if labels is None else labels[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            d = min(ema_decay, (1 + step) / (10 + step))
            with torch.no_grad():
                for pe, pm in zip(ema.parameters(), model.parameters()):
                    pe.lerp_(pm, 1 - d)
            step += 1
            total += float(loss.detach()) * len(idx)
            n += len(idx)
            bar.update(1)
        history.append({"epoch": epoch, "loss": total / n, "seconds": time.perf_counter() - start})
        bar.set_postfix(loss=f"{history[-1]['loss']:.4f}")
    bar.close()
    model.load_state_dict(ema.state_dict())
    model.eval()
    return history


def _register() -> None:
    from ..checkpoints import register_model

    register_model(DDPM, DDPMConfig)


_register()
