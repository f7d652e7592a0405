"""The compatibility suite: each PyTorch lesson in compat/programs runs unmodified under PyTorch and under `python -m tinygrad_edu.run`, and the numbers they print agree (to round-off, or within PyTorch's own seed-to-seed spread)."""

import importlib.util
import pathlib

import pytest

pytest.importorskip("torch")

HARNESS_PATH = pathlib.Path(__file__).resolve().parents[1] / "compat" / "harness.py"
_spec = importlib.util.spec_from_file_location("compat_harness", HARNESS_PATH)
harness = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(harness)

# The longer runs (MNIST training, seconds of CPU under both) go to the slow suite.
SLOW = {"nn_tutorial_mnist", "d2l_mlp_scratch", "pytorch_examples_mnist"}


def _marks(name):
    marks = [pytest.mark.slow] if name in SLOW else []
    waits = harness.PROGRAMS[name][3]
    if waits:
        # strict: once the missing piece lands the program passes, and this marker must go
        marks.append(pytest.mark.xfail(raises=RuntimeError, strict=True, reason=f"waits for {waits}"))
    return marks


@pytest.fixture(scope="module")
def under_torch():
    """What the quick programs print under PyTorch (one process for all: torch imports once)."""
    quick = [name for name in harness.PROGRAMS if name not in SLOW]
    return dict(zip(quick, harness.run_under_torch([(name, None) for name in quick])))


@pytest.mark.parametrize("name", [pytest.param(n, marks=_marks(n)) for n in harness.PROGRAMS])
def test_program_prints_the_same_numbers_as_under_pytorch(name, under_torch):
    ours = harness.run(name, "tinygrad_edu")
    theirs = under_torch[name] if name in under_torch else harness.run(name, "torch")
    seeds = harness.PROGRAMS[name][1]
    spread = harness.load_spread()[name] if seeds else None
    problems = harness.compare(name, ours, theirs, spread)
    assert not problems, "\n".join(problems)
    if spread is not None:  # spread.json was measured on this very program
        assert len(spread["min"]) == len(harness.numbers(theirs))


def test_every_program_has_a_source_and_seeded_ones_a_measured_spread():
    spread = harness.load_spread()
    files = {p.stem for p in (HARNESS_PATH.parent / "programs").glob("[!_]*.py")}
    assert files == set(harness.PROGRAMS)
    readme = (HARNESS_PATH.parent / "README.md").read_text()
    for name, (source, seeds, _, _) in harness.PROGRAMS.items():
        assert f"`{name}.py`" in readme and source
        if seeds is not None:
            assert spread[name]["seeds"] == seeds, name


def test_the_comparison_catches_a_planted_difference():
    text = "step 0 loss 2.5000\nResult: y = 0.1 + 0.2 x\n"
    assert harness.compare("micrograd_neuron", text, text) == []
    assert harness.compare("micrograd_neuron", text.replace("0.2 x", "0.2001 x"), text)
    assert harness.compare("micrograd_neuron", text.replace("loss", "cost"), text)
    assert harness.compare("micrograd_neuron", text + "1\n", text)
    spread = {"min": [0, 2.0, 0.05, 0.1], "max": [0, 3.0, 0.15, 0.3]}
    # inside [2, 3] widened by its width on each side: [1, 4]
    assert harness.compare("polynomial_nn", text.replace("2.5000", "3.9"), text, spread) == []
    assert harness.compare("polynomial_nn", text.replace("2.5000", "4.1"), text, spread)
    assert harness.compare("polynomial_nn", text.replace("step 0", "step 1"), text, spread)


def test_numbers_are_read_as_a_reader_sees_them():
    text = "tensor([[1., -2.5e-03]]) float32 x^2 (36%) epoch 1, loss 0.25 makemore_part1 1e10"
    assert harness.numbers(text) == [1.0, -2.5e-03, 2.0, 36.0, 1.0, 0.25, 1e10]
    assert harness.skeleton("torch.Size([3, 4]) torch.float32 (5,)") == \
        harness.skeleton("(3, 4) torch.float32 torch.Size([5])")
    # dtypes print as torch's now, so a numpy-styled dtype is a difference
    assert harness.skeleton("torch.float32") != harness.skeleton("float32")
