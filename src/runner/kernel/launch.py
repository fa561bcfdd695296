"""Starts evcxr_jupyter for the scale-lab kernel in a build directory that outlives it.

Written by `scale-lab setup-jupyter` into the kernelspec; Jupyter runs it with its own
Python. evcxr builds a kernel's cells in a temporary directory that it deletes when the
kernel stops, so every new kernel compiled the scale-lab library again (and its
dependencies, from evcxr's cache). This launcher gives each running kernel one of
SLOTS persistent build directories, BUILDS/0 .. BUILDS/7: the first one that no other
kernel holds, by an exclusive lock on BUILDS/<n>.lock that evcxr_jupyter inherits and
keeps until it exits. A new kernel then finds everything already built and its first
cell takes seconds. Two notebooks open at once get two directories, never the same one.
When every directory is taken, or locks are not available (not a POSIX system), evcxr
starts with its own temporary directory as usual: slower, never wrong.

Usage: python3 launch.py BUILDS EVCXR_JUPYTER [ARGUMENTS...]
"""

import os
import subprocess
import sys

SLOTS = 8


def claim_build_dir(builds):
    """Locks the first free build directory under `builds` and returns its path (the lock
    stays held by an inheritable descriptor), or None when there is none."""
    try:
        import fcntl
    except ImportError:
        return None
    try:
        os.makedirs(builds, exist_ok=True)
        for slot in range(SLOTS):
            fd = os.open(os.path.join(builds, "%d.lock" % slot), os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                os.close(fd)
                continue
            os.set_inheritable(fd, True)
            directory = os.path.join(builds, str(slot))
            os.makedirs(directory, exist_ok=True)
            return directory
    except OSError as error:
        print("scale-lab kernel: no build directory (%s); using a temporary one" % error,
              file=sys.stderr)
    return None


def library_path_var():
    """The variable through which the dynamic loader finds shared libraries."""
    return "DYLD_LIBRARY_PATH" if sys.platform == "darwin" else "LD_LIBRARY_PATH"


def rust_library_dir():
    """The toolchain's library directory (where the standard library's shared object is),
    for the toolchain that evcxr will use from this directory; None if rustc cannot say.

    evcxr compiles a start-up check before it reads the kernel's configuration, without
    its rustc wrapper, and then loads the copy of it that cargo puts in `debug/` rather
    than the one in `debug/deps/`. That copy's relative RUNPATH to the standard library
    is one directory off: in a temporary directory under /tmp it still resolves (a `..`
    at `/` stays at `/`), in a build directory under HOME it does not, and the kernel
    dies with "dlopen failed". Naming the directory for the loader fixes that."""
    cargo_home = os.environ.get("CARGO_HOME") or os.path.expanduser("~/.cargo")
    for rustc in ("rustc", os.path.join(cargo_home, "bin", "rustc")):
        try:
            found = subprocess.run([rustc, "--print", "target-libdir"], capture_output=True,
                                   text=True, check=True)
        except (OSError, subprocess.CalledProcessError):
            continue
        if found.stdout.strip():
            return found.stdout.strip()
    return None


def main():
    if len(sys.argv) < 3:
        sys.exit("usage: launch.py BUILDS EVCXR_JUPYTER [ARGUMENTS...]")
    builds, program = sys.argv[1], sys.argv[2]
    directory = claim_build_dir(builds)
    if directory is not None:
        os.environ["EVCXR_TMPDIR"] = directory
        library_dir = rust_library_dir()
        if library_dir is not None:
            var = library_path_var()
            os.environ[var] = os.pathsep.join(
                [library_dir] + [p for p in os.environ.get(var, "").split(os.pathsep) if p])
    os.execv(program, sys.argv[2:])


if __name__ == "__main__":
    main()
