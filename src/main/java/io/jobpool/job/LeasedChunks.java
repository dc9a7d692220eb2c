package io.jobpool.job;

import io.jobpool.execution.ChunkSink;
import io.jobpool.execution.ChunkSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The chunks of one shared job as this member claims them: each a lease from the cluster, run by a
 * local worker into a {@link ChunkResults.Encoder}, then committed. A commit this member won is applied
 * to its own copy of the job at once; the other members apply it when they hear of it. A cluster that
 * cannot be reached (this member is leaving, or was cut off) makes a claim find nothing and a commit
 * fail; the lease then runs out with this member and its chunk runs elsewhere.
 */
final class LeasedChunks implements ChunkSource {

    private static final Logger log = LoggerFactory.getLogger(LeasedChunks.class);

    private final SharedJobs cluster;
    private final Job job;
    private final ResultEncoder encoder;
    private final SharedChunkMetrics metrics;
    private final long minChunkNanos;
    private volatile boolean leaving;

    LeasedChunks(SharedJobs cluster, Job job, ResultEncoder encoder, SharedChunkMetrics metrics, long minChunkNanos) {
        this.cluster = cluster;
        this.job = job;
        this.encoder = encoder;
        this.metrics = metrics;
        this.minChunkNanos = minChunkNanos;
    }

    @Override
    public Claim claim(int size) {
        if (leaving) {
            return null;
        }
        SharedJobs.Lease lease;
        try {
            lease = cluster.claim(job.id().value(), size, job.knownInputs());
        } catch (RuntimeException e) {
            log.warn("Job {}: claiming a chunk from the cluster failed: {}", job.id(), e.toString());
            return null;
        }
        if (lease == null) {
            return null;
        }
        if (lease.attempt() > 1) {
            metrics.rerun();
        }
        return new LeasedClaim(lease);
    }

    @Override
    public long minChunkNanos() {
        return minChunkNanos;
    }

    /** No more claims: this member is leaving the cluster. */
    void leave() {
        leaving = true;
    }

    private final class LeasedClaim implements Claim {

        private final SharedJobs.Lease lease;
        private final ChunkResults.Encoder sink;

        LeasedClaim(SharedJobs.Lease lease) {
            this.lease = lease;
            this.sink = new ChunkResults.Encoder(lease.start(), encoder);
        }

        @Override
        public int start() {
            return lease.start();
        }

        @Override
        public int end() {
            return lease.end();
        }

        @Override
        public ChunkSink sink() {
            return sink;
        }

        @Override
        public void commit() {
            byte[] results = sink.bytes();
            boolean won;
            try {
                won = cluster.commit(lease, results);
            } catch (RuntimeException e) {
                log.warn("Job {}: committing chunk [{}, {}) failed; it will run again elsewhere: {}", job.id(),
                        lease.start(), lease.end(), e.toString());
                return;
            }
            if (!won) {
                metrics.fenced();
                log.info("Job {}: chunk [{}, {}) attempt {} was refused: this member no longer held its lease, and"
                        + " another attempt's results count", job.id(), lease.start(), lease.end(), lease.attempt());
                return;
            }
            metrics.committed();
            job.applyCommitted(lease.start(), lease.end(), results);
        }
    }
}
