#!/usr/bin/env bash
# The engine alone (no HTTP, no JSON, no Spring) vs a plain parallel stream, with JMH.
#
# usage: bash bench/jmh.sh [JMH OPTIONS...]
#   any options are passed to org.openjdk.jmh.Main after the benchmark class, e.g.
#     bash bench/jmh.sh -p registry=simple        # one meter registry only
#     bash bench/jmh.sh -wi 1 -i 3                # fewer iterations
#   (a regexp given here is an additional include: JMH runs benchmarks matching either;
#    to run fewer benchmarks set JMH_INCLUDE instead)
# env:
#   JMH_INCLUDE  benchmark regexp (default: io.jobpool.bench.EngineBenchmark, i.e. all of them),
#                e.g. JMH_INCLUDE='EngineBenchmark.(engine|stream)Sha256'
#   JMH_JSON     keep JMH's JSON results in this file (default: a temp file, removed at exit)
#
# Prints nproc and java -version, runs EngineBenchmark, then the ratio engine / parallel stream
# per workload and meter registry (lower is better; goal <= 1.1 for sha256 and primes), both of
# the mean times and of the best (minimum) times, and of the process CPU time per operation
# (CpuTimeProfiler): on a shared machine the wall times swing with the others' load, the best and
# the CPU time much less.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TMP="$(mktemp -d "${TMPDIR:-/tmp}/jobpool-jmh.XXXXXX")"
trap 'rm -rf "$TMP"' EXIT
JSON="$(realpath -m "${JMH_JSON:-$TMP/jmh.json}")"   # relative to the caller's directory
cd "$ROOT"

echo "nproc: $(nproc)"
echo "java:  $(java -version 2>&1 | sed -n 1p)"

# One run over the service and the modules it needs (jobpool-spi, jobpool-client): the reactor hands it
# their classes directories. The relative outputFile lands in each module's own target/, so the
# service's class path is target/jmh-classpath.txt.
echo "building: ./mvnw -q -pl :jobpool -am -DskipTests test-compile dependency:build-classpath"
./mvnw -q -pl :jobpool -am -DskipTests test-compile dependency:build-classpath -Dmdep.includeScope=test \
  -Dmdep.outputFile=target/jmh-classpath.txt >/dev/null
CP="$(cat target/jmh-classpath.txt)"

echo "running: java -cp target/test-classes:target/classes:<deps> org.openjdk.jmh.Main ${JMH_INCLUDE:-io.jobpool.bench.EngineBenchmark} -rf json -rff $JSON -prof io.jobpool.bench.CpuTimeProfiler $*"
java -cp "target/test-classes:target/classes:$CP" org.openjdk.jmh.Main \
  "${JMH_INCLUDE:-io.jobpool.bench.EngineBenchmark}" -rf json -rff "$JSON" \
  -prof io.jobpool.bench.CpuTimeProfiler "$@"

echo
python3 - "$JSON" <<'PY'
import json, sys

results = json.load(open(sys.argv[1]))
score = {}   # (method, registry or None) -> (mean, error, best)
for r in results:
    method = r["benchmark"].rsplit(".", 1)[1]
    reg = (r.get("params") or {}).get("registry")
    m = r["primaryMetric"]
    err = m["scoreError"]
    err = err if isinstance(err, (int, float)) and err == err else 0.0
    raw = [x for fork in m.get("rawData", []) for x in fork] or [m["score"]]
    cpu = (r.get("secondaryMetrics") or {}).get("process.cpu", {}).get("score", float("nan"))
    score[(method, reg)] = (m["score"], err, min(raw), cpu)

GOALS = {"sha256": 1.1, "primes": 1.1, "square": None}
rows = []
for wl, goal in GOALS.items():
    cap = wl[0].upper() + wl[1:]
    base = score.get(("stream" + cap, None))
    if base is None:
        continue
    for (method, reg), (mean, err, best, cpu) in sorted(score.items(), key=lambda kv: (kv[0][0], kv[0][1] or "")):
        if not method.startswith("engine" + cap):
            continue
        chunks = method[len("engine" + cap):].lower() or "adaptive"
        ratio, ratio_best = mean / base[0], best / base[2]
        verdict = "" if goal is None else ("met" if ratio <= goal else "missed")
        rows.append((wl, chunks, reg or "simple", f"{mean:.1f} ± {err:.1f}", f"{base[0]:.1f} ± {base[1]:.1f}",
                     f"{ratio:.2f}", f"{best:.1f} / {base[2]:.1f}", f"{ratio_best:.2f}",
                     f"{cpu:.0f} / {base[3]:.0f}", f"{cpu / base[3]:.2f}",
                     f"<= {goal}" if goal else "-", verdict))

hdr = ("workload", "chunks", "registry", "engine ms (mean)", "stream ms (mean)", "ratio",
       "best ms engine / stream", "ratio of best",
       "CPU ms/op engine / stream", "CPU ratio", "goal", "")
if not rows:
    sys.exit("jmh.sh: no engine/stream pair in the results")
widths = [max(len(str(x[i])) for x in rows + [hdr]) for i in range(len(hdr))]
line = lambda xs: "| " + " | ".join(str(x).ljust(w) for x, w in zip(xs, widths)) + " |"
print("ratio = engine / parallel stream (lower is better); goal <= 1.1 for sha256 and primes (mean ratio)")
print(line(hdr))
print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
for r in rows:
    print(line(r))
PY
