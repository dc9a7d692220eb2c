package io.jobpool.config;

import io.jobpool.api.StreamHub;
import io.jobpool.execution.Engine;
import io.jobpool.job.JobReplication;
import io.jobpool.job.JobService;
import org.springframework.context.SmartLifecycle;

import java.time.Duration;

/**
 * The order of a graceful shutdown, in one place. It stops first (highest phase), while the web server
 * still answers:
 * <ol>
 *   <li>new submissions and inputs get 503;</li>
 *   <li>every open stream ends at once with a last line or event that says the service is stopping
 *       (clients resume elsewhere, or here after a restart), and new streams get 503, so no stream
 *       holds the web server's own graceful wait for as long as its job would run;</li>
 *   <li>in a cluster, the shared jobs' chunks running here get the grace period to be committed, the
 *       chunks this member still holds go back to the others, and the jobs go on there;</li>
 *   <li>running jobs get the grace period, then what is left is cancelled and the per-worker states are
 *       closed.</li>
 * </ol>
 * Then the web server's graceful shutdown waits for the requests still in flight (a blocking
 * {@code POST /v1/map} ends with its job).
 */
final class GracefulShutdown implements SmartLifecycle {

    /** Streams end within a pump turn; this only bounds a pathological case. */
    private static final Duration STREAMS_WAIT = Duration.ofSeconds(5);

    private final JobService jobs;
    private final StreamHub streams;
    private final Engine engine;
    private final JobReplication replication;
    private final Duration grace;
    private volatile boolean running;

    GracefulShutdown(JobService jobs, StreamHub streams, Engine engine, JobReplication replication, Duration grace) {
        this.jobs = jobs;
        this.streams = streams;
        this.engine = engine;
        this.replication = replication;
        this.grace = grace;
    }

    @Override
    public void start() {
        running = true;
    }

    @Override
    public void stop() {
        jobs.stopAccepting();
        streams.stop(STREAMS_WAIT);
        if (replication != null) {
            replication.leave(grace);
        }
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
