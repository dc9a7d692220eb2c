"""The worker SDK (jobpool.worker) and the example process functions, speaking the process-function
protocol (docs/process-functions.md) with real worker processes over pipes.

No jobpool service is needed: these tests are the service's side of the pipes. They run in the same
discovery as test_pool.py, with or without JOBPOOL_URL:

    cd clients/python && python3 -m unittest tests.test_worker -v
"""

import hashlib
import json
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import unittest

CLIENT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLES = os.path.join(os.path.dirname(os.path.dirname(CLIENT)), "examples", "process-functions")
TIMEOUT = 30  # seconds to wait for any one line or exit; generous for a loaded CI machine


class Worker:
    """One worker process, seen from the service's side: writes chunk lines, reads answer lines.

    Every standard-output line is checked to be a protocol line; standard error goes to a file."""

    def __init__(self, argv, env=None):
        self.stderr_file = tempfile.TemporaryFile()
        full_env = dict(os.environ)
        full_env["PYTHONPATH"] = CLIENT
        full_env["PYTHONDONTWRITEBYTECODE"] = "1"  # no __pycache__ in the source tree
        full_env.pop("PYTHONUNBUFFERED", None)
        full_env.update(env or {})
        self.process = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=self.stderr_file, env=full_env)
        self.lines = queue.Queue()
        self.raw = []  # every stdout line, as bytes
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.process.stdout:
            self.raw.append(line)
            self.lines.put(line)
        self.lines.put(None)  # EOF

    def line(self):
        """The next standard-output line, parsed; None at end of output."""
        try:
            line = self.lines.get(timeout=TIMEOUT)
        except queue.Empty:
            raise AssertionError("no output line within %s s; stderr:\n%s" % (TIMEOUT, self.stderr()))
        if line is None:
            return None
        assert line.endswith(b"\n"), line
        return json.loads(line)

    def ready(self):
        first = self.line()
        assert first == {"ready": True}, "expected the ready line, got %r; stderr:\n%s" % (first, self.stderr())
        return self

    def send(self, items, params=None):
        self.process.stdin.write(json.dumps({"params": params or {}, "items": items}).encode() + b"\n")
        self.process.stdin.flush()

    def outcomes(self, count):
        """The next ``count`` outcomes: ("value", v) or ("error", type, message); also the line count."""
        got, lines = [], 0
        while len(got) < count:
            answer = self.line()
            if answer is None:
                raise AssertionError("output ended after %d of %d outcomes; stderr:\n%s"
                                     % (len(got), count, self.stderr()))
            lines += 1
            if set(answer) == {"values"}:
                assert isinstance(answer["values"], list) and answer["values"], answer
                got.extend(("value", v) for v in answer["values"])
            elif set(answer) == {"error"}:
                error = answer["error"]
                assert set(error) == {"type", "message"}, answer
                assert error["type"] and error["message"], answer
                got.append(("error", error["type"], error["message"]))
            else:
                raise AssertionError("not a protocol line: %r" % (answer,))
        assert len(got) == count, "more outcomes than items: %r" % (got,)
        self.last_line_count = lines
        return got

    def map(self, items, params=None):
        self.send(items, params)
        return self.outcomes(len(items))

    def close(self):
        """Closes standard input and returns the exit status."""
        try:
            self.process.stdin.close()
        except BrokenPipeError:
            pass
        return self.wait()

    def wait(self):
        try:
            return self.process.wait(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise AssertionError("the worker did not exit within %s s" % TIMEOUT)

    def stdout_rest(self):
        """Whatever else the worker wrote to standard output before it ended (as parsed lines)."""
        rest = []
        while True:
            line = self.line()
            if line is None:
                return rest
            rest.append(line)

    def stderr(self):
        self.stderr_file.seek(0)
        return self.stderr_file.read().decode("utf-8", "replace")

    def kill(self):
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            try:
                stream.close()
            except OSError:
                pass
        self.stderr_file.close()


def values(*vs):
    return [("value", v) for v in vs]


class WorkerTestCase(unittest.TestCase):

    def start(self, argv, env=None):
        worker = Worker(argv, env)
        self.addCleanup(worker.kill)
        return worker

    def example(self, name, *args, env=None):
        return self.start([sys.executable, os.path.join(EXAMPLES, name)] + list(args), env)

    def script(self, source, env=None):
        """A worker from inline source; ``serve`` and ``params`` are imported for it."""
        source = "from jobpool.worker import serve, params\n" + textwrap.dedent(source)
        return self.start([sys.executable, "-c", source], env)

    def assert_stdout_all_protocol(self, worker):
        for raw in worker.raw:
            line = json.loads(raw)
            self.assertIsInstance(line, dict, raw)
            self.assertIn(set(line), ({"ready"}, {"values"}, {"error"}), raw)


class PythonSdkTest(WorkerTestCase):

    def test_ready_line_then_values_in_item_order(self):
        w = self.example("poolbench.py", "square").ready()
        self.assertEqual(w.raw, [b'{"ready":true}\n'])
        self.assertEqual(w.map([1, 2, 3, 9223372036854775807]),
                         values(1, 4, 9, 85070591730234615847396907784232501249))
        self.assertEqual(w.map([]), [])  # an empty chunk has nothing to answer
        self.assertEqual(w.map([5]), values(25))
        self.assertEqual(w.close(), 0)

    def test_exception_is_an_error_line_for_that_item_and_the_chunk_goes_on(self):
        w = self.example("hello.py").ready()
        self.assertEqual(w.map(["world", "abc", 3, "x"], {"greeting": "hello"}),
                         [("value", "hello world"), ("value", "hello abc"),
                          ("error", "ValueError", "3 is not a name"), ("value", "hello x")])
        self.assertIn("ValueError: 3 is not a name", w.stderr())  # the traceback is logged
        self.assertEqual(w.close(), 0)

    def test_error_message_is_never_empty_and_type_is_the_class_name(self):
        w = self.script("""
            class Oops(Exception):
                pass
            def f(x):
                if x == 1:
                    raise Oops()
                if x == 2:
                    raise KeyError("k")
                return x
            serve(f)
            """).ready()
        self.assertEqual(w.map([0, 1, 2, 3]),
                         [("value", 0), ("error", "Oops", "Oops"), ("error", "KeyError", "'k'"), ("value", 3)])
        self.assertEqual(w.close(), 0)

    def test_results_json_cannot_encode_are_item_errors_in_place(self):
        w = self.script("""
            def f(x):
                return {"nan": float("nan"), "set": {1}, "ok": [1, "two", None, True, {"k": 1.5}]}[x]
            serve(f)
            """).ready()
        out = w.map(["ok", "nan", "set", "ok"])
        self.assertEqual(out[0], ("value", [1, "two", None, True, {"k": 1.5}]))
        self.assertEqual(out[1][:2], ("error", "ValueError"))
        self.assertEqual(out[2][:2], ("error", "TypeError"))
        self.assertEqual(out[3], ("value", [1, "two", None, True, {"k": 1.5}]))
        self.assertEqual(w.close(), 0)

    def test_prints_and_fd1_writes_go_to_stderr_never_to_the_protocol(self):
        w = self.script("""
            import os, subprocess, sys
            def init():
                print("from the initializer")
            def f(x):
                print("print", x)
                sys.stdout.write("sys.stdout %s\\n" % x)
                os.write(1, b"fd one\\n")  # what C code writing to stdout does
                subprocess.run([sys.executable, "-c", "print('child process')"], check=True)
                return x
            print("buffered before serve")  # still in sys.stdout's buffer: goes to stderr with it
            serve(f, initializer=init)
            """).ready()
        self.assertEqual(w.map([1, 2]), values(1, 2))
        self.assertEqual(w.close(), 0)
        self.assert_stdout_all_protocol(w)
        self.assertEqual(len(w.raw), 2)  # ready, then one values line
        err = w.stderr()
        for text in ("buffered before serve", "from the initializer", "print 1", "sys.stdout 2",
                     "fd one", "child process"):
            self.assertIn(text, err)

    def test_faulty_print_lands_on_stderr(self):
        w = self.example("faulty.py").ready()
        self.assertEqual(w.map(["a", "print", "raise", "b"]),
                         [("value", "a"), ("value", "printed"), ("error", "ValueError", "bad item"),
                          ("value", "b")])
        self.assertEqual(w.close(), 0)
        self.assert_stdout_all_protocol(w)
        self.assertIn("noise on stdout", w.stderr())

    def test_initializer_runs_once_across_chunks(self):
        with tempfile.TemporaryDirectory() as tmp:
            log = os.path.join(tmp, "init.log")
            w = self.example("hello.py", env={"HELLO_INIT_LOG": log}).ready()
            for n in range(4):
                self.assertEqual(w.map(["n%d" % n]), values("hello n%d" % n))
            first = w.map(["world"], {"fingerprint": True})[0][1]
            self.assertRegex(first, r"^hello world #[0-9a-f]{8}$")
            self.assertEqual(w.map(["world"], {"fingerprint": True})[0][1], first)
            self.assertEqual(w.close(), 0)
            with open(log) as f:
                self.assertEqual(f.read().split(), [str(w.process.pid)])
        self.assertIn("initialised in", w.stderr())  # hello's print, on stderr

    def test_initializer_failure_exits_1_with_traceback_and_no_ready_line(self):
        w = self.example("faulty.py", env={"FAULTY_INIT": "fail"})
        self.assertEqual(w.wait(), 1)
        self.assertEqual(w.stdout_rest(), [])
        err = w.stderr()
        self.assertIn("Traceback", err)
        self.assertIn("RuntimeError: initializer broke on purpose", err)

    def test_initargs_are_passed_to_the_initializer(self):
        w = self.script("""
            state = {}
            def init(a, b):
                state["sum"] = a + b
            serve(lambda x: x + state["sum"], initializer=init, initargs=(40, 2))
            """).ready()
        self.assertEqual(w.map([0, 1]), values(42, 43))
        self.assertEqual(w.close(), 0)

    def test_stdin_eof_exits_0(self):
        self.assertEqual(self.example("poolbench.py", "square").ready().close(), 0)
        w = self.example("poolbench.py", "primes").ready()
        self.assertEqual(w.map([10, 100]), values(4, 25))
        self.assertEqual(w.close(), 0)
        self.assertEqual(w.stdout_rest(), [])

    def test_star_unpacks_each_item(self):
        w = self.example("poolbench.py", "sha256").ready()
        expected = b"a"
        for _ in range(3):
            expected = hashlib.sha256(expected).digest()
        out = w.map([["a", 3], ["b", 0], 7])
        self.assertEqual(out[:2], values(expected.hex(), b"b".hex()))
        self.assertEqual(out[2][:2], ("error", "TypeError"))  # 7 cannot be unpacked
        self.assertEqual(w.close(), 0)

    def test_params_are_the_current_chunks(self):
        w = self.script("""
            def init():
                assert params() == {}, params()
            def f(x):
                return [x, params()]
            serve(f, initializer=init)
            """).ready()
        self.assertEqual(w.map([1], {"greeting": "hi", "n": [1, 2]}), values([1, {"greeting": "hi", "n": [1, 2]}]))
        self.assertEqual(w.map([2]), values([2, {}]))
        w.process.stdin.write(b'{"items":[3]}\n{"params":null,"items":[4]}\n')
        w.process.stdin.flush()
        self.assertEqual(w.outcomes(2), values([3, {}], [4, {}]))
        self.assertEqual(w.close(), 0)

    def test_malformed_input_line_exits_2(self):
        for bad in (b"not json\n", b"[1, 2]\n", b'{"params": {}}\n', b'{"params": 3, "items": []}\n'):
            with self.subTest(line=bad):
                w = self.example("poolbench.py", "square").ready()
                w.process.stdin.write(bad)
                w.process.stdin.flush()
                self.assertEqual(w.wait(), 2)
                self.assertEqual(w.stdout_rest(), [])
                self.assertIn("jobpool.worker: input line 1", w.stderr())

    def test_system_exit_and_keyboard_interrupt_are_not_item_errors(self):
        for raised, status in (("SystemExit(5)", 5), ("KeyboardInterrupt()", None)):
            with self.subTest(raised=raised):
                w = self.script("""
                    def f(x):
                        if x == 2:
                            raise %s
                        return x
                    serve(f)
                    """ % raised).ready()
                w.send([1, 2, 3])
                self.assertEqual(w.outcomes(1), values(1))  # what was done before is sent
                self.assertEqual(w.stdout_rest(), [])  # and no outcome for 2 or 3
                code = w.wait()
                if status is None:
                    self.assertNotEqual(code, 0)
                else:
                    self.assertEqual(code, status)

    def test_long_chunk_sends_results_as_it_goes(self):
        w = self.script("""
            import time
            def f(x):
                time.sleep(0.05)
                return x
            serve(f)
            """).ready()
        started = time.monotonic()
        w.send(list(range(30)))  # about 1.5 s of work
        first = w.line()
        first_after = time.monotonic() - started
        self.assertLess(first_after, 1.2, "the first results came only after %.2f s" % first_after)
        done = len(first["values"])
        self.assertEqual(first["values"], list(range(done)))
        self.assertEqual(w.outcomes(30 - done), values(*range(done, 30)))
        self.assertGreaterEqual(w.last_line_count, 3)  # in several lines, not one at the end
        self.assertEqual(w.close(), 0)

    def test_a_big_chunk_is_answered_in_bounded_lines(self):
        w = self.example("poolbench.py", "square").ready()
        n = 200_000
        out = w.map(list(range(n)))
        self.assertEqual(len(out), n)
        self.assertEqual(out[-1], ("value", (n - 1) ** 2))
        self.assertEqual([v for _, v in out[:5]], [0, 1, 4, 9, 16])
        self.assertTrue(all(len(raw) <= (1 << 20) + 64 for raw in w.raw), [len(r) for r in w.raw])
        self.assertEqual(w.close(), 0)

    def test_one_unencodable_result_does_not_make_one_huge_line(self):
        # Review: when a piece of results fails to encode (one NaN), _send_values_one_by_one writes all the
        # other results of the piece as ONE values line, with no MAX_VALUES_LINE bound: here 4095 results
        # of 5000 characters, a 20 MB line, over the service's default max-message-size (16MB), so the
        # service ends the process and fails every item left as ProtocolError.
        w = self.script("""
            def f(x):
                return float("nan") if x == 0 else "x" * 5000
            serve(f)
            """).ready()
        out = w.map(list(range(4096)))
        self.assertEqual(out[0][:2], ("error", "ValueError"))
        self.assertEqual(len(out), 4096)
        self.assertTrue(all(len(raw) <= (1 << 20) + 64 for raw in w.raw), max(len(r) for r in w.raw))
        self.assertEqual(w.close(), 0)

    def test_slot_reports_cuda_visible_devices_and_pid(self):
        w = self.example("slot.py", env={"CUDA_VISIBLE_DEVICES": "1"}).ready()
        self.assertEqual(w.map(["a", 2]), values({"slot": "1", "pid": w.process.pid},
                                                 {"slot": "1", "pid": w.process.pid}))
        self.assertEqual(w.close(), 0)

    def test_faulty_crash_ends_the_process(self):
        w = self.example("faulty.py").ready()
        w.send(["crash", "a"])
        self.assertEqual(w.wait(), 3)
        self.assertEqual(w.stdout_rest(), [])


@unittest.skipUnless(shutil.which("node"),
                     "test_worker.UpperJsTest (examples/process-functions/upper.js): node is not on PATH")
class UpperJsTest(WorkerTestCase):
    """The Node.js worker of docs/process-functions.md: the protocol is all a worker needs."""

    def node(self):
        return self.start([shutil.which("node"), os.path.join(EXAMPLES, "upper.js")]).ready()

    def test_values_and_errors_in_item_order(self):
        w = self.node()
        self.assertEqual(w.map(["world", "abc", 3, "x"], {"greeting": "hello"}),
                         [("value", "WORLD"), ("value", "ABC"), ("error", "TypeError", "not a string: 3"),
                          ("value", "X")])
        self.assertEqual(w.map(["again"]), values("AGAIN"))
        self.assertEqual(w.close(), 0)
        self.assert_stdout_all_protocol(w)

    def test_a_chunk_with_many_items(self):
        w = self.node()
        items = ["item-%d" % i for i in range(20_000)]
        self.assertEqual(w.map(items), values(*(s.upper() for s in items)))
        self.assertEqual(w.close(), 0)

    def test_stdin_eof_exits_0(self):
        self.assertEqual(self.node().close(), 0)


if __name__ == "__main__":
    unittest.main()
