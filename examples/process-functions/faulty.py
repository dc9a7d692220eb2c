"""A worker that misbehaves on request, for fault tests. ``faulty(x)``:

* ``"crash"``: exits at once with status 3 (``os._exit``: no cleanup, no answer);
* ``"segv"``:  kills itself with SIGSEGV;
* ``"raise"``: raises ``ValueError("bad item")`` (an item error);
* ``"print"``: prints to standard output (which the SDK sends to standard error), returns "printed";
* ``"sleep"``: sleeps 60 s (for deadlines and cancel);
* ``"hog"``:   holds about 300 MB for 5 s, returns "hogged";
* anything else is returned as it is.

The initializer fails (``RuntimeError``) when FAULTY_INIT=fail and sleeps 60 s when FAULTY_INIT=hang.
"""
import os
import signal
import time

from jobpool.worker import serve


def init():
    mode = os.environ.get("FAULTY_INIT")
    if mode == "fail":
        raise RuntimeError("initializer broke on purpose")
    if mode == "hang":
        time.sleep(60)


def faulty(x):
    if x == "crash":
        os._exit(3)
    if x == "segv":
        os.kill(os.getpid(), signal.SIGSEGV)
        time.sleep(5)  # the signal is delivered at once; this is never reached
    if x == "raise":
        raise ValueError("bad item")
    if x == "print":
        print("noise on stdout")
        return "printed"
    if x == "sleep":
        time.sleep(60)
        return "slept"
    if x == "hog":
        hog = bytearray(300 * 1024 * 1024)
        for i in range(0, len(hog), 4096):  # touch every page: really resident, not just reserved
            hog[i] = 1
        time.sleep(5)
        del hog
        return "hogged"
    return x


if __name__ == "__main__":
    serve(faulty, initializer=init)
