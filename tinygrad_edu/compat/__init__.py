"""Run PyTorch programs on tinygrad_edu: the table of torch modules and the import hook that uses it.

    python -m tinygrad_edu.run SCRIPT [ARGS...]     # SCRIPT's `import torch` gives tinygrad_edu

or, in your own code, `tinygrad_edu.compat.install()` before the first `import torch`.
"""

from tinygrad_edu.compat.finder import TorchFinder, install, resolve, uninstall
from tinygrad_edu.compat.table import MISSING, MODULES, missing_message

__all__ = ["TorchFinder", "install", "uninstall", "resolve", "MODULES", "MISSING", "missing_message"]
