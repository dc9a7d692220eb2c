package io.jobpool.api;

import org.apache.coyote.Processor;
import org.apache.coyote.http11.Http11NioProtocol;
import org.apache.tomcat.util.net.AbstractEndpoint;
import org.apache.tomcat.util.net.SocketEvent;
import org.apache.tomcat.util.net.SocketWrapperBase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Tomcat's NIO HTTP/1.1 protocol with a total deadline for receiving a request's line and headers
 * ({@code jobpool.limits.header-timeout}): a connection that is still sending them that long after their
 * first byte is closed, as Tomcat closes a connection whose read timed out.
 * <p>
 * Why: Tomcat's {@code connectionTimeout} bounds each read, not the whole header, so a client sending one
 * byte every few seconds (slowloris) keeps a connection, and a slot of {@code maxConnections}, for ever.
 * Tomcat 11 has no total header timeout of its own.
 * <p>
 * How, and which Tomcat internals it relies on (checked against Tomcat 11.0.22):
 * <ul>
 * <li>While the line or headers are incomplete, Tomcat's connection handler keeps the request's
 * {@link Processor} attached to the socket ({@code SocketState.LONG}; {@code longPoll} "the request
 * line/headers have not been completely read") and no thread is held. Between requests the processor is
 * released, and while a request is being served a worker thread holds it detached from the socket; an
 * asynchronous (SSE) or upgraded connection keeps one attached but reports {@code isAsync()}/{@code
 * isUpgrade()}. So an attached, non-async, non-upgraded processor means "headers still arriving".</li>
 * <li>{@code Http11InputBuffer.parseRequestLine} marks the request's start time
 * ({@link org.apache.coyote.Request#getStartTimeNanos()}) when it reads the first byte of the request;
 * it is -1 on a recycled request.</li>
 * <li>A connection is cut the way the NIO poller cuts a timed-out one: the socket gets a
 * {@link SocketTimeoutException} as its error and an {@link SocketEvent#ERROR} is dispatched to a worker
 * thread, which, under the socket's lock, closes it and releases the processor.</li>
 * </ul>
 * Threads: Tomcat creates this class (by name, through {@code TomcatServletWebServerFactory.setProtocol})
 * and calls {@link #setHeaderTimeout} from the start-up thread before {@link #start()}. The sweep runs
 * on Tomcat's utility executor (as Tomcat's own async timeouts do), a few times per deadline and at
 * least once a second; it only reads the processor's start time, whose write by a worker thread happens
 * before the processor is attached to the socket (an atomic reference), and so is visible to it.
 * <p>
 * Not covered: a connection that sends nothing, or only the blank lines allowed before a request line
 * (Tomcat releases the processor then), is bounded by the per-read and keep-alive timeouts instead.
 */
public class HeaderDeadlineProtocol extends Http11NioProtocol {

    private static final Logger log = LoggerFactory.getLogger(HeaderDeadlineProtocol.class);

    private volatile Duration headerTimeout = Duration.ofSeconds(10);
    private ScheduledFuture<?> sweep;

    /** Called by Tomcat with no arguments when the factory names this class as its protocol. */
    public HeaderDeadlineProtocol() {
        super();
    }

    /** How long a request's line and headers may take in all; set before {@link #start()}. */
    public void setHeaderTimeout(Duration headerTimeout) {
        this.headerTimeout = headerTimeout;
    }

    public Duration getHeaderTimeout() {
        return headerTimeout;
    }

    @Override
    public void start() throws Exception {
        super.start();
        long period = Math.max(100, Math.min(1000, headerTimeout.toMillis() / 4));
        sweep = getUtilityExecutor().scheduleWithFixedDelay(this::cutLateHeaders, period, period, TimeUnit.MILLISECONDS);
    }

    @Override
    public void stop() throws Exception {
        if (sweep != null) {
            sweep.cancel(false);
            sweep = null;
        }
        super.stop();
    }

    /** One pass over the open connections; runs on Tomcat's utility executor. */
    private void cutLateHeaders() {
        AbstractEndpoint<?, ?> endpoint = getEndpoint();
        if (!endpoint.isRunning() || endpoint.isPaused()) {
            return;
        }
        long now = System.nanoTime();
        long timeout = headerTimeout.toNanos();
        for (SocketWrapperBase<?> socket : endpoint.getConnections()) {
            if (socket.getCurrentProcessor() instanceof Processor processor && !processor.isAsync() && !processor.isUpgrade()) {
                long started = processor.getRequest().getStartTimeNanos();
                // Checked again: the processor may have been released and reused for another socket meanwhile.
                if (started >= 0 && now - started > timeout && socket.getCurrentProcessor() == processor) {
                    cut(endpoint, socket);
                }
            }
        }
    }

    @SuppressWarnings("unchecked")
    private void cut(AbstractEndpoint<?, ?> endpoint, SocketWrapperBase<?> socket) {
        // Debug only: under a slowloris attack this would be one line per attacking connection.
        log.debug("Closing {}: its request headers took longer than {} (jobpool.limits.header-timeout)",
                socket.getRemoteAddr(), headerTimeout);
        socket.setError(new SocketTimeoutException("request headers took longer than " + headerTimeout));
        if (!((AbstractEndpoint<Object, ?>) endpoint).processSocket((SocketWrapperBase<Object>) socket, SocketEvent.ERROR, true)) {
            socket.close();
        }
    }
}
