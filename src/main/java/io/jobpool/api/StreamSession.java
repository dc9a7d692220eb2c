package io.jobpool.api;

import io.jobpool.job.Job;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One open stream of one job, written with Servlet non-blocking output, so that no reader, however
 * slow, holds a thread that other streams need.
 *
 * <p><b>Turns.</b> The job's news, the socket becoming writable again, heartbeats and stop requests all
 * {@link #signal} the session; a signal queues one drain on the hub's pump pool unless one is queued or
 * running already (a work-in-progress counter: the drain loops until no signal came in while it ran).
 * So exactly one thread at a time touches the output stream, as the Servlet specification requires,
 * and no news is lost. A drain writes only while {@link ServletOutputStream#isReady()} says the
 * previous write is gone; when it is not, the drain returns at once, and the container calls
 * {@link WriteListener#onWritePossible()} (which signals again) once the socket has taken the bytes.
 *
 * <p><b>Write budget.</b> One turn renders at most about {@code writeBudget} bytes, so a reader that
 * stops reading holds at most that much memory (the bytes the container could not write yet), and a
 * busy stream gives the pump threads to other streams between turns. A reader that does not take one
 * budget within {@code stallTimeout} is let go ({@link #checkStalled}): the response is completed where
 * it is, without its last line, and the client resumes with {@code from} or {@code Last-Event-ID}.
 *
 * <p><b>Ends, and the container's rules.</b> The stream ends when the subclass has written everything,
 * when the service stops (with a last line that says so, if the socket can take it), or when the reader
 * stalls: a turn then completes the response. When the client goes away, the container reports it on
 * its own thread (the {@link AsyncListener}'s and {@link WriteListener}'s {@code onError}), completes
 * the response there, and recycles the request, the response and their buffers for other connections
 * as soon as the callback returns. Three rules keep a turn off buffers that belong to someone else:
 * no turn before the container's first {@code onWritePossible} (the request thread may still be
 * leaving the servlet); no completing from a turn after an I/O error (the container is about to do it);
 * and the container's ending callbacks take the turn lock, so they wait for a turn in progress (one
 * non-blocking write at most). Without the last rule, a turn writing while a disconnect was handled
 * could write into buffers already serving the next request on another connection (seen in
 * {@code ManyStreamsIT}: now and then a fresh stream was cut right after its headers).
 */
abstract class StreamSession {

    private static final Logger log = LoggerFactory.getLogger(StreamSession.class);

    /** What a turn leaves behind. */
    enum Turn {
        /** Everything ready is written; the next news will signal. */
        WAIT,
        /** More is ready than the budget allowed: take another turn after the other streams. */
        MORE,
        /** The stream is complete: end it. */
        END
    }

    /** A pump thread's scratch buffer for one turn; the container copies what it keeps, so it is reused. */
    private static final ThreadLocal<ByteArrayOutputStream> TURN_BUFFER =
            ThreadLocal.withInitial(() -> new ByteArrayOutputStream(16 * 1024));
    private static final int MAX_KEPT_BUFFER = 1024 * 1024;

    protected final Job job;
    protected final StreamHub hub;
    private final AtomicInteger pending = new AtomicInteger();
    /**
     * Held by a turn, and by the container's callbacks that end the request: once they return, the
     * container recycles the response's buffers for another request, so no turn may still be writing.
     * Turns are short (non-blocking writes), so a container thread waits at most one.
     */
    private final ReentrantLock turnLock = new ReentrantLock();
    private AsyncContext context;
    private ServletOutputStream out;
    private volatile boolean ended;
    /**
     * Set by the container's first onWritePossible, which comes only after the request thread has left
     * the servlet: until then a turn must not touch the response, which that thread may still be using
     * (job news can signal the session before).
     */
    private volatile boolean started;
    /** Set when the container reports the request complete: the context must not be touched any more. */
    private volatile boolean containerDone;
    private volatile boolean stopRequested;
    private volatile boolean stallCut;
    private volatile boolean heartbeatDue;
    /** When the stream last wrote bytes, or opened. */
    private volatile long lastWriteNanos = System.nanoTime();
    /** When the output was first found not ready and has not been since; 0 while it takes bytes. */
    private volatile long blockedSinceNanos;
    private boolean flushedOnce;
    private volatile Job.Subscription subscription;

    StreamSession(Job job, StreamHub hub) {
        this.job = job;
        this.hub = hub;
    }

    /** "results" or "events", for the active-streams gauge. */
    abstract String kind();

    /**
     * Appends to {@code out} what is ready, about {@code budget} bytes at most (at least one whole line or
     * event when anything is ready). Runs on a pump thread, one turn at a time.
     */
    abstract Turn render(ByteArrayOutputStream out, int budget);

    /** A line or comment that keeps an idle stream open through proxies; ignored by readers. */
    abstract byte[] keepAlive();

    /** The last line of a stream that ends because the service stops: how to resume elsewhere. */
    abstract byte[] stopping();

    /**
     * Starts the stream on a request whose status and headers are set: goes asynchronous, registers for
     * write readiness and the job's news. Runs on the request thread, which returns right after.
     */
    final void open(AsyncContext async) throws IOException {
        this.context = async;
        async.setTimeout(0); // a stream lasts as long as its job; stalled readers are cut by the hub's sweep
        async.addListener(new Listener());
        out = async.getResponse().getOutputStream();
        out.setWriteListener(new Writer()); // the container calls onWritePossible as soon as it can write
        hub.opened(this);
        subscription = job.watch(this::signal);
        if (ended) {
            subscription.close();
        }
    }

    final void signal() {
        if (!ended && pending.getAndIncrement() == 0) {
            hub.execute(this::drain);
        }
    }

    /** Asks the stream to end with its {@link #stopping()} line. Any thread. */
    final void requestStop() {
        stopRequested = true;
        signal();
    }

    /**
     * A stream that has written nothing for {@code heartbeatNanos} (since it opened, or since its last
     * bytes) writes a keep-alive on its next turn. Ticker thread, several times per heartbeat.
     */
    final void tick(long nowNanos, long heartbeatNanos) {
        if (nowNanos - lastWriteNanos >= heartbeatNanos && !heartbeatDue) {
            heartbeatDue = true;
            signal();
        }
    }

    /** Cuts the stream when its reader has taken nothing for {@code limitNanos}. Ticker thread. */
    final boolean checkStalled(long nowNanos, long limitNanos) {
        long since = blockedSinceNanos;
        if (since != 0 && nowNanos - since > limitNanos && !stallCut && !ended) {
            stallCut = true;
            signal();
            return true;
        }
        return false;
    }

    private void drain() {
        int missed = pending.get();
        while (true) {
            turnLock.lock();
            try {
                if (!ended) {
                    takeTurn();
                }
            } finally {
                turnLock.unlock();
            }
            missed = pending.addAndGet(-missed);
            if (missed == 0) {
                return;
            }
        }
    }

    private void takeTurn() {
        try {
            turn();
        } catch (IOException | IllegalStateException e) {
            // the client went away, or the container gave up the response. An I/O error on a thread
            // of ours makes the container dispatch the error to its own thread, which calls onError,
            // completes and recycles the request: completing it here too would race with that
            log.debug("Stream of job {} closed: {}", job.id(), e.toString());
            release();
        } catch (RuntimeException e) {
            if (ended) {
                // the container let the response go (the client left) while this turn was writing
                log.debug("Stream of job {} ended during a turn: {}", job.id(), e.toString());
            } else {
                // a bug, not the client: end the stream rather than leave it open and never drained again
                log.warn("Stream of job {} failed", job.id(), e);
                finish();
            }
        }
    }

    private void turn() throws IOException {
        if (!started) {
            return; // the request thread may still be on its way out of the servlet: the response is not ours yet
        }
        if (stallCut) {
            log.debug("Stream of job {} cut: its reader took nothing for {}", job.id(), hub.settings().stallTimeout());
            finish();
            return;
        }
        if (stopRequested) {
            if (ready()) {
                out.write(stopping());
            }
            finish();
            return;
        }
        if (!ready()) {
            return; // the container calls onWritePossible once the socket has taken the bytes
        }
        ByteArrayOutputStream buffer = TURN_BUFFER.get();
        buffer.reset();
        Turn turn = render(buffer, hub.settings().writeBudget());
        if (heartbeatDue) {
            heartbeatDue = false;
            if (buffer.size() == 0 && turn != Turn.END) {
                buffer.writeBytes(keepAlive());
            }
        }
        int written = buffer.size();
        if (written > 0) {
            buffer.writeTo(out); // the container copies what the socket cannot take yet
            lastWriteNanos = System.nanoTime();
        }
        if (written > MAX_KEPT_BUFFER) {
            TURN_BUFFER.remove(); // one huge item must not pin its buffer to the pump thread
        }
        if (turn == Turn.END) {
            finish();
            return;
        }
        if ((written > 0 || !flushedOnce) && ready()) {
            // a stream must not sit in the container's buffer; the first flush also sends the headers
            out.flush();
            flushedOnce = true;
            ready();
        }
        if (turn == Turn.MORE) {
            signal();
        }
    }

    /**
     * Whether the output takes bytes now; when it does not, the container will call onWritePossible once
     * it does, and the time it started to refuse is kept for the stall sweep.
     */
    private boolean ready() {
        boolean ready = out.isReady();
        if (ready) {
            blockedSinceNanos = 0;
        } else if (blockedSinceNanos == 0) {
            blockedSinceNanos = System.nanoTime() | 1; // never 0, which means "not blocked"
        }
        return ready;
    }

    /** Completes the response (the container still writes what it holds) and lets the session go. */
    private void finish() {
        if (!ended) {
            release();
            complete();
        }
    }

    /**
     * The connection broke: let the session go and complete the response here, on the container's
     * thread, or the container would dispatch the error to the application as an error page.
     */
    private void abandon() {
        turnLock.lock(); // a turn in progress writes through buffers the container reuses once this returns
        try {
            release();
            complete();
        } finally {
            turnLock.unlock();
        }
    }

    private void complete() {
        if (containerDone) {
            return;
        }
        try {
            context.complete();
        } catch (IllegalStateException | NullPointerException e) {
            // the container completed (and may have recycled) the request between the check and the call:
            // Tomcat answers with one or the other; either way there is nothing left to complete
            log.debug("Stream of job {} already completed: {}", job.id(), e.toString());
        }
    }

    private void release() {
        ended = true;
        Job.Subscription current = subscription;
        if (current != null) {
            current.close();
        }
        hub.closed(this);
    }

    /** The container's news about the socket: it can take more bytes, or it failed. */
    private final class Writer implements WriteListener {

        @Override
        public void onWritePossible() {
            started = true;
            signal();
        }

        @Override
        public void onError(Throwable error) {
            log.debug("Stream of job {} failed to write: {}", job.id(), error.toString());
            abandon();
        }
    }

    /** The container's news about the request: completed, or the connection broke. */
    private final class Listener implements AsyncListener {

        @Override
        public void onComplete(AsyncEvent event) {
            turnLock.lock();
            try {
                release();
                containerDone = true; // the container recycles the request and response once this returns
            } finally {
                turnLock.unlock();
            }
        }

        @Override
        public void onTimeout(AsyncEvent event) {
            abandon();
        }

        @Override
        public void onError(AsyncEvent event) {
            abandon();
        }

        @Override
        public void onStartAsync(AsyncEvent event) {
        }
    }
}
