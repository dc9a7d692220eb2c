#!/usr/bin/env python3
"""Compare jobpool (bench/e2e.py output) with Python's Pool (bench/pool_peer.py output).

usage: ratios.py JOBPOOL.jsonl POOL.jsonl [--strict] [--process]

Both files hold one JSON object per line with "workload" and "seconds"; other
lines are ignored. Prints a table: workload | jobpool s | Pool s | ratio
(jobpool/Pool, lower is better) | goal | met/missed. With --strict the exit
status is 1 if any goal is missed or a workload lacks a number. With --process
the goals are those of process functions (the peer's own Python functions run
by jobpool), and the overhead-200k line of e2e.py, if any, is summarised too.
"""
import json
import sys

# ratio goals: jobpool seconds / Pool seconds must be <= this
GOALS = {
    "square-1M": 1.0,
    "sha256-2k-x2000": 0.5,
    "primes-400-x20000": 0.1,
}
# process functions (bench/e2e.py --process): the same Python code as the peer, so the goal is to
# stay close to Pool's time, not to beat it
PROCESS_GOALS = {
    "square-1M": 2.0,
    "sha256-2k-x2000": 1.2,
    "primes-400-x20000": 1.2,
}


def load(path):
    out = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line.startswith("{"):
                continue
            try:
                d = json.loads(line)
            except ValueError:
                continue
            if isinstance(d, dict) and "workload" in d and isinstance(d.get("seconds"), (int, float)):
                out[d["workload"]] = float(d["seconds"])
    return out


def load_cpu(path):
    out = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line.startswith("{") and '"server_cpu_s"' in line:
                d = json.loads(line)
                if "workload" in d:
                    out[d["workload"]] = (d["server_cpu_s"], d["workers_cpu_s"])
    return out


def load_peer_cpu(path):
    out = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line.startswith("{") and '"main_cpu_s"' in line:
                d = json.loads(line)
                if "workload" in d:
                    out[d["workload"]] = (d["main_cpu_s"], d["workers_cpu_s"])
    return out


def load_overhead(path):
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line.startswith("{") and '"overhead-200k"' in line:
                return json.loads(line)
    return None


def main(argv):
    global GOALS
    strict = "--strict" in argv
    if "--process" in argv:
        GOALS = PROCESS_GOALS
    files = [a for a in argv if a not in ("--strict", "--process")]
    if len(files) != 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    jp, pool = load(files[0]), load(files[1])
    names = list(GOALS) + sorted((set(jp) | set(pool)) - set(GOALS))
    names = [n for n in names if n in jp or n in pool]

    rows = [("workload", "jobpool s", "Pool s", "ratio", "goal", "result")]
    ok = True
    for n in names:
        a, b, goal = jp.get(n), pool.get(n), GOALS.get(n)
        ratio = a / b if a is not None and b else None
        if ratio is None:
            verdict = "n/a"
            ok = False
        elif goal is None:
            verdict = "-"
        elif ratio <= goal:
            verdict = "met"
        else:
            verdict = "missed"
            ok = False
        rows.append((n,
                     "%.3f" % a if a is not None else "-",
                     "%.3f" % b if b is not None else "-",
                     "%.3f" % ratio if ratio is not None else "-",
                     "<= %.1f" % goal if goal is not None else "-",
                     verdict))
    if len(rows) == 1:
        print("ratios.py: no workload results found in %s or %s" % tuple(files), file=sys.stderr)
        return 1 if strict else 0
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for i, r in enumerate(rows):
        print(" | ".join(c.ljust(w) if j == 0 else c.rjust(w) if j < 5 else c
                         for j, (c, w) in enumerate(zip(r, widths))).rstrip())
        if i == 0:
            print("-|-".join("-" * w for w in widths))
    print("ratio = jobpool seconds / Pool seconds (lower is better); goal: ratio <= goal")
    cpu = load_cpu(files[0])
    peer_cpu = load_peer_cpu(files[1])
    if cpu:
        print("CPU per run (medians; moves much less than wall time when other work shares the cores):")
    for n in names:
        if n in cpu:
            text = "  %-18s jobpool: service %.2f s + workers %.2f s = %.2f s" % (
                n, cpu[n][0], cpu[n][1], cpu[n][0] + cpu[n][1])
            if n in peer_cpu:
                a, b = sum(cpu[n]), sum(peer_cpu[n])
                text += "; Pool: parent %.2f s + workers %.2f s = %.2f s; CPU ratio %.2f" % (
                    peer_cpu[n][0], peer_cpu[n][1], b, a / b if b else float("nan"))
            print(text)
    o = load_overhead(files[0])
    if o:
        print("protocol overhead (%s vs built-in %s, %d ints, same service, best of %d each): "
              "%.3f s vs %.3f s = %.2fx, extra %.2f us/item (median runs: %.2f us/item)"
              % (o["process"], o["builtin"], o["items"], len(o["process_runs"]), o["process_seconds"],
                 o["builtin_seconds"], o["ratio"], o["extra_us_per_item"], o["median_extra_us_per_item"]))
        if "builtin_server_cpu_s" in o:
            extra = (o["process_server_cpu_s"] + o["process_workers_cpu_s"] - o["builtin_server_cpu_s"]
                     - o.get("builtin_workers_cpu_s", 0.0))
            print("  CPU per run (median): built-in: service %.3f s; process: service %.3f s + workers %.3f s;"
                  " extra %.2f us of CPU per item"
                  % (o["builtin_server_cpu_s"], o["process_server_cpu_s"], o["process_workers_cpu_s"],
                     extra / o["items"] * 1e6))
        if "square-1M" in pool:
            print("  for scale: Pool's square-1M in this run costs %.2f us/item (its time / 1,000,000)"
                  % pool["square-1M"])
    return 0 if ok or not strict else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
