#!/usr/bin/env python3
"""Times a notebook's first cell (the `:dep` on the library) as a learner meets it.

A benchmark, not a test (it takes minutes and its numbers depend on the machine):

1. the `scale-lab` kernel after `scale-lab setup-jupyter` (run set-up first): a new
   kernel, as when a learner opens a notebook;
2. the plain evcxr `rust` kernel with an empty cache, in a temporary HOME (nothing of
   yours is read or written): the notebook's `:cache` line turns evcxr's cache on, so
   this compiles polars, plotters and the rest from scratch;
3. a second, new plain `rust` kernel on the cache that run 2 filled: what the
   `scale-lab` kernel took before it had build directories of its own.

Each figure is the first cell's execution time (nbclient's timing, kernel start-up not
included) and the whole notebook run. Usage:

    python3 bench/kernel_first_cell.py [--skip-plain]

Needs Jupyter (nbconvert) and evcxr_jupyter on PATH or in ~/.cargo/bin.
"""

import argparse
import datetime
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def first_cell():
    """The first code cell of a generated notebook, with the library's path made absolute."""
    with open(os.path.join(ROOT, "notebooks", "en", "00-start.ipynb")) as f:
        notebook = json.load(f)
    cell = next(c for c in notebook["cells"] if c["cell_type"] == "code")
    source = "".join(cell["source"])
    return source.replace('path = "../.."', 'path = %s' % json.dumps(ROOT))


def notebook(kernel):
    return {
        "cells": [{"cell_type": "code", "execution_count": None, "id": "first",
                   "metadata": {}, "outputs": [], "source": first_cell()}],
        "metadata": {"kernelspec": {"display_name": kernel, "language": "rust",
                                    "name": kernel}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def seconds(stamp):
    return datetime.datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


def run(kernel, workdir, env=None):
    """Runs the one-cell notebook in `kernel`; returns (first cell s, whole run s)."""
    path = os.path.join(workdir, "first.ipynb")
    with open(path, "w") as f:
        json.dump(notebook(kernel), f)
    started = time.monotonic()
    subprocess.run(
        ["jupyter", "nbconvert", "--to", "notebook", "--execute", "first.ipynb",
         "--output", "first.out.ipynb", "--ExecutePreprocessor.timeout=3600",
         "--ExecutePreprocessor.startup_timeout=300"],
        cwd=workdir, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    whole = time.monotonic() - started
    with open(os.path.join(workdir, "first.out.ipynb")) as f:
        cell = json.load(f)["cells"][0]
    errors = [o for o in cell["outputs"] if o["output_type"] == "error"]
    if errors:
        sys.exit("the first cell failed in kernel %s: %s" % (kernel, errors[0]["evalue"]))
    timing = cell["metadata"]["execution"]
    return seconds(timing["shell.execute_reply"]) - seconds(timing["iopub.execute_input"]), whole


def evcxr_jupyter():
    found = shutil.which("evcxr_jupyter")
    if found:
        return found
    candidate = os.path.expanduser("~/.cargo/bin/evcxr_jupyter")
    if os.path.exists(candidate):
        return candidate
    sys.exit("evcxr_jupyter is not installed")


def plain_env(tmp):
    """A temporary learner: HOME and Jupyter's data directory with only the `rust` kernel;
    Rust's and Python's installations where they really are."""
    home = os.path.join(tmp, "home")
    data = os.path.join(tmp, "jupyter")
    os.makedirs(os.path.join(data, "kernels", "rust"))
    with open(os.path.join(data, "kernels", "rust", "kernel.json"), "w") as f:
        json.dump({"argv": [evcxr_jupyter(), "--control_file", "{connection_file}"],
                   "display_name": "Rust", "language": "rust",
                   "interrupt_mode": "message"}, f)
    env = dict(os.environ)
    real_home = os.path.expanduser("~")
    env.setdefault("CARGO_HOME", os.path.join(real_home, ".cargo"))
    env.setdefault("RUSTUP_HOME", os.path.join(real_home, ".rustup"))
    user_base = subprocess.run([sys.executable, "-c", "import site; print(site.getuserbase())"],
                               capture_output=True, text=True).stdout.strip()
    env.setdefault("PYTHONUSERBASE", user_base)
    for var in ("XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "EVCXR_CONFIG_DIR",
                "EVCXR_TMPDIR", "JUPYTER_PATH"):
        env.pop(var, None)
    env["HOME"] = home
    env["JUPYTER_DATA_DIR"] = data
    os.makedirs(home)
    return env


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-plain", action="store_true",
                        help="only the scale-lab kernel (the plain kernel takes minutes)")
    args = parser.parse_args()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print("load average at start: %.2f" % load)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        cell, whole = run("scale-lab", tmp)
        rows.append(("scale-lab kernel after set-up", cell, whole))
        print("%-46s first cell %7.1f s   whole run %7.1f s" % rows[-1], flush=True)
        if not args.skip_plain:
            env = plain_env(tmp)
            for label in ("plain rust kernel, empty cache",
                          "plain rust kernel, second kernel (cache warm)"):
                cell, whole = run("rust", tmp, env)
                rows.append((label, cell, whole))
                print("%-46s first cell %7.1f s   whole run %7.1f s" % rows[-1], flush=True)
    base = rows[0][1]
    for label, cell, _ in rows[1:]:
        print("%s: %.1f× the scale-lab kernel's first cell" % (label, cell / base))


if __name__ == "__main__":
    main()
