"""What tinygrad_edu leaves out of PyTorch on purpose, and the error that says so.

`torch.jit.script`, `torch.sparse_coo_tensor`, `torch.complex64`, `torch.distributed` ...
raise an AttributeError naming the feature, saying that tinygrad_edu does not have it and
what to do instead. `torch.compile(f)` is kinder: it returns `f` unchanged with one warning.
"""

import warnings

__all__ = ["MISSING_ATTRIBUTES", "missing_attribute", "compile"]

_DENSE = "sparse tensors (tinygrad_edu has dense tensors only; use a dense tensor)"
_COMPLEX = "complex numbers (tinygrad_edu's tensors are real: float, int or bool)"
_QUANT = "quantization (tinygrad_edu trains and runs in float32)"
# torch attribute -> the feature it belongs to (and the way out)
MISSING_ATTRIBUTES = {
    "jit": "TorchScript (torch.jit; run the Python function itself)",
    "sparse": _DENSE, "sparse_coo_tensor": _DENSE, "sparse_csr_tensor": _DENSE,
    "sparse_coo": _DENSE, "sparse_csr": _DENSE,
    "complex64": _COMPLEX, "complex128": _COMPLEX, "cfloat": _COMPLEX, "cdouble": _COMPLEX,
    "complex": _COMPLEX, "view_as_complex": _COMPLEX, "view_as_real": _COMPLEX,
    "quantization": _QUANT, "ao": _QUANT, "quantize_per_tensor": _QUANT, "qint8": _QUANT,
    "quint8": _QUANT, "qint32": _QUANT,
    "bfloat16": "bfloat16 (numpy has no bfloat16; use tg.float16 or tg.float32)",
    "distributed": "distributed training (torch.distributed; run the program in one process)",
    "multiprocessing": "torch.multiprocessing (use Python's multiprocessing)",
    "amp": "mixed precision (torch.amp; everything runs in float32 on the CPU)",
    "autocast": "mixed precision (torch.autocast; everything runs in float32 on the CPU)",
    "mps": "Apple's MPS device (tinygrad_edu computes on the CPU)",
    "xpu": "Intel's XPU device (tinygrad_edu computes on the CPU)",
    "onnx": "ONNX export (save the weights with torch.save(model.state_dict(), path))",
    "fx": "graph capture with torch.fx (draw the graph with tinygrad_edu.viz.draw(loss, path))",
    "hub": "torch.hub downloads (build the model in your program)",
    "func": "torch.func transforms (use tinygrad_edu.grad(outputs, inputs))",
    "vmap": "torch.vmap (write the batch dimension into the tensors)",
}


def missing_attribute(name):
    """An AttributeError for `torch.<name>` that names the feature, or None if it is not a known gap."""
    feature = MISSING_ATTRIBUTES.get(name)
    if feature is None:
        return None
    return AttributeError(f"torch.{name}: tinygrad_edu does not have {feature}")


def compile(model=None, **options):
    """torch.compile: returns `model` unchanged (tinygrad_edu has no compiler), with one warning.

    Works as `torch.compile(f)` and as the decorator `@torch.compile(mode=...)`.
    """
    if model is None:
        return lambda function: compile(function, **options)
    warnings.warn("torch.compile: tinygrad_edu has no compiler; the model runs as it is "
                  "(eagerly, op by op, so you can look inside it)", stacklevel=2)
    return model
