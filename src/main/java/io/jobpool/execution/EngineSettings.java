package io.jobpool.execution;

import java.time.Duration;

/**
 * How the engine is sized.
 *
 * @param workers             CPU worker threads (the {@code processes} of Pool)
 * @param ioWorkers           worker threads for I/O-bound functions
 * @param chunkTargetDuration how long an adaptive chunk should take
 */
public record EngineSettings(int workers, int ioWorkers, Duration chunkTargetDuration) {

    public EngineSettings {
        if (workers < 1 || ioWorkers < 1) {
            throw new IllegalArgumentException("workers and ioWorkers must be at least 1");
        }
        if (chunkTargetDuration.isNegative() || chunkTargetDuration.isZero()) {
            throw new IllegalArgumentException("chunkTargetDuration must be positive");
        }
    }
}
