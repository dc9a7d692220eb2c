"""The three workloads of the Pool comparison (bench/pool_peer.py), as process functions.

    python3 poolbench.py square|sha256|primes

``square`` takes an int; ``sha256`` takes ``[s, rounds]`` (the peer's tuples, as JSON arrays) and
returns the hex digest after ``rounds`` chained SHA-256s of ``s``; ``primes`` takes n and counts the
primes up to n by plain trial division. Same algorithms as the peer, so the numbers compare.
"""
import hashlib
import sys

from jobpool.worker import serve


def square(x):
    return x * x


def sha256_rounds(s, rounds):
    digest = s.encode()
    for _ in range(rounds):
        digest = hashlib.sha256(digest).digest()
    return digest.hex()


def count_primes(n):
    # trial division, deliberately plain: a CPU-bound pure-interpreter function
    count = 0
    for k in range(2, n + 1):
        i = 2
        prime = True
        while i * i <= k:
            if k % i == 0:
                prime = False
                break
            i += 1
        if prime:
            count += 1
    return count


WORKLOADS = {
    "square": (square, False),
    "sha256": (sha256_rounds, True),  # items are [s, rounds]
    "primes": (count_primes, False),
}

if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] not in WORKLOADS:
        sys.stderr.write("usage: poolbench.py %s\n" % "|".join(WORKLOADS))
        sys.exit(2)
    function, star = WORKLOADS[sys.argv[1]]
    serve(function, star=star)
