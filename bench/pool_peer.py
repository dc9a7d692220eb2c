#!/usr/bin/env python3
"""The peer of the end-to-end benchmark: Python's own multiprocessing.Pool on jobpool's workloads.

Runs each workload with Pool.map on a pool of cpu_count() processes, created and warmed before any
timing (as a service's pool would be), and prints one JSON line per workload:
{"workload", "items", "cores", "seconds", "items_per_s"}. bench/run.sh compares these with jobpool
over HTTP on the same machine, in the same run.

The functions do what jobpool's built-ins do, item for item:
  square   x * x
  sha256   `rounds` chained SHA-256 digests of the item's UTF-8 bytes, as hex
  primes   the count of primes <= n by plain trial division (a CPU-bound pure-interpreter loop)

usage: python3 bench/pool_peer.py [--repeat N] [square-1M] [sha256-2k-x2000] [primes-400-x20000]

--repeat N (default 1): N timed runs per workload, the best is reported as "seconds" (and all of them
as "runs"), as bench/e2e.py does for jobpool; bench/run.sh --process passes its own --repeat.
"""
import hashlib
import json
import multiprocessing
import os
import statistics
import sys
import time

_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _cpu(pid):
    """utime + stime of a process in seconds, from /proc (Linux); None elsewhere."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / _TICKS
    except (OSError, ValueError, IndexError):
        return None


def _cpu_now(pool):
    """(this process's CPU s, its pool workers' CPU s): what one map costs in CPU, whatever the load."""
    workers = [_cpu(p.pid) for p in getattr(pool, "_pool", [])]
    if not workers or None in workers:
        return None
    return time.process_time(), sum(workers)


def square(x):
    return x * x


def sha256(item):
    text, rounds = item
    digest = text.encode()
    for _ in range(rounds):
        digest = hashlib.sha256(digest).digest()
    return digest.hex()


def primes(n):
    count = 0
    for k in range(2, n + 1):
        d = 2
        prime = True
        while d * d <= k:
            if k % d == 0:
                prime = False
                break
            d += 1
        if prime:
            count += 1
    return count


# name -> (function, inputs, chunksize; None = Pool's default)
WORKLOADS = {
    "square-1M": (square, lambda: list(range(1_000_000)), None),
    "sha256-2k-x2000": (sha256, lambda: [("item-%d" % i, 2000) for i in range(2000)], None),
    "primes-400-x20000": (primes, lambda: [20000] * 400, 1),
}


def main():
    args = sys.argv[1:]
    repeat, explicit = 1, False
    if args[:1] == ["--repeat"] and len(args) >= 2 and args[1].isdigit() and int(args[1]) >= 1:
        repeat, explicit = int(args[1]), True
        args = args[2:]
    names = args or list(WORKLOADS)
    unknown = [name for name in names if name not in WORKLOADS]
    if unknown:
        sys.exit("unknown workload(s): %s; known: %s" % (", ".join(unknown), ", ".join(WORKLOADS)))
    cores = multiprocessing.cpu_count()
    with multiprocessing.Pool(processes=cores) as pool:
        pool.map(square, range(cores * 4))  # start and warm every worker before timing
        for name in names:
            function, make_inputs, chunksize = WORKLOADS[name]
            inputs = make_inputs()
            runs = []
            cpus = []
            for _ in range(repeat):
                before = _cpu_now(pool)
                start = time.perf_counter()
                results = pool.map(function, inputs, chunksize) if chunksize else pool.map(function, inputs)
                runs.append(time.perf_counter() - start)
                after = _cpu_now(pool)
                if before and after:
                    cpus.append((after[0] - before[0], after[1] - before[1]))
                assert len(results) == len(inputs)
                del results
            seconds = min(runs)
            line = {"workload": name, "items": len(inputs), "cores": cores, "seconds": round(seconds, 4),
                    "items_per_s": round(len(inputs) / seconds, 1)}
            if explicit:  # without --repeat, the line is as it always was
                line["runs"] = [round(t, 4) for t in runs]
                if cpus:  # medians per run: the parent's CPU (pickling, result handling) and the workers'
                    line["main_cpu_s"] = round(statistics.median(c[0] for c in cpus), 3)
                    line["workers_cpu_s"] = round(statistics.median(c[1] for c in cpus), 3)
            print(json.dumps(line), flush=True)


if __name__ == "__main__":
    main()
