"""`python -m tinygrad_edu.run [--draw FILE] [--stepper FILE] [--explain] SCRIPT [ARGS...]`: run an unmodified PyTorch program on tinygrad_edu, and look inside it.

SCRIPT runs as `__main__` with `sys.argv = [SCRIPT, *ARGS]`, exactly as `python SCRIPT ARGS`
would run it, except that `import torch` (and torch.nn, torch.optim, torch.utils.data, ...)
resolve to tinygrad_edu (see tinygrad_edu/compat/table.py for the whole table). One line on
stderr says so, so a printed result is never mistaken for PyTorch's.

Looking inside: with --draw, --stepper or --explain, the first `backward()` the program calls
first draws the graph of the tensor it is called on (its loss) into FILE (.svg, .png, .pdf;
graphviz's dot), writes the backprop stepper page (HTML: press Next to walk the backward
pass), or prints the chain rule step by step on stderr; then it runs as usual.
"""

import argparse
import os
import runpy
import sys

__all__ = ["main"]

USAGE = ("python -m tinygrad_edu.run [--draw FILE] [--stepper FILE] [--explain] SCRIPT [ARGS...]"
         "   (SCRIPT's `import torch` gives tinygrad_edu)")


def _parse(argv):
    parser = argparse.ArgumentParser(prog="python -m tinygrad_edu.run", usage=USAGE,
                                     description="Run a PyTorch program on tinygrad_edu.")
    parser.add_argument("--draw", metavar="FILE", help="draw the graph of the first backward()'s tensor")
    parser.add_argument("--stepper", metavar="FILE", help="write the backprop stepper page (HTML) of it")
    parser.add_argument("--explain", action="store_true", help="print its chain rule step by step")
    parser.add_argument("script", help="the PyTorch program")
    parser.add_argument("arguments", nargs=argparse.REMAINDER, help="the program's own arguments")
    return parser.parse_args(argv)


class _LookInside:
    """Makes the program's first backward() show its graph first (then it runs unchanged).

    Tensor.backward is wrapped for that one call and put back at once; the program's numbers
    are not changed (the views read the graph, none writes a gradient)."""

    def __init__(self, options):
        from tinygrad_edu import Tensor
        self.options, self.tensor_class, self.seen = options, Tensor, False
        self.original = Tensor.backward

        def backward(tensor, *args, **kwargs):  # a plain function: it becomes a method
            return self._first_backward(tensor, *args, **kwargs)
        Tensor.backward = backward

    def _first_backward(self, tensor, *args, **kwargs):
        self.tensor_class.backward = self.original
        self.seen = True
        from tinygrad_edu.lens import explain, viz
        if self.options.draw:
            viz.draw(tensor, self.options.draw, values=True)
            print(f"tinygrad_edu.run: drew the graph of the first backward() into "
                  f"{self.options.draw}", file=sys.stderr)
        if self.options.stepper:
            viz.html(tensor, self.options.stepper)
            print(f"tinygrad_edu.run: wrote the backprop stepper of the first backward() to "
                  f"{self.options.stepper} (open it, press Next)", file=sys.stderr)
        if self.options.explain:
            print(explain.explain(tensor), file=sys.stderr)
        return self.original(tensor, *args, **kwargs)

    def report(self):
        if not self.seen:
            print("tinygrad_edu.run: the program never called backward(); nothing to draw",
                  file=sys.stderr)


def main(argv=None):
    """Run the script named in argv with the rest as its arguments; returns the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv:
        print(f"usage: {USAGE}", file=sys.stderr)
        return 2
    options = _parse(argv)
    if not os.path.isfile(options.script):
        print(f"tinygrad_edu.run: no such file {options.script!r}\nusage: {USAGE}", file=sys.stderr)
        return 2
    from tinygrad_edu import __version__, compat
    compat.install()
    print(f"tinygrad_edu.run: running {options.script} with `torch` resolved to tinygrad_edu "
          f"{__version__} (numpy, CPU)", file=sys.stderr, flush=True)
    looking = _LookInside(options) if options.draw or options.stepper or options.explain else None
    sys.argv = [options.script] + options.arguments
    sys.path.insert(0, os.path.dirname(os.path.abspath(options.script)))
    runpy.run_path(options.script, run_name="__main__")
    if looking is not None:
        looking.report()
    return 0


if __name__ == "__main__":
    sys.exit(main())
