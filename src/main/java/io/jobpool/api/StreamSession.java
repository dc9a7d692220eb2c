package io.jobpool.api;

import io.jobpool.job.Job;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.web.servlet.mvc.method.annotation.ResponseBodyEmitter;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One open stream of one job. The job's news {@link #signal} the session; a signal queues one drain
 * on the hub's pump pool unless one is queued or running already (a work-in-progress counter: the
 * drain loops until no signal came in while it ran), so exactly one thread writes at a time and no
 * news is lost. The session ends when everything is written, or when the client goes away.
 */
abstract class StreamSession {

    private static final Logger log = LoggerFactory.getLogger(StreamSession.class);

    protected final Job job;
    protected final ResponseBodyEmitter emitter;
    protected final StreamHub hub;
    private final AtomicInteger pending = new AtomicInteger();
    private volatile boolean ended;
    private volatile Job.Subscription subscription;

    StreamSession(Job job, ResponseBodyEmitter emitter, StreamHub hub) {
        this.job = job;
        this.emitter = emitter;
        this.hub = hub;
    }

    /** "results" or "events", for the active-streams gauge. */
    abstract String kind();

    /** Writes what is ready; calls {@link #end} once the stream is complete. Runs on a pump thread. */
    abstract void pump() throws IOException;

    /** Called on every heartbeat tick; streams that need keep-alives override it. */
    void heartbeat() {
    }

    void open() {
        emitter.onCompletion(this::release);
        emitter.onTimeout(this::end);
        emitter.onError(error -> release());
        hub.opened(this);
        subscription = job.watch(this::signal);
        if (ended) {
            subscription.close();
            return;
        }
        signal();
    }

    final void signal() {
        if (!ended && pending.getAndIncrement() == 0) {
            hub.execute(this::drain);
        }
    }

    private void drain() {
        int missed = pending.get();
        while (true) {
            if (!ended) {
                try {
                    pump();
                } catch (IOException | IllegalStateException e) {
                    // the client went away (or the container gave up the response): let everything go
                    log.debug("Stream of job {} closed: {}", job.id(), e.getMessage());
                    emitter.completeWithError(e);
                    release();
                } catch (RuntimeException e) {
                    // a bug, not the client: end the stream rather than leave it open and never drained again
                    log.warn("Stream of job {} failed", job.id(), e);
                    emitter.completeWithError(e);
                    release();
                }
            }
            missed = pending.addAndGet(-missed);
            if (missed == 0) {
                return;
            }
        }
    }

    /** Completes the response and lets the session go. */
    final void end() {
        if (!ended) {
            release();
            emitter.complete();
        }
    }

    boolean isEnded() {
        return ended;
    }

    private void release() {
        ended = true;
        if (subscription != null) {
            subscription.close();
        }
        hub.closed(this);
    }
}
