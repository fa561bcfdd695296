"""Runs the M/M/c benchmark model in scale-lab and in SimPy in one go and prints both
throughputs and their ratio.

    pip install simpy
    python3 bench/compare_simpy.py [scale_lab_requests] [simpy_requests]

Defaults: 10^7 requests for scale-lab (the issue's figure), 10^6 for SimPy (about ten
seconds; its throughput does not depend on the run length)."""

import json
import subprocess
import sys
from pathlib import Path

from simpy_mmc import run as run_simpy

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    ours_n = sys.argv[1] if len(sys.argv) > 1 else "10000000"
    simpy_n = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
    out = subprocess.run(
        ["cargo", "run", "--quiet", "--release", "--no-default-features",
         "--example", "mmc_throughput", "--", ours_n],
        cwd=ROOT, check=True, capture_output=True, text=True,
    ).stdout
    ours = json.loads(out.strip().splitlines()[-1])
    theirs = run_simpy(simpy_n)
    print(f"scale-lab: {ours['requests_per_second']:>12,.0f} requests/s  "
          f"({ours['requests']:,} requests in {ours['seconds']} s, peak {ours['peak_rss_mb']} MB, "
          f"mean response {ours['mean_response']})")
    print(f"SimPy:     {theirs['requests_per_second']:>12,.0f} requests/s  "
          f"({theirs['requests']:,} requests in {theirs['seconds']} s, mean response {theirs['mean_response']})")
    print(f"ratio:     {ours['requests_per_second'] / theirs['requests_per_second']:.1f}x")


if __name__ == "__main__":
    main()
