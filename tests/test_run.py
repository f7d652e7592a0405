"""`python -m tinygrad_edu.run SCRIPT` resolves torch and its submodules to tinygrad_edu, says so on stderr, refuses what is missing clearly, and `import tinygrad_edu as torch` offers the same paths."""

import importlib
import json
import os
import pathlib
import subprocess
import sys
import textwrap

import pytest

import tinygrad_edu as tg
from tinygrad_edu import compat
from tinygrad_edu.compat import table

ROOT = pathlib.Path(__file__).resolve().parents[1]


def run(tmp_path, source, *args, options=()):
    script = tmp_path / "program.py"
    script.write_text(textwrap.dedent(source))
    environment = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "tinygrad_edu.run", *options, str(script), *args],
                          capture_output=True, text=True, env=environment, cwd=tmp_path, timeout=120)


def test_torch_names_are_the_tinygrad_edu_modules_and_the_run_says_so(tmp_path):
    result = run(tmp_path, """
        import importlib, json, sys
        from tinygrad_edu.compat import MODULES, resolve
        found = {}
        for name, target in MODULES.items():
            try:
                found[name] = importlib.import_module(name) is resolve(target)
            except ModuleNotFoundError as error:
                found[name] = str(error)
        import torch
        from torch.utils.data import DataLoader
        import torch.nn.functional as F
        print(json.dumps({"found": found, "argv": sys.argv[1:], "F": F.__name__,
                          "loader": DataLoader.__module__}))
        sys.exit(3)
    """, "--epochs", "2")
    assert result.returncode == 3, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "with `torch` resolved to tinygrad_edu" in lines[0], result.stderr
    report = json.loads(result.stdout)
    assert report["argv"] == ["--epochs", "2"]
    assert report["F"] == "tinygrad_edu.nn.functional"
    assert report["loader"].startswith("tinygrad_edu.utils.data")
    for name, outcome in report["found"].items():
        # each name is its module, or (not built yet) a clear error naming it and its target
        assert outcome is True or (name in outcome and table.MODULES[name].split(":")[0] in outcome), \
            (name, outcome)
    assert report["found"]["torch"] is True and report["found"]["torch.optim.lr_scheduler"] is True


def test_missing_modules_fail_naming_the_module_and_what_to_do(tmp_path):
    result = run(tmp_path, """
        import torch
        try:
            from torchvision import datasets
        except ImportError as error:
            print("vision:", error)
        try:
            import torch.distributed
        except ModuleNotFoundError as error:
            print("distributed:", error)
        try:
            import torch.flux_capacitor
        except ModuleNotFoundError as error:
            print("unknown:", error)
        from torch.utils.tensorboard import SummaryWriter
    """)
    assert result.returncode == 1
    out = result.stdout
    assert "No module named 'torchvision'" in out and "load_mnist" in out
    assert "No module named 'torch.distributed'" in out and "one process" in out
    assert "No module named 'torch.flux_capacitor'" in out and "torch.nn.functional" in out
    assert "ModuleNotFoundError: No module named 'torch.utils.tensorboard'" in result.stderr
    assert "matplotlib" in result.stderr


def test_torch_save_and_load_of_a_state_dict_go_through_the_checkpoints(tmp_path):
    result = run(tmp_path, """
        import torch, torch.nn as nn
        torch.manual_seed(0)
        model = nn.Linear(3, 2)
        torch.save(model.state_dict(), "model.pt")
        other = nn.Linear(3, 2)
        other.load_state_dict(torch.load("model.pt", map_location="cpu", weights_only=True))
        print(bool((other.weight == model.weight).all()))
    """)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"
    with open(tmp_path / "model.pt", "rb") as file:
        assert file.read(2) == b"PK"  # a zip of .npy arrays, no pickle
    assert set(tg.load(tmp_path / "model.pt")) == {"weight", "bias"}


def test_the_runner_explains_its_usage_and_a_missing_script():
    environment = dict(os.environ, PYTHONPATH=str(ROOT))
    result = subprocess.run([sys.executable, "-m", "tinygrad_edu.run"], capture_output=True,
                            text=True, env=environment, timeout=60)
    assert result.returncode == 2 and "usage: python -m tinygrad_edu.run" in result.stderr
    result = subprocess.run([sys.executable, "-m", "tinygrad_edu.run", "nowhere.py"],
                            capture_output=True, text=True, env=environment, timeout=60)
    assert result.returncode == 2 and "no such file 'nowhere.py'" in result.stderr


@pytest.mark.parametrize("module, attribute", [
    ("tinygrad_edu.utils.data", "DataLoader"), ("tinygrad_edu.utils.data", "TensorDataset"),
    ("tinygrad_edu.nn.functional", "log_softmax"), ("tinygrad_edu.optim.lr_scheduler", "StepLR"),
    ("tinygrad_edu.autograd", "grad"), ("tinygrad_edu.autograd", "gradcheck"),
    ("tinygrad_edu.nn.init", "kaiming_uniform_"),
])
def test_import_tinygrad_edu_as_torch_offers_the_same_paths(module, attribute):
    assert getattr(importlib.import_module(module), attribute) is not None
    assert issubclass(tg.utils.data.DataLoader, tg.data.DataLoader)  # with torch's collate
    assert tg.autograd.grad is tg.grad


def test_the_torch_table_names_every_target_module_that_exists_correctly():
    # a planted typo in a target would make the resolve fail with a plain import error
    for name, target in table.MODULES.items():
        try:
            compat.resolve(target)
        except ModuleNotFoundError as error:
            assert error.name and target.startswith(error.name), (name, target, error)
    with pytest.raises(ModuleNotFoundError):
        compat.resolve("tinygrad_edu.nn.functionl")


def test_install_refuses_when_the_real_torch_is_already_imported(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", object())
    with pytest.raises(RuntimeError, match="the real torch is already imported"):
        compat.install()
    assert compat.TorchFinder not in map(type, sys.meta_path)


def test_missing_features_raise_naming_them_and_compile_is_a_no_op():
    with pytest.raises(AttributeError, match="torch.jit: tinygrad_edu does not have TorchScript"):
        tg.jit
    with pytest.raises(AttributeError, match="sparse tensors"):
        tg.sparse_coo_tensor
    with pytest.raises(AttributeError, match="complex numbers"):
        tg.complex64
    assert not hasattr(tg, "no_such_thing")

    def f(x):
        return x * 2
    with pytest.warns(UserWarning, match="no compiler"):
        assert tg.compile(f) is f


def test_look_inside_the_first_backward_draws_steps_and_explains_it(tmp_path):
    program = """
        import torch
        w = torch.tensor([0.5, -1.0], requires_grad=True)
        for step in range(3):
            loss = (torch.tanh(w * 2.0) ** 2).sum()
            loss.backward()
            with torch.no_grad():
                w -= 0.1 * w.grad
                w.grad.zero_()
        print(round(loss.item(), 6))
    """
    plain = run(tmp_path, program)
    looked = run(tmp_path, program, options=["--draw", "loss.svg", "--stepper", "loss.html",
                                             "--explain"])
    assert looked.returncode == 0, looked.stderr
    assert looked.stdout == plain.stdout                # the program's numbers are unchanged
    assert (tmp_path / "loss.svg").read_text().lstrip().startswith(("<?xml", "<svg"))
    page = (tmp_path / "loss.html").read_text()
    assert "Tanh" in page and "Next" in page
    assert "Tanh" in looked.stderr and "Leaves (what backward() accumulates into .grad)" in looked.stderr
    assert looked.stderr.count("drew the graph of the first backward()") == 1
    silent = run(tmp_path, "print(1)", options=["--explain"])
    assert "never called backward()" in silent.stderr
