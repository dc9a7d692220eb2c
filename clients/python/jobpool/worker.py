"""Serve a Python function as a jobpool *process function* (protocol version 1).

    # hello.py -- registered with the service as a process function
    from jobpool.worker import serve, params

    def init():
        global table
        table = build_expensive_table()        # runs once per worker process

    def hello(name):
        return params().get("greeting", "hello") + " " + name

    if __name__ == "__main__":
        serve(hello, initializer=init)

``serve(function, initializer=None, initargs=(), *, star=False)`` has the shape of
``multiprocessing.Pool(initializer=, initargs=)``: the initializer runs once, then ``function(item)``
(``function(*item)`` with ``star=True``) runs for every item of every chunk the service sends, in
order. See docs/process-functions.md for the protocol this speaks on standard input and output.

* Standard output belongs to the protocol. Before the initializer runs, ``serve`` keeps the real
  standard output for itself and points file descriptor 1 (and ``sys.stdout``) at standard error, so
  ``print()``, C extensions and subprocesses write to standard error, which the service logs.
  Standard input is likewise taken for the protocol; user code sees an empty ``/dev/null``.
  (Anything printed *before* ``serve`` is called, e.g. at import time with ``PYTHONUNBUFFERED`` set,
  may still reach the real standard output and break the protocol: print in the initializer.)
* An exception raised by ``function`` (a subclass of ``Exception``), or a result that JSON cannot
  encode (a set, a NaN, ...), fails that one item: the service receives the exception's class name
  and message, and the worker goes on with the next item. ``KeyboardInterrupt``, ``SystemExit`` and
  other ``BaseException``\\ s are not item errors: the results computed so far are sent, then the
  exception ends the process.
* If the initializer raises, its traceback goes to standard error and the process exits with
  status 1 without announcing itself ready. A malformed input line ends it with status 2.
* ``params()`` returns the parameters of the chunk being served (a dict, ``{}`` if the job has none).
* ``serve`` returns when standard input closes (the service recycling the process or stopping).

Standard library only, Python 3.8+.
"""

import json
import os
import sys
import threading
import traceback

__all__ = ["serve", "params"]

PROTOCOL_VERSION = 1

#: Results are sent at least this often (seconds) while a long chunk is being served.
FLUSH_INTERVAL = 0.2
#: A ``values`` line is split when its encoding would exceed this many bytes (a single larger
#: value is still sent alone, on its own line).
MAX_VALUES_LINE = 1 << 20
#: Item-error tracebacks written to standard error per chunk; further errors are only counted.
TRACEBACKS_PER_CHUNK = 3
#: Error messages longer than this are cut (a huge ``str(exc)`` must not make a huge line).
MAX_MESSAGE_CHARS = 8192

_params = {}
_served = False
_encoder = json.JSONEncoder(allow_nan=False, separators=(",", ":"))


def params():
    """The parameters of the chunk being served: the job's ``params`` object, ``{}`` if it has none.

    Pool functions take only the item, so this is how a function reads per-job settings::

        def hello(name):
            return params().get("greeting", "hello") + " " + name

    Treat the dict as read-only. Outside a chunk (e.g. in the initializer) it is ``{}``.
    """
    return _params


class _Protocol:
    """The real standard output, written in whole lines with no buffering of its own."""

    def __init__(self, fd):
        self._file = os.fdopen(fd, "wb", buffering=0, closefd=True)

    def line(self, data):
        view = memoryview(data)
        while view:
            written = self._file.write(view)
            view = view[written:]


def _take_stdio():
    """Keeps fds 0 and 1 for the protocol; user code gets /dev/null and standard error instead."""
    out_fd = os.dup(1)  # new fds are non-inheritable: subprocesses never see the protocol
    os.dup2(2, 1)  # fd 1 is now standard error, for C code and subprocesses too
    # Anything Python buffered for the old sys.stdout is flushed later into fd 1, i.e. stderr.
    sys.stdout = sys.stderr
    in_fd = os.dup(0)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    try:
        sys.stdin = open(os.devnull, "r")
    except OSError:
        pass
    return _Protocol(out_fd), os.fdopen(in_fd, "rb", closefd=True)


def _error_line(type_name, message):
    if len(message) > MAX_MESSAGE_CHARS:
        message = message[:MAX_MESSAGE_CHARS] + "... (cut)"
    return _encoder.encode({"error": {"type": type_name, "message": message}}).encode("ascii") + b"\n"


def _describe(exc):
    name = type(exc).__name__
    try:
        message = str(exc)
    except Exception:
        message = ""
    return name, message or name


def _values_line(payload):
    return b'{"values":' + payload + b"}\n"


def _send_values(out, vals):
    """Writes ``vals`` as ``values`` lines of at most about MAX_VALUES_LINE bytes, in order. A value
    JSON cannot encode becomes an error line in its place. Returns the number of such error lines."""
    errors = 0
    start, total = 0, len(vals)
    per_line = 4096  # first guess; then sized from the bytes per value seen so far
    while start < total:
        piece = vals[start:start + per_line] if start or per_line < total else vals
        try:
            payload = _encoder.encode(piece).encode("ascii")
        except Exception:
            errors += _send_values_one_by_one(out, piece)
        else:
            if len(payload) > MAX_VALUES_LINE and len(piece) > 1:
                per_line = max(1, len(piece) // 2)
                continue  # the same start, a smaller piece
            out.line(_values_line(payload))
            per_line = max(1, len(piece) * MAX_VALUES_LINE // max(1, len(payload)) * 9 // 10)
        start += len(piece)
    return errors


def _send_values_one_by_one(out, vals):
    errors = 0
    good = []
    size = 0

    def flush():
        out.line(_values_line(("[" + ",".join(good) + "]").encode("ascii")))
        good.clear()

    for value in vals:
        try:
            encoded = _encoder.encode(value)
        except Exception as exc:  # TypeError, ValueError (NaN, circular), RecursionError, ...
            if good:
                flush()
                size = 0
            name, message = _describe(exc)
            sys.stderr.write("jobpool.worker: a result could not be encoded as JSON: %s: %s\n"
                             % (name, message))
            out.line(_error_line(name, message))
            errors += 1
            continue
        if good and size + len(encoded) > MAX_VALUES_LINE:
            # lines stay bounded here too: the service refuses a line over its max-message-size
            flush()
            size = 0
        good.append(encoded)
        size += len(encoded) + 1
    if good:
        flush()
    return errors


class _Ticker:
    """Raises ``due[0]`` every FLUSH_INTERVAL seconds, from a daemon thread. Checking a list element
    per item costs next to nothing, unlike reading the clock per item."""

    def __init__(self):
        self.due = [False]
        self._stop = threading.Event()
        thread = threading.Thread(target=self._run, name="jobpool-worker-flush", daemon=True)
        thread.start()

    def _run(self):
        while not self._stop.wait(FLUSH_INTERVAL):
            self.due[0] = True


def _serve_chunk(out, function, items, star, due):
    """Answers every item of one chunk, in order."""
    it = iter(items)
    vals = []
    shown = 0
    hidden = 0
    due[0] = False
    while True:
        append = vals.append
        try:
            if star:
                for item in it:
                    append(function(*item))
                    if due[0]:
                        break
                else:
                    break  # every item answered
            else:
                for item in it:
                    append(function(item))
                    if due[0]:
                        break
                else:
                    break
        except Exception as exc:
            # `it` has already moved past the failed item: send the results before it, then its error.
            _send_values(out, vals)
            vals = []
            name, message = _describe(exc)
            if shown < TRACEBACKS_PER_CHUNK:
                shown += 1
                sys.stderr.write("jobpool.worker: an item failed:\n")
                traceback.print_exc(file=sys.stderr)
            else:
                hidden += 1
            out.line(_error_line(name, message))
            continue
        except BaseException:
            # KeyboardInterrupt, SystemExit, ...: not an item's fault. Send the finished results, go.
            try:
                _send_values(out, vals)
            except BaseException:
                pass
            raise
        # FLUSH_INTERVAL has passed: send what is done so far, then go on.
        due[0] = False
        _send_values(out, vals)
        vals = []
    _send_values(out, vals)
    if hidden:
        sys.stderr.write("jobpool.worker: %d more item(s) of this chunk failed (tracebacks not shown)\n"
                         % hidden)
    sys.stderr.flush()


def _malformed(line_number, why):
    sys.stderr.write("jobpool.worker: input line %d is not a chunk of protocol version %d: %s\n"
                     % (line_number, PROTOCOL_VERSION, why))
    sys.stderr.flush()
    sys.exit(2)


def serve(function, initializer=None, initargs=(), *, star=False):
    """Runs ``initializer(*initargs)`` once, announces the worker ready, then serves chunks from
    standard input until it closes. See the module documentation."""
    global _params, _served
    if not callable(function):
        raise TypeError("function must be callable, not %r" % (function,))
    if initializer is not None and not callable(initializer):
        raise TypeError("initializer must be callable, not %r" % (initializer,))
    if _served:
        raise RuntimeError("serve() can be called only once per process")
    _served = True

    out, inp = _take_stdio()

    if initializer is not None:
        try:
            initializer(*initargs)
        except Exception:
            sys.stderr.write("jobpool.worker: the initializer failed:\n")
            traceback.print_exc(file=sys.stderr)
            sys.stderr.flush()
            sys.exit(1)
    sys.stderr.flush()

    try:
        out.line(b'{"ready":true}\n')
        ticker = _Ticker()
        line_number = 0
        for line in inp:
            line_number += 1
            try:
                chunk = json.loads(line)
            except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError
                _malformed(line_number, "not JSON (%s)" % exc)
            if not isinstance(chunk, dict):
                _malformed(line_number, "not a JSON object")
            items = chunk.get("items")
            if not isinstance(items, list):
                _malformed(line_number, "no \"items\" array")
            chunk_params = chunk.get("params")
            if chunk_params is None:
                chunk_params = {}
            elif not isinstance(chunk_params, dict):
                _malformed(line_number, "\"params\" is not a JSON object")
            _params = chunk_params
            try:
                _serve_chunk(out, function, items, star, ticker.due)
            finally:
                _params = {}
    except BrokenPipeError:
        sys.stderr.write("jobpool.worker: standard output was closed by the service; stopping\n")
        sys.stderr.flush()
        sys.exit(1)
