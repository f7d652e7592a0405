"""The import hook that makes `import torch` (and torch.nn, torch.optim, torch.utils.data, ...) give tinygrad_edu's modules.

`install()` puts one meta-path finder in front of Python's own. For a name in
`table.MODULES` it hands out the tinygrad_edu module itself (the same object, so
`torch.nn is tinygrad_edu.nn`); for a module tinygrad_edu does not have (torchvision,
tensorboard, CUDA-only parts) it raises ModuleNotFoundError saying so and what to do instead.
Nothing is patched: `uninstall()` takes the finder out again.
"""

import importlib
import importlib.abc
import importlib.machinery
import sys

from tinygrad_edu.compat.table import MODULES, missing_message

__all__ = ["TorchFinder", "install", "uninstall", "resolve"]


def resolve(target):
    """The object a table target names: a module path, or "module:attribute"."""
    module_name, _, attribute = target.partition(":")
    module = importlib.import_module(module_name)
    return getattr(module, attribute) if attribute else module


class _AliasLoader(importlib.abc.Loader):
    """Loads a torch name by handing out the tinygrad_edu module that plays its part."""

    def __init__(self, name, target):
        self.name, self.target = name, target

    def create_module(self, spec):
        try:
            module = resolve(self.target)
        except ModuleNotFoundError as error:
            if not (error.name and self.target.startswith(error.name)):
                raise
            raise ModuleNotFoundError(
                f"No module named {self.name!r}: you are running with `torch` resolved to "
                f"tinygrad_edu, which does not have {self.name} yet (it would be "
                f"{self.target}); see the README's 'Run your PyTorch lesson here'",
                name=self.name) from None
        self.original_spec = getattr(module, "__spec__", None)
        return module

    def exec_module(self, module):
        # The import system has just set module.__spec__ to the torch spec; the module is
        # tinygrad_edu's own (already run), so give it back its real spec (reload and
        # relative imports of tinygrad_edu keep working).
        if self.original_spec is not None:
            module.__spec__ = self.original_spec


class TorchFinder(importlib.abc.MetaPathFinder):
    """Finds `torch`, its submodules and the modules around it (torchvision, ...)."""

    def find_spec(self, fullname, path=None, target=None):
        message = missing_message(fullname)
        if message is not None:
            raise ModuleNotFoundError(message, name=fullname)
        if fullname in MODULES:
            return importlib.machinery.ModuleSpec(fullname, _AliasLoader(fullname, MODULES[fullname]),
                                                  is_package=True)
        if fullname.startswith("torch."):
            known = ", ".join(sorted(name for name in MODULES if name != "torch"))
            raise ModuleNotFoundError(
                f"No module named {fullname!r}: you are running with `torch` resolved to "
                f"tinygrad_edu, which does not have it. The torch modules it has: {known}",
                name=fullname)
        return None


_FINDER = TorchFinder()


def install():
    """Resolve `torch` to tinygrad_edu for every later import in this process.

    Raises:
        RuntimeError: the real torch is already imported in this process (its modules would
            be mixed with tinygrad_edu's).
    """
    if "torch" in sys.modules and sys.modules["torch"] is not importlib.import_module("tinygrad_edu"):
        raise RuntimeError("install: the real torch is already imported in this process; run "
                           "your program with `python -m tinygrad_edu.run SCRIPT` in a fresh process")
    if _FINDER not in sys.meta_path:
        sys.meta_path.insert(0, _FINDER)
    return _FINDER


def uninstall():
    """Take the finder out and forget the torch names it handed out."""
    if _FINDER in sys.meta_path:
        sys.meta_path.remove(_FINDER)
    for name in [n for n in sys.modules if n == "torch" or n.startswith("torch.")]:
        if getattr(sys.modules[name], "__name__", "").startswith("tinygrad_edu"):
            del sys.modules[name]
