"""Containers that register what they hold, as torch.nn: ModuleDict, ParameterList and ParameterDict (ModuleList and Sequential are in layers.py)."""

from ..core import Tensor
from .module import Module, Parameter

__all__ = ["ModuleDict", "ParameterList", "ParameterDict"]


def _as_parameter(value, owner):
    """A Parameter for `value`: itself, or a new one sharing a Tensor's memory (as PyTorch)."""
    if isinstance(value, Parameter) or value is None:
        return value
    if isinstance(value, Tensor):
        return Parameter(value)
    raise TypeError(f"{owner}: expected an nn.Parameter or a Tensor, got a {type(value).__name__}")


def _pairs(values, owner):
    if hasattr(values, "items"):
        return list(values.items())
    pairs = list(values)
    for pair in pairs:
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            raise TypeError(f"{owner}.update: expected a mapping or (key, value) pairs, got "
                            f"{pair!r}")
    return pairs


class ModuleDict(Module):
    """A dict of submodules by name, registered (their parameters are the dict's), in
    insertion order.

    Example:
        >>> heads = nn.ModuleDict({"digit": nn.Linear(30, 10), "parity": nn.Linear(30, 2)})
        >>> heads["digit"](h)
    """

    def __init__(self, modules=None):
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key):
        if key not in self._modules:
            raise KeyError(f"ModuleDict: no module {key!r}; it has {list(self._modules)}")
        return self._modules[key]

    def __setitem__(self, key, module):
        self.add_module(key, module)

    def __delitem__(self, key):
        self[key]  # a missing key raises the KeyError above
        delattr(self, key)

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules)

    def __contains__(self, key):
        return key in self._modules

    def keys(self):
        return self._modules.keys()

    def items(self):
        return self._modules.items()

    def values(self):
        return self._modules.values()

    def update(self, modules):
        for key, module in _pairs(modules, "ModuleDict"):
            self[key] = module

    def pop(self, key):
        module = self[key]
        del self[key]
        return module

    def clear(self):
        for key in list(self._modules):
            del self[key]

    def forward(self, *args, **kwargs):
        raise NotImplementedError("ModuleDict has no forward: pick a module by name in your "
                                  "module's forward")


class ParameterList(Module):
    """A list of Parameters, registered under the names "0", "1", ... (a Tensor given is made
    a Parameter sharing its memory)."""

    def __init__(self, values=None):
        super().__init__()
        if values is not None:
            self.extend(values)

    def _key(self, index):
        size = len(self)
        if not -size <= index < size:
            raise IndexError(f"ParameterList: index {index} is out of range for {size} parameters")
        return str(index % size)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return ParameterList(list(self._parameters.values())[index])
        return self._parameters[self._key(index)]

    def __setitem__(self, index, value):
        self.register_parameter(self._key(index), _as_parameter(value, "ParameterList"))

    def __len__(self):
        return len(self._parameters)

    def __iter__(self):
        return iter(self._parameters.values())

    def append(self, value):
        self.register_parameter(str(len(self)), _as_parameter(value, "ParameterList"))
        return self

    def extend(self, values):
        for value in values:
            self.append(value)
        return self

    def forward(self, *args, **kwargs):
        raise NotImplementedError("ParameterList has no forward: use its parameters in your "
                                  "module's forward")


class ParameterDict(Module):
    """A dict of Parameters by name, registered, in insertion order."""

    def __init__(self, parameters=None):
        super().__init__()
        if parameters is not None:
            self.update(parameters)

    def __getitem__(self, key):
        if key not in self._parameters:
            raise KeyError(f"ParameterDict: no parameter {key!r}; it has {list(self._parameters)}")
        return self._parameters[key]

    def __setitem__(self, key, value):
        self.register_parameter(key, _as_parameter(value, "ParameterDict"))

    def __delitem__(self, key):
        self[key]  # a missing key raises the KeyError above
        delattr(self, key)

    def __len__(self):
        return len(self._parameters)

    def __iter__(self):
        return iter(self._parameters)

    def __contains__(self, key):
        return key in self._parameters

    def keys(self):
        return self._parameters.keys()

    def items(self):
        return self._parameters.items()

    def values(self):
        return self._parameters.values()

    def update(self, parameters):
        for key, value in _pairs(parameters, "ParameterDict"):
            self[key] = value

    def pop(self, key):
        value = self[key]
        del self[key]
        return value

    def forward(self, *args, **kwargs):
        raise NotImplementedError("ParameterDict has no forward: use its parameters in your "
                                  "module's forward")
