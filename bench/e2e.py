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
  {"workload", "items", "seconds" (best), "median_seconds", "items_per_s" (from best), "runs"}

Standard library only. Exit status: 0 ok, 1 wrong answer / HTTP error, 2 usage or unreachable.
"""
import argparse
import hashlib
import http.client
import json
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

def _square_request():
    return {"function": "square", "inputs": list(range(1_000_000))}


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
    return {"function": "sha256", "params": {"rounds": 2000},
            "inputs": ["item-%d" % i for i in range(2000)]}


def _sha_check(results):
    for i in (0, 1, 999, 1999):
        want = sha256_rounds("item-%d" % i, 2000)
        if results[i] != want:
            return "sha256('item-%d', rounds=2000): got %r, want %r" % (i, results[i], want)
    return None


def _primes_request():
    return {"function": "primes", "inputs": [20000] * 400, "chunkSize": 1}


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

    def post(self, path, body):
        """POST pre-encoded body; returns (status, headers, raw body bytes, seconds).

        seconds: from sending the request to having read the whole body.
        """
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        for attempt in (1, 2):
            if self.conn is None:
                self._connect()
            try:
                t = time.perf_counter()
                self.conn.request("POST", self.base + path, body=body, headers=headers)
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
    items, make, checker = WORKLOADS[name]
    body = json.dumps(make(), separators=(",", ":")).encode()  # not timed
    data, _ = run_once(client, name, body)  # warm-up (JIT), not timed
    check(name, items, checker, data)
    times = []
    for _ in range(repeat):
        data, dt = run_once(client, name, body)
        check(name, items, checker, data)  # after the timer stopped
        times.append(dt)
        del data
    best = min(times)
    return {"workload": name, "items": items, "seconds": round(best, 4),
            "median_seconds": round(statistics.median(times), 4),
            "items_per_s": round(items / best, 1),
            "runs": [round(t, 4) for t in times]}


def main(argv=None):
    ap = argparse.ArgumentParser(description="End-to-end jobpool benchmark (POST /v1/map).")
    ap.add_argument("--url", default="http://127.0.0.1:8080", help="service base URL (default %(default)s)")
    ap.add_argument("--repeat", type=int, default=3, help="timed runs per workload, best is reported (default %(default)s)")
    ap.add_argument("--timeout", type=float, default=WAIT_SECONDS + 60,
                    help="socket timeout in seconds (default %(default)s)")
    ap.add_argument("workloads", nargs="*", metavar="WORKLOAD",
                    help="workloads to run (default all): " + ", ".join(WORKLOADS))
    args = ap.parse_args(argv)
    if args.repeat < 1:
        ap.error("--repeat must be >= 1")
    unknown = [w for w in args.workloads if w not in WORKLOADS]
    if unknown:
        ap.error("unknown workload(s) %s; known: %s" % (", ".join(unknown), ", ".join(WORKLOADS)))
    names = args.workloads or list(WORKLOADS)

    try:
        client = Client(args.url, args.timeout)
    except BenchError as e:
        print("e2e.py: %s" % e, file=sys.stderr)
        return e.code
    try:
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
