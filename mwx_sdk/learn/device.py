"""Device selection for the learners: ``"auto"`` picks CUDA when torch sees a GPU."""

from __future__ import annotations


def resolve_device(device: str = "auto"):
    """Turn ``"auto"``/``"cpu"``/``"cuda[:N]"`` into a ``torch.device``.

    Args:
        device: the requested device.

    Returns:
        The ``torch.device`` to use.

    Raises:
        ValueError: for an unknown name, or CUDA requested on a machine without it.
    """
    import torch

    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device == "cpu":
        return torch.device("cpu")
    if device.startswith("cuda"):
        if not torch.cuda.is_available():
            raise ValueError(
                f"device {device!r} requested but torch sees no CUDA device; use device='cpu' or 'auto'"
            )
        return torch.device(device)
    raise ValueError(f"device must be 'auto', 'cpu' or 'cuda[:N]', got {device!r}")
