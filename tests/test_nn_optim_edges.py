"""nn and optim edges compared with PyTorch in float64: GELU/SiLU/Softplus, containers, nn.utils, the rest of nn.init, Adadelta/Adamax/NAdam, five schedulers, and Module hooks."""

import math

import numpy as np
import pytest
import torch

import tinygrad_edu as tg
from tinygrad_edu import nn, optim
from tinygrad_edu.nn import functional as F

GRID = np.linspace(-6.0, 6.0, 41)


def both(values=GRID):
    return (tg.tensor(values, dtype=tg.float64, requires_grad=True),
            torch.tensor(values, dtype=torch.float64, requires_grad=True))


ACTIVATIONS = [
    ("gelu", lambda x: F.gelu(x), lambda x: torch.nn.functional.gelu(x)),
    ("gelu_tanh", lambda x: nn.GELU("tanh")(x), lambda x: torch.nn.GELU("tanh")(x)),
    ("silu", lambda x: nn.SiLU()(x), lambda x: torch.nn.SiLU()(x)),
    ("softplus", lambda x: F.softplus(x), lambda x: torch.nn.functional.softplus(x)),
    ("softplus_beta", lambda x: nn.Softplus(beta=2.0, threshold=5.0)(x),
     lambda x: torch.nn.Softplus(beta=2.0, threshold=5.0)(x)),
    ("erf", lambda x: tg.core.functional.erf(x), torch.erf),
]


@pytest.mark.parametrize("name, ours, theirs", ACTIVATIONS, ids=[a[0] for a in ACTIVATIONS])
def test_activations_match_torch(name, ours, theirs):
    x, tx = both(np.concatenate([GRID, [0.0, 25.0, -30.0]]))
    out, torch_out = ours(x), theirs(tx)
    np.testing.assert_allclose(out.numpy(), torch_out.detach().numpy(), rtol=1e-12, atol=1e-15)
    out.sin().sum().backward()
    torch_out.sin().sum().backward()
    # the tanh GELU's rule is the chain rule through tanh, torch's a fused formula: 1e-9
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-9, atol=1e-15)
    assert tg.gradcheck(lambda v: ours(v).sum(), tg.tensor(GRID[::4] + 0.05, dtype=tg.float64,
                                                           requires_grad=True))


def test_activation_arguments_are_checked():
    with pytest.raises(ValueError, match="approximate"):
        nn.GELU("fast")
    with pytest.raises(ValueError, match="beta must be positive"):
        nn.Softplus(beta=0)


def torch_copy(module):
    return {k: torch.tensor(v.numpy()) for k, v in module.state_dict().items()}


def test_containers_register_like_torch():
    ours = nn.Module()
    ours.heads = nn.ModuleDict({"a": nn.Linear(3, 2), "b": nn.Linear(3, 1)})
    ours.scales = nn.ParameterList([nn.Parameter(np.ones(2)), tg.zeros(3)])
    ours.extra = nn.ParameterDict({"bias": nn.Parameter(np.zeros(4))})
    theirs = torch.nn.Module()
    theirs.heads = torch.nn.ModuleDict({"a": torch.nn.Linear(3, 2), "b": torch.nn.Linear(3, 1)})
    theirs.scales = torch.nn.ParameterList([torch.nn.Parameter(torch.ones(2)), torch.zeros(3)])
    theirs.extra = torch.nn.ParameterDict({"bias": torch.nn.Parameter(torch.zeros(4))})
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]
    assert isinstance(ours.scales[1], nn.Parameter) and len(ours.scales) == 2
    assert list(ours.heads) == ["a", "b"] and "a" in ours.heads
    del ours.heads["a"]
    del theirs.heads["a"]
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    with pytest.raises(KeyError, match="no module 'z'"):
        ours.heads["z"]
    with pytest.raises(IndexError, match="out of range"):
        ours.scales[5]


def grads_pair(seed=0):
    generator = np.random.default_rng(seed)
    shapes = [(3, 4), (4,), (2, 2)]
    grads = [generator.standard_normal(s) * 3 for s in shapes]
    ours = [nn.Parameter(np.zeros(s)) for s in shapes]
    theirs = [torch.nn.Parameter(torch.zeros(s, dtype=torch.float64)) for s in shapes]
    for p, tp, g in zip(ours, theirs, grads):
        p.grad = tg.tensor(g)
        tp.grad = torch.tensor(g)
    return ours, theirs


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, math.inf])
@pytest.mark.parametrize("max_norm", [0.5, 1e6])
def test_clip_grad_norm_matches_torch(norm_type, max_norm):
    ours, theirs = grads_pair()
    total = nn.utils.clip_grad_norm_(ours, max_norm, norm_type)
    torch_total = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type)
    np.testing.assert_allclose(total.item(), torch_total.item(), rtol=1e-12)
    for p, tp in zip(ours, theirs):
        np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), rtol=1e-12)


def test_clip_grad_value_and_nonfinite():
    ours, theirs = grads_pair(1)
    nn.utils.clip_grad_value_(ours, 0.7)
    torch.nn.utils.clip_grad_value_(theirs, 0.7)
    for p, tp in zip(ours, theirs):
        np.testing.assert_array_equal(p.grad.numpy(), tp.grad.numpy())
    ours[0].grad = tg.tensor(np.full((3, 4), np.inf))
    with pytest.raises(RuntimeError, match="total norm"):
        nn.utils.clip_grad_norm_(ours, 1.0, error_if_nonfinite=True)


def test_parameters_to_vector_and_back_match_torch():
    ours, theirs = nn.Linear(3, 2).double(), torch.nn.Linear(3, 2).double()
    theirs.load_state_dict(torch_copy(ours))
    vector = nn.utils.parameters_to_vector(ours.parameters())
    torch_vector = torch.nn.utils.parameters_to_vector(theirs.parameters())
    np.testing.assert_array_equal(vector.numpy(), torch_vector.detach().numpy())
    (vector * vector).sum().backward()  # recorded: the gradient reaches the parameters
    np.testing.assert_allclose(ours.weight.grad.numpy(), 2 * ours.weight.numpy())
    new = np.arange(8.0)
    nn.utils.vector_to_parameters(tg.tensor(new), ours.parameters())
    torch.nn.utils.vector_to_parameters(torch.tensor(new), theirs.parameters())
    np.testing.assert_array_equal(ours.weight.numpy(), theirs.weight.detach().numpy())
    np.testing.assert_array_equal(ours.bias.numpy(), theirs.bias.detach().numpy())
    with pytest.raises(ValueError, match="hold 8 numbers"):
        nn.utils.vector_to_parameters(tg.tensor(np.zeros(7)), ours.parameters())


@pytest.mark.parametrize("shape, groups", [((4, 4, 3), 1), ((6, 3, 3, 3), 2), ((2, 5, 3, 3, 3), 1)])
def test_dirac_and_eye_are_torchs(shape, groups):
    ours = nn.init.dirac_(tg.zeros(*shape, dtype=tg.float64), groups)
    theirs = torch.nn.init.dirac_(torch.zeros(shape, dtype=torch.float64), groups)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    np.testing.assert_array_equal(nn.init.eye_(tg.zeros(3, 5)).numpy(),
                                  torch.nn.init.eye_(torch.zeros(3, 5)).numpy())


@pytest.mark.parametrize("shape", [(3, 7), (7, 3), (4, 2, 3)])
def test_orthogonal_is_orthogonal_like_torchs(shape):
    ours = nn.init.orthogonal_(tg.zeros(*shape, dtype=tg.float64), gain=2.0,
                               generator=tg.Generator().manual_seed(0)).numpy().reshape(shape[0], -1)
    theirs = torch.nn.init.orthogonal_(torch.zeros(shape, dtype=torch.float64), gain=2.0).numpy()
    theirs = theirs.reshape(shape[0], -1)
    for q in (ours, theirs):
        small = q @ q.T if q.shape[0] <= q.shape[1] else q.T @ q
        np.testing.assert_allclose(small, 4 * np.eye(min(q.shape)), atol=1e-12)


def test_trunc_normal_and_sparse_draw_what_torch_draws():
    shape = (200, 100)
    ours = nn.init.trunc_normal_(tg.zeros(*shape, dtype=tg.float64), mean=0.5, std=1.0, a=-1.0,
                                 b=1.5).numpy()
    theirs = torch.nn.init.trunc_normal_(torch.zeros(shape, dtype=torch.float64), mean=0.5,
                                         std=1.0, a=-1.0, b=1.5).numpy()
    assert ours.min() >= -1.0 and ours.max() <= 1.5
    # moments agree within sampling error (20,000 draws each: σ of a mean ≈ 0.005)
    assert abs(ours.mean() - theirs.mean()) < 0.03 and abs(ours.std() - theirs.std()) < 0.03
    sparse = nn.init.sparse_(tg.zeros(10, 6, dtype=tg.float64), sparsity=0.35).numpy()
    torch_sparse = torch.nn.init.sparse_(torch.zeros(10, 6, dtype=torch.float64), 0.35).numpy()
    assert ((sparse == 0).sum(0) == (torch_sparse == 0).sum(0)).all()


def test_init_generator_makes_draws_reproducible():
    a = nn.init.kaiming_uniform_(tg.zeros(4, 3), generator=tg.Generator().manual_seed(7)).numpy()
    b = nn.init.kaiming_uniform_(tg.zeros(4, 3), generator=tg.Generator().manual_seed(7)).numpy()
    c = nn.init.kaiming_uniform_(tg.zeros(4, 3), generator=tg.Generator().manual_seed(8)).numpy()
    assert np.array_equal(a, b) and not np.array_equal(a, c)


OPTIMIZERS = [
    ("Adadelta", {}), ("Adadelta", dict(lr=0.5, rho=0.8, weight_decay=0.1)),
    ("Adamax", {}), ("Adamax", dict(lr=0.01, betas=(0.8, 0.99), weight_decay=0.05)),
    ("NAdam", {}), ("NAdam", dict(lr=0.01, weight_decay=0.1)),
    ("NAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True, momentum_decay=0.01)),
]


@pytest.mark.parametrize("name, options", OPTIMIZERS, ids=[f"{n}{o}" for n, o in OPTIMIZERS])
def test_optimizers_follow_torchs_trajectory(name, options):
    target = np.array([[1.0, -2.0, 0.5], [3.0, 0.0, -1.0]])
    start = np.array([[0.2, 0.1, -0.3], [0.0, 0.4, 0.9]])
    p, tp = nn.Parameter(start.copy()), torch.nn.Parameter(torch.tensor(start))
    opt = getattr(optim, name)([p], **options)
    torch_opt = getattr(torch.optim, name)([tp], **options)
    for _ in range(6):
        opt.zero_grad()
        torch_opt.zero_grad()
        ((p - tg.tensor(target)) ** 4).sum().backward()
        ((tp - torch.tensor(target)) ** 4).sum().backward()
        opt.step()
        torch_opt.step()
        np.testing.assert_allclose(p.numpy(), tp.detach().numpy(), rtol=1e-10, atol=1e-13)
    state = opt.state_dict()  # the state survives a round trip
    again = getattr(optim, name)([nn.Parameter(p.numpy().copy())], **options)
    again.load_state_dict(state)


def lr_sequences(make, steps, optimizer="SGD", per_batch=False, **optimizer_options):
    """The lr (and momentum) after each step, for tinygrad_edu and torch, same recipe."""
    results = []
    for library in (optim, torch.optim):
        parameter = nn.Parameter(np.zeros(1)) if library is optim else \
            torch.nn.Parameter(torch.zeros(1))
        parameter.grad = (tg.zeros_like if library is optim else torch.zeros_like)(parameter)
        opt = getattr(library, optimizer)([parameter], lr=0.1, **optimizer_options)
        sched = make(library.lr_scheduler, opt)
        seen = []
        for _ in range(steps):
            opt.step()
            sched.step()
            group = opt.param_groups[0]
            seen.append((group["lr"], group.get("momentum", group.get("betas", (0,))[0])))
        results.append(np.array(seen))
    return results


SCHEDULES = {
    "LambdaLR": (lambda s, o: s.LambdaLR(o, lambda e: 1 / (1 + e)), 8),
    "MultiStepLR": (lambda s, o: s.MultiStepLR(o, milestones=[2, 5, 5], gamma=0.5), 9),
    "LinearLR": (lambda s, o: s.LinearLR(o, start_factor=0.25, end_factor=0.9, total_iters=4), 8),
    "OneCycleLR": (lambda s, o: s.OneCycleLR(o, max_lr=1.0, total_steps=20), 19),
    "OneCycleLR_linear": (lambda s, o: s.OneCycleLR(o, max_lr=0.5, epochs=3, steps_per_epoch=4,
                                                   anneal_strategy="linear", pct_start=0.25), 11),
    "OneCycleLR_three_phase": (lambda s, o: s.OneCycleLR(o, max_lr=2.0, total_steps=15,
                                                        three_phase=True), 14),
    "SequentialLR": (lambda s, o: s.SequentialLR(
        o, [s.LinearLR(o, start_factor=0.1, total_iters=3), s.ExponentialLR(o, gamma=0.8),
            s.StepLR(o, step_size=2, gamma=0.5)], milestones=[3, 6]), 12),
}


@pytest.mark.parametrize("name", list(SCHEDULES))
def test_schedules_match_torch(name):
    make, steps = SCHEDULES[name]
    ours, theirs = lr_sequences(make, steps, momentum=0.9)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-15)


def test_one_cycle_cycles_adams_beta1_and_refuses_overrun():
    make, steps = SCHEDULES["OneCycleLR"]
    ours, theirs = lr_sequences(make, steps, optimizer="Adam")
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)
    opt = optim.SGD([nn.Parameter(np.zeros(1))], lr=0.1, momentum=0.9)
    sched = optim.lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=3)
    for _ in range(3):
        sched.step()
    with pytest.raises(ValueError, match="total_steps=3"):
        sched.step()
    with pytest.raises(ValueError, match="momentum"):
        optim.lr_scheduler.OneCycleLR(optim.Adagrad([nn.Parameter(np.zeros(1))]), 1.0, 5)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(3, 4), nn.Tanh())
        self.head = nn.Linear(4, 2)

    def forward(self, x):
        return self.head(self.body(x))


class TorchNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.body = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh())
        self.head = torch.nn.Linear(4, 2)

    def forward(self, x):
        return self.head(self.body(x))


def test_forward_hooks_apply_and_named_modules_like_torch():
    ours, theirs = Net().double(), TorchNet().double()
    theirs.load_state_dict(torch_copy(ours))
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]
    seen, torch_seen = [], []
    handle = ours.body.register_forward_hook(lambda m, args, out: seen.append(out.numpy().copy()))
    theirs.body.register_forward_hook(lambda m, args, out: torch_seen.append(out.detach().numpy()))
    ours.head.register_forward_hook(lambda m, args, out: out * 2)  # a returned value replaces it
    theirs.head.register_forward_hook(lambda m, args, out: out * 2)
    ours.body.register_forward_pre_hook(lambda m, args: (args[0] + 1,))
    theirs.body.register_forward_pre_hook(lambda m, args: (args[0] + 1,))
    x = np.linspace(-1, 1, 6).reshape(2, 3)
    out = ours(tg.tensor(x))
    torch_out = theirs(torch.tensor(x))
    np.testing.assert_allclose(out.numpy(), torch_out.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(seen[0], torch_seen[0], rtol=1e-12)
    handle.remove()
    ours(tg.tensor(x))
    assert len(seen) == 1
    names, torch_names = [], []
    ours.apply(lambda m: names.append(type(m).__name__))
    theirs.apply(lambda m: torch_names.append(type(m).__name__))
    assert names == [n.replace("TorchNet", "Net") for n in torch_names]


def test_requires_grad_half_and_double():
    net = Net()
    assert net.requires_grad_(False) is net
    assert not any(p.requires_grad for p in net.parameters())
    assert net.half().head.weight.dtype == np.float16
    assert net.double().head.weight.dtype == np.float64
    with pytest.raises(TypeError, match="callable"):
        net.register_forward_hook(3)
