package io.jobpool.config;

import io.jobpool.execution.Engine;
import io.jobpool.job.JobService;
import org.springframework.context.SmartLifecycle;

import java.time.Duration;

/**
 * Graceful shutdown of the engine. Stops first (highest phase), while the web server still answers:
 * new submissions get 503, running jobs get the grace period, then what is left is cancelled and the
 * per-worker states are closed.
 */
final class EngineLifecycle implements SmartLifecycle {

    private final JobService jobs;
    private final Engine engine;
    private final Duration grace;
    private volatile boolean running;

    EngineLifecycle(JobService jobs, Engine engine, Duration grace) {
        this.jobs = jobs;
        this.engine = engine;
        this.grace = grace;
    }

    @Override
    public void start() {
        running = true;
    }

    @Override
    public void stop() {
        jobs.stopAccepting();
        engine.stop(grace);
        running = false;
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /**
     * Stopping is final (the pools are shut), so a context pause, as the test framework does to idle
     * cached contexts, must not stop the engine.
     */
    @Override
    public boolean isPauseable() {
        return false;
    }

    @Override
    public int getPhase() {
        return Integer.MAX_VALUE;
    }
}
