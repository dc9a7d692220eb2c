#!/usr/bin/env python3
"""Small jobs under concurrency: how many tiny jobs a second the service takes, against its own health check.

Three phases, each with --clients concurrent clients, every client on its own persistent HTTP/1.1
connection, sending its next request as soon as the previous answer is read (closed loop):

  health  GET /actuator/health                              -> 200 {"status":"UP"}
  jobs    POST /v1/jobs, 10-item square (map_async)          -> 202 + id; afterwards every job must be
                                                                SUCCEEDED (all polled), and the results
                                                                of a sample are checked
  map     POST /v1/map?waitSeconds=30, 1..10 items square    -> 200, state SUCCEEDED, the right results
          (map: the client waits for the answer)

The reference is `health` measured in the same run: the ratio jobs/health (and map/health) says how
close a job submission comes to the cheapest request the server answers, on whatever share of the
cores the machine leaves us. The phases alternate (health, jobs, map, health, jobs, map, ...) for
--rounds rounds, so a change of load on the machine hits all of them alike; every phase has a warm-up
(--warmup seconds, not counted) then a measured window (--duration seconds). A request counts in a
window if it completes inside it; its latency is from sending the request to having read the whole
answer. The answers are checked after the window (ids, states, results), never inside it.

Clients are separate processes by default (--workers process), one connection each, so Python's GIL
does not cap the rate: with 16 threads in one process the client, not the server, can be the limit
for the health check. --workers thread runs them as threads of one process, to compare.

Prints one JSON line per phase and round, then a summary line per phase (ranges over the rounds) and
the ratios, and a readable table. Standard library only. Exit status: 0 ok, 1 wrong answer / HTTP
error, 2 usage or unreachable.
"""
import argparse
import http.client
import json
import multiprocessing
import os
import queue
import socket
import statistics
import sys
import threading
import time
import urllib.parse

JOB_ITEMS = 10
MAP_WAIT_SECONDS = 30
PHASES = ("health", "jobs", "map")


class BenchError(Exception):
    pass


# ---------------------------------------------------------------- one client

class Connection:
    """One persistent HTTP/1.1 connection; reopened (and counted) if the server closed it."""

    def __init__(self, url, timeout):
        u = urllib.parse.urlsplit(url)
        self.host, self.port = u.hostname, u.port or 80
        self.base = u.path.rstrip("/")
        self.timeout = timeout
        self.conn = None
        self.reconnects = 0

    def _connect(self):
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        self.conn.connect()
        self.conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def request(self, method, path, body=None):
        headers = {"Accept": "application/json"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        for attempt in (1, 2):
            if self.conn is None:
                self._connect()
                self.reconnects += 1
            try:
                self.conn.request(method, self.base + path, body=body, headers=headers)
                resp = self.conn.getresponse()
                data = resp.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError,
                    http.client.CannotSendRequest) as e:
                self.close()
                if attempt == 2:
                    raise BenchError("connection lost: %r" % e)
                continue
            if resp.will_close:
                self.close()
            return resp.status, resp.headers, data
        raise AssertionError("unreachable")

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def _square_inputs(seq, n):
    base = seq * 7919 % 1_000_003
    return list(range(base, base + n))


def run_phase(conn, client_no, phase, start_at, warmup, duration):
    """Closed loop until start_at + warmup + duration; returns what the measured window saw."""
    t0 = start_at + warmup
    t1 = t0 + duration
    now = time.time()
    if start_at > now:
        time.sleep(start_at - now)
    latencies = []
    errors = []
    ids = []      # jobs: (id, first input)
    maps = []     # map: (n, first input, raw answer) of answers in the window, checked afterwards
    seq = client_no * 1_000_000
    while True:
        start = time.time()
        if start >= t1:
            break
        seq += 1
        if phase == "health":
            status, _, data = conn.request("GET", "/actuator/health")
            ok = status == 200
        elif phase == "jobs":
            inputs = _square_inputs(seq, JOB_ITEMS)
            body = json.dumps({"function": "square", "inputs": inputs}, separators=(",", ":")).encode()
            status, headers, data = conn.request("POST", "/v1/jobs", body)
            ok = status == 202
        else:
            n = 1 + seq % 10
            inputs = _square_inputs(seq, n)
            body = json.dumps({"function": "square", "inputs": inputs}, separators=(",", ":")).encode()
            status, _, data = conn.request("POST", "/v1/map?waitSeconds=%d" % MAP_WAIT_SECONDS, body)
            ok = status == 200
        end = time.time()
        if not ok:
            errors.append("%s: HTTP %d: %s" % (phase, status, data[:300].decode("utf-8", "replace")))
            if len(errors) > 20:
                break
            continue
        if phase == "jobs":
            # the id is needed for the check, so it is read from every answer (after the timer stopped)
            ids.append((json.loads(data)["id"], inputs[0]))
        if t0 <= end <= t1:
            latencies.append(end - start)
            if phase == "map":
                maps.append((len(inputs), inputs[0], data))
    return {"latencies": latencies, "errors": errors, "ids": ids, "maps": maps,
            "reconnects": conn.reconnects}


def check_job(conn, job_id, first, with_results, deadline):
    """Polls one job until it ends; it must be SUCCEEDED (and, with_results, have the right results)."""
    while True:
        status, _, data = conn.request("GET", "/v1/jobs/" + job_id)
        if status != 200:
            return "job %s: HTTP %d %s" % (job_id, status, data[:200])
        doc = json.loads(data)
        if doc["state"] in ("SUCCEEDED", "FAILED", "CANCELLED", "TIMED_OUT"):
            break
        if time.time() > deadline:
            return "job %s still %s after the check deadline" % (job_id, doc["state"])
        time.sleep(0.05)
    if doc["state"] != "SUCCEEDED" or doc["completed"] != JOB_ITEMS:
        return "job %s: state %s, completed %s, error %s" % (job_id, doc["state"], doc["completed"], doc.get("error"))
    if with_results:
        status, _, data = conn.request("GET", "/v1/jobs/%s/results" % job_id)
        want = [x * x for x in range(first, first + JOB_ITEMS)]
        got = json.loads(data).get("results") if status == 200 else None
        if got != want:
            return "job %s: results %r, want %r" % (job_id, got, want)
    return None


def check_map(n, first, data):
    doc = json.loads(data)
    want = [x * x for x in range(first, first + n)]
    if doc.get("state") != "SUCCEEDED" or doc.get("results") != want:
        return "map of %d items from %d: state %s, results %r, want %r" % (
            n, first, doc.get("state"), doc.get("results"), want)
    return None


def check_phase(conn, result, sample_every, deadline):
    problems = []
    for i, (job_id, first) in enumerate(result["ids"]):
        p = check_job(conn, job_id, first, i % sample_every == 0, deadline)
        if p:
            problems.append(p)
    for n, first, data in result["maps"]:
        p = check_map(n, first, data)
        if p:
            problems.append(p)
    return {"checked_jobs": len(result["ids"]), "checked_maps": len(result["maps"]), "problems": problems[:5],
            "problem_count": len(problems)}


def client_loop(url, client_no, commands, answers, timeout):
    """A client: one connection, kept across phases; runs the commands it is sent."""
    conn = Connection(url, timeout)
    try:
        while True:
            cmd = commands.get()
            if cmd is None:
                return
            kind, args = cmd
            try:
                if kind == "run":
                    answers.put((client_no, run_phase(conn, client_no, *args)))
                else:
                    answers.put((client_no, check_phase(conn, *args)))
            except Exception as e:  # reported to the coordinator, which stops with exit status 1
                answers.put((client_no, {"fatal": "%s: %r" % (type(e).__name__, e)}))
    finally:
        conn.close()


# ---------------------------------------------------------------- coordinator

class Clients:
    def __init__(self, url, n, workers, timeout):
        self.n = n
        if workers == "process":
            ctx = multiprocessing.get_context("fork" if hasattr(os, "fork") else "spawn")
            self.commands = [ctx.Queue() for _ in range(n)]
            self.answers = ctx.Queue()
            self.members = [ctx.Process(target=client_loop, args=(url, i, self.commands[i], self.answers, timeout),
                                        daemon=True) for i in range(n)]
        else:
            self.commands = [queue.Queue() for _ in range(n)]
            self.answers = queue.Queue()
            self.members = [threading.Thread(target=client_loop, args=(url, i, self.commands[i], self.answers, timeout),
                                             daemon=True) for i in range(n)]
        for m in self.members:
            m.start()

    def each(self, make_cmd, timeout):
        for i in range(self.n):
            self.commands[i].put(make_cmd(i))
        out = [None] * self.n
        for _ in range(self.n):
            i, r = self.answers.get(timeout=timeout)
            if "fatal" in r:
                raise BenchError("client %d: %s" % (i, r["fatal"]))
            out[i] = r
        return out

    def close(self):
        for q in self.commands:
            q.put(None)
        for m in self.members:
            m.join(timeout=5)


def pct(sorted_values, p):
    if not sorted_values:
        return None
    k = min(len(sorted_values) - 1, max(0, int(round(p / 100.0 * len(sorted_values) + 0.5)) - 1))
    return sorted_values[k]


def cpu_seconds(pid):
    """User + system CPU time of a local process so far (Linux /proc), or None."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def sample_cpu(pid, t0, t1, out):
    for key, at in (("start", t0), ("end", t1)):
        time.sleep(max(0.0, at - time.time()))
        out[key] = cpu_seconds(pid)


def measure(clients, phase, args, round_no):
    start_at = time.time() + 0.3
    cpu = {}
    sampler = None
    if args.server_pid:
        t0 = start_at + args.warmup
        sampler = threading.Thread(target=sample_cpu, args=(args.server_pid, t0, t0 + args.duration, cpu), daemon=True)
        sampler.start()
    results = clients.each(lambda i: ("run", (phase, start_at, args.warmup, args.duration)),
                           timeout=args.warmup + args.duration + MAP_WAIT_SECONDS + 60)
    if sampler:
        sampler.join()
    errors = [e for r in results for e in r["errors"]]
    if errors:
        raise BenchError("%s: %d bad answers, first: %s" % (phase, len(errors), errors[0]))
    lat = sorted(x for r in results for x in r["latencies"])
    line = {"phase": phase, "round": round_no, "clients": clients.n, "workers": args.workers,
            "seconds": args.duration, "requests": len(lat),
            "per_s": round(len(lat) / args.duration, 1),
            "p50_ms": round(pct(lat, 50) * 1000, 2) if lat else None,
            "p99_ms": round(pct(lat, 99) * 1000, 2) if lat else None,
            "max_ms": round(lat[-1] * 1000, 2) if lat else None,
            "reconnects": sum(r["reconnects"] for r in results) - clients.n}
    if cpu.get("start") is not None and cpu.get("end") is not None and lat:
        # the server's CPU per request: steadier than the rate when other work shares the cores
        line["server_cpu_ms_per_req"] = round((cpu["end"] - cpu["start"]) * 1000 / len(lat), 3)
        line["server_cores_busy"] = round((cpu["end"] - cpu["start"]) / args.duration, 2)
    if phase != "health":
        # every job submitted (warm-up included) must end SUCCEEDED; every map answer in the window is checked
        checks = clients.each(lambda i: ("check", (results[i], args.sample_every, time.time() + 120)), timeout=600)
        problems = [p for c in checks for p in c["problems"]]
        count = sum(c["problem_count"] for c in checks)
        line["checked"] = sum(c["checked_jobs"] + c["checked_maps"] for c in checks)
        if count:
            raise BenchError("%s: %d wrong answers, first: %s" % (phase, count, problems[0]))
    return line


def summarize(lines):
    out = {}
    for phase in PHASES:
        mine = [l for l in lines if l["phase"] == phase]
        if not mine:
            continue
        rates = [l["per_s"] for l in mine]
        out[phase] = {"phase": phase, "summary": True, "rounds": len(mine),
                      "per_s_median": round(statistics.median(rates), 1), "per_s_min": min(rates), "per_s_max": max(rates),
                      "p50_ms_median": round(statistics.median(l["p50_ms"] for l in mine), 2),
                      "p99_ms_median": round(statistics.median(l["p99_ms"] for l in mine), 2),
                      "p99_ms_min": min(l["p99_ms"] for l in mine), "p99_ms_max": max(l["p99_ms"] for l in mine)}
        cpu = [l["server_cpu_ms_per_req"] for l in mine if "server_cpu_ms_per_req" in l]
        if cpu:
            out[phase]["server_cpu_ms_per_req_median"] = round(statistics.median(cpu), 3)
            out[phase]["server_cpu_ms_per_req_min"] = min(cpu)
            out[phase]["server_cpu_ms_per_req_max"] = max(cpu)
    ratios = {}
    for phase in ("jobs", "map"):
        if phase in out and "health" in out:
            # per round: the phase against the health check of the same round
            per_round = []
            for l in lines:
                if l["phase"] != phase:
                    continue
                h = [x for x in lines if x["phase"] == "health" and x["round"] == l["round"]]
                if h and h[0]["per_s"]:
                    per_round.append(round(l["per_s"] / h[0]["per_s"], 3))
            if per_round:
                ratios[phase] = per_round
    return out, ratios


def main(argv=None):
    ap = argparse.ArgumentParser(description="Small jobs against the health check, under concurrency.")
    ap.add_argument("--url", default="http://127.0.0.1:8080", help="service base URL (default %(default)s)")
    ap.add_argument("--clients", type=int, default=16, help="concurrent clients, one connection each (default %(default)s)")
    ap.add_argument("--workers", choices=("process", "thread"), default="process",
                    help="clients as processes (default) or threads of this process")
    ap.add_argument("--rounds", type=int, default=3, help="rounds of health, jobs, map (default %(default)s)")
    ap.add_argument("--warmup", type=float, default=3, help="seconds per phase not counted (default %(default)s)")
    ap.add_argument("--duration", type=float, default=10, help="measured seconds per phase (default %(default)s)")
    ap.add_argument("--warmup-rounds", type=int, default=1,
                    help="unreported rounds first, so that the JIT has compiled the paths of every phase (default %(default)s)")
    ap.add_argument("--sample-every", type=int, default=50,
                    help="jobs phase: check the results of every n-th job (all are checked for SUCCEEDED) (default %(default)s)")
    ap.add_argument("--phases", default=",".join(PHASES), help="comma-separated subset of %s" % ",".join(PHASES))
    ap.add_argument("--server-pid", type=int, default=0,
                    help="pid of a local server: also report its CPU time per request (from /proc)")
    ap.add_argument("--timeout", type=float, default=MAP_WAIT_SECONDS + 30, help="socket timeout, s")
    args = ap.parse_args(argv)
    phases = [p for p in args.phases.split(",") if p]
    if any(p not in PHASES for p in phases) or args.clients < 1 or args.rounds < 1 or args.duration <= 0:
        ap.error("bad arguments")

    try:
        Connection(args.url, 5).request("GET", "/actuator/health")
    except (OSError, BenchError) as e:
        print("small_jobs.py: cannot reach %s: %s" % (args.url, e), file=sys.stderr)
        return 2
    clients = Clients(args.url, args.clients, args.workers, args.timeout)
    lines = []
    try:
        for r in range(1 - args.warmup_rounds, args.rounds + 1):
            for phase in phases:
                line = measure(clients, phase, args, r)
                if r < 1:
                    continue  # a warm-up round: checked, not reported
                lines.append(line)
                print(json.dumps(line), flush=True)
    except (BenchError, queue.Empty) as e:
        print("small_jobs.py: %s" % (e or "a client did not answer"), file=sys.stderr)
        return 1
    finally:
        clients.close()

    summary, ratios = summarize(lines)
    for s in summary.values():
        print(json.dumps(s))
    print(json.dumps({"ratios_to_health": ratios}))
    print()
    print("%-7s | %-22s | %-8s | %-22s | %s" % ("phase", "per s (min-max)", "p50 ms", "p99 ms (min-max)",
                                                "server CPU ms/req (min-max)"))
    print("-" * 96)
    for s in summary.values():
        cpu = ("%.3f (%.3f-%.3f)" % (s["server_cpu_ms_per_req_median"], s["server_cpu_ms_per_req_min"],
                                     s["server_cpu_ms_per_req_max"])) if "server_cpu_ms_per_req_median" in s else "-"
        print("%-7s | %7.0f (%6.0f-%6.0f) | %8.2f | %6.1f (%6.1f-%6.1f) | %s" % (
            s["phase"], s["per_s_median"], s["per_s_min"], s["per_s_max"], s["p50_ms_median"],
            s["p99_ms_median"], s["p99_ms_min"], s["p99_ms_max"], cpu))
    for phase, rs in ratios.items():
        print("%s/health per round: %s" % (phase, ", ".join("%.2f" % x for x in rs)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
