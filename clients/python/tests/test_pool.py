"""The jobpool Python client against a real jobpool service.

Run:  JOBPOOL_URL=http://127.0.0.1:8080 PYTHONPATH=clients/python \\
        python3 -m unittest discover -s clients/python/tests -v
(``./mvnw verify`` does this from PythonClientIT, against its own test server.)
Standard library only. ``PoolTest`` talks to the service over HTTP and is skipped without
``JOBPOOL_URL``; ``StandInTest`` and ``FunctionArgumentTest`` need no service and always run: they use
tiny local stand-in servers (one that answers 401 like a keyed jobpool does, one whose stream has
keep-alive and stopping lines at set places, one that records every request and echoes the inputs).
"""

import contextlib
import functools
import http.server
import io
import json
import multiprocessing
import os
import threading
import time
import unittest

import jobpool
from jobpool import Expression, Function, ItemError, JobError, JobpoolConnectionError, JobpoolError, Pool

URL = os.environ.get("JOBPOOL_URL")




TERMINAL = {"SUCCEEDED", "FAILED", "CANCELLED", "TIMED_OUT"}


class Exchanges:
    """Records the HTTP exchanges of one Pool: (method, path, status)."""

    def __init__(self, pool):
        self.seen = []
        transport = pool._http
        send = transport._send

        def recording_send(method, path, body, headers, timeout):
            response = send(method, path, body, headers, timeout)
            self.seen.append((method, path, response.status))
            return response

        transport._send = recording_send

    def count(self, method, suffix, status=None):
        return sum(1 for m, p, s in self.seen
                   if m == method and p.split("?")[0].endswith(suffix) and (status is None or s == status))

    def paths(self, fragment):
        return [p for _, p, _ in self.seen if fragment in p]


class ProcessFunctionTest(unittest.TestCase):
    """The user's own Python function, registered on the service as a process function (the seed's
    ``init``/``hello`` from examples/process-functions/hello.py), called by name like Pool's ``f``.
    PythonClientIT registers it and names it in JOBPOOL_HELLO."""

    @classmethod
    def setUpClass(cls):
        cls.function = os.environ.get("JOBPOOL_HELLO")
        if not URL or not cls.function:
            raise unittest.SkipTest("JOBPOOL_URL or JOBPOOL_HELLO is not set: these tests need a service with "
                                    "examples/process-functions/hello.py registered as a process function "
                                    "(./mvnw verify sets both)")

    def setUp(self):
        self.pool = Pool(URL, timeout=30)

    def tearDown(self):
        self.pool.terminate()

    def test_map_runs_the_users_function_in_its_warm_processes(self):
        results = self.pool.map(self.function, ["world", "abc"])
        self.assertEqual([r.split(" #")[0] for r in results], ["hello world", "hello abc"])

    def test_params_imap_and_a_marked_reference(self):
        names = ["n%d" % i for i in range(500)]
        results = list(self.pool.imap(Function(self.function), names, params={"greeting": "hi"}))
        self.assertEqual(results, ["hi " + name for name in names])

    def test_an_exception_in_the_users_function_is_the_items_error(self):
        with self.assertRaises(JobError) as raised:
            self.pool.map(self.function, ["world", 3])
        self.assertEqual(raised.exception.type, "ValueError")
        self.assertIn("3 is not a name", raised.exception.message)
        results = self.pool.map(self.function, ["world", 3], on_error="continue")
        self.assertEqual(results[0], "hello world")
        self.assertIsInstance(results[1], ItemError)
        self.assertEqual(results[1].type, "ValueError")

    def test_the_catalog_shows_it_as_a_process_function(self):
        entry = [f for f in self.pool.functions() if f["name"] == self.function][0]
        self.assertEqual(entry["kind"], "process")
        self.assertEqual(entry["process"]["status"], "up")


class PoolTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        if not URL:
            raise unittest.SkipTest("JOBPOOL_URL is not set: these tests need a running jobpool service, "
                                    "e.g. JOBPOOL_URL=http://127.0.0.1:8080 (./mvnw verify sets it)")

    def setUp(self):
        self.pool = Pool(URL, timeout=30)

    def tearDown(self):
        self.pool.terminate()

    # -- map ---------------------------------------------------------------------------------------

    def test_map_returns_results_in_input_order(self):
        self.assertEqual(self.pool.map("square", [1, 2, 3, 9223372036854775807]),
                         [1, 4, 9, 85070591730234615847396907784232501249])

    def test_map_takes_any_iterable_and_an_empty_one(self):
        self.assertEqual(self.pool.map("square", (x for x in range(5))), [0, 1, 4, 9, 16])
        self.assertEqual(self.pool.map("square", []), [])

    def test_map_with_chunksize_and_params(self):
        digests = self.pool.map("sha256", ["a", "b"], 1, params={"rounds": 2})
        self.assertEqual(len(digests), 2)
        self.assertNotEqual(digests[0], digests[1])

    # -- imap / imap_unordered ---------------------------------------------------------------------

    def test_imap_yields_in_input_order(self):
        self.assertEqual(list(self.pool.imap("sleep", [300, 10, 10, 10], chunksize=1)), [300, 10, 10, 10])
        self.assertEqual(list(self.pool.imap("square", range(3), indexed=True)), [(0, 0), (1, 1), (2, 4)])

    def test_imap_yields_results_while_the_job_runs(self):
        results = self.pool.imap("sleep", [10, 1500], chunksize=1)
        self.assertEqual(results.next(timeout=10), 10)
        self.assertNotIn(self.pool.job(results.job_id)["state"], TERMINAL)
        self.assertEqual(list(results), [1500])

    def test_imap_unordered_yields_in_completion_order(self):
        pairs = list(self.pool.imap_unordered("sleep", [800, 10, 10, 10], chunksize=1, indexed=True))
        self.assertNotEqual(pairs[0][0], 0, "the 800 ms item should not come first: %s" % pairs)
        self.assertEqual(pairs[-1], (0, 800))
        self.assertEqual(sorted(pairs), [(0, 800), (1, 10), (2, 10), (3, 10)])
        values = list(self.pool.imap_unordered("sleep", [800, 10, 10, 10], chunksize=1))
        self.assertNotEqual(values[0], 800)
        self.assertEqual(sorted(values), [10, 10, 10, 800])

    def test_imap_next_times_out_like_multiprocessing(self):
        results = self.pool.imap("sleep", [2000], chunksize=1)
        with self.assertRaises(multiprocessing.TimeoutError):
            results.next(timeout=0.05)
        results.close()  # cancels the job
        self.assertEqual(self._await_state(results.job_id), "CANCELLED")

    def test_stream_resumes_from_the_items_received_after_a_silent_connection(self):
        pool = Pool(URL, timeout=1.0)  # a read silent for 1 s drops the connection and reconnects
        exchanges = Exchanges(pool)
        self.assertEqual(list(pool.imap("sleep", [10, 2500, 10], chunksize=1)), [10, 2500, 10])
        resumed = exchanges.paths("/results/stream?from=1")
        self.assertTrue(resumed, "expected a reconnect with from=1: %s" % exchanges.seen)

    # -- starmap, apply ----------------------------------------------------------------------------

    def test_starmap_spreads_argument_tuples(self):
        self.assertEqual(self.pool.starmap(pow, [(2, 10), (3, 3), (10, 20)]), [1024, 27, 10 ** 20])
        self.assertEqual(self.pool.starmap("pow", [[2, 0]]), [1])
        self.assertEqual(self.pool.apply(pow, (2, 10)), 1024)
        self.assertEqual(self.pool.apply_async("pow", (3, 2)).get(30), 9)

    # -- map_async ---------------------------------------------------------------------------------

    def test_map_async_result_is_ready_when_the_job_is_done(self):
        called = []
        result = self.pool.map_async("sleep", [400, 400], 1, callback=called.append)
        self.assertFalse(result.ready())
        with self.assertRaises(ValueError):
            result.successful()
        with self.assertRaises(jobpool.TimeoutError):
            result.get(timeout=0.01)
        self.assertEqual(result.get(timeout=30), [400, 400])
        self.assertTrue(result.ready())
        self.assertTrue(result.successful())
        result.wait(0)
        self.assertEqual(result.status()["state"], "SUCCEEDED")
        self._await(lambda: called == [[400, 400]])

    def test_starmap_async(self):
        self.assertEqual(self.pool.starmap_async(pow, [(2, 3)]).get(30), [8])

    # -- what a function argument may be -----------------------------------------------------------

    def test_a_function_reference_runs_the_service_function(self):
        square = Function("square")
        self.assertEqual(self.pool.map(square, [1, 2, 3]), [1, 4, 9])
        self.assertEqual(list(self.pool.imap_unordered(Function("sleep"), [10])), [10])
        self.assertEqual(self.pool.apply(Function("pow"), (2, 5)), 32)

    def test_own_function_named_like_a_service_function_is_refused_before_any_request(self):
        def square(x):
            return x + 1000  # the service's "square" would answer x * x: a silent wrong answer

        exchanges = Exchanges(self.pool)
        with self.assertRaises(TypeError) as raised:
            self.pool.map(square, [1, 2, 3])
        self.assertIn("square", str(raised.exception))
        self.assertEqual(exchanges.seen, [])
        self.assertEqual(self.pool.map("square", [1, 2, 3]), [1, 4, 9])  # the name: the service's square

    # -- errors ------------------------------------------------------------------------------------

    def test_failed_item_raises_with_remote_index_type_and_message(self):
        with self.assertRaises(JobError) as raised:
            self.pool.map("fail", range(10), params={"on": [3]})
        error = raised.exception
        self.assertEqual((error.state, error.index, error.type), ("FAILED", 3, "InjectedFailure"))
        self.assertIn("params.on", error.message)
        self.assertIn("item 3", str(error))

    def test_failed_item_raises_from_imap_and_map_async(self):
        results = self.pool.imap("fail", range(6), chunksize=1, params={"on": [3]})
        seen = []
        with self.assertRaises(JobError) as raised:
            for value in results:
                seen.append(value)
        self.assertEqual(raised.exception.index, 3)
        self.assertLessEqual(len(seen), 3)
        self.assertEqual(seen, list(range(len(seen))))  # never past the failure, never with a hole

        failing = self.pool.map_async("fail", [0, 1], params={"on": [1]})
        with self.assertRaises(JobError):
            failing.get(30)
        self.assertFalse(failing.successful())

    def test_on_error_continue_returns_item_errors_in_place(self):
        results = self.pool.map("fail", range(6), params={"on": [1, 4]}, on_error="continue")
        self.assertEqual([r for r in results if not isinstance(r, ItemError)], [0, 2, 3, 5])
        self.assertIsInstance(results[1], ItemError)
        self.assertIsInstance(results[1], Exception)
        self.assertEqual((results[4].index, results[4].type), (4, "InjectedFailure"))

        async_result = self.pool.map_async("fail", range(3), params={"on": [2]}, on_error="continue")
        self.assertEqual(async_result.get(30)[:2], [0, 1])
        self.assertTrue(async_result.successful())
        self.assertEqual([e.index for e in async_result.errors], [2])

        streamed = list(self.pool.imap_unordered("fail", range(4), params={"on": [0]}, on_error="continue"))
        self.assertEqual(sum(isinstance(r, ItemError) for r in streamed), 1)

    def test_service_errors_are_jobpool_errors(self):
        with self.assertRaises(JobpoolError) as unknown:
            self.pool.map("no-such-function", [1])
        self.assertEqual((unknown.exception.status, unknown.exception.slug), (422, "unknown-function"))
        self.assertEqual(unknown.exception.type, "urn:jobpool:problem:unknown-function")
        self.assertEqual(unknown.exception.field, "function")
        with self.assertRaises(JobpoolError) as missing:
            self.pool.job("AAAAAAAAAAAAAAAAAAAAAA")
        self.assertEqual((missing.exception.status, missing.exception.slug), (404, "job-not-found"))
        with self.assertRaises(JobpoolError) as params:
            self.pool.map("sha256", ["a"], params={"rounds": "many"})
        self.assertEqual(params.exception.status, 422)

    def test_wrong_url_surfaces_as_jobpool_error(self):
        with self.assertRaises(JobpoolError) as wrong_path:
            Pool(URL.rstrip("/") + "/not-jobpool").map("square", [1])
        self.assertEqual(wrong_path.exception.status, 404)
        with self.assertRaises(JobpoolConnectionError) as refused:
            Pool("http://127.0.0.1:9", timeout=2).map("square", [1])
        self.assertIsNone(refused.exception.status)

    # -- cancel, terminate, context manager --------------------------------------------------------

    def test_cancel_ends_the_job(self):
        result = self.pool.map_async("sleep", [3000] * 8, 1)
        self.assertTrue(result.cancel())
        with self.assertRaises(JobError) as raised:
            result.get(30)
        self.assertEqual(raised.exception.state, "CANCELLED")
        self.assertFalse(result.successful())
        self.assertFalse(result.cancel())  # already ended: 409, reported as False

    def test_with_block_terminates_unfinished_jobs_like_multiprocessing(self):
        with Pool(URL) as pool:
            left_running = pool.map_async("sleep", [3000] * 4, 1)
            finished = pool.map_async("square", [2])
            self.assertEqual(finished.get(30), [4])
        self.assertEqual(self._await_state(left_running.job_id), "CANCELLED")
        self.assertEqual(self.pool.job(finished.job_id)["state"], "SUCCEEDED")
        with self.assertRaises(ValueError):
            pool.map("square", [1])

    def test_close_then_join_waits_for_the_jobs(self):
        pool = Pool(URL)
        result = pool.map_async("sleep", [300], 1)
        pool.close()
        with self.assertRaises(ValueError):
            pool.map("square", [1])
        pool.join()
        self.assertTrue(result.ready())
        self.assertEqual(result.get(0), [300])

    # -- progress ----------------------------------------------------------------------------------

    def test_progress_prints_done_lines_from_events(self):
        stderr = io.StringIO()
        with contextlib.redirect_stderr(stderr):
            self.assertEqual(self.pool.map("sleep", [200, 200, 200, 200], 1, progress=True), [200] * 4)
        output = stderr.getvalue()
        self.assertIn("done 4/4\r", output)
        self.assertTrue(output.startswith("done "), output)

        into = io.StringIO()
        self.assertEqual(list(self.pool.imap("square", [1, 2], progress=into)), [1, 4])
        self.assertIn("done 2/2", into.getvalue())

    # -- CEL ---------------------------------------------------------------------------------------

    def test_expression_instead_of_a_function(self):
        self.assertEqual(self.pool.map(None, [1, 2, 3000000000], expression="x * x + params.k", params={"k": 1}),
                         [2, 5, 9000000000000000001])
        self.assertEqual(self.pool.map(Expression("{'name': x.name, 'adult': x.age >= 18}"),
                                       [{"name": "ada", "age": 36}]), [{"name": "ada", "adult": True}])
        with self.assertRaises(JobpoolError) as raised:
            self.pool.map(None, [1], expression="x +")
        self.assertEqual((raised.exception.status, raised.exception.slug), (422, "invalid-expression"))

    # -- large inputs ------------------------------------------------------------------------------

    def test_large_input_goes_through_an_open_job_in_batches(self):
        pool = Pool(URL, batch_threshold=1000, batch_size=20_000)
        exchanges = Exchanges(pool)
        started = time.monotonic()
        results = pool.map("square", range(120_000))
        took = time.monotonic() - started
        self.assertEqual(len(results), 120_000)
        self.assertEqual(results[:3] + results[-1:], [0, 1, 4, 119_999 ** 2])
        self.assertEqual(exchanges.count("POST", "/inputs", 200), 6)
        self.assertEqual(exchanges.count("POST", "/close", 200), 1)
        print("\n    120,000 items through an open job in %.2f s" % took, end=" ")

    def test_small_input_is_one_body(self):
        exchanges = Exchanges(self.pool)
        self.pool.map("square", range(100))
        self.assertEqual(exchanges.count("POST", "/v1/jobs", 202), 1)
        self.assertEqual(exchanges.count("POST", "/inputs"), 0)

    def test_batches_wait_out_429_from_max_pending(self):
        pool = Pool(URL, batch_threshold=10, batch_size=50, max_pending=60)
        exchanges = Exchanges(pool)
        self.assertEqual(pool.map("sleep", [20] * 120, 1), [20] * 120)
        self.assertEqual(exchanges.count("POST", "/inputs", 200), 3)
        self.assertGreaterEqual(exchanges.count("POST", "/inputs", 429), 1, exchanges.seen)

    def test_a_generator_feeds_imap_lazily(self):
        pool = Pool(URL, batch_threshold=5, batch_size=5)
        self.assertEqual(list(pool.imap("square", (i for i in range(23)))), [i * i for i in range(23)])

    # -- helpers -----------------------------------------------------------------------------------

    def test_pool_and_function_information(self):
        self.assertGreaterEqual(self.pool.status()["workers"], 1)
        self.assertIn("pow", {f["name"] for f in self.pool.functions()})

    def _await(self, condition, within=10.0):
        deadline = time.monotonic() + within
        while not condition():
            if time.monotonic() > deadline:
                self.fail("condition not met within %s s" % within)
            time.sleep(0.02)

    def _await_state(self, job_id, within=10.0):
        self._await(lambda: self.pool.job(job_id)["state"] in TERMINAL, within)
        return self.pool.job(job_id)["state"]


class StandInTest(unittest.TestCase):
    """Client behaviour that needs no jobpool service: stand-in servers answer as one would."""

    def test_api_key_is_sent_as_bearer_and_401_surfaces(self):
        with unauthorized_server() as (url, seen):
            with self.assertRaises(JobpoolError) as raised:
                Pool(url, api_key="team-a-key-0123456789").map("square", [1])
        self.assertEqual(seen, ["Bearer team-a-key-0123456789"])
        self.assertEqual((raised.exception.status, raised.exception.slug), (401, "unauthorized"))
        self.assertIn("missing or unknown", raised.exception.detail)

    def test_imap_skips_keep_alive_lines_and_resumes_after_a_stopping_line(self):
        with stopping_server() as (url, streams):
            self.assertEqual(list(Pool(url, timeout=5).imap("square", [0, 1, 2])), [0, 1, 4])
        # the first reconnection meets the stopping instance (503), the next one gets the rest
        self.assertEqual(streams, ["/v1/jobs/J/results/stream", "/v1/jobs/J/results/stream?from=2",
                                   "/v1/jobs/J/results/stream?from=2"])


def square(x):
    """A user's own function that shares its name with the service's ``square`` (x * x)."""
    return x + 1000


class FunctionArgumentTest(unittest.TestCase):
    """Functions run on the service: only a name travels, so only a name (a string, a
    ``jobpool.Function``, a standard built-in) is sent; any other callable is refused before any
    request. A recording stand-in (it echoes the inputs) shows what reached the "service"."""

    ENTRY_POINTS = {
        "map": lambda pool, f: pool.map(f, [1, 2]),
        "map_async": lambda pool, f: pool.map_async(f, [1, 2]),
        "imap": lambda pool, f: pool.imap(f, [1, 2]),
        "imap_unordered": lambda pool, f: pool.imap_unordered(f, [1, 2]),
        "starmap": lambda pool, f: pool.starmap(f, [(1, 2)]),
        "starmap_async": lambda pool, f: pool.starmap_async(f, [(1, 2)]),
        "apply": lambda pool, f: pool.apply(f, (1, 2)),
        "apply_async": lambda pool, f: pool.apply_async(f, (1, 2)),
    }

    def setUp(self):
        self.server = recording_server()
        url, self.requests = self.server.__enter__()
        self.pool = Pool(url, timeout=5)

    def tearDown(self):
        self.pool.terminate()
        self.server.__exit__(None, None, None)

    def assertRefusedBeforeAnyRequest(self, function, name):
        for entry, call in self.ENTRY_POINTS.items():
            with self.subTest(entry=entry):
                with self.assertRaises(TypeError) as raised:
                    call(self.pool, function)
                self.assertIn(name, str(raised.exception))
        self.assertEqual(self.requests, [], "nothing may reach the server")

    def test_own_def_named_like_a_service_function_raises_before_any_request(self):
        self.assertRefusedBeforeAnyRequest(square, "square")

    def test_a_lambda_raises(self):
        self.assertRefusedBeforeAnyRequest(lambda x: x * x, "<lambda>")

    def test_a_partial_raises_even_of_a_builtin(self):
        self.assertRefusedBeforeAnyRequest(functools.partial(square, 1), "partial(square")
        self.assertRefusedBeforeAnyRequest(functools.partial(pow, 2), "partial(pow")

    def test_a_method_and_a_callable_object_raise(self):
        class Squarer:
            def square(self, x):
                return x * x

            def __call__(self, x):
                return x * x

        self.assertRefusedBeforeAnyRequest(Squarer().square, "Squarer.square")
        self.assertRefusedBeforeAnyRequest(Squarer(), "Squarer")

    def test_the_message_says_where_functions_run_and_what_to_do_instead(self):
        with self.assertRaises(TypeError) as raised:
            self.pool.map(square, [1])
        message = str(raised.exception)
        for part in ("square", "run on the jobpool server, not in this process", "GET /v1/functions",
                     "process function", "docs/process-functions.md", "jobpool.process-functions",
                     "from jobpool.worker import serve", "expression="):
            self.assertIn(part, message)

    def test_a_name_string_is_sent_as_the_function(self):
        self.assertEqual(self.pool.map("square", [1, 2]), [1, 2])  # the stand-in echoes its inputs
        self.assertEqual(self.pool.map("hello", ["ada"]), ["ada"])  # a process function, by name
        self.assertEqual(self.sent_functions(), ["square", "hello"])

    def test_a_function_reference_is_sent_by_its_name(self):
        reference = Function("square")
        self.assertEqual(self.pool.map(reference, [1, 2]), [1, 2])
        self.assertEqual(list(self.pool.imap(Function("hello"), ["ada"])), ["ada"])
        self.assertEqual(self.pool.apply_async(Function("pow"), (2, 3)).get(5), [2, 3])
        self.assertEqual(self.sent_functions(), ["square", "hello", "pow"])
        self.assertEqual((reference, repr(reference)), (Function("square"), "Function('square')"))

    def test_a_standard_builtin_such_as_pow_is_sent_by_its_name(self):
        self.assertEqual(self.pool.starmap(pow, [(2, 10)]), [[2, 10]])
        self.assertEqual(self.pool.apply(pow, (2, 10)), [2, 10])
        self.assertEqual(self.sent_functions(), ["pow", "pow"])

    def test_an_expression_is_still_sent_as_an_expression(self):
        self.assertEqual(self.pool.map(None, [3], expression="x * x"), [3])
        self.assertEqual(self.pool.map(Expression("x + 1"), [3]), [3])
        self.assertEqual([body.get("expression") for _, body in self.requests], ["x * x", "x + 1"])

    def test_a_function_reference_takes_only_a_name(self):
        for wrong in (square, "", None, 42):
            with self.subTest(wrong=wrong), self.assertRaises(TypeError):
                Function(wrong)
        with self.assertRaises(TypeError):
            self.pool.map(42, [1])
        with self.assertRaises(ValueError):
            self.pool.map(Function("square"), [1], expression="x")
        self.assertEqual(self.requests, [])

    def sent_functions(self):
        return [body.get("function") for _, body in self.requests]


@contextlib.contextmanager
def serving(handler):
    """Serves `handler` on a free loopback port in a background thread; yields the base URL."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield "http://127.0.0.1:%d" % server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


class StandIn(http.server.BaseHTTPRequestHandler):
    """A quiet request handler for the stand-in servers, with one way to answer."""

    def answer(self, status, content_type, text, headers=()):
        body = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@contextlib.contextmanager
def unauthorized_server():
    """A stand-in that answers every request as a jobpool with API keys does without a valid one."""
    seen = []

    class Handler(StandIn):
        def do_POST(self):
            seen.append(self.headers.get("Authorization"))
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.answer(401, "application/problem+json", json.dumps({
                "type": "urn:jobpool:problem:unauthorized", "title": "Unauthorized", "status": 401,
                "detail": "missing or unknown API key", "instance": self.path}),
                headers=[("WWW-Authenticate", 'Bearer realm="jobpool"')])

    with serving(Handler) as url:
        yield url, seen


@contextlib.contextmanager
def stopping_server():
    """A stand-in for one job J of three squares whose first result stream has a keep-alive line and
    ends with the stopping line a service writes when it shuts down; the first reconnection gets 503
    (the instance is still stopping), the next one the rest."""
    streams = []
    first = ['{"index":0,"value":0}', '{"keepAlive":true}', '{"index":1,"value":1}',
             '{"stopping":true,"from":2,"message":"the service is stopping"}']
    rest = ['{"keepAlive":true}', '{"index":2,"value":4}',
            '{"end":true,"state":"SUCCEEDED","total":3,"completed":3,"failed":0}']

    class Handler(StandIn):
        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.answer(202, "application/json", json.dumps({"id": "J", "state": "QUEUED"}))

        def do_GET(self):
            if "/results/stream" in self.path:
                streams.append(self.path)
                if streams.count(self.path) == 1 and "from=2" in self.path:
                    self.answer(503, "application/problem+json", json.dumps({
                        "type": "urn:jobpool:problem:shutting-down", "title": "Service shutting down",
                        "status": 503, "detail": "the service is stopping"}))
                    return
                lines = rest if "from=2" in self.path else first
                self.answer(200, "application/x-ndjson", "".join(line + "\n" for line in lines))
            else:
                self.answer(200, "application/json", json.dumps({"id": "J", "state": "SUCCEEDED", "total": 3,
                                                                "completed": 3, "failed": 0}))

    with serving(Handler) as url:
        yield url, streams


@contextlib.contextmanager
def recording_server():
    """A stand-in that records every request as (method and path, JSON body or None) and runs every job
    as the identity: job J's stream gives each input back as its value."""
    requests = []
    inputs = []

    class Handler(StandIn):
        def do_POST(self):
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            body = json.loads(raw) if raw else None
            requests.append(("POST " + self.path, body))
            inputs[:] = (body or {}).get("inputs", [])
            self.answer(202, "application/json", json.dumps({"id": "J", "state": "QUEUED"}))

        def do_GET(self):
            if "/results/stream" in self.path:
                lines = [{"index": i, "value": v} for i, v in enumerate(inputs)]
                lines.append({"end": True, "state": "SUCCEEDED", "total": len(inputs), "completed": len(inputs),
                              "failed": 0})
                self.answer(200, "application/x-ndjson", "".join(json.dumps(line) + "\n" for line in lines))
            else:
                self.answer(200, "application/json", json.dumps({"id": "J", "state": "SUCCEEDED"}))

        def do_DELETE(self):
            self.answer(409, "application/problem+json", json.dumps({
                "type": "urn:jobpool:problem:job-finished", "status": 409, "detail": "already ended"}))

    with serving(Handler) as url:
        yield url, requests


if __name__ == "__main__":
    unittest.main()
