"""Which `torch` module is which tinygrad_edu module, and what to say about the ones tinygrad_edu does not have.

One table drives both `python -m tinygrad_edu.run` (the import hook in finder.py reads it)
and the tests. A target is a module path, or "module:attribute" for a namespace object that
lives inside a module (torch.cuda is `tinygrad_edu.accelerators:cuda`).
"""

__all__ = ["MODULES", "MISSING", "missing_message"]

# torch module -> the tinygrad_edu module that plays its part
MODULES = {
    "torch": "tinygrad_edu",
    "torch.nn": "tinygrad_edu.nn",
    "torch.nn.functional": "tinygrad_edu.nn.functional",
    "torch.nn.init": "tinygrad_edu.nn.init",
    "torch.nn.utils": "tinygrad_edu.nn.utils",
    "torch.nn.modules": "tinygrad_edu.nn",
    "torch.nn.modules.module": "tinygrad_edu.nn.module",
    "torch.nn.parameter": "tinygrad_edu.nn.module",
    "torch.optim": "tinygrad_edu.optim",
    "torch.optim.lr_scheduler": "tinygrad_edu.optim.lr_scheduler",
    "torch.optim.optimizer": "tinygrad_edu.optim.optimizers",
    "torch.utils": "tinygrad_edu.utils",
    "torch.utils.data": "tinygrad_edu.utils.data",
    "torch.utils.data.dataloader": "tinygrad_edu.utils.data.dataloader",
    "torch.utils.data.dataset": "tinygrad_edu.utils.data.dataset",
    "torch.utils.data.sampler": "tinygrad_edu.utils.data.sampler",
    "torch.autograd": "tinygrad_edu.autograd",
    "torch.autograd.grad_mode": "tinygrad_edu.core.modes",
    "torch.autograd.graph": "tinygrad_edu.autograd",
    "torch.cuda": "tinygrad_edu.accelerators:cuda",
    "torch.accelerator": "tinygrad_edu.accelerators:accelerator",
    "torch.backends": "tinygrad_edu.accelerators:backends",
    "torch.backends.mps": "tinygrad_edu.accelerators:mps",
    "torch.backends.cudnn": "tinygrad_edu.accelerators:cudnn",
}

_CPU = "tinygrad_edu runs on the CPU only; drop the import (torch.cuda.is_available() is False here)"
_VISION = ("tinygrad_edu has no torchvision; for MNIST use tinygrad_edu.data.load_mnist (the digits "
           "are bundled), for other data build a torch.utils.data.TensorDataset from your arrays")
# modules (and their submodules) tinygrad_edu does not have -> what to do instead
MISSING = {
    "torchvision": _VISION,
    "torchaudio": "tinygrad_edu has no torchaudio; load the audio with numpy or soundfile and "
                  "wrap it in a torch.utils.data.TensorDataset",
    "torchtext": "tinygrad_edu has no torchtext; tokenize with plain Python and build index tensors",
    "torch.utils.tensorboard": "tinygrad_edu has no TensorBoard writer; print the numbers or plot "
                               "them with tinygrad_edu.plots / matplotlib",
    "tensorboard": "tinygrad_edu has no TensorBoard; print the numbers or plot them with matplotlib",
    "tensorboardX": "tinygrad_edu has no TensorBoard; print the numbers or plot them with matplotlib",
    "torch.distributed": "tinygrad_edu has no distributed training; run the program in one process",
    "torch.multiprocessing": "tinygrad_edu has no torch.multiprocessing; use Python's multiprocessing",
    "torch.jit": "tinygrad_edu has no TorchScript (torch.jit); run the Python function itself",
    "torch.compile": "tinygrad_edu has no compiler; torch.compile(f) returns f unchanged here",
    "torch._dynamo": "tinygrad_edu has no compiler (torch._dynamo); run the Python function itself",
    "torch.fx": "tinygrad_edu has no graph capture (torch.fx); its graph is drawn with "
                "tinygrad_edu.viz.draw(loss, 'graph.svg')",
    "torch.onnx": "tinygrad_edu has no ONNX export; save the weights with torch.save(model.state_dict(), path)",
    "torch.sparse": "tinygrad_edu has dense tensors only (no torch.sparse); use a dense tensor",
    "torch.quantization": "tinygrad_edu has no quantization; train and run in float32",
    "torch.ao": "tinygrad_edu has no quantization (torch.ao); train and run in float32",
    "torch.amp": "tinygrad_edu has no mixed precision (torch.amp); everything runs in float32 on the CPU",
    "torch.cuda.amp": "tinygrad_edu has no mixed precision (torch.cuda.amp); " + _CPU,
    "torch.cuda.nccl": _CPU,
    "torch.mps": _CPU,
    "torch.xpu": _CPU,
    "torch.hub": "tinygrad_edu downloads nothing (no torch.hub); build the model in your program",
    "torch.func": "tinygrad_edu has no torch.func transforms; use tinygrad_edu.grad(outputs, inputs)",
}


def missing_message(name):
    """The error text for importing `name`, or None when tinygrad_edu does not know it is missing."""
    for module, advice in MISSING.items():
        if name == module or name.startswith(module + "."):
            return (f"No module named {name!r}: you are running with `torch` resolved to "
                    f"tinygrad_edu, and {advice}.")
    return None
