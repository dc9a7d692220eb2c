"""Times a process function through its pipes, without the service: one chunk of N ints to
``poolbench.py square``, from writing the chunk line to reading its last answer.

    PYTHONPATH=clients/python python3 examples/process-functions/pipe_bench.py [N] [runs]
"""
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    env = dict(os.environ)
    env["PYTHONPATH"] = os.path.join(HERE, "..", "..", "clients", "python")
    worker = subprocess.Popen([sys.executable, os.path.join(HERE, "poolbench.py"), "square"],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
    assert json.loads(worker.stdout.readline()) == {"ready": True}
    line = json.dumps({"params": {}, "items": list(range(n))}, separators=(",", ":")).encode() + b"\n"
    for run in range(runs):
        t = time.perf_counter()
        worker.stdin.write(line)
        worker.stdin.flush()
        got, lines = 0, 0
        while got < n:
            answer = json.loads(worker.stdout.readline())
            got += len(answer["values"])
            lines += 1
        dt = time.perf_counter() - t
        print(json.dumps({"items": n, "run": run, "seconds": round(dt, 4), "lines": lines,
                          "items_per_s": round(n / dt)}))
    worker.stdin.close()
    assert worker.wait() == 0


if __name__ == "__main__":
    main()
