package io.jobpool.api;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

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
 * is a {@link StreamSession} that holds no thread while it waits; when its job reports news, the
 * session is queued on a small pump pool that writes what is ready and lets go again. A ticker thread
 * sends SSE heartbeats and the delayed sends of throttled event streams.
 *
 * <p>Threads: jobs signal sessions from worker threads (signalling only queues work); pump threads
 * write; request threads open sessions; container threads report disconnects. Sessions are kept in a
 * concurrent set; each session guarantees that at most one pump thread writes to it at a time.
 * A pump thread blocks while the socket takes the bytes, so a very slow reader ties up one pump thread
 * for as long; the pool size is the number of such readers the service tolerates before others wait.
 */
public final class StreamHub implements AutoCloseable {

    /**
     * How streams are served.
     *
     * @param pumpThreads      threads that write to streams
     * @param heartbeat        interval of SSE heartbeat comments on idle event streams
     * @param minEventInterval least time between two progress events of one event stream
     */
    public record Settings(int pumpThreads, Duration heartbeat, Duration minEventInterval) {
    }

    private final Settings settings;
    private final ExecutorService pump;
    private final ScheduledExecutorService ticker;
    private final Set<StreamSession> sessions = ConcurrentHashMap.newKeySet();

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
        long beat = settings.heartbeat().toMillis();
        ticker.scheduleAtFixedRate(this::heartbeat, beat, beat, TimeUnit.MILLISECONDS);
        for (String kind : new String[] {"results", "events"}) {
            Gauge.builder("jobpool.streams.active", this, hub -> hub.count(kind)).tag("kind", kind)
                    .description("Open result (NDJSON) and event (SSE) streams").register(meters);
        }
    }

    Settings settings() {
        return settings;
    }

    void opened(StreamSession session) {
        sessions.add(session);
    }

    void closed(StreamSession session) {
        sessions.remove(session);
    }

    void execute(Runnable work) {
        pump.execute(work);
    }

    ScheduledFuture<?> schedule(Runnable work, long delayNanos) {
        return ticker.schedule(work, delayNanos, TimeUnit.NANOSECONDS);
    }

    private void heartbeat() {
        for (StreamSession session : sessions) {
            session.heartbeat();
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
        for (StreamSession session : sessions) {
            session.end();
        }
        ticker.shutdownNow();
        pump.shutdown();
    }
}
