"""Tests of tinygrad_edu.nn: Module bookkeeping, layers (against gradcheck and PyTorch), initializers, activations, and a small CNN that learns."""

import collections
import math
import warnings

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn
from tinygrad_edu.nn import functional as F
from tinygrad_edu.nn import init
from tinygrad_edu.nn import module as module_file


def double_randn(*shape, seed=0, requires_grad=True):
    data = np.random.default_rng(seed).standard_normal(shape)
    return tg.Tensor(data, requires_grad=requires_grad)


def check_module_gradients(module, *inputs):
    """gradcheck of `module` with respect to its inputs AND its parameters, in float64.

    gradcheck perturbs its own float64 copies, so the parameters are swapped in with
    functional_call (otherwise the layer would keep using its own weights and the check of
    the weights would be vacuous)."""
    module.double()
    names = [name for name, _ in module.named_parameters()]
    parameters = [p for _, p in module.named_parameters()]
    count = len(inputs)

    def function(*tensors):
        return nn.functional_call(module, dict(zip(names, tensors[count:])), tensors[:count])

    return tg.gradcheck(function, tuple(inputs) + tuple(parameters))


class TwoLayer(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(4, 3)
        self.act = nn.Sigmoid()
        self.fc2 = nn.Linear(3, 2)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


class Nested(nn.Module):
    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(np.ones(1, dtype=np.float32))
        self.features = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.BatchNorm1d(3))
        self.head = TwoLayer()
        self.head.fc1 = nn.Linear(3, 3)

    def forward(self, x):
        return self.head(self.features(x) * self.scale)


# ---------------------------------------------------------------------------------------------
# Module bookkeeping
# ---------------------------------------------------------------------------------------------

def test_parameter_is_a_tensor_that_requires_grad_and_shares_memory():
    array = np.zeros((2, 3), dtype=np.float32)
    p = nn.Parameter(array)
    assert isinstance(p, tg.Tensor) and p.requires_grad and p.numpy() is array
    assert not nn.Parameter(array, requires_grad=False).requires_grad
    assert repr(p).startswith("Parameter containing:\ntensor(")
    assert type((p * 2)) is tg.Tensor  # op outputs are plain tensors


def test_registration_by_assignment_and_order():
    net = TwoLayer()
    assert [n for n, _ in net.named_parameters()] == ["fc1.weight", "fc1.bias", "fc2.weight",
                                                      "fc2.bias"]
    assert [n for n, _ in net.named_children()] == ["fc1", "act", "fc2"]
    assert [n for n, _ in net.named_modules()] == ["", "fc1", "act", "fc2"]
    assert list(net.children()) == [net.fc1, net.act, net.fc2]
    assert len(list(net.modules())) == 4
    assert list(net.parameters(recurse=False)) == []
    assert all(isinstance(p, nn.Parameter) for p in net.parameters())


def test_nested_modules_own_parameters_first_then_children_depth_first():
    net = Nested()
    names = [n for n, _ in net.named_parameters()]
    assert names == ["scale", "features.0.weight", "features.0.bias", "features.2.weight",
                     "features.2.bias", "head.fc1.weight", "head.fc1.bias", "head.fc2.weight",
                     "head.fc2.bias"]
    assert net.head.fc1.weight.shape == (3, 3)  # the reassigned submodule replaced the old one
    assert [n for n, _ in net.named_buffers()] == [
        "features.2.running_mean", "features.2.running_var", "features.2.num_batches_tracked"]
    assert len(list(net.buffers())) == 3


def test_shared_parameter_is_listed_once():
    net = TwoLayer()
    net.fc3 = net.fc1  # the same module twice
    assert len(list(net.parameters())) == 4
    assert [n for n, _ in net.named_modules()] == ["", "fc1", "act", "fc2"]


def test_parameter_slot_rules():
    net = TwoLayer()
    with pytest.raises(TypeError, match="cannot assign a Tensor to the parameter 'weight'"):
        net.fc1.weight = tg.zeros(3, 4)
    with pytest.raises(TypeError, match="cannot assign a int to the submodule 'fc1'"):
        net.fc1 = 3
    net.fc1.bias = None
    assert [n for n, _ in net.named_parameters()] == ["fc1.weight", "fc2.weight", "fc2.bias"]
    assert net.fc1.bias is None
    del net.fc2
    assert [n for n, _ in net.named_children()] == ["fc1", "act"]
    assert not hasattr(net, "fc2")


def test_forgetting_super_init_is_explained():
    class Broken(nn.Module):
        def __init__(self):
            self.fc = nn.Linear(2, 2)

    with pytest.raises(AttributeError, match=r"call super\(\).__init__\(\) first"):
        Broken()


def test_a_plain_tensor_that_requires_grad_warns_it_is_not_registered():
    class Sloppy(nn.Module):
        def __init__(self):
            super().__init__()
            self.w = tg.randn(2, 2, requires_grad=True)

    with pytest.warns(UserWarning, match="not a Parameter"):
        net = Sloppy()
    assert list(net.parameters()) == []


def test_register_buffer_and_non_persistent_buffers():
    net = nn.Module()
    net.register_buffer("steps", tg.zeros(1))
    net.register_buffer("cache", tg.zeros(2), persistent=False)
    assert [n for n, _ in net.named_buffers()] == ["steps", "cache"]
    assert list(net.state_dict()) == ["steps"]
    net.steps = tg.ones(1)  # assigning a Tensor to a buffer name replaces the buffer
    assert net.state_dict()["steps"].item() == 1
    with pytest.raises(TypeError, match="buffer 'steps' must be a Tensor"):
        net.steps = 3
    with pytest.raises(KeyError, match="already exists"):
        net.register_buffer("train", tg.zeros(1))
    with pytest.raises(TypeError, match="must be an nn.Parameter"):
        net.register_parameter("w", tg.zeros(1))


def test_train_eval_flags_reach_every_submodule():
    net = Nested()
    assert all(m.training for m in net.modules())
    assert net.eval() is net
    assert not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())
    with pytest.raises(TypeError):
        net.train("yes")


def test_zero_grad_sets_gradients_to_none():
    net = TwoLayer()
    net(tg.randn(5, 4)).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad(set_to_none=False)
    assert all(p.grad is not None and not p.grad.numpy().any() for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())


def test_state_dict_round_trip_copies_in_place():
    tg.manual_seed(0)
    source, target = Nested(), Nested()
    source(tg.randn(6, 4))  # moves BatchNorm's running statistics
    state = source.state_dict()
    assert isinstance(state, collections.OrderedDict)
    assert list(state) == [n for n, _ in source.named_parameters()][:1] + list(state)[1:]
    assert "features.2.running_mean" in state and "features.2.num_batches_tracked" in state
    assert all(not v.requires_grad for v in state.values())
    assert state["features.0.weight"].numpy() is source.features[0].weight.numpy()  # shares memory
    kept = {name: (p, p.numpy()) for name, p in target.named_parameters()}
    result = target.load_state_dict(state)
    assert result == nn.IncompatibleKeys([], []) and result.missing_keys == []
    for name, value in target.state_dict().items():
        np.testing.assert_array_equal(value.numpy(), state[name].numpy())
    for name, p in target.named_parameters():
        # the very same Parameter and array: an optimizer built before still points at them
        assert kept[name][0] is p and kept[name][1] is p.numpy()
    x = tg.randn(3, 4)
    source.eval(), target.eval()
    np.testing.assert_array_equal(source(x).numpy(), target(x).numpy())


def test_strict_load_lists_every_problem_and_changes_nothing():
    net = TwoLayer()
    before = {k: v.numpy().copy() for k, v in net.state_dict().items()}
    state = {k: tg.tensor(v.numpy() + 1) for k, v in net.state_dict().items()}
    del state["fc2.bias"]
    state["fc3.weight"] = tg.zeros(2, 2)
    state["fc1.weight"] = tg.zeros(3, 5)
    with pytest.raises(RuntimeError) as error:
        net.load_state_dict(state)
    message = str(error.value)
    assert "missing keys: ['fc2.bias']" in message
    assert "unexpected keys: ['fc3.weight']" in message
    assert "shape mismatch for fc1.weight: the checkpoint has (3, 5), the model has (3, 4)" \
        in message
    assert "nothing was loaded" in message
    for key, value in net.state_dict().items():  # fc1.bias and fc2.weight were valid: untouched
        np.testing.assert_array_equal(value.numpy(), before[key])


def test_non_strict_load_reports_missing_and_unexpected_but_rejects_shape_mismatch():
    net = TwoLayer()
    state = {"fc1.weight": np.ones((3, 4)), "extra": np.zeros(2)}
    missing, unexpected = net.load_state_dict(state, strict=False)
    assert missing == ["fc1.bias", "fc2.weight", "fc2.bias"] and unexpected == ["extra"]
    assert net.fc1.weight.dtype == np.float32 and (net.fc1.weight.numpy() == 1).all()
    with pytest.raises(RuntimeError, match="shape mismatch for fc1.weight"):
        net.load_state_dict({"fc1.weight": np.ones((4, 3))}, strict=False)
    with pytest.raises(RuntimeError, match="fc1.weight: cannot use the value"):
        net.load_state_dict({"fc1.weight": "abc"}, strict=False)


def test_repr_reads_like_pytorch():
    net = nn.Sequential(nn.Linear(784, 30), nn.Sigmoid(), nn.Linear(30, 10, bias=False))
    assert repr(net) == ("Sequential(\n"
                         "  (0): Linear(in_features=784, out_features=30, bias=True)\n"
                         "  (1): Sigmoid()\n"
                         "  (2): Linear(in_features=30, out_features=10, bias=False)\n"
                         ")")
    nested = repr(Nested())
    assert "  (features): Sequential(\n    (0): Linear(in_features=4" in nested
    assert "BatchNorm1d(3, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)" \
        in nested
    assert repr(nn.Conv2d(1, 8, 3, padding=1, bias=False)) == \
        "Conv2d(1, 8, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1), bias=False)"
    assert repr(nn.Dropout(0.25)) == "Dropout(p=0.25)"
    assert repr(nn.LeakyReLU(0.2)) == "LeakyReLU(negative_slope=0.2)"


def test_calling_runs_forward_and_rejects_numpy_input_clearly():
    net = TwoLayer()
    x = tg.randn(2, 4)
    np.testing.assert_array_equal(net(x).numpy(), net.forward(x).numpy())
    with pytest.raises(TypeError, match="expected a Tensor input, got a ndarray"):
        net(np.zeros((2, 4), dtype=np.float32))
    with pytest.raises(NotImplementedError, match="define forward"):
        nn.Module()(x)


def test_to_double_keeps_the_parameter_objects():
    net = TwoLayer()
    weight = net.fc1.weight
    net.double()
    assert net.fc1.weight is weight and weight.dtype == np.float64
    assert net(tg.randn(2, 4, dtype=tg.float64)).dtype == np.float64
    net.float()
    assert weight.dtype == np.float32
    net.requires_grad_(False)
    assert not any(p.requires_grad for p in net.parameters())


def test_load_state_dict_from_a_torch_module():
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    reference = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.Sigmoid(),
                                    torch.nn.Linear(3, 2))
    net = nn.Sequential(nn.Linear(4, 3), nn.Sigmoid(), nn.Linear(3, 2))
    net.load_state_dict(reference.state_dict())
    x = np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32)
    np.testing.assert_allclose(net(tg.tensor(x)).numpy(),
                               reference(torch.from_numpy(x)).detach().numpy(), rtol=1e-5,
                               atol=1e-6)


# ---------------------------------------------------------------------------------------------
# Parameter names for the graph pictures
# ---------------------------------------------------------------------------------------------

def test_outermost_module_labels_parameters_with_dotted_names():
    seq = nn.Sequential(nn.Linear(2, 3), nn.Sigmoid(), nn.Linear(3, 1))
    assert seq[0].weight.name is None  # labelled on the first call, not before
    seq(tg.randn(1, 2))
    assert [p.name for p in seq.parameters()] == ["0.weight", "0.bias", "2.weight", "2.bias"]
    net = TwoLayer()
    net(tg.randn(1, 4))
    assert net.fc1.weight.name == "fc1.weight" and net.fc2.bias.name == "fc2.bias"


def test_user_names_are_kept_and_auto_names_get_qualified():
    layer = nn.Linear(2, 2)
    layer(tg.randn(1, 2))
    assert layer.weight.name == "weight"
    layer.bias.name = "b1"  # the user's choice
    seq = nn.Sequential(layer, nn.ReLU())
    seq(tg.randn(1, 2))
    assert layer.weight.name == "0.weight" and layer.bias.name == "b1"


def test_inner_calls_keep_the_outer_names_and_new_layers_get_labelled():
    net = Nested()
    net(tg.randn(4, 4))
    assert net.features[0].weight.name == "features.0.weight"
    net.features(tg.randn(4, 4))  # a direct call of the inner module does not shorten names
    assert net.features[0].weight.name == "features.0.weight"
    net.features.append(nn.Linear(3, 3))
    net(tg.randn(4, 4))
    assert net.features[3].weight.name == "features.3.weight"
    assert net.features[0].weight.name == "features.0.weight"
    assert net.head.fc2.weight.name == "head.fc2.weight"


def test_labelling_runs_once_per_structure_change(monkeypatch):
    net = Nested()
    calls = []
    original = nn.Module._label_parameters
    monkeypatch.setattr(nn.Module, "_label_parameters",
                        lambda self: (calls.append(type(self).__name__), original(self))[1])
    x = tg.randn(4, 4)
    for _ in range(5):
        net(x)
    assert calls == ["Nested"]  # the outer labels everything once; inner calls skip
    net.features.append(nn.Identity())
    net(x)
    assert calls == ["Nested", "Nested"]


def test_names_appear_in_the_graph():
    net = TwoLayer()
    out = net(tg.randn(2, 4))
    node = out._ctx
    assert node.name == "Linear"
    assert [p.name for p in node.parents[1:]] == ["fc2.weight", "fc2.bias"]


def test_functional_call_swaps_and_restores():
    layer = nn.Linear(3, 2, dtype=tg.float64)
    weight = layer.weight
    other = tg.zeros(2, 3, dtype=tg.float64)
    out = nn.functional_call(layer, {"weight": other}, tg.randn(4, 3, dtype=tg.float64))
    np.testing.assert_allclose(out.numpy(), np.broadcast_to(layer.bias.numpy(), (4, 2)))
    assert layer.weight is weight and layer._parameters["weight"] is weight
    with pytest.raises(KeyError, match="no parameter or buffer 'nope'"):
        nn.functional_call(layer, {"nope": other}, tg.randn(1, 3))
    assert layer.weight is weight


# ---------------------------------------------------------------------------------------------
# Layers
# ---------------------------------------------------------------------------------------------

def test_linear_shapes_init_and_gradients():
    tg.manual_seed(0)
    layer = nn.Linear(100, 30)
    assert layer.weight.shape == (30, 100) and layer.bias.shape == (30,)
    assert layer.weight.dtype == np.float32
    bound = 1 / math.sqrt(100)
    for p in (layer.weight, layer.bias):
        assert np.abs(p.numpy()).max() <= bound
    assert np.abs(layer.weight.numpy()).max() > 0.9 * bound  # uniform, fills the interval
    assert abs(layer.weight.numpy().std() - bound / math.sqrt(3)) < 0.1 * bound
    assert layer(tg.randn(7, 100)).shape == (7, 30)
    assert layer(tg.randn(2, 5, 100)).shape == (2, 5, 30)
    assert check_module_gradients(nn.Linear(4, 3), double_randn(5, 4))
    assert check_module_gradients(nn.Linear(4, 3, bias=False), double_randn(5, 4))
    with pytest.raises(ValueError, match="in_features must be a positive int"):
        nn.Linear(0, 3)
    with pytest.raises(ValueError, match="last dimension must be in_features = 4"):
        nn.Linear(4, 3)(tg.randn(2, 5))


def test_second_derivatives_through_modules():
    layer = nn.Linear(3, 2, dtype=tg.float64)
    net = nn.Sequential(layer, nn.Gaussian())

    def function(x, weight, bias):
        return nn.functional_call(net, {"0.weight": weight, "0.bias": bias}, x).sum()

    assert tg.gradgradcheck(function, (double_randn(4, 3), layer.weight, layer.bias))
    for activation in (nn.Sigmoid(), nn.Tanh(), nn.SaturatedLinear(), nn.Softmax()):
        assert tg.gradgradcheck(lambda t: activation(t), double_randn(2, 3, seed=1) * 0.3)


def test_linear_uses_the_fused_op():
    out = nn.Linear(3, 2)(tg.randn(4, 3))
    assert out._ctx.name == "Linear"


def test_init_is_reproducible_with_manual_seed():
    tg.manual_seed(7)
    a = TwoLayer()
    tg.manual_seed(7)
    b = TwoLayer()
    for (_, p), (_, q) in zip(a.named_parameters(), b.named_parameters()):
        np.testing.assert_array_equal(p.numpy(), q.numpy())
    c = TwoLayer()
    assert not np.array_equal(a.fc1.weight.numpy(), c.fc1.weight.numpy())


def _torch_module_pair(torch, ours, theirs):
    ours.load_state_dict(theirs.state_dict())
    return ours, theirs


@pytest.mark.parametrize("stride,padding,bias", [(1, 0, True), (2, 1, True), (1, 2, False),
                                                 ((2, 1), (0, 1), True)])
def test_conv2d_matches_torch_forward_and_backward(stride, padding, bias):
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    theirs = torch.nn.Conv2d(3, 4, (3, 2), stride=stride, padding=padding, bias=bias).double()
    ours = nn.Conv2d(3, 4, (3, 2), stride=stride, padding=padding, bias=bias, dtype=tg.float64)
    ours.load_state_dict(theirs.state_dict())
    x = np.random.default_rng(1).standard_normal((2, 3, 7, 6))
    tx = torch.tensor(x, requires_grad=True)
    gx = tg.Tensor(x.copy(), requires_grad=True)
    their_out, our_out = theirs(tx), ours(gx)
    np.testing.assert_allclose(our_out.numpy(), their_out.detach().numpy(), rtol=1e-10, atol=1e-12)
    upstream = np.random.default_rng(2).standard_normal(our_out.shape)
    their_out.backward(torch.tensor(upstream))
    our_out.backward(tg.Tensor(upstream))
    np.testing.assert_allclose(gx.grad.numpy(), tx.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy(), rtol=1e-10,
                               atol=1e-12)
    if bias:
        np.testing.assert_allclose(ours.bias.grad.numpy(), theirs.bias.grad.numpy(), rtol=1e-10,
                                   atol=1e-12)


def test_conv2d_init_shapes_gradcheck_and_errors():
    tg.manual_seed(0)
    conv = nn.Conv2d(2, 3, 3, padding=1)
    assert conv.weight.shape == (3, 2, 3, 3) and conv.bias.shape == (3,)
    bound = 1 / math.sqrt(2 * 9)
    assert np.abs(conv.weight.numpy()).max() <= bound and np.abs(conv.bias.numpy()).max() <= bound
    assert conv(tg.randn(4, 2, 5, 5)).shape == (4, 3, 5, 5)
    assert nn.Conv2d(1, 1, 3, stride=2)(tg.randn(1, 1, 7, 7)).shape == (1, 1, 3, 3)
    assert check_module_gradients(nn.Conv2d(2, 2, 2, stride=1, padding=1),
                                  double_randn(1, 2, 3, 3))
    with pytest.raises(ValueError, match=r"expected an input of shape \(N, 2, H, W\)"):
        conv(tg.randn(4, 3, 5, 5))
    with pytest.raises(ValueError, match="kernel_size must be an int"):
        nn.Conv2d(1, 1, 0)


@pytest.mark.parametrize("kernel,stride,padding", [(2, None, 0), (3, 2, 1), ((2, 3), (1, 2), 0)])
def test_pooling_matches_torch_forward_and_backward(kernel, stride, padding):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(3).standard_normal((2, 3, 7, 8))
    for ours, theirs in ((nn.MaxPool2d(kernel, stride, padding),
                          torch.nn.MaxPool2d(kernel, stride, padding)),
                         (nn.AvgPool2d(kernel, stride, padding),
                          torch.nn.AvgPool2d(kernel, stride, padding))):
        tx = torch.tensor(x, requires_grad=True)
        gx = tg.Tensor(x.copy(), requires_grad=True)
        their_out, our_out = theirs(tx), ours(gx)
        np.testing.assert_allclose(our_out.numpy(), their_out.detach().numpy(), rtol=1e-12)
        upstream = np.random.default_rng(4).standard_normal(our_out.shape)
        their_out.backward(torch.tensor(upstream))
        our_out.backward(tg.Tensor(upstream))
        np.testing.assert_allclose(gx.grad.numpy(), tx.grad.numpy(), rtol=1e-12, atol=1e-14)


def test_pooling_gradcheck_shapes_and_errors():
    x = double_randn(2, 2, 4, 5)
    assert nn.MaxPool2d(2)(x).shape == (2, 2, 2, 2)
    assert nn.AvgPool2d(2, stride=1)(x).shape == (2, 2, 3, 4)
    assert tg.gradcheck(lambda t: nn.MaxPool2d(2, 1, 1)(t), x)
    assert tg.gradcheck(lambda t: nn.AvgPool2d(3, 2, 1)(t), x)
    with pytest.raises(ValueError, match="at most half the kernel"):
        nn.MaxPool2d(2, padding=2)


def test_flatten_and_identity():
    x = tg.randn(2, 3, 4, 5)
    assert nn.Flatten()(x).shape == (2, 60)
    assert nn.Flatten(0)(x).shape == (120,)
    assert nn.Flatten(1, 2)(x).shape == (2, 12, 5)
    assert nn.Identity(54, unused="ok")(x) is x
    assert tg.gradcheck(lambda t: nn.Flatten()(t) * 2.0, double_randn(2, 2, 3))


def test_dropout_zeroes_and_rescales_only_in_training():
    tg.manual_seed(0)
    layer = nn.Dropout(0.25)
    x = tg.ones(200, 500)
    out = layer(x).numpy()
    dropped = (out == 0).mean()
    assert abs(dropped - 0.25) < 0.01
    np.testing.assert_allclose(out[out != 0], 1 / 0.75, rtol=1e-6)
    assert abs(out.mean() - 1) < 0.01  # inverted dropout keeps the expected value
    layer.eval()
    assert layer(x) is x
    layer.train()
    tg.manual_seed(3)
    first = layer(x).numpy()
    tg.manual_seed(3)
    np.testing.assert_array_equal(layer(x).numpy(), first)  # the mask comes from the package RNG
    assert nn.Dropout(0.0)(x) is x
    assert not nn.Dropout(1.0)(x).numpy().any()
    with pytest.raises(ValueError, match=r"p must be a probability in \[0, 1\]"):
        nn.Dropout(1.5)


def test_dropout_gradient_is_the_mask():
    tg.manual_seed(0)
    x = tg.randn(50, 40, requires_grad=True)
    out = nn.Dropout(0.5)(x)
    out.sum().backward()
    mask = out.numpy() / np.where(x.numpy() == 0, 1, x.numpy())
    np.testing.assert_allclose(x.grad.numpy(), mask, rtol=1e-5)
    assert set(np.unique(np.round(x.grad.numpy(), 5))) == {0.0, 2.0}

    def seeded(t):
        tg.manual_seed(1)  # the same mask on every evaluation
        return F.dropout(t, 0.3)

    assert tg.gradcheck(seeded, double_randn(4, 5))


def _batchnorm_pair(torch, ours_class, theirs_class, momentum, affine=True, track=True):
    torch.manual_seed(0)
    theirs = theirs_class(3, momentum=momentum, affine=affine,
                          track_running_stats=track).double()
    ours = ours_class(3, momentum=momentum, affine=affine, track_running_stats=track,
                      dtype=tg.float64)
    if affine:
        with torch.no_grad():
            theirs.weight.uniform_(0.5, 1.5)
            theirs.bias.uniform_(-0.5, 0.5)
    ours.load_state_dict(theirs.state_dict())
    return ours, theirs


@pytest.mark.parametrize("shape", [(8, 3), (4, 3, 5)])
@pytest.mark.parametrize("momentum", [0.1, None])
def test_batchnorm1d_train_and_eval_match_torch(shape, momentum):
    torch = pytest.importorskip("torch")
    ours, theirs = _batchnorm_pair(torch, nn.BatchNorm1d, torch.nn.BatchNorm1d, momentum)
    generator = np.random.default_rng(5)
    for step in range(4):
        x = generator.normal(2.0, 3.0, shape)
        tx = torch.tensor(x, requires_grad=True)
        gx = tg.Tensor(x.copy(), requires_grad=True)
        their_out, our_out = theirs(tx), ours(gx)
        np.testing.assert_allclose(our_out.numpy(), their_out.detach().numpy(), rtol=1e-9,
                                   atol=1e-12)
        upstream = generator.standard_normal(shape)
        their_out.backward(torch.tensor(upstream))
        our_out.backward(tg.Tensor(upstream))
        np.testing.assert_allclose(gx.grad.numpy(), tx.grad.numpy(), rtol=1e-8, atol=1e-10)
        np.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy(), rtol=1e-9)
        np.testing.assert_allclose(ours.bias.grad.numpy(), theirs.bias.grad.numpy(), rtol=1e-9)
        ours.zero_grad()
        theirs.zero_grad()
        # the running variance uses the unbiased batch variance, the normalization the biased
        np.testing.assert_allclose(ours.running_mean.numpy(), theirs.running_mean.numpy(),
                                   rtol=1e-12)
        np.testing.assert_allclose(ours.running_var.numpy(), theirs.running_var.numpy(),
                                   rtol=1e-12)
        assert int(ours.num_batches_tracked.item()) == int(theirs.num_batches_tracked) == step + 1
    ours.eval(), theirs.eval()
    x = generator.normal(0.0, 2.0, shape)
    tx = torch.tensor(x, requires_grad=True)
    gx = tg.Tensor(x.copy(), requires_grad=True)
    their_out, our_out = theirs(tx), ours(gx)
    np.testing.assert_allclose(our_out.numpy(), their_out.detach().numpy(), rtol=1e-10, atol=1e-12)
    their_out.sum().backward()
    our_out.sum().backward()
    np.testing.assert_allclose(gx.grad.numpy(), tx.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy(), rtol=1e-10)
    before = ours.running_mean.numpy().copy()
    ours(gx)
    np.testing.assert_array_equal(ours.running_mean.numpy(), before)  # eval never updates them


def test_batchnorm_without_affine_or_running_stats_and_2d_match_torch():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(6).normal(1.0, 2.0, (5, 3))
    for affine, track in ((False, True), (True, False)):
        ours, theirs = _batchnorm_pair(torch, nn.BatchNorm1d, torch.nn.BatchNorm1d, 0.1, affine,
                                       track)
        for mode in (True, False):
            ours.train(mode), theirs.train(mode)
            np.testing.assert_allclose(ours(tg.Tensor(x)).numpy(),
                                       theirs(torch.tensor(x)).detach().numpy(), rtol=1e-9,
                                       atol=1e-12)
    ours, theirs = _batchnorm_pair(torch, nn.BatchNorm2d, torch.nn.BatchNorm2d, 0.1)
    images = np.random.default_rng(7).normal(1.0, 2.0, (2, 3, 4, 5))
    for mode in (True, False):
        ours.train(mode), theirs.train(mode)
        np.testing.assert_allclose(ours(tg.Tensor(images)).numpy(),
                                   theirs(torch.tensor(images)).detach().numpy(), rtol=1e-9,
                                   atol=1e-12)


def test_batchnorm_gradcheck_numbers_and_errors():
    layer = nn.BatchNorm1d(3)
    layer.weight.numpy()[:] = [0.5, 1.0, 2.0]
    assert check_module_gradients(layer, double_randn(6, 3))
    layer.eval()
    assert check_module_gradients(layer, double_randn(6, 3))
    x = tg.tensor([[1.0, 2.0], [3.0, 6.0]])
    out = nn.BatchNorm1d(2)(x).numpy()  # by hand: (x − μ)/√(σ² + ε) with the biased σ²
    np.testing.assert_allclose(out, [[-1, -1], [1, 1]], rtol=1e-4)
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        nn.BatchNorm1d(2)(tg.randn(1, 2))
    with pytest.raises(ValueError, match=r"expected an input of shape \(N, 4\) or \(N, 4, L\)"):
        nn.BatchNorm1d(4)(tg.randn(5, 3))


def test_sequential_container():
    layers = [nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1)]
    seq = nn.Sequential(*layers)
    assert len(seq) == 3 and list(seq) == layers
    assert seq[0] is layers[0] and seq[-1] is layers[2]
    head = seq[1:]
    assert isinstance(head, nn.Sequential) and list(head) == layers[1:]
    assert [n for n, _ in head.named_children()] == ["1", "2"]
    x = tg.randn(4, 2)
    np.testing.assert_array_equal(seq(x).numpy(), layers[2](layers[1](layers[0](x))).numpy())
    seq.append(nn.Sigmoid())
    assert len(seq) == 4 and isinstance(seq[3], nn.Sigmoid)
    del seq[1]
    assert [n for n, _ in seq.named_children()] == ["0", "1", "2"]
    assert seq[1] is layers[2]
    seq[2] = nn.Tanh()
    assert isinstance(seq[2], nn.Tanh)
    seq.insert(0, nn.Identity())
    assert isinstance(seq[0], nn.Identity) and seq[1] is layers[0]
    with pytest.raises(IndexError, match="out of range"):
        seq[10]
    named = nn.Sequential(collections.OrderedDict([("hidden", nn.Linear(2, 2)),
                                                   ("act", nn.Sigmoid())]))
    assert [n for n, _ in named.named_parameters()] == ["hidden.weight", "hidden.bias"]
    assert named.hidden is named[0]


def test_module_list_registers_its_modules():
    class Stack(nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])

        def forward(self, x):
            for layer in self.layers:
                x = layer(x)
            return x

    stack = Stack()
    assert len(list(stack.parameters())) == 6 and len(stack.layers) == 3
    assert stack(tg.randn(1, 2)).shape == (1, 2)
    assert stack.layers[1].weight.name == "layers.1.weight"


# ---------------------------------------------------------------------------------------------
# Initializers
# ---------------------------------------------------------------------------------------------

def test_init_functions_fill_in_place_with_the_right_statistics():
    tg.manual_seed(0)
    w = nn.Parameter(np.empty((400, 300), dtype=np.float32))
    array = w.numpy()
    fan_in, fan_out = 300, 400
    cases = [
        (lambda: init.normal_(w, 1.0, 2.0), 1.0, 2.0),
        (lambda: init.uniform_(w, -3, 1), -1.0, 4 / math.sqrt(12)),
        (lambda: init.xavier_uniform_(w), 0.0, math.sqrt(2 / (fan_in + fan_out))),
        (lambda: init.xavier_normal_(w, gain=2), 0.0, 2 * math.sqrt(2 / (fan_in + fan_out))),
        (lambda: init.kaiming_uniform_(w, nonlinearity="relu"), 0.0, math.sqrt(2 / fan_in)),
        (lambda: init.kaiming_normal_(w, mode="fan_out"), 0.0,
         math.sqrt(2 / (1 + 0.01 ** 2)) / math.sqrt(fan_out)),
        (lambda: init.lecture_normal_(w), 0.0, 1.0),
        (lambda: init.lecture_scaled_normal_(w), 0.0, 1 / math.sqrt(fan_in)),
    ]
    for fill, mean, std in cases:
        assert fill() is w and w.numpy() is array  # in place
        assert abs(array.mean() - mean) < 0.02 * max(std, 1), fill
        assert abs(array.std() - std) < 0.02 * std, fill
    init.constant_(w, 0.5)
    assert (array == 0.5).all()
    init.zeros_(w)
    assert not array.any()
    init.ones_(w)
    assert (array == 1).all()
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        init.xavier_uniform_(tg.zeros(3))
    with pytest.raises(TypeError, match="only floating-point"):
        init.normal_(tg.zeros(3, dtype=tg.int64))


def test_init_matches_randn_and_is_reproducible():
    tg.manual_seed(11)
    expected = tg.randn(3, 4).numpy()
    tg.manual_seed(11)
    np.testing.assert_array_equal(init.normal_(tg.zeros(3, 4)).numpy(), expected)
    tg.manual_seed(11)
    as_double = init.normal_(tg.zeros(3, 4, dtype=tg.float64)).numpy()
    np.testing.assert_allclose(as_double, expected, rtol=1e-6)


def test_calculate_gain_matches_torch():
    torch = pytest.importorskip("torch")
    for name in ("linear", "sigmoid", "tanh", "relu", "selu", "conv2d"):
        assert init.calculate_gain(name) == pytest.approx(torch.nn.init.calculate_gain(name))
    assert init.calculate_gain("leaky_relu", math.sqrt(5)) == pytest.approx(
        torch.nn.init.calculate_gain("leaky_relu", math.sqrt(5)))
    with pytest.raises(ValueError, match="unsupported nonlinearity"):
        init.calculate_gain("swish")


def test_init_lecture_sets_weights_and_biases_as_the_lecture():
    tg.manual_seed(0)
    net = nn.Sequential(nn.Linear(784, 100), nn.Sigmoid(), nn.Linear(100, 10), nn.Sigmoid())
    assert nn.init.init_lecture(net) is net
    assert abs(net[0].weight.numpy().std() - 1 / math.sqrt(784)) < 0.02 / math.sqrt(784)
    assert abs(net[2].weight.numpy().std() - 1 / math.sqrt(100)) < 0.05 / math.sqrt(100)
    assert abs(net[0].bias.numpy().std() - 1) < 0.2  # biases N(0, 1)
    nn.init.init_lecture(net, scaled=False)
    assert abs(net[0].weight.numpy().std() - 1) < 0.02
    # why it matters: with N(0, 1) weights z = w·x + b is spread by about √n_in
    x = tg.rand(50, 784)
    assert net[0](x).numpy().std() > 5
    nn.init.init_lecture(net)
    assert net[0](x).numpy().std() < 2
    tg.manual_seed(5)
    first = nn.init.init_lecture(nn.Linear(3, 2)).weight.numpy().copy()
    tg.manual_seed(5)
    np.testing.assert_array_equal(nn.init.init_lecture(nn.Linear(3, 2)).weight.numpy(), first)


# ---------------------------------------------------------------------------------------------
# Activations
# ---------------------------------------------------------------------------------------------

def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


# name, module, function, f(x) in numpy, f'(x) in numpy (the docstrings' formulas)
ACTIVATIONS = [
    ("sigmoid", nn.Sigmoid(), F.sigmoid, _sigmoid, lambda x: _sigmoid(x) * (1 - _sigmoid(x))),
    ("identity", nn.Identity(), F.identity, lambda x: x, np.ones_like),
    ("saturated_linear", nn.SaturatedLinear(), F.saturated_linear,
     lambda x: np.where(x < 0, 0, np.where(x > 1, 1, x)),
     lambda x: ((x > 0) & (x < 1)).astype(float)),
    ("tanh", nn.Tanh(), F.tanh, np.tanh, lambda x: 1 - np.tanh(x) ** 2),
    ("gaussian", nn.Gaussian(), F.gaussian, lambda x: np.exp(-x ** 2),
     lambda x: -2 * x * np.exp(-x ** 2)),
    ("relu", nn.ReLU(), F.relu, lambda x: np.maximum(x, 0), lambda x: (x > 0).astype(float)),
    ("leaky_relu", nn.LeakyReLU(0.1), lambda x: F.leaky_relu(x, 0.1),
     lambda x: np.where(x > 0, x, 0.1 * x), lambda x: np.where(x > 0, 1.0, 0.1)),
]


@pytest.mark.parametrize("name,module,function,value,derivative", ACTIVATIONS,
                         ids=[a[0] for a in ACTIVATIONS])
def test_activation_values_and_derivatives(name, module, function, value, derivative):
    # points away from the kinks (0 and 1), where finite differences are meaningful
    x = np.array([-3.0, -1.2, -0.4, 0.3, 0.55, 0.8, 1.7, 4.0])
    for form in (module, function):
        t = tg.Tensor(x.copy(), requires_grad=True)
        out = form(t)
        np.testing.assert_allclose(out.numpy(), value(x), rtol=1e-12, atol=1e-15)
        out.sum().backward()
        np.testing.assert_allclose(t.grad.numpy(), derivative(x), rtol=1e-12, atol=1e-15)
    assert tg.gradcheck(lambda t: module(t), tg.Tensor(x.copy(), requires_grad=True))


def test_activation_torch_agreement():
    torch = pytest.importorskip("torch")
    x = np.linspace(-4, 4, 41)
    pairs = [(nn.Sigmoid(), torch.sigmoid), (nn.Tanh(), torch.tanh), (nn.ReLU(), torch.relu),
             (nn.LeakyReLU(0.2), lambda t: torch.nn.functional.leaky_relu(t, 0.2)),
             (nn.SaturatedLinear(), lambda t: torch.clamp(t, 0, 1)),
             (nn.Softmax(-1), lambda t: torch.softmax(t, -1)),
             (nn.LogSoftmax(-1), lambda t: torch.log_softmax(t, -1))]
    for ours, theirs in pairs:
        tx = torch.tensor(x.reshape(1, -1), requires_grad=True)
        gx = tg.Tensor(x.reshape(1, -1).copy(), requires_grad=True)
        upstream = np.cos(np.arange(x.size)).reshape(1, -1)
        their_out, our_out = theirs(tx), ours(gx)
        np.testing.assert_allclose(our_out.numpy(), their_out.detach().numpy(), rtol=1e-12,
                                   atol=1e-15)
        their_out.backward(torch.tensor(upstream))
        our_out.backward(tg.Tensor(upstream))
        # includes x = 0 and x = 1 exactly: kinks follow PyTorch's conventions
        np.testing.assert_allclose(gx.grad.numpy(), tx.grad.numpy(), rtol=1e-12, atol=1e-15)


def test_step_is_the_perceptron_threshold_and_stops_gradients():
    x = tg.tensor([-2.0, -0.0, 0.0, 1e-7, 3.0], requires_grad=True)
    for form in (nn.Step(), F.heaviside, F.step):
        out = form(x)
        np.testing.assert_array_equal(out.numpy(), [0, 0, 0, 1, 1])
        assert out.dtype == np.float32 and not out.requires_grad
    # in a network the gradient stops at the step: layers before it get none
    first, second = nn.Linear(2, 2), nn.Linear(2, 1)
    second(nn.Step()(first(tg.randn(3, 2)))).sum().backward()
    assert first.weight.grad is None and second.weight.grad is not None


def test_saturated_linear_is_the_lecture_definition():
    x = tg.tensor([-5.0, -1e-3, 0.0, 0.25, 1.0, 1.001, 9.0])
    np.testing.assert_allclose(nn.SaturatedLinear()(x).numpy(), [0, 0, 0, 0.25, 1, 1, 1])


def test_softmax_modules_and_lecture_table():
    z = double_randn(3, 4)
    a = nn.Softmax(dim=1)(z)
    np.testing.assert_allclose(a.numpy().sum(axis=1), 1)
    np.testing.assert_allclose(nn.LogSoftmax()(z).numpy(), np.log(a.numpy()))
    assert tg.gradcheck(lambda t: nn.Softmax(dim=0)(t), z)
    assert tg.gradcheck(lambda t: nn.LogSoftmax()(t), z)
    assert set(nn.LECTURE_ACTIVATIONS) == {"step", "sigmoid", "linear", "saturated_linear",
                                           "tanh", "gaussian"}


def test_leaky_relu_gradient_at_zero_is_the_slope_like_pytorch():
    x = tg.tensor([0.0], requires_grad=True)
    F.leaky_relu(x, 0.3).sum().backward()
    assert x.grad.item() == pytest.approx(0.3)


# ---------------------------------------------------------------------------------------------
# The small convolutional network learns
# ---------------------------------------------------------------------------------------------

def test_small_cnn_overfits_a_tiny_batch():
    tg.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                        nn.Linear(4 * 4 * 4, 3))
    images = tg.randn(6, 1, 8, 8)
    labels = tg.tensor([0, 1, 2, 0, 1, 2])
    loss_function = nn.CrossEntropyLoss()
    losses = []
    for _ in range(60):
        loss = loss_function(net(images), labels)
        net.zero_grad()
        loss.backward()
        with tg.no_grad():
            for p in net.parameters():
                p -= 0.5 * p.grad
        losses.append(loss.item())
    assert losses[-1] < 0.05 * losses[0], losses[::10]
    assert (net(images).argmax(dim=1).numpy() == labels.numpy()).all()
    assert [p.name for p in net.parameters()] == ["0.weight", "0.bias", "4.weight", "4.bias"]


def test_lazy_package_access():
    assert tg.nn.Linear is nn.Linear and tg.nn.functional is F and tg.nn.init is init
    assert module_file.Module is nn.Module
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        nn.Sequential(nn.Linear(2, 2))(tg.randn(1, 2))
