"""Optimizers and learning-rate schedules: how gradients become parameter updates."""

from tinygrad_edu.optim import lr_scheduler
from tinygrad_edu.optim.adaptive import Adadelta, Adamax, NAdam
from tinygrad_edu.optim.lr_scheduler import (CosineAnnealingLR, ExponentialLR, LambdaLR,
                                             LinearLR, LRScheduler, MultiStepLR, OneCycleLR,
                                             ReduceLROnPlateau, SequentialLR, StepLR)
from tinygrad_edu.optim.optimizers import SGD, Adagrad, Adam, AdamW, Optimizer, RMSprop

__all__ = [
    "Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad",
    "lr_scheduler", "LRScheduler", "StepLR", "ExponentialLR", "CosineAnnealingLR",
    "ReduceLROnPlateau", "Adadelta", "Adamax", "NAdam", "LambdaLR", "MultiStepLR", "LinearLR",
    "OneCycleLR", "SequentialLR",
]
