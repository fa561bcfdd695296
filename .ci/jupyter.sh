#!/usr/bin/env bash
# CI for the scale-lab Jupyter kernel on a fresh machine: installs Jupyter (pip) and
# evcxr_jupyter at the version the notebooks were verified with (cargo, about 6 minutes
# on 2 cores), then runs the kernel tests. The Jupyter test registers the kernel with
# scale-lab's set-up into a temporary JUPYTER_DATA_DIR (and a temporary HOME), warms its
# cache from cold (a few minutes) and runs a notebook per language through it.
# Runs on its own (`bash .ci/jupyter.sh`) or from .ci/run; CI=true and no stdin.
set -euo pipefail
cd "$(dirname "$0")/.."

# The pinned version, read from the code that checks it.
EVCXR_VERSION=$(sed -n 's/^pub const EVCXR_VERSION: &str = "\(.*\)";$/\1/p' src/runner/kernel/mod.rs)
[ -n "$EVCXR_VERSION" ] || { echo "cannot read EVCXR_VERSION from src/runner/kernel/mod.rs" >&2; exit 1; }

echo "== toolchain"
rustc --version
python3 --version

echo "== Jupyter (pip)"
PIP_USER=()
if [ "$(id -u)" != 0 ] && [ -z "${VIRTUAL_ENV:-}" ]; then PIP_USER=(--user); fi
python3 -m pip install --quiet --disable-pip-version-check "${PIP_USER[@]}" \
    jupyterlab nbclient nbconvert nbformat
if ! command -v jupyter >/dev/null; then export PATH="$(python3 -m site --user-base)/bin:$PATH"; fi
jupyter --version

echo "== evcxr_jupyter $EVCXR_VERSION (cargo install)"
if cargo install --list | grep -qx "evcxr_jupyter v$EVCXR_VERSION:"; then
    echo "already installed"
else
    time cargo install evcxr_jupyter --version "$EVCXR_VERSION" --locked
fi

echo "== kernel tests"
cargo test --locked --test kernel_register
time cargo test --locked --test kernel_jupyter -- --ignored --nocapture --test-threads=1
