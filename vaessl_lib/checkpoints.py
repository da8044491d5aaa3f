"""Checkpoints: weights + model config + training config + history in one file.

``save_checkpoint`` writes them; :func:`load_checkpoint` rebuilds the model
(ready for ``predict`` / ``predict_proba``) and says clearly what is wrong with
a corrupt file or a config that does not fit the weights.
"""

from __future__ import annotations

from pathlib import Path

import torch

from .errors import VaesslError
from .outputs import replace_atomically
from .models import M2, M2Config, SupervisedClassifier, SupervisedConfig
from .models.base import Classifies

FORMAT = "vaessl-checkpoint"
VERSION = 1
MODEL_TYPES: dict[str, tuple[type, type]] = {
    "M2": (M2, M2Config),
    "SupervisedClassifier": (SupervisedClassifier, SupervisedConfig),
}


def register_model(model_cls: type, config_cls: type) -> None:
    """Let :func:`load_checkpoint` rebuild a model class added by a later chapter."""
    MODEL_TYPES[model_cls.__name__] = (model_cls, config_cls)


def save_checkpoint(path: str | Path, model: Classifies, method: str, train_config: dict | None = None,
                    history: list | None = None, extra: dict | None = None) -> Path:
    """Write ``model`` (on the CPU) with everything needed to rebuild it."""
    kind = type(model).__name__
    if kind not in MODEL_TYPES:
        raise VaesslError(f"cannot save a {kind}: register it with vaessl_lib.checkpoints.register_model")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "format": FORMAT, "version": VERSION, "model_type": kind, "method": method,
        "model_config": model.config.to_dict(), "train_config": dict(train_config or {}),
        "history": [dict(r) for r in (history or [])], "extra": dict(extra or {}),
        "state_dict": {k: v.detach().cpu() for k, v in model.state_dict().items()},
    }
    return replace_atomically(path, lambda tmp: torch.save(payload, tmp))


def read_checkpoint(path: str | Path) -> dict:
    """The raw checkpoint dict, validated; raises :class:`VaesslError` on anything unreadable."""
    path = Path(path)
    if not path.is_file():
        raise VaesslError(f"checkpoint {path} does not exist")
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # any failure to unpickle means the file is not a readable checkpoint
        raise VaesslError(f"checkpoint {path} is corrupt or not a vaessl checkpoint "
                          f"({type(exc).__name__}); re-train or re-download it") from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise VaesslError(f"{path} is not a vaessl checkpoint (no '{FORMAT}' header); "
                          f"pass a model.pt written by vaessl_lib")
    if payload.get("version") != VERSION:
        raise VaesslError(f"checkpoint {path} has format version {payload.get('version')}, "
                          f"this vaessl_lib reads version {VERSION}; upgrade vaessl_lib")
    return payload


def load_checkpoint(path: str | Path, device: str | torch.device = "cpu") -> Classifies:
    """Rebuild the model saved at ``path``, in eval mode, ready for ``predict(x)``.

    The returned model carries ``.checkpoint`` (method, configs, history).
    """
    from .runtime import resolve_device

    payload = read_checkpoint(path)
    kind = payload.get("model_type")
    if kind not in MODEL_TYPES:
        raise VaesslError(f"checkpoint {path} holds an unknown model type {kind!r}; "
                          f"known: {', '.join(MODEL_TYPES)}")
    model_cls, config_cls = MODEL_TYPES[kind]
    state = payload.get("state_dict")
    if isinstance(state, dict):
        broken = [k for k, v in state.items()
                  if isinstance(v, torch.Tensor) and v.is_floating_point() and not bool(torch.isfinite(v).all())]
        if broken:
            raise VaesslError(f"checkpoint {path} holds NaN or infinite weights ({', '.join(broken[:3])}"
                              f"{', ...' if len(broken) > 3 else ''}): it comes from a run that diverged; "
                              f"train again with a lower learning rate")
    try:
        config = config_cls(**payload["model_config"])
        model = model_cls(config)
        model.load_state_dict(payload["state_dict"], strict=True)
    except (TypeError, RuntimeError, KeyError) as exc:
        first = str(exc).strip().splitlines()[0][:200]
        raise VaesslError(f"checkpoint {path}: its config does not match its weights ({first}); "
                          f"the file was edited or written by another version") from None
    defaults = {"method": "", "model_config": {}, "train_config": {}, "history": [], "extra": {}}
    model.checkpoint = {k: payload.get(k, v) for k, v in defaults.items()}     # older or hand-made files
    return model.to(resolve_device(device)).eval()
