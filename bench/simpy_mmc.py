"""The benchmark model (M/M/c, lambda = 9, mu = 1, c = 10) in SimPy: the peer that
scale-lab's engine is compared with. Prints JSON like examples/mmc_throughput.rs."""

import json
import random
import sys
import time

import simpy


def run(requests: int, seed: int = 1) -> dict:
    rng = random.Random(seed)
    env = simpy.Environment()
    servers = simpy.Resource(env, capacity=10)
    total = [0.0]
    done = [0]

    def request(env):
        arrived = env.now
        with servers.request() as slot:
            yield slot
            yield env.timeout(rng.expovariate(1.0))
        total[0] += env.now - arrived
        done[0] += 1

    def source(env):
        for _ in range(requests):
            yield env.timeout(rng.expovariate(9.0))
            env.process(request(env))

    env.process(source(env))
    started = time.perf_counter()
    env.run()
    seconds = time.perf_counter() - started
    return {
        "requests": requests,
        "seconds": round(seconds, 3),
        "requests_per_second": round(requests / seconds),
        "mean_response": round(total[0] / done[0], 4),
    }


if __name__ == "__main__":
    print(json.dumps(run(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)))
