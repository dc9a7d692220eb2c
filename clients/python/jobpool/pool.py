"""The remote ``Pool``: ``map``, ``imap``, ``imap_unordered``, ``starmap``, ``map_async``, ``apply``.

Threads: every job this client submits gets one reader thread, which consumes the job's NDJSON
result stream (``GET /v1/jobs/{id}/results/stream``) and hands items to the caller, like the result
handler thread of ``multiprocessing.Pool``. A job with ``progress=True`` gets a second thread that
reads the job's Server-Sent Events and prints ``done N/M``. A large input gets a feeder thread that
sends it in batches to an open job. All are daemon threads; none outlives its job by more than a
read timeout.
"""

import builtins
import datetime
import functools
import itertools
import json
import queue
import socket
import sys
import threading
import time
import uuid

from ._http import CONNECTION_ERRORS, Transport, backoff, close, describe
from .errors import ItemError, JobError, JobpoolConnectionError, JobpoolError, TimeoutError

RUN, CLOSE, TERMINATE = "RUN", "CLOSE", "TERMINATE"
SUCCEEDED = "SUCCEEDED"

#: Consecutive failed (re)connections of a stream before the error is raised.
STREAM_RECONNECTS = 5


class Expression:
    """A CEL expression over ``x`` (and ``params``), usable wherever a function name is:
    ``pool.map(Expression("x * x + 1"), xs)`` is ``pool.map(None, xs, expression="x * x + 1")``."""

    def __init__(self, source):
        self.source = source

    def __repr__(self):
        return "Expression(%r)" % (self.source,)


class Function:
    """A reference to a function on the service, by name: ``pool.map(Function("square"), xs)`` is
    ``pool.map("square", xs)``.

    A catalog function (``GET /v1/functions``) or an operator-registered process function (such as
    ``hello``). Nothing runs in this process: it is a name, marked so that it reads as one, e.g. as a
    module-level constant (``square = jobpool.Function("square")``) where code used to hold a local
    function. A local function cannot be passed instead: the service would run its own function of
    that name, so the client refuses it (``TypeError``) before sending anything.
    """

    __slots__ = ("name",)

    def __init__(self, name):
        if not isinstance(name, str) or not name:
            raise TypeError("Function takes the name of a service function (a non-empty string), got %r"
                            % (name,))
        self.name = name

    def __eq__(self, other):
        return isinstance(other, Function) and other.name == self.name

    def __hash__(self):
        return hash((Function, self.name))

    def __repr__(self):
        return "Function(%r)" % (self.name,)


class Pool:
    """A pool of remote workers: the jobpool service at ``url``.

    ``Pool(url, api_key=None, timeout=60.0)``: ``api_key`` is sent as ``Authorization: Bearer``;
    ``timeout`` (seconds) bounds each HTTP exchange and how long a result stream may stay silent
    before the client reconnects (resuming with ``from``; the job is not affected).

    Inputs of more than ``batch_threshold`` items (or ``batch_bytes`` of JSON) are not sent as one
    body: the job is created open (``"open": true``) and the inputs follow in batches of at most
    ``batch_size`` items, on a feeder thread, while results already stream back; a 429 (the job's
    ``max_pending`` unprocessed inputs reached) is waited out with ``Retry-After``. An input given
    as an iterator is read lazily, so a generator (even an endless one, with ``imap``) can feed a job.

    Lifecycle, as close to ``multiprocessing.Pool`` as a shared service allows: ``close()`` refuses
    new work, ``join()`` (after ``close`` or ``terminate``) waits for every job this object started,
    ``terminate()`` cancels (``DELETE``) those still unfinished. ``with Pool(...) as pool:`` calls
    ``terminate()`` on exit, exactly like ``multiprocessing.Pool.__exit__``: finished jobs are
    untouched, jobs left running inside the block (a ``map_async`` never waited for, an ``imap`` not
    read to the end) are cancelled. Use the pool without ``with`` (or ``close()`` then ``join()``)
    to leave jobs running. Only jobs this object submitted are ever cancelled.
    """

    def __init__(self, url, api_key=None, timeout=60.0, *, batch_threshold=50_000, batch_size=10_000,
                 batch_bytes=8 * 1024 * 1024, max_pending=None, overload_wait=600.0):
        if batch_size < 1 or batch_threshold < 0:
            raise ValueError("batch_size must be >= 1 and batch_threshold >= 0")
        self.url = url
        self.timeout = timeout
        self.batch_threshold = batch_threshold
        self.batch_size = batch_size
        self.batch_bytes = batch_bytes
        self.max_pending = max_pending
        self._http = Transport(url, api_key=api_key, timeout=timeout, overload_wait=overload_wait)
        self._state = RUN
        self._jobs = {}
        self._lock = threading.Lock()

    # -- Pool API ---------------------------------------------------------------------------------

    def map(self, function, iterable, chunksize=None, *, params=None, expression=None, on_error="fail",
            progress=False, retries=None, priority=None, job_timeout=None):
        """Applies the remote ``function`` to every item; returns the results in input order.

        ``function`` names a function that runs on the service, never in this process: a name string
        (``"square"``, a catalog function of ``GET /v1/functions``, or an operator-registered process
        function such as ``"hello"``), a :class:`Function` (``Function("square")``), a standard
        built-in such as ``pow`` (sent as ``"pow"``), an :class:`Expression`, or ``None`` with
        ``expression="x * x"`` (CEL). Any other callable (a lambda, your own ``def``, a
        ``functools.partial``, a method) raises ``TypeError`` before anything is sent: only a name
        could travel, and the service would run its own function of that name, not yours.
        ``on_error="fail"`` (like ``Pool.map``): the first failed item fails the job and a
        :class:`JobError` is raised carrying the remote ``index``, ``type`` and ``message``.
        ``on_error="continue"``: every item runs; a failed item's place in the list holds an
        :class:`ItemError` (an ``Exception`` instance) instead of a value.
        A ``CANCELLED`` or ``TIMED_OUT`` job raises :class:`JobError` too. Interrupting ``map``
        (Ctrl-C) cancels the job.
        """
        result = self.map_async(function, iterable, chunksize, params=params, expression=expression,
                                on_error=on_error, progress=progress, retries=retries, priority=priority,
                                job_timeout=job_timeout)
        return result._get_or_cancel()

    def map_async(self, function, iterable, chunksize=None, callback=None, error_callback=None, *, params=None,
                  expression=None, on_error="fail", progress=False, retries=None, priority=None, job_timeout=None,
                  _single=False):
        """Submits the job and returns an :class:`AsyncResult` at once (``POST /v1/jobs``).

        ``function`` as for :meth:`map`: a name, a :class:`Function`, a built-in such as ``pow`` or an
        :class:`Expression`; any other callable raises ``TypeError`` before the job is submitted.
        """
        job = self._submit(function, iterable, chunksize, params, expression, on_error, progress, retries,
                           priority, job_timeout)
        return AsyncResult(self, job, callback, error_callback, single=_single)

    def starmap(self, function, iterable, chunksize=None, **options):
        """Like ``map``, but each item is an argument tuple, e.g. ``starmap(pow, [(2, 10), (3, 3)])``.

        Tuples are sent as JSON arrays, which the service spreads over the function's parameters.
        A one-element tuple is sent as its element. With an expression, ``x`` is the argument list.
        ``function`` as for :meth:`map` (a name, a :class:`Function`, a built-in such as ``pow``).
        """
        return self.map(function, _star(iterable), chunksize, **options)

    def starmap_async(self, function, iterable, chunksize=None, callback=None, error_callback=None, **options):
        """``starmap`` as an :class:`AsyncResult`; ``function`` as for :meth:`map`."""
        return self.map_async(function, _star(iterable), chunksize, callback, error_callback, **options)

    def imap(self, function, iterable, chunksize=None, **options):
        """Results in input order, each as soon as it and every item before it are done.

        Returns an :class:`IMapIterator` over the job's NDJSON stream: iteration starts while the
        job runs. A failed item raises :class:`JobError` when iteration reaches it (or, with
        ``on_error="continue"``, is yielded as an :class:`ItemError`). ``indexed=True`` yields
        ``(index, value)`` pairs. ``function`` as for :meth:`map`: a local callable raises ``TypeError``
        before the job is submitted.
        """
        return self._imap("input", function, iterable, chunksize, **options)

    def imap_unordered(self, function, iterable, chunksize=None, **options):
        """Results in completion order (``?order=completion``); ``indexed=True`` adds the input index.
        ``function`` as for :meth:`map`."""
        return self._imap("completion", function, iterable, chunksize, **options)

    def apply(self, function, args=(), *, params=None, **options):
        """One call: ``apply(pow, (2, 10))`` is 1024. ``function`` as for :meth:`map`."""
        return self.starmap(function, [tuple(args)], params=params, **options)[0]

    def apply_async(self, function, args=(), callback=None, error_callback=None, *, params=None, **options):
        """``apply`` as an :class:`AsyncResult`; ``function`` as for :meth:`map`."""
        return self.starmap_async(function, [tuple(args)], None, callback, error_callback, params=params,
                                  _single=True, **options)

    def close(self):
        """No new jobs from this pool; jobs already submitted go on."""
        if self._state == RUN:
            self._state = CLOSE

    def terminate(self):
        """No new jobs, and every unfinished job this pool submitted is cancelled (``DELETE``)."""
        self._state = TERMINATE
        for job in self._unfinished():
            job.stop.set()
            job.cancel(quiet=True)

    def join(self):
        """Waits until every job this pool submitted has ended (after ``close()`` or ``terminate()``)."""
        if self._state == RUN:
            raise ValueError("Pool is still running")
        for job in self._unfinished():
            job.ended.wait()

    def __enter__(self):
        self._check_running()
        return self

    def __exit__(self, *exc):
        self.terminate()

    # -- service information ----------------------------------------------------------------------

    def status(self):
        """``GET /v1/pool``: workers, busy, queued items, active jobs."""
        return self._http.request("GET", self._http.path("v1", "pool"), retry_connection=True)[2]

    def functions(self):
        """``GET /v1/functions``: the catalog, a list of ``{name, description, kind, arity, paramsSchema}``."""
        return self._http.request("GET", self._http.path("v1", "functions"), retry_connection=True)[2]["functions"]

    def job(self, job_id):
        """``GET /v1/jobs/{id}``: the status of any job of this tenant."""
        return self._http.request("GET", self._http.path("v1", "jobs", job_id), retry_connection=True)[2]

    # -- submission -------------------------------------------------------------------------------

    def _check_running(self):
        if self._state != RUN:
            raise ValueError("Pool not running")

    def _unfinished(self):
        with self._lock:
            return [job for job in self._jobs.values() if not job.ended.is_set()]

    def _forget(self, job):
        with self._lock:
            self._jobs.pop(job.id, None)

    def _submit(self, function, iterable, chunksize, params, expression, on_error, progress, retries, priority,
                job_timeout):
        self._check_running()
        if on_error not in ("fail", "continue"):
            raise ValueError('on_error must be "fail" or "continue", got %r' % (on_error,))
        spec = _target(function, expression)
        if params is not None:
            spec["params"] = params
        if chunksize is not None:
            spec["chunkSize"] = chunksize
        if on_error != "fail":
            spec["onError"] = on_error
        if retries is not None:
            spec["retries"] = retries
        if priority is not None:
            spec["priority"] = priority
        if job_timeout is not None:
            spec["timeout"] = _duration(job_timeout)

        # read the input up to the batching threshold: a small input goes in one body
        items = iter(iterable)
        head, size, large = [], 0, False
        for item in items:
            encoded = _encode(item)
            head.append(encoded)
            size += len(encoded) + 1
            if len(head) > self.batch_threshold or size > self.batch_bytes:
                large = True
                break

        spec_json = json.dumps(spec, separators=(",", ":"), allow_nan=False)
        if large:
            spec_json = spec_json[:-1] + ',"open":true' + (
                ',"maxPending":%d' % self.max_pending if self.max_pending else "") + "}"
            body = spec_json.encode("utf-8")
        else:
            body = (spec_json[:-1] + ',"inputs":[' + ",".join(head) + "]}").encode("utf-8")
        # the Idempotency-Key makes a retried submission (after a lost answer) return the same job
        _, _, status = self._http.request("POST", self._http.path("v1", "jobs"), body=body,
                                          headers={"Idempotency-Key": uuid.uuid4().hex},
                                          retry_connection=True, retry_overload=True)
        job = _Job(self, status["id"], on_error)
        with self._lock:
            self._jobs[job.id] = job
        if progress:
            job.start_progress(progress)
        if large:
            job.start_feeder(head, items)
        return job

    def _imap(self, order, function, iterable, chunksize, indexed=False, **options):
        job = self._submit(function, iterable, chunksize, options.pop("params", None), options.pop("expression", None),
                           options.pop("on_error", "fail"), options.pop("progress", False),
                           options.pop("retries", None), options.pop("priority", None),
                           options.pop("job_timeout", None))
        if options:
            raise TypeError("unexpected keyword arguments: %s" % ", ".join(sorted(options)))
        return IMapIterator(job, order, indexed)


class _Job:
    """One submitted job: its id and the threads that serve it (feeder, progress, reader)."""

    def __init__(self, pool, job_id, on_error):
        self.pool = pool
        self.http = pool._http
        self.id = job_id
        self.on_error = on_error
        self.stop = threading.Event()       # set: stop feeding inputs (the job was given up)
        self.ended = threading.Event()      # set: the final stream line was read
        self.feed_error = None
        self._progress = None
        self._feeder = None

    def path(self, *more, **query):
        return self.http.path("v1", "jobs", self.id, *more, **query)

    def cancel(self, quiet=False):
        """``DELETE /v1/jobs/{id}``; True if this call cancelled it, False if it had already ended."""
        try:
            self.http.request("DELETE", self.path(), retry_connection=True)
            return True
        except JobpoolError as e:
            if e.status == 409:
                return False
            if quiet:
                return False
            raise

    def status(self):
        return self.http.request("GET", self.path(), retry_connection=True)[2]

    def ended_with(self, state, item_error=None):
        """The exception for a job that ended in ``state`` (not SUCCEEDED)."""
        if self.feed_error is not None and state == "CANCELLED":
            return self.feed_error
        try:
            error = self.status().get("error")
        except JobpoolError:
            error = None
        if error:
            return JobError(self.id, state, error.get("type"), error.get("message"), error.get("index"))
        if item_error is not None:
            return JobError(self.id, state, item_error.type, item_error.message, item_error.index)
        return JobError(self.id, state)

    def finish(self):
        """The end line was read: let the feeder's last request (the close that ended the job) and the
        progress line finish, forget the job."""
        self.ended.set()
        self.stop.set()
        for helper in (self._feeder, self._progress):
            if helper is not None and helper is not threading.current_thread():
                helper.join(timeout=5)
        self.pool._forget(self)

    # -- the result stream ------------------------------------------------------------------------

    def lines(self, order):
        """The job's NDJSON stream as dicts, the end line last; reconnects with ``from`` when the
        connection drops or stays silent for ``timeout`` (a slow item), so no line is lost or repeated."""
        received = 0
        failures = 0
        while True:
            path = self.path("results", "stream", order=None if order == "input" else order,
                             **{"from": received or None})
            try:
                response = self.http.stream(path, "application/x-ndjson")
            except JobpoolConnectionError:
                failures += 1
                if failures >= STREAM_RECONNECTS:
                    raise
                time.sleep(backoff(failures))
                continue
            except JobpoolError as e:
                # 503: the instance is stopping (its jobs still get their grace); 429: too many streams open
                if e.status not in (429, 503) or failures + 1 >= STREAM_RECONNECTS:
                    raise
                failures += 1
                time.sleep(min(e.retry_after, 30) if e.status == 429 and e.retry_after else backoff(failures))
                continue
            got_any = False
            try:
                while True:
                    raw = response.readline()
                    if not raw:
                        break  # closed without the end line: reconnect
                    got_any = True
                    failures = 0
                    raw = raw.strip()
                    if not raw:
                        continue
                    line = json.loads(raw.decode("utf-8"))
                    if line.get("end"):
                        yield line
                        return
                    if "index" not in line:
                        if line.get("stopping"):
                            break  # the service is stopping: reconnect (elsewhere, or after its restart)
                        continue  # {"keepAlive": true} on an idle stream, or a line kind this client does not know
                    received += 1
                    yield line
            except socket.timeout:
                continue  # silent for `timeout`: items are slow, not lost
            except CONNECTION_ERRORS as e:
                failures += 1
                if failures >= STREAM_RECONNECTS:
                    raise JobpoolConnectionError("result stream of job %s: %s" % (self.id, describe(e)),
                                                 self.http.url) from e
                time.sleep(backoff(failures))
            finally:
                close(response)
            if not got_any:
                failures += 1
                if failures >= STREAM_RECONNECTS:
                    raise JobpoolConnectionError("result stream of job %s keeps closing" % self.id, self.http.url)

    # -- large inputs: an open job fed in batches -------------------------------------------------

    def start_feeder(self, head, rest):
        self._feeder = threading.Thread(target=self._feed, args=(head, rest), name="jobpool-feed-" + self.id,
                                        daemon=True)
        self._feeder.start()

    def _feed(self, head, rest):
        pool = self.pool
        batch, size = [], 0
        try:
            for encoded in itertools.chain(head, (_encode(item) for item in rest)):
                if self.stop.is_set():
                    return
                if batch and (len(batch) >= pool.batch_size or size + len(encoded) > pool.batch_bytes):
                    self._send_batch(batch)
                    batch, size = [], 0
                batch.append(encoded)
                size += len(encoded) + 1
            if batch:
                self._send_batch(batch)
            if not self.stop.is_set():
                self.http.request("POST", self.path("close"))
        except JobpoolError as e:
            if e.status == 409:
                return  # the job ended by itself (failed, cancelled, timed out): its stream says why
            self._abandon(e)
        except BaseException as e:  # the caller's iterator or an unencodable item: fail the job loudly
            self._abandon(e)

    def _send_batch(self, batch):
        if self.stop.is_set():
            return
        body = ("[" + ",".join(batch) + "]").encode("utf-8")
        try:
            self.http.request("POST", self.path("inputs"), body=body, retry_overload=True)
        except JobpoolError as e:
            # 413: the batch is larger than the job's maxPending (or the body limit): halve it
            if e.status != 413 or len(batch) < 2:
                raise
            half = len(batch) // 2
            self._send_batch(batch[:half])
            self._send_batch(batch[half:])

    def _abandon(self, error):
        """The inputs cannot all be delivered: cancel the job so that its stream ends, and report why."""
        self.feed_error = error
        self.cancel(quiet=True)

    # -- progress line from the job's Server-Sent Events ------------------------------------------

    def start_progress(self, out):
        self._progress = threading.Thread(target=self._print_progress, args=(out,),
                                          name="jobpool-progress-" + self.id, daemon=True)
        self._progress.start()

    def _print_progress(self, out):
        ended_line = []
        try:
            self._follow_progress(out, ended_line)
        finally:
            if not ended_line and self.ended.is_set():
                # the event stream dropped before its end event (a proxy, a restart): the job has ended,
                # so its final counts are one status request away
                try:
                    status = self.status()
                    stream = sys.stderr if out is True else out
                    stream.write("done %d/%d\r\n" % (status.get("completed", 0), status.get("total", 0)))
                    stream.flush()
                except (JobpoolError,) + CONNECTION_ERRORS:
                    pass

    def _follow_progress(self, out, ended_line):
        shown = None
        last_id = None
        failures = 0

        def write(text):
            stream = sys.stderr if out is True else out
            stream.write(text)
            stream.flush()

        while failures < STREAM_RECONNECTS:
            headers = {"Last-Event-ID": last_id} if last_id else None
            try:
                # the service sends a keep-alive comment every 15 s: a longer silence is a dead connection
                response = self.http.stream(self.path("events"), "text/event-stream", headers=headers,
                                            timeout=max(self.pool.timeout or 0, 30))
            except JobpoolError:
                failures += 1
                time.sleep(backoff(failures))
                continue
            event, data = None, []
            try:
                while True:
                    raw = response.readline()
                    if not raw:
                        break
                    text = raw.decode("utf-8").rstrip("\r\n")
                    if text == "":
                        if data and event in (None, "progress", "end"):
                            status = json.loads("\n".join(data))
                            counts = (status.get("completed", 0), status.get("total", 0))
                            if counts != shown:
                                write("done %d/%d\r" % counts)
                                shown = counts
                            if event == "end":
                                write("\n")
                                ended_line.append(True)
                                return
                        event, data = None, []
                    elif text.startswith(":"):
                        continue
                    else:
                        name, _, value = text.partition(":")
                        value = value[1:] if value.startswith(" ") else value
                        if name == "event":
                            event = value
                        elif name == "data":
                            data.append(value)
                        elif name == "id":
                            last_id = value
                failures += 1
            except (CONNECTION_ERRORS + (ValueError,)):
                failures += 1
            finally:
                close(response)
            if self.ended.is_set() and failures:
                return


class AsyncResult:
    """The result of ``map_async``/``starmap_async``/``apply_async``, as in ``multiprocessing.pool``.

    ``job_id`` names the remote job. ``ready()``, ``wait(timeout)``, ``get(timeout)`` (raises
    :data:`jobpool.TimeoutError`, which is ``multiprocessing.TimeoutError``, when not ready in
    time; re-raises the job's :class:`JobError`), ``successful()`` (``ValueError`` if not ready),
    ``cancel()`` (``DELETE /v1/jobs/{id}``), ``status()`` (``GET /v1/jobs/{id}``) and, for
    ``on_error="continue"``, ``errors``: the :class:`ItemError` of every failed item.
    """

    def __init__(self, pool, job, callback=None, error_callback=None, single=False):
        self._pool = pool
        self._job = job
        self.job_id = job.id
        self._callback = callback
        self._error_callback = error_callback
        self._single = single
        self._event = threading.Event()
        self._value = None
        self._error = None
        self.errors = []
        self._thread = threading.Thread(target=self._collect, name="jobpool-result-" + job.id, daemon=True)
        self._thread.start()

    def _collect(self):
        job = self._job
        values = []
        first_error = None
        try:
            for line in job.lines("input"):
                if line.get("end"):
                    if line["state"] == SUCCEEDED:
                        self._value = values[0] if self._single and values else values
                    else:
                        self._error = job.ended_with(line["state"], first_error)
                    break
                index = line["index"]
                if index > len(values):  # items that never ran (only in a job that did not succeed)
                    values.extend([None] * (index - len(values)))
                if "error" in line:
                    error = ItemError(index, line["error"].get("type"), line["error"].get("message"))
                    self.errors.append(error)
                    first_error = first_error or error
                    values.append(error)
                else:
                    values.append(line.get("value"))
        except BaseException as e:  # connection lost for good, or a bug: the caller's get() re-raises
            self._error = e
        finally:
            job.finish()
            self._event.set()
        try:
            if self._error is None and self._callback is not None:
                self._callback(self._value)
            elif self._error is not None and self._error_callback is not None:
                self._error_callback(self._error)
        except Exception:  # a callback's failure must not kill the result
            pass

    def ready(self):
        return self._event.is_set()

    def wait(self, timeout=None):
        self._event.wait(timeout)

    def get(self, timeout=None):
        self.wait(timeout)
        if not self._event.is_set():
            raise TimeoutError("job %s not finished within %s s" % (self.job_id, timeout))
        if self._error is not None:
            raise self._error
        return self._value

    def successful(self):
        if not self.ready():
            raise ValueError("%r not ready" % (self,))
        return self._error is None

    def cancel(self):
        """Cancels the job; True if it was still running, False if it had already ended."""
        return self._job.cancel()

    def status(self):
        return self._job.status()

    def _get_or_cancel(self):
        try:
            while not self._event.wait(0.5):  # short waits keep Ctrl-C responsive everywhere
                pass
        except KeyboardInterrupt:
            self._job.stop.set()
            self._job.cancel(quiet=True)
            raise
        return self.get()

    def __repr__(self):
        return "<jobpool.AsyncResult job=%s ready=%s>" % (self.job_id, self.ready())


class IMapIterator:
    """The iterator ``imap``/``imap_unordered`` return: results while the job runs.

    ``next(timeout)`` raises :data:`jobpool.TimeoutError` if no result comes in time, like
    ``multiprocessing``'s ``IMapIterator``. ``job_id`` names the remote job; ``close()`` cancels it
    (stopping the iteration); leaving the loop early does not cancel anything, as with ``Pool``.
    """

    _DONE = object()

    def __init__(self, job, order, indexed=False):
        self._job = job
        self.job_id = job.id
        self._indexed = indexed
        self._order = order
        self._expected = 0
        self._queue = queue.Queue()
        self._finished = False
        self._thread = threading.Thread(target=self._read, args=(order,), name="jobpool-imap-" + job.id, daemon=True)
        self._thread.start()

    def _read(self, order):
        try:
            for line in self._job.lines(order):
                if line.get("end"):
                    # settle the job (the progress line ends) before the consumer can see the end
                    self._job.finish()
                self._queue.put((line, None))
        except BaseException as e:
            self._queue.put((None, e))
        finally:
            self._job.finish()

    def __iter__(self):
        return self

    def __next__(self):
        return self.next()

    def next(self, timeout=None):
        if self._finished:
            raise StopIteration
        try:
            line, error = self._queue.get(timeout=timeout)
        except queue.Empty:
            raise TimeoutError("no result of job %s within %s s" % (self.job_id, timeout)) from None
        if error is not None:
            self._end()
            raise error
        if line.get("end"):
            self._end()
            if line["state"] == SUCCEEDED:
                raise StopIteration
            raise self._job.ended_with(line["state"])
        index = line["index"]
        if self._order == "input":
            if index > self._expected:
                # items that never ran are skipped by the stream: the job ended without success before
                # `_expected` was done, so that is where Pool.imap would raise
                self._end()
                raise self._job.ended_with(self._end_state())
            self._expected = index + 1
        if "error" in line:
            item = ItemError(index, line["error"].get("type"), line["error"].get("message"))
            if self._job.on_error == "fail":  # like Pool.imap: the item's error, raised where it stands
                self._end()
                raise JobError(self.job_id, "FAILED", item.type, item.message, index)
        else:
            item = line.get("value")
        return (index, item) if self._indexed else item

    def _end(self):
        self._finished = True

    def _end_state(self):
        """Reads up to the end line (it is near: only an ended job skips items) and returns its state."""
        while True:
            line, error = self._queue.get()
            if error is not None:
                return "FAILED"
            if line.get("end"):
                return line["state"]

    def close(self):
        """Stops the iteration and cancels the job if it is still running."""
        self._finished = True
        self._job.stop.set()
        self._job.cancel(quiet=True)

    def __repr__(self):
        return "<jobpool.IMapIterator job=%s>" % (self.job_id,)


def _star(iterable):
    for args in iterable:
        args = list(args)
        yield args[0] if len(args) == 1 else args


def _target(function, expression):
    """The job's ``function`` or ``expression`` field; raises before any request is made.

    Only a name travels, so only what is unmistakably a service function's name is sent: a string, a
    :class:`Function`, or a standard built-in (``pow``: the very object ``builtins.pow``). Any other
    callable - a lambda, the caller's own ``def``, a ``functools.partial``, a method - is refused: the
    service would run its own function of that name (or none), never this one.
    """
    if isinstance(function, Expression):
        if expression is not None:
            raise ValueError("give an Expression or expression=, not both")
        expression, function = function.source, None
    if expression is not None:
        if function is not None:
            raise ValueError("give a function or an expression, not both")
        return {"expression": expression}
    if function is None:
        raise ValueError("a function name (or expression=...) is required")
    if isinstance(function, str):
        return {"function": function}
    if isinstance(function, Function):
        return {"function": function.name}
    if _is_builtin(function):
        return {"function": function.__name__}
    if callable(function):
        raise TypeError(_LOCAL_FUNCTION % {"name": _callable_name(function)})
    raise TypeError("function must be the name of a service function (a string or jobpool.Function), a built-in "
                    "such as pow, or a jobpool.Expression, got %r" % (function,))


_LOCAL_FUNCTION = (
    "cannot send %(name)s: functions run on the jobpool server, not in this process, and no code is sent "
    "(only a name would travel, and the server would run its own function of that name, or none). Instead: "
    "name a catalog function as a string, e.g. pool.map(\"square\", xs) or jobpool.Function(\"square\") "
    "(the catalog: GET /v1/functions, pool.functions()); register your own code on the server as a process "
    "function and call it by name (docs/process-functions.md: the operator lists it under "
    "jobpool.process-functions and runs it with `from jobpool.worker import serve`); or use expression= "
    "(or jobpool.Expression) for a CEL expression over x, e.g. expression=\"x * x\".")


def _is_builtin(function):
    """True for a standard built-in such as ``pow``: the very object ``builtins.<its name>``."""
    name = getattr(function, "__name__", None)
    return (isinstance(name, str) and getattr(function, "__module__", None) == "builtins"
            and getattr(builtins, name, None) is function)


def _callable_name(function):
    """A readable name of a callable for an error message: ``square``, ``<lambda>``, ``partial(square)``."""
    if isinstance(function, functools.partial):
        return "functools.partial(%s, ...)" % _callable_name(function.func)
    name = getattr(function, "__qualname__", None) or getattr(function, "__name__", None)
    if not isinstance(name, str):
        return repr(function)
    module = getattr(function, "__module__", None)
    return "%s (from %s)" % (name, module) if isinstance(module, str) and module != "builtins" else name


def _encode(item):
    if isinstance(item, tuple):
        item = list(item)
    return json.dumps(item, separators=(",", ":"), allow_nan=False)


def _duration(value):
    if isinstance(value, str):
        return value
    if isinstance(value, datetime.timedelta):
        value = value.total_seconds()
    return "PT%sS" % (("%.3f" % value).rstrip("0").rstrip("."))
