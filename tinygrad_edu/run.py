"""`python -m tinygrad_edu.run SCRIPT [ARGS...]`: run an unmodified PyTorch program on tinygrad_edu.

SCRIPT runs as `__main__` with `sys.argv = [SCRIPT, *ARGS]`, exactly as `python SCRIPT ARGS`
would run it, except that `import torch` (and torch.nn, torch.optim, torch.utils.data, ...)
resolve to tinygrad_edu (see tinygrad_edu/compat/table.py for the whole table). One line on
stderr says so, so a printed result is never mistaken for PyTorch's.
"""

import os
import runpy
import sys

__all__ = ["main"]

USAGE = "usage: python -m tinygrad_edu.run SCRIPT [ARGS...]   (SCRIPT's `import torch` gives tinygrad_edu)"


def main(argv=None):
    """Run the script named by argv[0] with the rest as its arguments; returns the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(USAGE, file=sys.stderr)
        return 0 if argv else 2
    script = argv[0]
    if not os.path.isfile(script):
        print(f"tinygrad_edu.run: no such file {script!r}\n{USAGE}", file=sys.stderr)
        return 2
    from tinygrad_edu import __version__, compat
    compat.install()
    print(f"tinygrad_edu.run: running {script} with `torch` resolved to tinygrad_edu "
          f"{__version__} (numpy, CPU)", file=sys.stderr, flush=True)
    sys.argv = argv
    sys.path.insert(0, os.path.dirname(os.path.abspath(script)))
    runpy.run_path(script, run_name="__main__")
    return 0


if __name__ == "__main__":
    sys.exit(main())
