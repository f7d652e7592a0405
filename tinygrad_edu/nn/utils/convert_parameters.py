"""All parameters as one flat vector and back, as torch.nn.utils.parameters_to_vector / vector_to_parameters."""

from ...core import Tensor, cat, no_grad

__all__ = ["parameters_to_vector", "vector_to_parameters"]


def parameters_to_vector(parameters):
    """The parameters flattened and joined into one 1-D tensor (recorded: gradients flow back)."""
    parameters = list(parameters)
    if not parameters:
        raise ValueError("parameters_to_vector: no parameters given")
    return cat([p.reshape(-1) for p in parameters])


def vector_to_parameters(vec, parameters):
    """Copy consecutive slices of the 1-D `vec` into the parameters, in place (not recorded).

    Raises:
        TypeError: vec is not a Tensor.
        ValueError: vec is not 1-D or its length is not the parameters' total size.
    """
    if not isinstance(vec, Tensor):
        raise TypeError(f"vector_to_parameters: expected a Tensor, but got {type(vec).__name__}")
    parameters = list(parameters)
    total = sum(p.numel() for p in parameters)
    if vec.ndim != 1 or vec.shape[0] != total:
        raise ValueError(f"vector_to_parameters: vec has shape {tuple(vec.shape)} but the "
                         f"parameters hold {total} numbers; pass a 1-D tensor of that length")
    start = 0
    with no_grad():
        for p in parameters:
            size = p.numel()
            p.copy_(vec[start:start + size].reshape(p.shape))
            start += size
