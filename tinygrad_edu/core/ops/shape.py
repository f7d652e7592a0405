"""Shape ops: no arithmetic, so each rule moves the gradient back to where the values came from.

Part of the rulebook (see ops/__init__.py for how to read a rule)."""

import numpy as np

from ..autograd import Op

__all__ = [
    "Reshape", "Permute", "Expand", "Index", "SetItem", "IndexAdd", "Clone", "Cat", "Pad",
    "Unfold", "Fold",
]


def _is_basic_key(key):
    parts = key if isinstance(key, tuple) else (key,)
    return not any(isinstance(p, np.ndarray) for p in parts)


def _unfold_shapes(height, width, kernel, stride):
    kh, kw = kernel
    sh, sw = stride
    if height < kh or width < kw:
        raise ValueError(f"unfold: a {kh}×{kw} kernel does not fit an input of {height}×{width}; "
                         f"use padding or a smaller kernel")
    return (height - kh) // sh + 1, (width - kw) // sw + 1


class Reshape(Op):
    """out = x with a new shape (same elements, same order)

    ∂C/∂x = g reshaped back to x's shape
    saves: nothing (only x's shape)
    """
    chain_rule = {"x": "δ(out) reshaped back to {shape}"}
    is_view = True

    def forward(self, x, shape):
        self.input_shape = x.shape
        return x.reshape(shape)

    def backward(self, grad_out):
        return grad_out.reshape(self.input_shape)


class Permute(Op):
    """out = x with its dimensions reordered (transpose is the two-dimension case)

    ∂C/∂x = g permuted back by the inverse permutation
    saves: nothing (only the permutation)
    """
    chain_rule = {"x": "δ(out) permuted back to {shape}"}
    is_view = True

    def forward(self, x, dims):
        self.inverse = tuple(sorted(range(len(dims)), key=dims.__getitem__))
        return x.transpose(dims)

    def backward(self, grad_out):
        return grad_out.permute(*self.inverse)


class Expand(Op):
    """out = x broadcast to `shape`

    Each input element was copied to several outputs, so its gradient is the sum of
    theirs over the broadcast axes.
    saves: nothing (only x's shape)
    """
    chain_rule = {"x": "δ(out) summed over the broadcast axes to shape {shape}"}
    is_view = True

    def forward(self, x, shape):
        self.input_shape = x.shape
        return np.broadcast_to(x, shape)

    def backward(self, grad_out):
        return grad_out.sum_to_shape(self.input_shape)


class Index(Op):
    """out = x[key]   (ints, slices, None, Ellipsis, integer arrays, boolean masks)

    ∂C/∂x = zeros with g added at the indexed places; an element picked twice gets both
    gradients (IndexAdd)
    saves: nothing (only the key and x's shape)
    """
    chain_rule = {"x": "zeros of shape {shape} with δ(out) added at the indexed places"}
    is_view = True

    def forward(self, x, key):
        self.input_shape, self.key = x.shape, key
        out = x[key]
        if type(out) is not np.ndarray:
            # one element: numpy gives a copy as a scalar; a 0-d view keeps PyTorch's t[i] a view
            out = x[(key if type(key) is tuple else (key,)) + (Ellipsis,)]
        return out

    def backward(self, grad_out):
        return IndexAdd.apply(grad_out, key=self.key, shape=self.input_shape)


class SetItem(Op):
    """out = x with out[key] = v   (t[key] = v, fill_, copy_ ... recorded in the graph)

    ∂C/∂x = g with zeros where out[key] was written (those old values were overwritten),
    ∂C/∂v = g[key]   (v already has the shape of x[key])
    saves: nothing (only the key)
    """
    chain_rule = {"x": "δ(out) with zeros where out[key] was written", "v": "δ(out)[key]"}

    def forward(self, x, v, key):
        self.key = key
        out = x.copy()
        out[key] = v
        return out

    def backward(self, grad_out):
        need_x, need_v = self.needs_input_grad
        grad_x = SetItem.apply(grad_out, grad_out._operand(0), key=self.key) \
            if need_x else None
        grad_v = grad_out[self.key] if need_v else None
        return grad_x, grad_v


class Clone(Op):
    """out = a copy of x in its own memory

    ∂out/∂x = 1
    saves: nothing
    """
    chain_rule = {"x": "δ(out)"}

    def forward(self, x):
        return x.copy()

    def backward(self, grad_out):
        return grad_out


class IndexAdd(Op):
    """out = zeros(shape) with g added at out[key]   (the adjoint of Index; repeats accumulate)

    ∂C/∂g = (∂C/∂out)[key]
    saves: nothing (only the key)
    """
    chain_rule = {"g": "δ(out)[key]"}

    def forward(self, g, key, shape):
        self.key = key
        out = np.zeros(shape, dtype=g.dtype)
        if _is_basic_key(key):
            out[key] = g  # basic indexing never picks an element twice
        else:
            np.add.at(out, key, g)
        return out

    def backward(self, grad_out):
        return Index.apply(grad_out, key=self.key)


class Cat(Op):
    """out = [x₁, x₂, …] joined along `dim`

    ∂C/∂xᵢ = the slice of g where xᵢ was placed
    saves: nothing (only the sizes)
    """
    chain_rule = {"xᵢ": "the slice of δ(out) where this input was placed"}

    def forward(self, *xs, dim):
        self.dim = dim
        self.bounds = np.cumsum([0] + [x.shape[dim] for x in xs])
        return np.concatenate(xs, axis=dim)

    def backward(self, grad_out):
        before = (slice(None),) * self.dim
        return tuple(grad_out[before + (slice(int(start), int(stop)),)]
                     for start, stop in zip(self.bounds[:-1], self.bounds[1:]))


class Pad(Op):
    """out = x with zeros around its last two dimensions (padding = top, bottom, left, right)

    ∂C/∂x = the inner (unpadded) part of g
    saves: nothing (only the padding)
    """
    chain_rule = {"x": "the unpadded middle of δ(out)"}

    def forward(self, x, padding):
        top, bottom, left, right = padding
        self.inner = (Ellipsis, slice(top, top + x.shape[-2]), slice(left, left + x.shape[-1]))
        widths = [(0, 0)] * (x.ndim - 2) + [(top, bottom), (left, right)]
        return np.pad(x, widths)

    def backward(self, grad_out):
        return grad_out[self.inner]


class Unfold(Op):
    """out[n, i, j, :] = the patch x[n, :, i·s : i·s+kh, j·s : j·s+kw], flattened (im2col)

    Turns a convolution into one matrix product. Each input pixel is copied into every
    patch that covers it, so ∂C/∂x adds up the gradients of those copies (Fold).
    x: (N, C, H, W) -> out: (N, H_out, W_out, C·kh·kw)
    saves: nothing (only shapes)
    """
    chain_rule = {'x': "Fold(δ(out)): each pixel gets the sum of its patches' gradients"}

    def forward(self, x, kernel, stride):
        n, c, h, w = x.shape
        self.input_shape, self.kernel, self.stride = x.shape, kernel, stride
        out_h, out_w = _unfold_shapes(h, w, kernel, stride)
        windows = np.lib.stride_tricks.sliding_window_view(x, kernel, axis=(2, 3))
        windows = windows[:, :, ::stride[0], ::stride[1]][:, :, :out_h, :out_w]
        return windows.transpose(0, 2, 3, 1, 4, 5).reshape(n, out_h, out_w, -1)

    def backward(self, grad_out):
        return Fold.apply(grad_out, input_shape=self.input_shape, kernel=self.kernel,
                          stride=self.stride)


class Fold(Op):
    """out = the sum of every patch of `cols` put back at its place (col2im, the adjoint of Unfold)

    cols: (N, H_out, W_out, C·kh·kw) -> out: (N, C, H, W)
    ∂C/∂cols = Unfold(g)
    saves: nothing (only shapes)
    """
    chain_rule = {"cols": "Unfold(δ(out))"}

    def forward(self, cols, input_shape, kernel, stride):
        n, c, h, w = input_shape
        kh, kw = kernel
        sh, sw = stride
        self.kernel, self.stride = kernel, stride
        _, out_h, out_w, _ = cols.shape
        patches = cols.reshape(n, out_h, out_w, c, kh, kw).transpose(0, 3, 4, 5, 1, 2)
        out = np.zeros(input_shape, dtype=cols.dtype)
        for i in range(kh):
            for j in range(kw):
                out[:, :, i:i + sh * (out_h - 1) + 1:sh, j:j + sw * (out_w - 1) + 1:sw] += \
                    patches[:, :, i, j]
        return out

    def backward(self, grad_out):
        return Unfold.apply(grad_out, kernel=self.kernel, stride=self.stride)
