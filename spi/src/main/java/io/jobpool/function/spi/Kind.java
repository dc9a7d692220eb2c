package io.jobpool.function.spi;

/** Whether a function keeps a core busy or mostly waits; I/O-bound functions run on their own pool. */
public enum Kind {
    CPU,
    IO
}
