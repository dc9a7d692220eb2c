#!/usr/bin/env python3
"""Cluster mode, measured: scaling, coordination overhead and a member's loss.

Starts members of the packaged jar on loopback, each with ONE CPU worker (--jobpool.workers=1), so that
on a small machine the number of members, not of cores, sets the parallelism. Every figure is a ratio
against a reference measured in the same run, never a lone time:

  scale     a CPU-bound job (SHA-256, --rounds rounds, --items items) on a cluster of 1 member, then of
            2 members: time(2) / time(1). The goal is <= 0.6 (two members' workers nearly halve it).
            A plain single node (no cluster) with one worker is the reference of the cluster of 1, and
            the same node with two workers says what the machine itself gives two workers (the bound).
  overhead  per job: a 1-item job (submit, run, wait for its end) on a plain node, then on clusters of
            1, 2, 3 members; per chunk: a job of --chunk-items items of `square` with chunkSize 1, the
            same way. Reported as the time each costs beyond the plain node's, per job and per chunk.
  open      an open job of `square` fed --batches batches of --batch-items items, each batch through the
            next member in turn (each waits for its answer), then closed and waited for: on a plain node,
            then on clusters of 1, 2, 3 members. Reported as the time each batch costs beyond the plain
            node's (the batch is stored with its backup and numbered in the cluster before its answer).
  kill      3 members; the --items job submitted to member 0; at a third done, member 2 is killed with
            SIGKILL. Reported: the time from the kill to the job's end against the time the same job
            takes on the two survivors alone, the chunks run again, and whether every result is right.

Each member is a separate JVM: 3 JVMs on 2 cores compete with each other, which is part of what is
measured. Warm-up runs come first and are not counted; best of --repeat is reported. Standard library
only. Exit status: 0 done, 1 a wrong result, 2 usage or a member that would not start.

usage: python3 bench/cluster.py [--jar target/jobpool-*.jar] [--phases scale,overhead,open,kill] [--repeat 3]
"""
import argparse
import glob
import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def free_port(low=None):
    if low is None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            return s.getsockname()[1]
    import random
    for _ in range(200):
        port = random.randint(low, low + 10000)
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
                return port
            except OSError:
                continue
    raise SystemExit("no free port")


class Member:
    def __init__(self, jar, http_port, cluster_port=None, members=None, workers=1):
        self.http_port = http_port
        self.log = tempfile.NamedTemporaryFile(prefix="jobpool-bench-", suffix=".log", delete=False)
        command = ["java", "-jar", jar, "--server.port=%d" % http_port, "--jobpool.workers=%d" % workers]
        if cluster_port:
            command += ["--jobpool.cluster.enabled=true", "--jobpool.cluster.address=127.0.0.1",
                        "--jobpool.cluster.port=%d" % cluster_port, "--jobpool.cluster.members=" + members]
        self.process = subprocess.Popen(command, stdout=self.log, stderr=subprocess.STDOUT)

    def url(self, path):
        return "http://127.0.0.1:%d%s" % (self.http_port, path)

    def get(self, path):
        with urllib.request.urlopen(self.url(path), timeout=120) as answer:
            return json.loads(answer.read())

    def post(self, path, body):
        request = urllib.request.Request(self.url(path), data=json.dumps(body).encode(),
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=600) as answer:
            return json.loads(answer.read())

    def metric(self, name, tag=None):
        try:
            data = self.get("/actuator/metrics/%s%s" % (name, "?tag=" + tag if tag else ""))
            return data["measurements"][0]["value"]
        except Exception:
            return -1

    def up(self):
        try:
            return self.get("/actuator/health")["status"] == "UP"
        except Exception:
            return False

    def kill(self, sig=signal.SIGKILL):
        if self.process.poll() is None:
            self.process.send_signal(sig)
            self.process.wait(timeout=90)


def start(jar, count, cluster=True, workers=1):
    """count members (or one plain node if not cluster); returns them once each sees all."""
    if not cluster:
        node = Member(jar, free_port(), workers=workers)
        wait_until(lambda: node.up(), node, "a plain node")
        return [node]
    ports = [free_port(20000) for _ in range(count)]
    members_list = ",".join("127.0.0.1:%d" % p for p in ports)
    members = [Member(jar, free_port(), port, members_list) for port in ports]
    for member in members:
        wait_until(lambda m=member: m.metric("jobpool.cluster.members") == count, member, "%d members" % count)
    return members


def wait_until(condition, member, what, timeout=180):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if member.process.poll() is not None:
            raise SystemExit("a member exited while waiting for %s; its log: %s" % (what, member.log.name))
        if condition():
            return
        time.sleep(0.25)
    raise SystemExit("timed out waiting for %s; log: %s" % (what, member.log.name))


def stop(members):
    for member in members:
        member.kill(signal.SIGTERM)


def sha_job(items, rounds):
    return {"function": "sha256", "params": {"rounds": rounds}, "inputs": ["item-%d" % i for i in range(items)]}


def sha_expected(items, rounds):
    values = []
    for i in range(items):
        data = ("item-%d" % i).encode()
        for _ in range(rounds):
            data = hashlib.sha256(data).digest()
        values.append(data.hex())
    return values


def timed_map(member, body):
    started = time.perf_counter()
    answer = member.post("/v1/map", body)
    return time.perf_counter() - started, answer


def best_map(member, body, repeat, warmup):
    for _ in range(warmup):
        timed_map(member, body)
    times = []
    answer = None
    for _ in range(repeat):
        seconds, answer = timed_map(member, body)
        times.append(seconds)
    return min(times), answer


def phase_scale(jar, args, expected):
    body = sha_job(args.items, args.rounds)
    out = {}
    for label, count, cluster, workers in (("plain", 1, False, 1), ("plain-2-workers", 1, False, 2),
                                           ("cluster-1", 1, True, 1), ("cluster-2", 2, True, 1)):
        members = start(jar, count, cluster, workers)
        try:
            # every member warms up: the job's chunks spread over all of them
            seconds, answer = best_map(members[0], body, args.repeat, warmup=2)
            if answer["results"] != expected:
                print("scale: wrong results on %s" % label)
                sys.exit(1)
            out[label] = seconds
            print(json.dumps({"phase": "scale", "members": label, "seconds": round(seconds, 3)}), flush=True)
        finally:
            stop(members)
    out["ratio_2_over_1"] = out["cluster-2"] / out["cluster-1"]
    out["ratio_plain_2_workers"] = out["plain-2-workers"] / out["plain"]
    out["ratio_cluster1_over_plain"] = out["cluster-1"] / out["plain"]
    return out


def small_jobs(member, body, count):
    started = time.perf_counter()
    for _ in range(count):
        answer = member.post("/v1/map", body)
        if answer["state"] != "SUCCEEDED":
            print("overhead: a job ended %s" % answer["state"])
            sys.exit(1)
    return (time.perf_counter() - started) / count


def phase_overhead(jar, args):
    one_item = {"function": "square", "inputs": [7]}
    chunks = {"function": "square", "inputs": list(range(args.chunk_items)), "chunkSize": 1}
    out = {}
    for label, count, cluster in (("plain", 1, False), ("cluster-1", 1, True), ("cluster-2", 2, True),
                                  ("cluster-3", 3, True)):
        members = start(jar, count, cluster)
        try:
            small_jobs(members[0], one_item, 50)  # warm-up
            per_job = min(small_jobs(members[0], one_item, args.jobs) for _ in range(args.repeat))
            small_jobs(members[0], chunks, 2)
            per_chunk = min(small_jobs(members[0], chunks, 1) for _ in range(args.repeat)) / args.chunk_items
            out[label] = {"per_job_ms": per_job * 1000, "per_chunk_ms": per_chunk * 1000}
            print(json.dumps({"phase": "overhead", "members": label, "per_job_ms": round(per_job * 1000, 3),
                              "per_chunk_ms": round(per_chunk * 1000, 3)}), flush=True)
        finally:
            stop(members)
    return out


def feed(members, batch, count):
    """Seconds per batch of an open job fed count batches through the members in turn, closed, then ended."""
    job = members[0].post("/v1/jobs", {"function": "square", "open": True})["id"]
    started = time.perf_counter()
    for index in range(count):
        members[index % len(members)].post("/v1/jobs/%s/inputs" % job, batch)
    members[-1].post("/v1/jobs/%s/close" % job, {})
    while members[0].get("/v1/jobs/%s" % job)["state"] not in ("SUCCEEDED", "FAILED", "CANCELLED", "TIMED_OUT"):
        time.sleep(0.005)
    seconds = time.perf_counter() - started
    state = members[0].get("/v1/jobs/%s" % job)
    if state["state"] != "SUCCEEDED" or state["completed"] != count * len(batch):
        print("open: the job ended %s with %d of %d items" % (state["state"], state["completed"], count * len(batch)))
        sys.exit(1)
    return seconds / count


def phase_open(jar, args):
    batch = list(range(args.batch_items))
    out = {}
    for label, count, cluster in (("plain", 1, False), ("cluster-1", 1, True), ("cluster-2", 2, True),
                                  ("cluster-3", 3, True)):
        members = start(jar, count, cluster)
        try:
            feed(members, batch, 20)  # warm-up
            per_batch = min(feed(members, batch, args.batches) for _ in range(args.repeat))
            out[label] = {"per_batch_ms": per_batch * 1000}
            print(json.dumps({"phase": "open", "members": label, "per_batch_ms": round(per_batch * 1000, 3)}), flush=True)
        finally:
            stop(members)
    return out


def phase_kill(jar, args, expected):
    body = sha_job(args.items, args.rounds)
    members = start(jar, 3)
    try:
        for _ in range(2):
            timed_map(members[0], body)  # warm-up, on all three
        # the reference: the same job on two members (the survivors' share of the machine)
        members[2].kill(signal.SIGTERM)
        wait_until(lambda: members[0].metric("jobpool.cluster.members") == 2, members[0], "2 members")
        two, _ = best_map(members[0], body, args.repeat, warmup=1)
        members[2] = Member(jar, members[2].http_port, *restart_args(members))
        for member in members:
            wait_until(lambda m=member: m.metric("jobpool.cluster.members") == 3, member, "3 members")
        timed_map(members[0], body)  # the new member warms up
        rerun_before = sum(m.metric("jobpool.cluster.chunks", "outcome:rerun") for m in members[:2])

        started = time.perf_counter()
        job = members[0].post("/v1/jobs", body)
        while members[0].get("/v1/jobs/" + job["id"])["completed"] < args.items // 3:
            time.sleep(0.01)
        killed = time.perf_counter()
        members[2].kill()
        while True:
            status = members[0].get("/v1/jobs/" + job["id"])
            if status["state"] not in ("QUEUED", "RUNNING"):
                break
            time.sleep(0.01)
        ended = time.perf_counter()
        results = members[0].get("/v1/jobs/%s/results?limit=%d" % (job["id"], args.items))["results"]
        rerun = sum(m.metric("jobpool.cluster.chunks", "outcome:rerun") for m in members[:2]) - rerun_before
        out = {"state": status["state"], "right": results == expected, "seconds_to_kill": killed - started,
               "seconds_kill_to_end": ended - killed, "whole_job_on_two": two,
               "left_share": 1 - status["completed"] / args.items if status["state"] != "SUCCEEDED" else None,
               "chunks_rerun": rerun}
        print(json.dumps({"phase": "kill", **{k: (round(v, 3) if isinstance(v, float) else v) for k, v in out.items()}}),
              flush=True)
        if not out["right"]:
            sys.exit(1)
        return out
    finally:
        stop(members)


def restart_args(members):
    """The cluster port and member list of the last member, read back from its command line."""
    command = members[2].process.args
    port = int(next(a for a in command if a.startswith("--jobpool.cluster.port=")).split("=")[1])
    member_list = next(a for a in command if a.startswith("--jobpool.cluster.members=")).split("=", 1)[1]
    return port, member_list


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--jar", default=None)
    parser.add_argument("--phases", default="scale,overhead,open,kill")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--items", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=20000)
    parser.add_argument("--jobs", type=int, default=100, help="1-item jobs per overhead measurement")
    parser.add_argument("--chunk-items", type=int, default=1000, help="items (chunks of 1) per chunk measurement")
    parser.add_argument("--batches", type=int, default=100, help="batches per open job")
    parser.add_argument("--batch-items", type=int, default=100, help="items per batch of the open job")
    args = parser.parse_args()
    jar = args.jar or next(iter(sorted(glob.glob(os.path.join(ROOT, "target", "jobpool-*.jar")))), None)
    if not jar or not os.path.exists(jar):
        print("no jar: run ./mvnw -DskipTests package first, or give --jar", file=sys.stderr)
        return 2
    phases = args.phases.split(",")
    expected = sha_expected(args.items, args.rounds) if {"scale", "kill"} & set(phases) else None
    summary = {}
    if "scale" in phases:
        summary["scale"] = phase_scale(jar, args, expected)
    if "overhead" in phases:
        summary["overhead"] = phase_overhead(jar, args)
    if "open" in phases:
        summary["open"] = phase_open(jar, args)
    if "kill" in phases:
        summary["kill"] = phase_kill(jar, args, expected)

    print()
    if "scale" in summary:
        s = summary["scale"]
        print("scale (SHA-256 x%d, %d items, best of %d): 2 members / 1 member = %.2f  (goal <= 0.6);"
              " the machine's own: one node with 2 workers / 1 worker = %.2f; cluster of 1 / plain node = %.2f" % (
                  args.rounds, args.items, args.repeat, s["ratio_2_over_1"], s["ratio_plain_2_workers"],
                  s["ratio_cluster1_over_plain"]))
    if "overhead" in summary:
        o = summary["overhead"]
        base = o["plain"]
        for label in ("cluster-1", "cluster-2", "cluster-3"):
            print("overhead %s vs plain node: +%.2f ms per 1-item job (%.2fx), +%.3f ms per chunk (%.2fx)" % (
                label, o[label]["per_job_ms"] - base["per_job_ms"], o[label]["per_job_ms"] / base["per_job_ms"],
                o[label]["per_chunk_ms"] - base["per_chunk_ms"], o[label]["per_chunk_ms"] / base["per_chunk_ms"]))
    if "open" in summary:
        o = summary["open"]
        base = o["plain"]["per_batch_ms"]
        for label in ("cluster-1", "cluster-2", "cluster-3"):
            print("open job %s vs plain node: +%.2f ms per batch of %d (%.2fx)" % (
                label, o[label]["per_batch_ms"] - base, args.batch_items, o[label]["per_batch_ms"] / base))
    if "kill" in summary:
        k = summary["kill"]
        print("kill -9 of 1 of 3 members a third into the job: %s, results right: %s; kill to last result %.2f s ="
              " %.2fx the whole job on the two survivors; %d chunk(s) ran again" % (
                  k["state"], k["right"], k["seconds_kill_to_end"], k["seconds_kill_to_end"] / k["whole_job_on_two"],
                  int(k["chunks_rerun"])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
