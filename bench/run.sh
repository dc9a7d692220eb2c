#!/usr/bin/env bash
# End-to-end benchmark: jobpool over HTTP vs Python's multiprocessing.Pool.
#
# usage: bash bench/run.sh [--no-build] [--process] [--repeat N] [WORKLOAD...]
#   --no-build   use the jar already in target/ instead of running ./mvnw package
#   --process    process functions: the peer's own Python functions (examples/process-functions/poolbench.py,
#                as py-square, py-sha256, py-primes, one process per core each) instead of the built-ins,
#                timed once all their processes are alive; then the protocol's overhead per item
#                (overhead-200k) and the initializer-once check (10 jobs of hello.py, bench/init_once.py)
#   --repeat N   timed runs per workload for jobpool (default 3; best is reported)
#   WORKLOAD     square-1M | sha256-2k-x2000 | primes-400-x20000 (default: all), or
#                overhead-200k (--process only: built-in square vs py-square on 200,000 ints), or
#                small-jobs: bench/small_jobs.py (tiny jobs from 16 clients against the health check; no peer)
# env:
#   BENCH_JAVA_OPTS  extra JVM options for the service (e.g. "-Xmx2g -XX:+UseParallelGC")
#   PEER             path of the Pool peer (default $ROOT/bench/pool_peer.py)
#   SMALL_JOBS_ARGS  extra arguments for small_jobs.py (e.g. "--rounds 5 --duration 10")
#
# The service is stopped before the peer runs, so the two never compete for the cores.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PEER="${PEER:-$ROOT/bench/pool_peer.py}"

BUILD=1
REPEAT=3
PROCESS=0
WORKLOADS=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --no-build) BUILD=0; shift ;;
    --process) PROCESS=1; shift ;;
    --repeat) REPEAT="${2:?--repeat needs a number}"; shift 2 ;;
    --repeat=*) REPEAT="${1#--repeat=}"; shift ;;
    -h|--help) sed -n '2,19p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
    small-jobs) SMALL_JOBS=1; shift ;;
    *) WORKLOADS+=("$1"); shift ;;
  esac
done
# small-jobs alone runs only small_jobs.py; with other workloads, it runs after them on the same service
PEER_RUN=1
if [[ ${SMALL_JOBS:-0} -eq 1 && ${#WORKLOADS[@]} -eq 0 ]]; then PEER_RUN=0; fi
# the peer runs the workloads it knows (overhead-200k is jobpool's alone); --process with no workload named
# runs all three, then overhead-200k and the initializer check
PEER_WORKLOADS=()
for w in ${WORKLOADS[@]+"${WORKLOADS[@]}"}; do
  if [[ "$w" == overhead-200k ]]; then
    if [[ $PROCESS -eq 0 ]]; then echo "run.sh: overhead-200k needs --process" >&2; exit 2; fi
  else
    PEER_WORKLOADS+=("$w")
  fi
done
INIT_CHECK=0
if [[ $PROCESS -eq 1 && ${#WORKLOADS[@]} -eq 0 ]]; then
  WORKLOADS=(square-1M sha256-2k-x2000 primes-400-x20000 overhead-200k)
  PEER_WORKLOADS=(square-1M sha256-2k-x2000 primes-400-x20000)
  INIT_CHECK=1
fi
if [[ $PROCESS -eq 1 && ${#PEER_WORKLOADS[@]} -eq 0 ]]; then PEER_RUN=0; fi

if [[ ! -f "$PEER" ]]; then
  echo "run.sh: peer not found at $PEER (set PEER=...)" >&2
  exit 2
fi

TMP="$(mktemp -d "${TMPDIR:-/tmp}/jobpool-bench.XXXXXX")"
LOG="$TMP/server.log"
SERVER_PID=""

stop_server() {
  if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    # graceful shutdown gets 30 s, then SIGKILL
    for _ in $(seq 1 300); do
      kill -0 "$SERVER_PID" 2>/dev/null || break
      sleep 0.1
    done
    kill -9 "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  SERVER_PID=""
}

on_exit() {
  local rc=$?
  stop_server
  if [[ $rc -ne 0 ]]; then
    if [[ -s "$LOG" ]]; then
      echo "---- last 40 lines of server log ($LOG) ----" >&2
      tail -n 40 "$LOG" >&2 || true
    fi
    echo "run.sh: failed (exit $rc); files kept in $TMP" >&2
  else
    rm -rf "$TMP"
  fi
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

echo "nproc: $(nproc)"
echo "java:  $(java -version 2>&1 | sed -n 1p)"
echo "python: $(python3 --version 2>&1)"

if [[ $BUILD -eq 1 ]]; then
  echo "building: ./mvnw -q -DskipTests package"
  (cd "$ROOT" && ./mvnw -q -DskipTests package)
fi

# the runnable jar: target/jobpool-*.jar, not the plain/sources/javadoc/tests/jmh ones (nor an old -spi one); newest wins
JAR=""
for f in "$ROOT"/target/jobpool-*.jar; do
  [[ -f "$f" ]] || continue
  case "$(basename "$f")" in
    *-spi.jar|*-plain.jar|*-sources.jar|*-javadoc.jar|*-tests.jar|*-jmh.jar|*-benchmarks.jar) continue ;;
  esac
  if [[ -z "$JAR" || "$f" -nt "$JAR" ]]; then JAR="$f"; fi
done
if [[ -z "$JAR" ]]; then
  echo "run.sh: no $ROOT/target/jobpool-*.jar (build it, or drop --no-build)" >&2
  exit 1
fi

PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
URL="http://127.0.0.1:$PORT"

# --process: the peer's functions as process functions, and hello.py for the initializer check
SERVICE_ARGS=()
if [[ $PROCESS -eq 1 ]]; then
  CORES="$(nproc)"
  for fn in square sha256 primes; do
    SERVICE_ARGS+=("--jobpool.process-functions.py-$fn.command=python3,-u,$ROOT/examples/process-functions/poolbench.py,$fn"
                   "--jobpool.process-functions.py-$fn.processes=$CORES"
                   "--jobpool.process-functions.py-$fn.environment.PYTHONPATH=$ROOT/clients/python")
  done
  if [[ $INIT_CHECK -eq 1 ]]; then
    : >"$TMP/hello-init.log"
    SERVICE_ARGS+=("--jobpool.process-functions.hello.command=python3,-u,$ROOT/examples/process-functions/hello.py"
                   "--jobpool.process-functions.hello.processes=$CORES"
                   "--jobpool.process-functions.hello.environment.PYTHONPATH=$ROOT/clients/python"
                   "--jobpool.process-functions.hello.environment.HELLO_INIT_LOG=$TMP/hello-init.log")
  fi
  echo "process functions: py-square, py-sha256, py-primes$([[ $INIT_CHECK -eq 1 ]] && echo ", hello"), $CORES processes each"
fi

echo "starting: java ${BENCH_JAVA_OPTS:-} -jar ${JAR#"$ROOT"/} --server.port=$PORT${SERVICE_ARGS[*]:+ (+ ${#SERVICE_ARGS[@]} process-function properties)} (log: $LOG)"
# shellcheck disable=SC2086  # BENCH_JAVA_OPTS is meant to be word-split
(cd "$ROOT" && exec java ${BENCH_JAVA_OPTS:-} -jar "$JAR" --server.port="$PORT" ${SERVICE_ARGS[@]+"${SERVICE_ARGS[@]}"}) >"$LOG" 2>&1 &
SERVER_PID=$!

# wait up to 60 s for /actuator/health to say UP
deadline=$((SECONDS + 60))
until python3 - "$URL/actuator/health" <<'PY' 2>/dev/null
import json, sys, urllib.request
with urllib.request.urlopen(sys.argv[1], timeout=2) as r:
    sys.exit(0 if json.load(r).get("status") == "UP" else 1)
PY
do
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    echo "run.sh: the service exited during start-up" >&2
    exit 1
  fi
  if (( SECONDS >= deadline )); then
    echo "run.sh: $URL/actuator/health not UP within 60 s" >&2
    exit 1
  fi
  sleep 0.5
done
echo "service UP at $URL"

if [[ $PROCESS -eq 1 ]]; then
  echo
  echo "== jobpool, process functions (POST /v1/map, end to end, best of $REPEAT after 1 warm-up, once all processes are alive) =="
  python3 "$ROOT/bench/e2e.py" --url "$URL" --repeat "$REPEAT" --process --server-pid "$SERVER_PID" ${WORKLOADS[@]+"${WORKLOADS[@]}"} | tee "$TMP/jobpool.jsonl"
  if [[ $INIT_CHECK -eq 1 ]]; then
    echo
    echo "== initializer once per process (bench/init_once.py: 10 jobs of hello) =="
    python3 "$ROOT/bench/init_once.py" --url "$URL" --function hello --log "$TMP/hello-init.log" --jobs 10 | tee "$TMP/init.jsonl"
  fi
elif [[ $PEER_RUN -eq 1 ]]; then
  echo
  echo "== jobpool (POST /v1/map, end to end, best of $REPEAT after 1 warm-up) =="
  python3 "$ROOT/bench/e2e.py" --url "$URL" --repeat "$REPEAT" ${WORKLOADS[@]+"${WORKLOADS[@]}"} | tee "$TMP/jobpool.jsonl"
fi

if [[ ${SMALL_JOBS:-0} -eq 1 ]]; then
  echo
  echo "== small jobs (bench/small_jobs.py: health, POST /v1/jobs, POST /v1/map from 16 clients) =="
  # shellcheck disable=SC2086  # SMALL_JOBS_ARGS is meant to be word-split
  python3 "$ROOT/bench/small_jobs.py" --url "$URL" --server-pid "$SERVER_PID" ${SMALL_JOBS_ARGS:-} | tee "$TMP/small_jobs.jsonl"
fi

stop_server

if [[ $PEER_RUN -eq 0 ]]; then
  exit 0
fi

echo
echo "== Python multiprocessing.Pool ($PEER) =="
if [[ $PROCESS -eq 1 ]]; then
  # same Python code on both sides: the peer gets the same best of N as jobpool
  echo "(best of $REPEAT)"
  python3 "$PEER" --repeat "$REPEAT" ${PEER_WORKLOADS[@]+"${PEER_WORKLOADS[@]}"} | tee "$TMP/pool.jsonl"
else
  python3 "$PEER" ${PEER_WORKLOADS[@]+"${PEER_WORKLOADS[@]}"} | tee "$TMP/pool.jsonl"
fi

echo
if [[ $PROCESS -eq 1 ]]; then
  python3 "$ROOT/bench/ratios.py" --process "$TMP/jobpool.jsonl" "$TMP/pool.jsonl"
else
  python3 "$ROOT/bench/ratios.py" "$TMP/jobpool.jsonl" "$TMP/pool.jsonl"
fi
