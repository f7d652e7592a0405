"""The first images of the MNIST digits bundled with tinygrad_edu, as numpy arrays (no download; works under real torch too).

MNIST is by Yann LeCun and Corinna Cortes (with C. J. C. Burges), CC BY-SA 3.0; see
tinygrad_edu/data/mnist_files/README.txt.
"""
import os

import numpy as np

import tinygrad_edu.data.mnist as bundled
from tinygrad_edu.data import read_idx

FILES = os.path.join(os.path.dirname(bundled.__file__), "mnist_files")


def load(split, count):
    """(images as float32 in [0, 1], shape (count, 784); labels as int64) of "train" or "t10k"."""
    images = read_idx(os.path.join(FILES, f"{split}-images-idx3-ubyte.gz"))[:count]
    labels = read_idx(os.path.join(FILES, f"{split}-labels-idx1-ubyte.gz"))[:count]
    return (images.reshape(count, 784) / 255.0).astype(np.float32), labels.astype(np.int64)
