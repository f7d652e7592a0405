"""Module and Parameter: the bookkeeping that turns a class with tensors into a trainable model (registration, state_dict, train/eval, names for the pictures)."""

import collections
import warnings

import numpy as np

from ..core import Device, Tensor, as_device, is_device_name, no_grad, say

__all__ = ["Parameter", "Module", "IncompatibleKeys", "functional_call", "RemovableHandle"]


class Parameter(Tensor):
    """A Tensor that a Module registers as one of its learnable weights.

    Assigning a Parameter to a Module attribute (`self.weight = Parameter(...)`) puts it in
    `parameters()`, `state_dict()` and the optimizer's reach. It requires grad by default and
    shares memory with the array it is given, like `Tensor(ndarray)`.

    Args:
        data: a numpy array, a Tensor (its array is shared) or anything `tg.tensor` accepts.
        requires_grad: whether the optimizer should train it (default True).
        name: an optional label for the graph pictures; without one, the outermost Module that
            calls it labels it with its dotted name (for example "fc1.weight").

    Example:
        >>> w = nn.Parameter(np.zeros((3, 2), dtype=np.float32))
        >>> w.requires_grad
        True
    """

    # The dotted name the Module labelling gave, so a later, more qualified label may replace
    # it while a name the user chose is never overwritten.
    __slots__ = ("_auto_name",)

    def __init__(self, data=None, requires_grad=True, name=None):
        if data is None:
            data = np.zeros((0,), dtype=np.float32)
        super().__init__(data, requires_grad=requires_grad, name=name)
        self._auto_name = None

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()


IncompatibleKeys = collections.namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])
IncompatibleKeys.__doc__ = """What load_state_dict did not match: (missing_keys, unexpected_keys)."""

# Bumped whenever a parameter or submodule is registered or removed anywhere. A module whose
# labels were given at an older version relabels on its next call; reading one global int
# is all the labelling costs on the hot path.
_structure_version = 0


def _bump_structure_version():
    global _structure_version
    _structure_version += 1


def _array_of(value):
    """The numpy array behind a state_dict value (Tensor, numpy array, number, torch tensor)."""
    if isinstance(value, Tensor):
        return value.numpy()
    if isinstance(value, np.ndarray):
        return value
    if hasattr(value, "detach") and hasattr(value, "numpy"):  # torch, without importing it
        return value.detach().cpu().numpy()
    array = np.asarray(value)
    if array.dtype.kind not in "biuf":
        raise TypeError(f"a {type(value).__name__} is not an array of numbers")
    return array


class Module:
    """Base class of every layer and model: subclass it, assign layers and Parameters in
    `__init__`, and write `forward`.

    Attribute assignment registers what it is given: a `Parameter` becomes a parameter, a
    `Module` a submodule (child); `register_buffer` adds a non-learnable tensor that is saved
    in `state_dict` (BatchNorm's running statistics). Calling the module runs `forward`.

    Example:
        >>> class Net(nn.Module):
        ...     def __init__(self):
        ...         super().__init__()
        ...         self.fc1 = nn.Linear(784, 30)
        ...         self.fc2 = nn.Linear(30, 10)
        ...     def forward(self, x):
        ...         return self.fc2(self.fc1(x).sigmoid()).sigmoid()
        >>> [name for name, _ in Net().named_parameters()]
        ['fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias']
    """

    def __init__(self):
        # object.__setattr__: our own __setattr__ needs these dicts to exist first.
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_parameters", {})
        object.__setattr__(self, "_buffers", {})
        object.__setattr__(self, "_non_persistent_buffers", set())
        object.__setattr__(self, "_modules", {})
        object.__setattr__(self, "_labelled", -1)

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__}: define forward(self, ...) to say what "
                                  f"the module computes")

    # -- calling ------------------------------------------------------------------------------
    def __call__(self, *args, **kwargs):
        """Run `forward` (after labelling the parameters' names, once per change of structure)."""
        if self._labelled != _structure_version:
            self._label_parameters()
        if self._forward_hooks or self._forward_pre_hooks:
            return self._call_with_hooks(args, kwargs)
        try:
            return self.forward(*args, **kwargs)
        except AttributeError:
            # A numpy array or a list given as the input fails deep inside an op with an
            # AttributeError; say what happened instead (free when nothing is raised).
            value = args[0] if args else None
            if isinstance(value, (np.ndarray, int, float)) or (
                    isinstance(value, list) and not any(isinstance(v, Tensor) for v in value)):
                raise TypeError(f"{type(self).__name__}: expected a Tensor input, got a "
                                f"{type(value).__name__}; wrap it first with "
                                f"tg.tensor(...)") from None
            raise

    # Class defaults: a module without hooks pays one falsy test per call.
    _forward_hooks = None
    _forward_pre_hooks = None

    def _call_with_hooks(self, args, kwargs):
        for hook in list((self._forward_pre_hooks or {}).values()):
            changed = hook(self, args)
            if changed is not None:
                args = changed if isinstance(changed, tuple) else (changed,)
        output = self.forward(*args, **kwargs)
        for hook in list((self._forward_hooks or {}).values()):
            changed = hook(self, args, output)
            if changed is not None:
                output = changed
        return output

    def _add_hook(self, kind, hook, prepend):
        if not callable(hook):
            raise TypeError(f"{type(self).__name__}.register_{kind[1:-1]}: the hook must be "
                            f"callable, got a {type(hook).__name__}")
        hooks = dict(getattr(self, kind) or {})  # a new dict: a running call keeps its own
        handle = RemovableHandle(self, kind)
        hooks[handle.id] = hook
        if prepend:
            hooks = {handle.id: hook, **hooks}
        object.__setattr__(self, kind, hooks)
        return handle

    def register_forward_hook(self, hook, *, prepend=False):
        """Call `hook(module, args, output)` after every forward; a value it returns replaces
        the output. Returns a handle whose `.remove()` takes the hook away (as PyTorch).

        Example:
            >>> handle = net.fc1.register_forward_hook(lambda m, args, out: print(out.shape))
        """
        return self._add_hook("_forward_hooks", hook, prepend)

    def register_forward_pre_hook(self, hook, *, prepend=False):
        """Call `hook(module, args)` before every forward; a value it returns (a tuple, or one
        value) replaces the positional arguments. Returns a removable handle."""
        return self._add_hook("_forward_pre_hooks", hook, prepend)

    def _label_parameters(self):
        """Give every parameter without a user-chosen name its dotted name relative to self.

        The outermost module that is called labels its whole tree and marks the submodules as
        labelled, so an inner module never replaces "fc1.weight" with a bare "weight".
        """
        for prefix, module in self.named_modules():
            for name, parameter in module._parameters.items():
                if not isinstance(parameter, Parameter):
                    continue
                if parameter.name is None or parameter.name == parameter._auto_name:
                    full = prefix + "." + name if prefix else name
                    parameter.name = full
                    parameter._auto_name = full
            object.__setattr__(module, "_labelled", _structure_version)

    # -- registration by attribute assignment -------------------------------------------------
    def __setattr__(self, name, value):
        namespace = self.__dict__
        parameters = namespace.get("_parameters")
        if isinstance(value, Parameter):
            self._check_initialized(name, "parameter")
            self._forget(name, "_parameters")
            parameters[name] = value
            namespace[name] = value
            _bump_structure_version()
        elif isinstance(value, Module):
            self._check_initialized(name, "submodule")
            self._forget(name, "_modules")
            namespace["_modules"][name] = value
            namespace[name] = value
            _bump_structure_version()
        elif parameters is not None and name in parameters:
            if value is not None:
                raise TypeError(f"{type(self).__name__}: cannot assign a {type(value).__name__} "
                                f"to the parameter {name!r}; assign nn.Parameter(value) (or "
                                f"None to remove it)")
            parameters[name] = None
            namespace[name] = None
            _bump_structure_version()
        elif parameters is not None and name in namespace["_modules"]:
            if value is not None:
                raise TypeError(f"{type(self).__name__}: cannot assign a {type(value).__name__} "
                                f"to the submodule {name!r}; assign a Module (or None)")
            namespace["_modules"][name] = None
            namespace[name] = None
            _bump_structure_version()
        elif parameters is not None and name in namespace["_buffers"]:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"{type(self).__name__}: the buffer {name!r} must be a Tensor "
                                f"or None, got a {type(value).__name__}")
            namespace["_buffers"][name] = value
            namespace[name] = value
        else:
            if (isinstance(value, Tensor) and value.requires_grad and value.is_leaf
                    and parameters is not None):
                warnings.warn(f"{type(self).__name__}.{name}: this tensor requires grad but is "
                              f"not a Parameter, so parameters(), state_dict() and the "
                              f"optimizer will not see it; assign nn.Parameter(tensor) to "
                              f"register it", UserWarning, stacklevel=2)
            object.__setattr__(self, name, value)

    def __delattr__(self, name):
        for registry in ("_parameters", "_buffers", "_modules"):
            entries = self.__dict__.get(registry)
            if entries is not None and name in entries:
                del entries[name]
                self._non_persistent_buffers.discard(name)
                _bump_structure_version()
        object.__delattr__(self, name)

    def _check_initialized(self, name, kind):
        if "_parameters" not in self.__dict__:
            raise AttributeError(f"{type(self).__name__}: cannot assign the {kind} {name!r} "
                                 f"before Module.__init__() has run; call super().__init__() "
                                 f"first in your __init__")

    def _forget(self, name, keep=None):
        """Remove `name` from every registry but `keep` (a name holds one kind of thing at a
        time); replacing an entry in `keep` then leaves it at its place in the order."""
        for registry in ("_parameters", "_buffers", "_modules"):
            if registry != keep:
                self.__dict__[registry].pop(name, None)
        if keep != "_buffers":
            self._non_persistent_buffers.discard(name)

    def _check_new_name(self, name, kind):
        self._check_initialized(name, kind)
        if not isinstance(name, str):
            raise TypeError(f"{type(self).__name__}: a {kind} name must be a str, got "
                            f"{type(name).__name__}")
        if not name or "." in name:
            raise ValueError(f"{type(self).__name__}: {name!r} is not a valid {kind} name (it "
                             f"must be non-empty and contain no '.')")
        registered = any(name in self.__dict__[r] for r in ("_parameters", "_buffers", "_modules"))
        if hasattr(self, name) and not registered:
            raise KeyError(f"{type(self).__name__}: attribute {name!r} already exists and is not "
                           f"a {kind}; choose another name")

    def register_parameter(self, name, parameter):
        """Add a Parameter (or None, a declared but absent parameter such as a missing bias)."""
        self._check_new_name(name, "parameter")
        if parameter is not None and not isinstance(parameter, Parameter):
            raise TypeError(f"{type(self).__name__}.register_parameter: {name!r} must be an "
                            f"nn.Parameter or None, got a {type(parameter).__name__}")
        self._forget(name, "_parameters")
        self._parameters[name] = parameter
        self.__dict__[name] = parameter
        _bump_structure_version()

    def register_buffer(self, name, tensor, persistent=True):
        """Add a tensor that is part of the state but not trained (e.g. BatchNorm's running_mean).

        Args:
            name: the attribute name.
            tensor: a Tensor, or None.
            persistent: whether `state_dict()` includes it.
        """
        self._check_new_name(name, "buffer")
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"{type(self).__name__}.register_buffer: {name!r} must be a Tensor "
                            f"or None, got a {type(tensor).__name__}")
        self._forget(name, "_buffers")
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers.discard(name)
        else:
            self._non_persistent_buffers.add(name)
        self.__dict__[name] = tensor

    def add_module(self, name, module):
        """Add a submodule under `name` (what `self.name = module` does)."""
        self._check_new_name(name, "submodule")
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(self).__name__}.add_module: {name!r} must be a Module or "
                            f"None, got a {type(module).__name__}")
        self._forget(name, "_modules")
        self._modules[name] = module
        self.__dict__[name] = module
        _bump_structure_version()

    register_module = add_module

    # -- walking the tree -----------------------------------------------------------------------
    def named_modules(self, memo=None, prefix="", remove_duplicate=True):
        """(dotted name, module) for self ("") and every submodule, depth first, each once."""
        if memo is None:
            memo = set()
        if remove_duplicate:
            if id(self) in memo:
                return
            memo.add(id(self))
        yield prefix, self
        for name, module in self._modules.items():
            if module is None:
                continue
            yield from module.named_modules(memo, prefix + "." + name if prefix else name,
                                            remove_duplicate)

    def modules(self):
        """Self and every submodule, depth first."""
        for _, module in self.named_modules():
            yield module

    def named_children(self):
        """(name, module) of the direct submodules, in assignment order."""
        seen = set()
        for name, module in self._modules.items():
            if module is not None and id(module) not in seen:
                seen.add(id(module))
                yield name, module

    def children(self):
        for _, module in self.named_children():
            yield module

    def _named_members(self, registry, prefix, recurse):
        seen = set()
        modules = self.named_modules(prefix=prefix) if recurse else [(prefix, self)]
        for module_prefix, module in modules:
            for name, value in getattr(module, registry).items():
                if value is None or id(value) in seen:
                    continue
                seen.add(id(value))
                yield (module_prefix + "." + name if module_prefix else name), value

    def named_parameters(self, prefix="", recurse=True):
        """(dotted name, Parameter) pairs: each module's own parameters in assignment order,
        modules depth first (the order PyTorch uses); a shared parameter is listed once."""
        return self._named_members("_parameters", prefix, recurse)

    def parameters(self, recurse=True):
        """Every Parameter of this module and its submodules (for the optimizer)."""
        for _, parameter in self.named_parameters(recurse=recurse):
            yield parameter

    def named_buffers(self, prefix="", recurse=True):
        return self._named_members("_buffers", prefix, recurse)

    def buffers(self, recurse=True):
        for _, buffer in self.named_buffers(recurse=recurse):
            yield buffer

    def apply(self, function):
        """Call `function(module)` on every submodule and then on self; returns self."""
        for module in self.children():
            module.apply(function)
        function(self)
        return self

    # -- training helpers -----------------------------------------------------------------------
    def zero_grad(self, set_to_none=True):
        """Forget the gradients of every parameter (`.grad = None`, or zeros in place)."""
        for parameter in self.parameters():
            if set_to_none:
                parameter.grad = None
            elif parameter.grad is not None:
                parameter.grad = Tensor(np.zeros_like(parameter.numpy()))

    def train(self, mode=True):
        """Set training mode (Dropout drops, BatchNorm uses batch statistics); returns self."""
        if not isinstance(mode, bool):
            raise TypeError(f"{type(self).__name__}.train: mode must be a bool, got {mode!r}")
        for module in self.modules():
            object.__setattr__(module, "training", mode)
        return self

    def eval(self):
        """Set evaluation mode (no dropout, BatchNorm uses running statistics); returns self."""
        return self.train(False)

    def requires_grad_(self, requires_grad=True):
        """Freeze (False) or unfreeze (True) every parameter; returns self."""
        for parameter in self.parameters():
            parameter.requires_grad_(requires_grad)
        return self

    def to(self, *args, dtype=None, device=None):
        """Convert every floating-point parameter and buffer to `dtype`, in place; returns self.

        As torch's `to(dtype)`, `to(device)`, `to(device, dtype)`; the device must be the CPU.
        The Parameter objects stay the same (an optimizer built before keeps pointing at them).
        """
        for arg in args:
            if isinstance(arg, Device) or is_device_name(arg):
                device = arg
            else:
                dtype = arg
        as_device(device, f"{type(self).__name__}.to")
        if dtype is None:
            return self
        dtype = np.dtype(dtype)
        if dtype.kind != "f":
            raise TypeError(f"{type(self).__name__}.to: only float dtypes are supported, got "
                            f"{dtype.name}")
        for tensor in list(self.parameters()) + list(self.buffers()):
            if tensor.dtype.kind == "f" and tensor.dtype != dtype:
                # new storage, same Tensor object (as PyTorch's `p.data = p.data.to(dtype)`)
                tensor.data = tensor.data.to(dtype)
                if tensor.grad is not None:
                    tensor.grad = Tensor(tensor.grad.numpy().astype(dtype))
        return self

    def double(self):
        return self.to(np.float64)

    def half(self):
        return self.to(np.float16)

    def float(self):
        return self.to(np.float32)

    # -- state ----------------------------------------------------------------------------------
    def state_dict(self, destination=None, prefix="", keep_vars=False):
        """An OrderedDict of dotted name -> Tensor: every parameter and persistent buffer.

        The tensors share memory with the model (like PyTorch's); copy them
        (`{k: tg.tensor(v) for k, v in sd.items()}`) to keep a snapshot while training goes on.
        With keep_vars=True the Parameter objects themselves are returned.
        """
        if destination is None:
            destination = collections.OrderedDict()
        for name, parameter in self._parameters.items():
            if parameter is not None:
                destination[prefix + name] = parameter if keep_vars else parameter.detach()
        for name, buffer in self._buffers.items():
            if buffer is not None and name not in self._non_persistent_buffers:
                destination[prefix + name] = buffer if keep_vars else buffer.detach()
        for name, module in self._modules.items():
            if module is not None:
                module.state_dict(destination, prefix + name + ".", keep_vars)
        return destination

    def load_state_dict(self, state_dict, strict=True):
        """Copy values from `state_dict` into this model's parameters and buffers, in place.

        Everything is checked before anything changes: with strict=True, a missing or
        unexpected key is an error; a shape mismatch or a value that is not an array of
        numbers is always one. One RuntimeError lists every problem and the model is left
        untouched. Values are copied into the existing arrays (cast to their dtypes), so an
        optimizer built before keeps pointing at the right Parameters.

        Args:
            state_dict: a mapping of dotted name -> Tensor, numpy array (or torch tensor).
            strict: require exactly this model's keys.

        Returns:
            IncompatibleKeys(missing_keys, unexpected_keys) (both empty when strict).

        Raises:
            RuntimeError: listing the missing keys, unexpected keys and shape mismatches.
        """
        if not hasattr(state_dict, "keys") or not hasattr(state_dict, "__getitem__"):
            raise TypeError(f"{type(self).__name__}.load_state_dict: expected a dict of name -> "
                            f"tensor, got a {type(state_dict).__name__}")
        own = self.state_dict(keep_vars=True)
        missing = [key for key in own if key not in state_dict]
        unexpected = [key for key in state_dict if key not in own]
        problems, arrays = [], {}
        if strict and missing:
            problems.append(say("error.state_missing", keys=missing))
        if strict and unexpected:
            problems.append(say("error.state_unexpected", keys=unexpected))
        for key, target in own.items():
            if key not in state_dict:
                continue
            try:
                array = _array_of(state_dict[key])
            except (TypeError, ValueError, RuntimeError) as error:
                problems.append(f"{key}: cannot use the value ({error})")
                continue
            if array.shape != target.shape:
                problems.append(say("error.state_shape", name=key, file=tuple(array.shape),
                                    model=tuple(target.shape)))
                continue
            arrays[key] = array
        if problems:
            raise RuntimeError(say("error.state_dict", module=type(self).__name__,
                                   problems="\n  ".join(problems)))
        for key, array in arrays.items():
            target = own[key]
            # astype: cast as numpy's copyto(casting="unsafe") would (copy_ accepts only
            # same-kind dtypes); copy_ also replaces a read-only array by a writable copy first
            with no_grad():
                target.copy_(array.astype(target.dtype, copy=False))
        return IncompatibleKeys(missing, unexpected)

    # -- description ----------------------------------------------------------------------------
    def extra_repr(self):
        """The text inside the parentheses of this module's repr (its settings)."""
        return ""

    def __repr__(self):
        lines = []
        extra = self.extra_repr()
        if extra:
            lines.extend(extra.split("\n"))
        for name, module in self._modules.items():
            child = repr(module).replace("\n", "\n  ")
            lines.append(f"({name}): {child}")
        if not lines:
            return f"{type(self).__name__}()"
        if len(lines) == 1 and not self._modules:
            return f"{type(self).__name__}({lines[0]})"
        return f"{type(self).__name__}(\n  " + "\n  ".join(lines) + "\n)"


class RemovableHandle:
    """What register_forward_hook returns: `.remove()` takes the hook away (also as a
    context manager, `with module.register_forward_hook(h): ...`)."""

    _next_id = 0

    def __init__(self, module, kind):
        self.module, self.kind = module, kind
        self.id = RemovableHandle._next_id
        RemovableHandle._next_id += 1

    def remove(self):
        hooks = dict(getattr(self.module, self.kind) or {})
        hooks.pop(self.id, None)
        object.__setattr__(self.module, self.kind, hooks or None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


def functional_call(module, tensors, args=(), kwargs=None):
    """Call `module` with some parameters or buffers temporarily replaced by the given tensors.

    Like torch.func.functional_call. This is how a gradient check reaches a layer's weights:
    gradcheck perturbs its own float64 copies, so they must be the tensors the layer uses.

    Args:
        module: the Module to call.
        tensors: a dict dotted name -> Tensor (a subset of `named_parameters`/`named_buffers`).
        args: the positional inputs (a tuple, or a single Tensor).
        kwargs: keyword inputs.

    Returns:
        Whatever `module(*args, **kwargs)` returns; the module is restored afterwards.

    Example:
        >>> layer = nn.Linear(3, 2, dtype=tg.float64)
        >>> tg.gradcheck(lambda x, w: nn.functional_call(layer, {"weight": w}, x),
        ...              (tg.randn(4, 3, dtype=tg.float64), layer.weight))
        True
    """
    if not isinstance(args, tuple):
        args = (args,)
    owners = dict(module.named_modules())
    swapped = []
    try:
        for key, value in tensors.items():
            owner_name, _, name = key.rpartition(".")
            owner = owners.get(owner_name)
            if owner is None or (name not in owner._parameters and name not in owner._buffers):
                raise KeyError(f"functional_call: {type(module).__name__} has no parameter or "
                               f"buffer {key!r}")
            registry = owner._parameters if name in owner._parameters else owner._buffers
            swapped.append((owner, registry, name, registry[name]))
            registry[name] = value
            owner.__dict__[name] = value
        return module(*args, **(kwargs or {}))
    finally:
        for owner, registry, name, original in reversed(swapped):
            registry[name] = original
            owner.__dict__[name] = original
