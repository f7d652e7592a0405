"""The layout keeps its promises: the core imports nothing outside itself, the rest uses only the core's public names and never runs the rules itself, no cycles at import time, and files and functions stay short enough to read."""

import ast
import pathlib
import subprocess
import sys

import pytest

PACKAGE = pathlib.Path(__file__).resolve().parents[1] / "tinygrad_edu"

# Attributes of Tensor and Op that only the core may touch (PyTorch's `_version` is public).
PRIVATE_CORE_ATTRIBUTES = {
    "_data", "_ctx", "_make", "_base", "_view_of", "_version_count", "_history", "_retain",
    "_shell", "_become", "_write", "_assign", "_inplace", "_operand", "_broadcast_pair",
    "saved", "output_slots",
}
# What runs an op's rule: only the walk (core/autograd.py) may do it.
RULE_RUNNERS = {"call_rule", "_run_rule"}


def module_name(path):
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def resolve(module, path, node):
    """The absolute module an import statement in `module` (at `path`) imports from."""
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    if node.level == 0:
        return node.module or ""
    parts = package.split(".")
    base = parts[:len(parts) - node.level + 1]
    return ".".join(base + ([node.module] if node.module else []))


def core_violations(module, path, source):
    """Imports from the core that reach outside tinygrad_edu.core."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom):
            target = resolve(module, path, node)
            if target.startswith("tinygrad_edu") and not target.startswith("tinygrad_edu.core"):
                found.append(f"{module} imports from {target}")
            if target == "tinygrad_edu":
                found.extend(f"{module} imports {a.name} from tinygrad_edu" for a in node.names)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("tinygrad_edu") and \
                        not alias.name.startswith("tinygrad_edu.core"):
                    found.append(f"{module} imports {alias.name}")
    return found


def reader_violations(module, path, source):
    """Private names of the core, or the rules run directly, in a module outside the core."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom):
            target = resolve(module, path, node)
            if target.startswith("tinygrad_edu.core"):
                for alias in node.names:
                    if alias.name.startswith("_") or alias.name in RULE_RUNNERS:
                        found.append(f"{module} imports the private {alias.name} from {target}")
                if target.count(".") > 2 or (target.count(".") == 2 and target.split(".")[2]
                                              not in {"functional", "ops", "autograd", "rng"}):
                    found.append(f"{module} imports from the core's inner module {target}")
        elif isinstance(node, ast.Attribute):
            if node.attr in PRIVATE_CORE_ATTRIBUTES:
                found.append(f"{module} uses the core's private .{node.attr} (line {node.lineno})")
            if node.attr in RULE_RUNNERS:
                found.append(f"{module} runs rules itself with {node.attr} (line {node.lineno})")
            if node.attr == "backward" and isinstance(node.value, ast.Attribute) \
                    and node.value.attr == "grad_fn":
                found.append(f"{module} calls a node's rule grad_fn.backward (line "
                             f"{node.lineno}); use backward_walk with a hook")
        elif isinstance(node, ast.Name) and node.id in RULE_RUNNERS:
            found.append(f"{module} runs rules itself with {node.id} (line {node.lineno})")
    return found


def package_files():
    return sorted(PACKAGE.rglob("*.py"))


def is_core(path):
    return PACKAGE / "core" in path.parents


def test_the_core_imports_nothing_outside_itself():
    found = []
    for path in package_files():
        if is_core(path):
            found += core_violations(module_name(path), path, path.read_text(encoding="utf-8"))
    assert not found, "\n".join(found)


def test_modules_outside_the_core_use_only_its_public_names_and_never_run_rules():
    found = []
    for path in package_files():
        if not is_core(path) and path != PACKAGE / "__init__.py":
            found += reader_violations(module_name(path), path, path.read_text(encoding="utf-8"))
    assert not found, "\n".join(found)


@pytest.mark.parametrize("source, wanted", [
    ("from ..nn import Linear", "imports from tinygrad_edu.nn"),
    ("from tinygrad_edu.lens import explain", "imports from tinygrad_edu.lens"),
    ("import tinygrad_edu.train", "imports tinygrad_edu.train"),
])
def test_the_core_check_catches_a_planted_import(source, wanted):
    path = PACKAGE / "core" / "planted.py"
    found = core_violations("tinygrad_edu.core.planted", path, source)
    assert any(wanted in f for f in found), found


@pytest.mark.parametrize("source, wanted", [
    ("from ..core.tensor import _to_array", "private _to_array"),
    ("from ..core.tensor import Tensor", "inner module tinygrad_edu.core.tensor"),
    ("x = t._ctx", "private ._ctx"),
    ("a = t._data", "private ._data"),
    ("out = Tensor._make(a, False, None)", "private ._make"),
    ("from ..core import call_rule", "private call_rule"),
    ("grads = autograd.call_rule(node, g)", "runs rules itself"),
    ("grads = node.grad_fn.backward(g)", "grad_fn.backward"),
])
def test_the_reader_check_catches_a_planted_private_use(source, wanted):
    path = PACKAGE / "lens" / "planted.py"
    found = reader_violations("tinygrad_edu.lens.planted", path, source)
    assert any(wanted in f for f in found), found


def test_public_names_pass_the_reader_check():
    source = ("from ..core import Tensor, backward_walk, topological_order\n"
              "from ..core import functional\n"
              "v = t.grad_fn.inputs; r = type(t.grad_fn).chain_rule; k = t._version\n")
    assert reader_violations("tinygrad_edu.lens.ok", PACKAGE / "lens" / "ok.py", source) == []


def test_importing_the_package_loads_only_the_core():
    code = ("import sys, tinygrad_edu; print(sorted(m for m in sys.modules "
            "if m.startswith('tinygrad_edu') and not m.startswith('tinygrad_edu.core')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "['tinygrad_edu']"


def test_every_module_imports_on_its_own():
    """No cycle hidden by import order: each module imports first, in a fresh interpreter."""
    modules = [module_name(p) for p in package_files() if p.name != "__main__.py"]
    code = ("import importlib, sys\nfailed = []\n"
            "for name in sys.argv[1:]:\n"
            "    for m in [k for k in sys.modules if k.startswith('tinygrad_edu')]:\n"
            "        del sys.modules[m]\n"
            "    try:\n        importlib.import_module(name)\n"
            "    except Exception as e:\n        failed.append(f'{name}: {e!r}')\n"
            "print('\\n'.join(failed))")
    out = subprocess.run([sys.executable, "-c", code, *modules], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == ""


def test_files_and_functions_stay_short_enough_to_read():
    long_files, long_functions = [], []
    for path in package_files():
        text = path.read_text(encoding="utf-8")
        if text.count("\n") > 650:
            long_files.append(f"{path.relative_to(PACKAGE)}: {text.count(chr(10))} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = node.end_lineno - node.lineno + 1
                if length > 70:
                    long_functions.append(f"{path.relative_to(PACKAGE)}:{node.name} {length}")
    assert not long_files and not long_functions, "\n".join(long_files + long_functions)
