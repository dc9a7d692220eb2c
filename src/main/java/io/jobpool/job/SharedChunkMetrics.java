package io.jobpool.job;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * {@code jobpool.cluster.chunks{outcome}}: what became of the shared chunks this member ran.
 * {@code committed}: its results count; {@code fenced}: refused, another attempt's count (this member
 * had been taken for lost); {@code rerun}: claimed again after a lost member had held it;
 * {@code lost}: failed as {@code WorkerLost}, its members lost too often.
 */
final class SharedChunkMetrics {

    private final Counter committed;
    private final Counter fenced;
    private final Counter rerun;
    private final Counter lost;

    SharedChunkMetrics(MeterRegistry registry) {
        this.committed = counter(registry, "committed");
        this.fenced = counter(registry, "fenced");
        this.rerun = counter(registry, "rerun");
        this.lost = counter(registry, "lost");
    }

    private static Counter counter(MeterRegistry registry, String outcome) {
        return Counter.builder("jobpool.cluster.chunks").tag("outcome", outcome)
                .description("Shared chunks this member ran, by outcome: committed, fenced (refused, it had been"
                        + " taken for lost), rerun (claimed after a lost member held it), lost (failed as WorkerLost)")
                .register(registry);
    }

    void committed() {
        committed.increment();
    }

    void fenced() {
        fenced.increment();
    }

    void rerun() {
        rerun.increment();
    }

    void lost() {
        lost.increment();
    }
}
