"""Reports where it runs: ``{"slot": $CUDA_VISIBLE_DEVICES or null, "pid": <process id>}`` for any
item. Lets tests see which device slot and which worker process served each item."""
import os

from jobpool.worker import serve


def slot(_item):
    return {"slot": os.environ.get("CUDA_VISIBLE_DEVICES"), "pid": os.getpid()}


if __name__ == "__main__":
    serve(slot)
