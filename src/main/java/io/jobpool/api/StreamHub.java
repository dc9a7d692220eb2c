package io.jobpool.api;

import io.jobpool.job.JobpoolException;
import io.jobpool.job.Refusal;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Serves every open result stream and event stream without a thread per connection: a connection
 * is a {@link StreamSession} that holds no thread while it waits, neither for its job's news nor for a
 * slow socket. When a job reports news, or a socket can take more bytes, the session is queued on a
 * small pump pool that writes one budget's worth and lets go again. A ticker thread sends heartbeats,
 * the delayed sends of throttled event streams, and once a second cuts streams whose reader has taken
 * nothing for the stall timeout.
 *
 * <p>Threads: jobs signal sessions from worker threads (signalling only queues work); pump threads
 * write, never blocking on a socket (non-blocking Servlet output); request threads open sessions;
 * container threads report writable sockets and disconnects; the stopping thread ends every session on
 * shutdown. Sessions are kept in a concurrent set; each session guarantees that at most one pump thread
 * writes to it at a time. Memory is bounded per stream by the write budget (what a reader has not taken
 * stays at most one turn's bytes, besides the container's own buffers of a connection), and in all by
 * the most streams open at once.
 */
public final class StreamHub implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(StreamHub.class);
    /** Streams end with their jobs: a refused client tries again a little later. */
    private static final long RETRY_AFTER_SECONDS = 5;

    /**
     * How streams are served.
     *
     * @param pumpThreads      threads that write to streams
     * @param heartbeat        interval of keep-alives on idle streams (SSE comments, NDJSON keep-alive lines)
     * @param minEventInterval least time between two progress events of one event stream
     * @param writeBudget      bytes one stream renders per turn: the most a reader that stopped reading holds
     * @param stallTimeout     a stream whose reader does not take one write budget in this time is cut (the
     *                         client resumes)
     * @param maxOpen          most streams open at once; more are refused with 429, as each costs memory
     */
    public record Settings(int pumpThreads, Duration heartbeat, Duration minEventInterval, int writeBudget,
                           Duration stallTimeout, int maxOpen) {
    }

    private final Settings settings;
    private final ExecutorService pump;
    private final ScheduledExecutorService ticker;
    private final Set<StreamSession> sessions = ConcurrentHashMap.newKeySet();
    private final Counter stalled;
    private final Counter stopped;
    private final Object drained = new Object();
    private volatile boolean stopping;

    public StreamHub(Settings settings, MeterRegistry meters) {
        this.settings = settings;
        AtomicInteger threads = new AtomicInteger();
        this.pump = Executors.newFixedThreadPool(settings.pumpThreads(), runnable -> {
            Thread thread = new Thread(runnable, "jobpool-stream-" + threads.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        this.ticker = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "jobpool-stream-ticker");
            thread.setDaemon(true);
            return thread;
        });
        // a few ticks per heartbeat, so a stream's keep-alive comes between one and 1.25 heartbeats of silence
        long tick = Math.max(50, settings.heartbeat().toMillis() / 4);
        ticker.scheduleAtFixedRate(this::heartbeat, tick, tick, TimeUnit.MILLISECONDS);
        long sweep = Math.max(50, Math.min(1000, settings.stallTimeout().toMillis() / 4));
        ticker.scheduleAtFixedRate(this::cutStalled, sweep, sweep, TimeUnit.MILLISECONDS);
        for (String kind : new String[] {"results", "events"}) {
            Gauge.builder("jobpool.streams.active", this, hub -> hub.count(kind)).tag("kind", kind)
                    .description("Open result (NDJSON) and event (SSE) streams").register(meters);
        }
        this.stalled = cutCounter("stalled", meters);
        this.stopped = cutCounter("stopping", meters);
    }

    private static Counter cutCounter(String reason, MeterRegistry meters) {
        return Counter.builder("jobpool.streams.cut").tag("reason", reason)
                .description("Streams ended before their job: the reader took nothing for the stall timeout (stalled),"
                        + " or the service stopped (stopping); the clients resume")
                .register(meters);
    }

    Settings settings() {
        return settings;
    }

    /**
     * Refuses a new stream while the service stops (503), or while {@code maxOpen} streams are open (429).
     * Requests that arrive together may pass the check together: the bound holds up to the number of
     * request threads, which is enough for memory.
     */
    void admit() {
        if (stopping) {
            throw new JobpoolException(Refusal.SHUTTING_DOWN,
                    "the service is stopping; reconnect to another instance, or here once it is back, and resume");
        }
        if (sessions.size() >= settings.maxOpen()) {
            throw new JobpoolException(Refusal.OVERLOADED, sessions.size() + " streams are open, the most this"
                    + " instance serves (jobpool.streams.max-open); retry later, or poll GET /v1/jobs/{id} and"
                    + " /results instead", null, RETRY_AFTER_SECONDS);
        }
    }

    void opened(StreamSession session) {
        sessions.add(session);
        if (stopping) {
            session.requestStop(); // opened while the hub stopped: end it like the others
        }
    }

    void closed(StreamSession session) {
        if (sessions.remove(session) && stopping) {
            synchronized (drained) {
                drained.notifyAll();
            }
        }
    }

    void execute(Runnable work) {
        pump.execute(work);
    }

    ScheduledFuture<?> schedule(Runnable work, long delayNanos) {
        return ticker.schedule(work, delayNanos, TimeUnit.NANOSECONDS);
    }

    /**
     * Ends every stream with a last line or event that says the service is stopping (a stream whose
     * reader is not reading just ends), refuses new ones, and waits up to {@code within} for the
     * sessions to let go. Streams never wait for their jobs: clients resume elsewhere, or here once the
     * service is back.
     */
    public void stop(Duration within) {
        stopping = true;
        for (StreamSession session : sessions) {
            session.requestStop();
            stopped.increment();
        }
        long deadline = System.nanoTime() + within.toNanos();
        synchronized (drained) {
            long left;
            while (!sessions.isEmpty() && (left = deadline - System.nanoTime()) > 0) {
                try {
                    TimeUnit.NANOSECONDS.timedWait(drained, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        if (!sessions.isEmpty()) {
            log.warn("{} stream(s) still open {} after the service began to stop", sessions.size(), within);
        }
    }

    private void heartbeat() {
        long now = System.nanoTime();
        long beat = settings.heartbeat().toNanos();
        for (StreamSession session : sessions) {
            session.tick(now, beat);
        }
    }

    private void cutStalled() {
        long now = System.nanoTime();
        long limit = settings.stallTimeout().toNanos();
        for (StreamSession session : sessions) {
            if (session.checkStalled(now, limit)) {
                stalled.increment();
            }
        }
    }

    private int count(String kind) {
        int count = 0;
        for (StreamSession session : sessions) {
            if (session.kind().equals(kind)) {
                count++;
            }
        }
        return count;
    }

    @Override
    public void close() {
        stop(Duration.ZERO);
        ticker.shutdownNow();
        pump.shutdown();
    }
}
