#!/usr/bin/env python3
"""The initializer runs once per process: 10 jobs of a process function with an initializer.

Runs --jobs (10) jobs of the process function --function (hello, i.e.
examples/process-functions/hello.py started with HELLO_INIT_LOG=FILE, whose initializer appends one
line per run to FILE) one after another through POST /v1/map, checks their results, then compares:

  initializer runs  = lines in --log FILE
  process starts    = GET /actuator/metrics/jobpool.process.starts?tag=function:NAME
  processes         = GET /v1/functions, process.processes

Pool's promise, and the goal: initializer runs == process starts == processes, however many jobs.
Prints one JSON line {"init_check": ...}. Exit status 0 if equal, 1 if not, 2 on usage/HTTP errors.
Standard library only.
"""
import argparse
import json
import sys
import time
import urllib.error
import urllib.request


def call(url, body=None, timeout=120):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json",
                                                          "Accept": "application/json"})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return json.load(r)


def starts(base, name):
    try:
        doc = call("%s/actuator/metrics/jobpool.process.starts?tag=function:%s" % (base, name))
    except urllib.error.HTTPError as e:
        if e.code == 404:  # no start counted yet
            return 0
        raise
    return int(next(m["value"] for m in doc["measurements"] if m["statistic"] == "COUNT"))


def process_info(base, name):
    for f in call(base + "/v1/functions")["functions"]:
        if f["name"] == name:
            return f.get("process")
    return None


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--url", default="http://127.0.0.1:8080")
    ap.add_argument("--function", default="hello")
    ap.add_argument("--log", required=True, help="the HELLO_INIT_LOG file of the function's processes")
    ap.add_argument("--jobs", type=int, default=10)
    ap.add_argument("--items", type=int, default=2000, help="items per job (default %(default)s)")
    args = ap.parse_args(argv)
    base = args.url.rstrip("/")

    proc = process_info(base, args.function)
    if not proc:
        print("init_once.py: %r is not a process function of %s" % (args.function, base), file=sys.stderr)
        return 2
    deadline = time.monotonic() + 120
    while proc["alive"] != proc["processes"] and time.monotonic() < deadline:
        time.sleep(0.2)
        proc = process_info(base, args.function)

    names = ["name-%d" % i for i in range(args.items)]
    for job in range(args.jobs):
        doc = call(base + "/v1/map?waitSeconds=60",
                   {"function": args.function, "params": {"greeting": "hi", "fingerprint": True}, "inputs": names})
        results = doc.get("results") or []
        if doc.get("state") != "SUCCEEDED" or len(results) != len(names) or \
                any(not r.startswith("hi %s #" % n) for r, n in zip(results, names)):
            print("init_once.py: job %d: state %r, %d results, first %r" % (
                job, doc.get("state"), len(results), results[:2]), file=sys.stderr)
            return 1

    with open(args.log, encoding="utf-8") as f:
        pids = [line.strip() for line in f if line.strip()]
    counted = starts(base, args.function)
    processes = process_info(base, args.function)["processes"]
    ok = len(pids) == counted == processes and len(set(pids)) == len(pids)
    print(json.dumps({"init_check": {
        "function": args.function, "jobs": args.jobs, "items_per_job": args.items,
        "initializer_runs": len(pids), "distinct_pids": len(set(pids)),
        "process_starts_metric": counted, "processes": processes,
        "result": "met" if ok else "missed"}}), flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
