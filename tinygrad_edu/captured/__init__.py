"""Captured training steps (tg.capture): trace one step (forward, backward, update), then replay its numpy calls without Tensors or the walk.

`tg.capture(loss_of, optimizer)` (step.py) traces with program.py, prints with source.py and
updates with updates.py. The name is not `compile`: torch.compile exists in PyTorch and means
something else (a compiler with guards and graph breaks); this only records and replays.
"""

from .step import CapturedStep, capture

__all__ = ["capture", "CapturedStep"]
