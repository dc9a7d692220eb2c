"""The process-function seed example: an expensive resource built once per worker, then cheap calls.

In real use ``init()`` would load a model (``tf.keras.models.load_model(...)``) once per worker
process, exactly as with ``multiprocessing.Pool(initializer=init)``. Here, to run anywhere with the
standard library only, it builds a 100,000-entry fingerprint table (about half a second of
chained SHA-256), which ``hello`` uses when the job asks for it.

    {"params": {"greeting": "hello"}, "items": ["world", "abc", 3]}
      -> "hello world", "hello abc", and a ValueError for 3
    {"params": {"fingerprint": true}, "items": ["world"]}  -> "hello world #<8 hex digits>"

For tests: if the environment variable HELLO_INIT_LOG names a file, ``init()`` appends one line with
its process id to it, so the number of initializer runs can be counted.
"""
import hashlib
import os
import time
import zlib

from jobpool.worker import params, serve

TABLE_SIZE = 100_000
ROUNDS = 16
table = None


def _fingerprint(i):
    digest = str(i).encode()
    for _ in range(ROUNDS):
        digest = hashlib.sha256(digest).digest()
    return digest.hex()[:8]


def init():
    global table
    started = time.perf_counter()
    table = [_fingerprint(i) for i in range(TABLE_SIZE)]
    # print() goes to standard error (the service log): the SDK keeps standard output for the protocol
    print("initialised in %.3f s (pid %d)" % (time.perf_counter() - started, os.getpid()))
    log = os.environ.get("HELLO_INIT_LOG")
    if log:
        with open(log, "a") as f:
            f.write("%d\n" % os.getpid())


def hello(name):
    if not isinstance(name, str):
        raise ValueError("%r is not a name" % (name,))
    p = params()
    greeting = "%s %s" % (p.get("greeting", "hello"), name)
    if p.get("fingerprint"):
        greeting += " #" + table[zlib.crc32(name.encode()) % TABLE_SIZE]
    return greeting


if __name__ == "__main__":
    serve(hello, initializer=init)
