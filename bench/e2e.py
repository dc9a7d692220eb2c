#!/usr/bin/env python3
"""End-to-end benchmark of jobpool: the peer's workloads through POST /v1/map.

Same three workloads as pool_peer.py (Python's own
multiprocessing.Pool), but sent to the running service over HTTP, so the time
includes JSON encoding/decoding on the server, the HTTP round trip and the
transfer of the whole result array.

Per workload: the request body is encoded once (not timed); one warm-up run
(not timed, lets the JIT compile the hot paths); then --repeat timed runs, each
timed from sending the request to having read the whole response body. Parsing
the response and checking it happen after the timer stops.

Prints one JSON line per workload:
  {"workload", "function", "items", "seconds" (best), "median_seconds", "items_per_s" (from best), "runs"}
and with --server-pid also "server_cpu_s" and "workers_cpu_s": median CPU seconds per timed run of
the service and of its child processes (the process functions' workers).

--process sends the same workloads to the *process functions* that serve the peer's own Python
functions (examples/process-functions/poolbench.py), by default named py-square, py-sha256 and
py-primes (--function-names square=NAME,...): sha256 items are then [s, rounds] lists, the peer's
tuples, instead of strings with params.rounds. Before timing it waits until GET /v1/functions shows
every one of them with all its processes alive. The extra workload overhead-200k (not run by
default) times the built-in square and py-square on the same 200,000 ints, alternately, and prints
the extra cost per item of the process protocol.

Standard library only. Exit status: 0 ok, 1 wrong answer / HTTP error, 2 usage or unreachable.
"""
import argparse
import hashlib
import http.client
import json
import os
import socket
import statistics
import sys
import time
import urllib.parse

WAIT_SECONDS = 300
PRIMES_20000 = 2262  # pi(20000)


def sha256_rounds(s, rounds):
    """Exactly as the peer: sha256 over the previous raw digest, hex at the end."""
    d = s.encode()
    for _ in range(rounds):
        d = hashlib.sha256(d).digest()
    return d.hex()


# ---------------------------------------------------------------- workloads

# the function each workload calls: built-ins by default, process functions with --process
BUILTIN_NAMES = {"square": "square", "sha256": "sha256", "primes": "primes"}
PROCESS_NAMES = {"square": "py-square", "sha256": "py-sha256", "primes": "py-primes"}
FUNCTIONS = dict(BUILTIN_NAMES)
PROCESS = False  # --process: the poolbench.py shapes of the inputs (sha256 items are [s, rounds])
OVERHEAD_ITEMS = 200_000


def _square_request():
    return {"function": FUNCTIONS["square"], "inputs": list(range(1_000_000))}


def _square_check(results):
    n = 1_000_000
    if results[999_999] != 999_999 ** 2:
        return "square(999999): got %r, want %d" % (results[999_999], 999_999 ** 2)
    for i in (0, 1, 2, 12345, 500_000):
        if results[i] != i * i:
            return "square(%d): got %r, want %d" % (i, results[i], i * i)
    bad = next((i for i in range(n) if results[i] != i * i), None)
    if bad is not None:
        return "square(%d): got %r, want %d" % (bad, results[bad], bad * bad)
    return None


def _sha_request():
    if PROCESS:
        # poolbench.py sha256 takes the peer's (s, rounds) tuples, as JSON arrays
        return {"function": FUNCTIONS["sha256"], "inputs": [["item-%d" % i, 2000] for i in range(2000)]}
    return {"function": FUNCTIONS["sha256"], "params": {"rounds": 2000},
            "inputs": ["item-%d" % i for i in range(2000)]}


def _sha_check(results):
    for i in (0, 1, 999, 1999):
        want = sha256_rounds("item-%d" % i, 2000)
        if results[i] != want:
            return "sha256('item-%d', rounds=2000): got %r, want %r" % (i, results[i], want)
    return None


def _primes_request():
    # chunk 1, as the peer's pool.map(primes, inputs, 1)
    return {"function": FUNCTIONS["primes"], "inputs": [20000] * 400, "chunkSize": 1}


def _primes_check(results):
    for i, r in enumerate(results):
        if r != PRIMES_20000:
            return "primes(20000) at index %d: got %r, want %d" % (i, r, PRIMES_20000)
    return None


WORKLOADS = {
    # name: (items, build request, check results -> error message or None)
    "square-1M": (1_000_000, _square_request, _square_check),
    "sha256-2k-x2000": (2000, _sha_request, _sha_check),
    "primes-400-x20000": (400, _primes_request, _primes_check),
}


# ---------------------------------------------------------------- HTTP

class BenchError(Exception):
    def __init__(self, msg, code=1):
        super().__init__(msg)
        self.code = code


class Client:
    """One persistent HTTP/1.1 connection; reopened if the server closed it."""

    def __init__(self, url, timeout):
        u = urllib.parse.urlsplit(url)
        if u.scheme not in ("http", "https") or not u.hostname:
            raise BenchError("bad --url %r (want http://host:port)" % url, 2)
        self.url = url
        self.scheme = u.scheme
        self.host = u.hostname
        self.port = u.port or (443 if u.scheme == "https" else 80)
        self.base = u.path.rstrip("/")
        self.timeout = timeout
        self.conn = None

    def _connect(self):
        cls = http.client.HTTPSConnection if self.scheme == "https" else http.client.HTTPConnection
        self.conn = cls(self.host, self.port, timeout=self.timeout)
        try:
            self.conn.connect()
            self.conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError as e:
            self.conn = None
            raise BenchError("cannot reach jobpool at %s: %s" % (self.url, e), 2)

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def get(self, path):
        """GET; returns (status, headers, raw body bytes, seconds)."""
        return self.post(path, None, method="GET")

    def post(self, path, body, method="POST"):
        """POST pre-encoded body; returns (status, headers, raw body bytes, seconds).

        seconds: from sending the request to having read the whole body.
        """
        headers = {"Accept": "application/json"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        for attempt in (1, 2):
            if self.conn is None:
                self._connect()
            try:
                t = time.perf_counter()
                self.conn.request(method, self.base + path, body=body, headers=headers)
                resp = self.conn.getresponse()
                data = resp.read()
                dt = time.perf_counter() - t
            except (http.client.RemoteDisconnected, ConnectionResetError,
                    BrokenPipeError, http.client.CannotSendRequest) as e:
                # kept-alive connection closed by the server: reconnect once
                self.close()
                if attempt == 2:
                    raise BenchError("connection to %s lost: %r" % (self.url, e))
                continue
            except socket.timeout:
                self.close()
                raise BenchError("no complete answer from %s within %ss" % (self.url, self.timeout))
            except OSError as e:
                self.close()
                raise BenchError("HTTP error talking to %s: %s" % (self.url, e))
            if resp.will_close:
                self.close()
            return resp.status, resp.headers, data, dt
        raise AssertionError("unreachable")


# ---------------------------------------------------------------- CPU time (--server-pid)

SERVER_PID = None
_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _stat(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / _TICKS  # ppid, utime + stime


def cpu_seconds():
    """(server CPU s, CPU s of its child processes: the process-function workers), from /proc; None
    without --server-pid. Children that ended between two readings are not counted."""
    if SERVER_PID is None:
        return None
    try:
        server = _stat(SERVER_PID)[1]
    except OSError:
        return None
    workers = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                ppid, cpu = _stat(int(entry))
            except (OSError, ValueError, IndexError):
                continue
            if ppid == SERVER_PID:
                workers[int(entry)] = cpu
    return server, workers


def cpu_delta(before, after):
    if before is None or after is None:
        return None
    return after[0] - before[0], sum(cpu - before[1].get(pid, 0.0) for pid, cpu in after[1].items())


def cpu_fields(deltas):
    """Median server and workers CPU seconds per run."""
    deltas = [d for d in deltas if d is not None]
    if not deltas:
        return {}
    return {"server_cpu_s": round(statistics.median(d[0] for d in deltas), 3),
            "workers_cpu_s": round(statistics.median(d[1] for d in deltas), 3)}


# ---------------------------------------------------------------- run

def _snippet(data, limit=2000):
    text = data.decode("utf-8", "replace")
    return text if len(text) <= limit else text[:limit] + "... (%d bytes)" % len(data)


def run_once(client, name, body):
    status, headers, data, dt = client.post("/v1/map?waitSeconds=%d" % WAIT_SECONDS, body)
    if status == 202:
        raise BenchError("%s: job did not finish within waitSeconds=%d (202, Location: %s): %s"
                         % (name, WAIT_SECONDS, headers.get("Location"), _snippet(data)))
    if not 200 <= status < 300:
        raise BenchError("%s: HTTP %d %s\n%s" % (name, status, headers.get("Content-Type", ""),
                                                _snippet(data)))
    return data, dt


def check(name, items, checker, data):
    try:
        doc = json.loads(data)
    except ValueError as e:
        raise BenchError("%s: response is not JSON (%s): %s" % (name, e, _snippet(data, 500)))
    if not isinstance(doc, dict):
        raise BenchError("%s: response is not a JSON object: %s" % (name, _snippet(data, 500)))
    if doc.get("state") != "SUCCEEDED":
        raise BenchError("%s: state %r, error %s, first errors %s"
                         % (name, doc.get("state"), json.dumps(doc.get("error")),
                            json.dumps((doc.get("errors") or [])[:5])))
    results = doc.get("results")
    if not isinstance(results, list) or len(results) != items:
        raise BenchError("%s: want %d results, got %s" % (
            name, items, len(results) if isinstance(results, list) else type(results).__name__))
    msg = checker(results)
    if msg:
        raise BenchError("%s: wrong result: %s" % (name, msg))


def bench(client, name, repeat):
    if name == "overhead-200k":
        return overhead(client, repeat)
    items, make, checker = WORKLOADS[name]
    request = make()
    body = json.dumps(request, separators=(",", ":")).encode()  # not timed
    data, _ = run_once(client, name, body)  # warm-up (JIT), not timed
    check(name, items, checker, data)
    times = []
    cpus = []
    for _ in range(repeat):
        before = cpu_seconds()
        data, dt = run_once(client, name, body)
        cpus.append(cpu_delta(before, cpu_seconds()))
        check(name, items, checker, data)  # after the timer stopped
        times.append(dt)
        del data
    best = min(times)
    out = {"workload": name, "function": request["function"], "items": items, "seconds": round(best, 4),
           "median_seconds": round(statistics.median(times), 4),
           "items_per_s": round(items / best, 1),
           "runs": [round(t, 4) for t in times]}
    out.update(cpu_fields(cpus))
    return out


def overhead(client, repeat):
    """The process protocol's extra cost per item: the built-in square and the process function
    FUNCTIONS["square"] (--process) on the same OVERHEAD_ITEMS ints, in the same service, alternated
    (built-in, process, built-in, ...) so a change of load hits both. Both are a few ns of work per
    item, so the difference is what the process path adds: the chunk lines written and read, JSON
    in the worker, the worker's loop."""
    n = OVERHEAD_ITEMS
    want = [i * i for i in range(n)]
    names = {"builtin": BUILTIN_NAMES["square"], "process": FUNCTIONS["square"]}
    bodies = {k: json.dumps({"function": f, "inputs": list(range(n))}, separators=(",", ":")).encode()
              for k, f in names.items()}

    def checker(results):
        if results != want:
            bad = next(i for i in range(n) if results[i] != want[i])
            return "square(%d): got %r, want %d" % (bad, results[bad], want[bad])
        return None

    times = {"builtin": [], "process": []}
    cpus = {"builtin": [], "process": []}
    for run in range(repeat + 1):
        for kind in ("builtin", "process"):
            before = cpu_seconds()
            data, dt = run_once(client, "overhead-200k/" + names[kind], bodies[kind])
            after = cpu_seconds()
            check("overhead-200k/" + names[kind], n, checker, data)
            if run:  # the first round is the warm-up
                times[kind].append(dt)
                cpus[kind].append(cpu_delta(before, after))
    b, p = min(times["builtin"]), min(times["process"])
    mb, mp = statistics.median(times["builtin"]), statistics.median(times["process"])
    return {"workload": "overhead-200k", "items": n, "builtin": names["builtin"], "process": names["process"],
            "builtin_seconds": round(b, 4), "process_seconds": round(p, 4),
            "ratio": round(p / b, 2),
            "extra_us_per_item": round((p - b) / n * 1e6, 3),
            "median_extra_us_per_item": round((mp - mb) / n * 1e6, 3),
            "builtin_runs": [round(t, 4) for t in times["builtin"]],
            "process_runs": [round(t, 4) for t in times["process"]],
            **{k + "_" + f: v for k in ("builtin", "process") for f, v in cpu_fields(cpus[k]).items()}}


def wait_for_processes(client, names, timeout):
    """Waits until GET /v1/functions shows each named process function with every process alive."""
    deadline = time.monotonic() + timeout
    started = time.monotonic()
    while True:
        status, _, data, _ = client.get("/v1/functions")
        if status != 200:
            raise BenchError("GET /v1/functions: HTTP %d: %s" % (status, _snippet(data, 500)))
        catalog = {f["name"]: f for f in json.loads(data)["functions"]}
        missing = [n for n in names if n not in catalog or not catalog[n].get("process")]
        if missing:
            raise BenchError("not process functions of the service: %s (is it started with "
                             "--jobpool.process-functions.<name>.command=...?)" % ", ".join(missing), 2)
        procs = {n: catalog[n]["process"] for n in names}
        failing = {n: p.get("error") for n, p in procs.items() if p.get("status") == "failing"}
        if failing:
            raise BenchError("process functions failing to start: %s" % json.dumps(failing))
        if all(p["alive"] == p["processes"] for p in procs.values()):
            return {"waited_seconds": round(time.monotonic() - started, 2),
                    "processes": {n: p["processes"] for n, p in procs.items()}}
        if time.monotonic() >= deadline:
            raise BenchError("process functions not all alive within %ss: %s" % (timeout, json.dumps(procs)))
        time.sleep(0.2)


def main(argv=None):
    ap = argparse.ArgumentParser(description="End-to-end jobpool benchmark (POST /v1/map).")
    ap.add_argument("--url", default="http://127.0.0.1:8080", help="service base URL (default %(default)s)")
    ap.add_argument("--repeat", type=int, default=3, help="timed runs per workload, best is reported (default %(default)s)")
    ap.add_argument("--timeout", type=float, default=WAIT_SECONDS + 60,
                    help="socket timeout in seconds (default %(default)s)")
    ap.add_argument("--process", action="store_true",
                    help="call the process functions of examples/process-functions/poolbench.py "
                         "(py-square, py-sha256, py-primes) instead of the built-ins; wait until all their "
                         "processes are alive before timing")
    ap.add_argument("--function-names", default=None, metavar="square=NAME,sha256=NAME,primes=NAME",
                    help="the function each workload calls (default: the built-ins, or py-* with --process)")
    ap.add_argument("--wait-processes", type=float, default=120,
                    help="with --process: seconds to wait for the processes to be alive (default %(default)s)")
    ap.add_argument("--server-pid", type=int, default=None,
                    help="the service's pid (same machine): also report its CPU seconds and those of its child "
                         "processes (process-function workers) per run, medians, from /proc")
    ap.add_argument("workloads", nargs="*", metavar="WORKLOAD",
                    help="workloads to run (default all but overhead-200k): "
                         + ", ".join(list(WORKLOADS) + ["overhead-200k"]))
    args = ap.parse_args(argv)
    if args.repeat < 1:
        ap.error("--repeat must be >= 1")
    unknown = [w for w in args.workloads if w not in WORKLOADS and w != "overhead-200k"]
    if unknown:
        ap.error("unknown workload(s) %s; known: %s" % (", ".join(unknown), ", ".join(WORKLOADS)))
    names = args.workloads or list(WORKLOADS)
    global PROCESS, SERVER_PID
    PROCESS = args.process
    SERVER_PID = args.server_pid
    FUNCTIONS.update(PROCESS_NAMES if args.process else BUILTIN_NAMES)
    if args.function_names:
        for pair in args.function_names.split(","):
            key, sep, value = pair.partition("=")
            if not sep or key not in FUNCTIONS or not value:
                ap.error("--function-names: want square=NAME,sha256=NAME,primes=NAME, got %r" % pair)
            FUNCTIONS[key] = value
    if "overhead-200k" in names and FUNCTIONS["square"] == BUILTIN_NAMES["square"]:
        ap.error("overhead-200k compares the built-in square with a process function: use --process")

    try:
        client = Client(args.url, args.timeout)
    except BenchError as e:
        print("e2e.py: %s" % e, file=sys.stderr)
        return e.code
    try:
        if args.process:
            used = {FUNCTIONS[k] for k in ("square", "sha256", "primes")}
            print(json.dumps({"warm": wait_for_processes(client, sorted(used), args.wait_processes)}), flush=True)
        for name in names:
            print(json.dumps(bench(client, name, args.repeat)), flush=True)
    except BenchError as e:
        print("e2e.py: %s" % e, file=sys.stderr)
        return e.code
    finally:
        client.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
