"""Convolution and pooling as primitives: the fast paths of conv2d and max_pool2d (benchmarks/bench_conv.py).

Part of the rulebook (see ops/__init__.py for how to read a rule). The plain rules stay in the
book: conv2d is, by definition, Unfold (im2col) followed by one Linear, and a max pool is a Max
over each window; `functional.conv2d_by_unfold` and the Unfold/Max path of `max_pool2d` build
them, and tests/test_conv_fast_paths.py checks that these primitives equal them (values and
gradients, float64) and equal PyTorch. Why primitives: on W4 of bench_conv.py (LeNet-style,
batch 64) the composite spent most of its step copying transposed patches (the Unfold reshape)
and summing them back one kernel offset at a time (Fold).

The three convolution ops are one bilinear map seen from its three sides, so each one's rule
is written with the other two (the rules run again under create_graph, so second derivatives
work):

    Conv2d           y = conv(x, w) + b          the forward pass
    ConvTranspose2d  z = convᵀ(g, w)             ∂C/∂x of a convolution (its adjoint in x)
    Conv2dWeight     v = corr(x, g)              ∂C/∂w of a convolution (its adjoint in w)

Layout (why it is fast): the patches are gathered as columns, cols[(c, u, v), (n, i, j)] =
x[n, c, i·s + u, j·s + v], so each copied run is a whole output row (length W_out) instead of
a kh·kw patch row, and the product is one GEMM, w (O, C·kh·kw) @ cols (C·kh·kw, N·H_out·W_out).
Its result is stored channel-major (O, N, H_out, W_out) and returned as an (N, O, H_out, W_out)
view, so no transpose is copied; the backward pass reads the gradient in the same layout.
"""

import numpy as np

from ..autograd import Op

__all__ = ["Conv2d", "ConvTranspose2d", "Conv2dWeight", "MaxPool2d"]


def _output_size(size, kernel, stride, padding, op):
    (h, w), (kh, kw), (sh, sw), (ph, pw) = size, kernel, stride, padding
    if h + 2 * ph < kh or w + 2 * pw < kw:
        raise ValueError(f"{op}: a {kh}×{kw} kernel does not fit an input of {h}×{w} with "
                         f"padding {ph, pw}; use more padding or a smaller kernel")
    return (h + 2 * ph - kh) // sh + 1, (w + 2 * pw - kw) // sw + 1


def _columns(x, kernel, stride, padding):
    """im2col, channel-major: (C·kh·kw, N·H_out·W_out), each copied run an output row."""
    n, c, h, w = x.shape
    kh, kw = kernel
    sh, sw = stride
    ph, pw = padding
    out_h, out_w = _output_size((h, w), kernel, stride, padding, "conv2d")
    if ph or pw:
        x = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    sn, sc, sy, sx = x.strides
    windows = np.lib.stride_tricks.as_strided(
        x, (c, kh, kw, n, out_h, out_w), (sc, sy, sx, sn, sy * sh, sx * sw), writeable=False)
    return windows.reshape(c * kh * kw, n * out_h * out_w)  # the one copy of the patches


def _channel_major(g):
    """g (N, O, H, W) as the matrix (O, N·H·W); free when g is already stored channel-major."""
    return g.transpose(1, 0, 2, 3).reshape(g.shape[1], -1)


def _check(x, w, op):
    if x.ndim != 4 or w.ndim != 4:
        raise ValueError(f"{op}: expected a 4-D input (N, C, H, W) and a 4-D weight "
                         f"(O, C, kh, kw), got shapes {x.shape} and {w.shape}")
    if x.shape[1] != w.shape[1]:
        raise ValueError(f"{op}: the input has {x.shape[1]} channels but the weight expects "
                         f"{w.shape[1]} (weight shape {w.shape})")


def _col2im_rows(g, w, padded_size):
    """∂C/∂x (padded, channel-major (C, N, H_p, W_p)) of a stride-1 convolution, by whole rows.

    The gradient is widened to the padded width W_p with zero columns, so each kernel offset
    (u, v) adds one contiguous run per image (output rows and the gaps between them at once,
    the gaps adding zeros) instead of H_out short rows: on W4 of bench_conv.py this col2im
    took 1.7 ms as per-row slices and takes a fifth of that so (the GEMM grows by W_p/W_out).
    """
    n, o, out_h, out_w = g.shape
    _, c, kh, kw = w.shape
    hp, wp = padded_size
    wide = np.zeros((o, n, out_h, wp), dtype=g.dtype)
    wide[..., :out_w] = g.transpose(1, 0, 2, 3)
    span = out_h * wp
    patches = (w.reshape(o, -1).T @ wide.reshape(o, -1)).reshape(c, kh, kw, n, span)
    flat = np.zeros((c, n, hp * wp + kw), dtype=patches.dtype)  # + kw: the last run's gap
    for u in range(kh):
        for v in range(kw):
            start = u * wp + v
            flat[:, :, start:start + span] += patches[:, u, v]
    return flat[:, :, :hp * wp].reshape(c, n, hp, wp)


class Conv2d(Op):
    """out[n,o,i,j] = Σ_c,u,v x[n,c,i·s+u,j·s+v] · w[o,c,u,v] + b[o]   (cross-correlation, zero padding p)

    ∂C/∂x = convᵀ(g, w) (ConvTranspose2d),  ∂C/∂w = corr(x, g) (Conv2dWeight),
    ∂C/∂b[o] = Σ_n,i,j g[n,o,i,j]
    saves: x, w (and the patches of x, reused by ∂C/∂w)
    Equal to Unfold + Linear (functional.conv2d_by_unfold, tested), in one node and one GEMM.
    """
    chain_rule = {"x": "convᵀ(δ(out), w)", "w": "corr(x, δ(out))", "b": "Σ_n,i,j δ(out)"}

    def forward(self, x, w, b, stride, padding):
        _check(x, w, "conv2d")
        n = x.shape[0]
        o, _, kh, kw = w.shape
        self.stride, self.padding, self.kernel = stride, padding, (kh, kw)
        out_h, out_w = _output_size(x.shape[2:], (kh, kw), stride, padding, "conv2d")
        columns = _columns(x, (kh, kw), stride, padding)
        out = w.reshape(o, -1) @ columns           # (O, N·H_out·W_out): one GEMM
        out += b[:, None]
        # ∂C/∂w needs the patches again: keep them rather than gather them twice
        self.columns = columns if self.needs_input_grad[1] else None
        self.save_for_backward(x if self.needs_input_grad[1] else None,
                               w if self.needs_input_grad[0] else None)
        self.input_shape = x.shape
        return out.reshape(o, n, out_h, out_w).transpose(1, 0, 2, 3)   # a view, no copy

    def backward(self, grad_out):
        x, w = self.saved_tensors
        need_x, need_w, need_b = self.needs_input_grad
        params = dict(stride=self.stride, padding=self.padding)
        grad_x = ConvTranspose2d.apply(grad_out, w, input_size=self.input_shape[2:],
                                       **params) if need_x else None
        grad_w = Conv2dWeight.apply(x, grad_out, kernel=self.kernel, columns=self.columns,
                                    **params) if need_w else None
        grad_b = grad_out.sum(dim=(0, 2, 3)) if need_b else None
        self.columns = None
        return grad_x, grad_w, grad_b


class ConvTranspose2d(Op):
    """out = convᵀ(g, w)   (the adjoint of conv in x: out[n,c,y,x] = Σ g[n,o,i,j]·w[o,c,y−i·s+p,x−j·s+p])

    Every input pixel receives the gradient of each output its kernel touched: ∂C/∂x of Conv2d.
    ∂C/∂g = conv(δ(out), w),   ∂C/∂w = corr(δ(out), g)
    saves: g, w
    """
    chain_rule = {"g": "conv(δ(out), w)", "w": "corr(δ(out), g)"}

    def forward(self, g, w, input_size, stride, padding):
        n, o, out_h, out_w = g.shape
        _, c, kh, kw = w.shape
        (h, width), (sh, sw), (ph, pw) = input_size, stride, padding
        self.input_size, self.stride, self.padding = input_size, stride, padding
        self.kernel = (kh, kw)
        self.save_for_backward(g if self.needs_input_grad[1] else None,
                               w if self.needs_input_grad[0] else None)
        if (sh, sw) == (1, 1):
            padded = _col2im_rows(g, w, (h + 2 * ph, width + 2 * pw))
        else:
            patches = (w.reshape(o, -1).T @ _channel_major(g)).reshape(c, kh, kw, n, out_h,
                                                                         out_w)
            # col2im by slices: one strided add per kernel offset (no np.add.at)
            padded = np.zeros((c, n, h + 2 * ph, width + 2 * pw), dtype=patches.dtype)
            for u in range(kh):
                for v in range(kw):
                    padded[:, :, u:u + sh * (out_h - 1) + 1:sh,
                           v:v + sw * (out_w - 1) + 1:sw] += patches[:, u, v]
        return padded[:, :, ph:ph + h, pw:pw + width].transpose(1, 0, 2, 3)

    def backward(self, grad_out):
        g, w = self.saved_tensors
        need_g, need_w = self.needs_input_grad
        params = dict(stride=self.stride, padding=self.padding)
        grad_g = Conv2d.apply(grad_out, w, w._operand(np.zeros(w.shape[0], dtype=w.dtype)),
                              **params) if need_g else None
        grad_w = Conv2dWeight.apply(grad_out, g, kernel=self.kernel, **params) \
            if need_w else None
        return grad_g, grad_w


class Conv2dWeight(Op):
    """out[o,c,u,v] = corr(x, g) = Σ_n,i,j g[n,o,i,j] · x[n,c,i·s+u,j·s+v]   (the adjoint of conv in w)

    ∂C/∂w of Conv2d: each weight collects input × gradient over every place it was used.
    ∂C/∂x = convᵀ(g, δ(out)),   ∂C/∂g = conv(x, δ(out))
    saves: x, g
    """
    chain_rule = {"x": "convᵀ(g, δ(out))", "g": "conv(x, δ(out))"}

    def forward(self, x, g, kernel, stride, padding, columns=None):
        n, c, h, w = x.shape
        o = g.shape[1]
        kernel = tuple(kernel)
        self.stride, self.padding, self.input_size = stride, padding, (h, w)
        self.save_for_backward(x if self.needs_input_grad[1] else None,
                               g if self.needs_input_grad[0] else None)
        if columns is None:
            columns = _columns(x, kernel, stride, padding)
        return (_channel_major(g) @ columns.T).reshape(o, c, *kernel)

    def backward(self, grad_out):
        x, g = self.saved_tensors
        need_x, need_g = self.needs_input_grad
        params = dict(stride=self.stride, padding=self.padding)
        grad_x = ConvTranspose2d.apply(g, grad_out, input_size=self.input_size, **params) \
            if need_x else None
        grad_g = Conv2d.apply(x, grad_out, x._operand(np.zeros(grad_out.shape[0],
                                                                dtype=x.dtype)), **params) \
            if need_g else None
        return grad_x, grad_g


class MaxPool2d(Op):
    """out[n,c,i,j] = max of the window x[n, c, i·kh : i·kh+kh, j·kw : j·kw+kw]   (stride = kernel)

    ∂out/∂x = 1 at the window's maximum, 0 elsewhere; k tied maxima get 1/k each (as Max)
    saves: the 0/1 mask of the maxima, (N, C, H_out, kh, W_out·kw), and 1/(maxima per window)
    Equal to the plain rule, Max over each window (max_pool2d_by_max, tested). Fast path of W4
    in bench_conv.py: maxima of strided slices in the input's memory order, and a mask whose
    rows are whole image rows (numpy's inner loops run over W, not over the kw cells of one
    window): forward and backward took 3.3 ms for W4's two pools as a Max over gathered
    windows and under 1 ms so (one thread, unloaded).
    """
    chain_rule = {"x": "δ(out) at each window's maximum (shared by ties), 0 elsewhere"}

    def forward(self, x, kernel):
        kh, kw = kernel
        out_h, out_w = x.shape[2] // kh, x.shape[3] // kw
        self.input_shape, self.kernel = x.shape, kernel
        # Work in x's memory order: a conv's output is stored channel-major (see the top).
        swap = not x.flags.c_contiguous and x.transpose(1, 0, 2, 3).flags.c_contiguous
        stored = (x.transpose(1, 0, 2, 3) if swap else x)[:, :, :out_h * kh, :out_w * kw]
        rows = stored[:, :, :, 0::kw].copy()                 # max over each window's columns
        for v in range(1, kw):
            np.maximum(rows, stored[:, :, :, v::kw], out=rows)
        out = rows[:, :, 0::kh].copy()                       # then over its rows
        for u in range(1, kh):
            np.maximum(out, rows[:, :, u::kh], out=out)
        if self.needs_input_grad[0]:
            a, b = stored.shape[:2]
            windows = stored.reshape(a, b, out_h, kh, out_w * kw)
            spread = np.repeat(out, kw, axis=-1)[:, :, :, None, :]
            mask = (windows == spread).astype(x.dtype)
            per_row = mask.sum(axis=3) if kh > 2 else mask[:, :, :, 0] + mask[:, :, :, 1] \
                if kh == 2 else mask[:, :, :, 0]
            ties = per_row[..., 0::kw].copy()
            for v in range(1, kw):
                ties += per_row[..., v::kw]
            # ties are common after ReLU (windows of zeros): split the gradient as Max does.
            # Always (no branch on the data), so that a captured step has one program.
            inverse = 1 / ties
            if swap:
                mask, inverse = mask.transpose(1, 0, 2, 3, 4), inverse.transpose(1, 0, 2, 3)
            self.save_for_backward(mask, inverse)
        return out.transpose(1, 0, 2, 3) if swap else out

    def backward(self, grad_out):
        mask, inverse = self.saved_tensors
        n, c, h, w = self.input_shape
        (kh, kw), out_h, out_w = self.kernel, grad_out.shape[2], grad_out.shape[3]
        shared = (grad_out * inverse).reshape(n, c, out_h, out_w, 1)
        spread = shared.expand(n, c, out_h, out_w, kw)
        grad_x = (spread.reshape(n, c, out_h, 1, out_w * kw) * mask).reshape(
            n, c, out_h * kh, out_w * kw)
        if out_h * kh != h or out_w * kw != w:  # the rows and columns no window covered
            grad_x = grad_x.pad2d((0, h - out_h * kh, 0, w - out_w * kw))
        return grad_x
