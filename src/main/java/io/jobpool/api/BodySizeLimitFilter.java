package io.jobpool.api;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.web.filter.OncePerRequestFilter;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.time.Duration;

/**
 * Refuses request bodies over {@code jobpool.limits.max-body-bytes} with 413: at once when the
 * declared length is too large, otherwise while reading (chunked uploads), so an oversized body is
 * never buffered whole. Refuses with 408 a body still arriving {@code jobpool.limits.body-timeout}
 * after its headers, so a client trickling a body cannot hold a request thread for ever.
 * <p>
 * The body is read with blocking reads on the request thread, and a read waits for the next bytes up to
 * Tomcat's per-read timeout ({@code server.tomcat.connection-timeout}); the deadline is checked when a
 * read returns, so a trickle is cut at its first bytes after the deadline, a client that stops sending
 * altogether at the per-read timeout. The connection of a request refused so is closed after the 408
 * rather than drained ({@link AbandonedBodyValve}).
 */
public final class BodySizeLimitFilter extends OncePerRequestFilter {

    private final long maxBytes;
    private final Duration bodyTimeout;
    private final JsonMapper mapper;

    public BodySizeLimitFilter(long maxBytes, Duration bodyTimeout, JsonMapper mapper) {
        this.maxBytes = maxBytes;
        this.bodyTimeout = bodyTimeout;
        this.mapper = mapper;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        if (request.getContentLengthLong() > maxBytes) {
            response.setStatus(HttpServletResponse.SC_REQUEST_ENTITY_TOO_LARGE);
            response.setContentType(Problems.PROBLEM_JSON.toString());
            response.setHeader("Connection", "close");
            mapper.writeValue(response.getOutputStream(), Problems.body(ProblemType.PAYLOAD_TOO_LARGE,
                    "the request body has " + request.getContentLengthLong() + " bytes; at most " + maxBytes
                            + " are accepted (jobpool.limits.max-body-bytes). Split the inputs into several jobs",
                    request, null, null));
            return;
        }
        // The headers are complete by now: the body's time starts here, not when the body is first read.
        chain.doFilter(new LimitedRequest(request, maxBytes, bodyTimeout, System.nanoTime() + bodyTimeout.toNanos()), response);
    }

    /** A request whose body stream fails once more than the limit has been read, or once the deadline has passed. */
    private static final class LimitedRequest extends HttpServletRequestWrapper {

        private final long maxBytes;
        private final Duration bodyTimeout;
        private final long deadlineNanos;
        private ServletInputStream stream;

        LimitedRequest(HttpServletRequest request, long maxBytes, Duration bodyTimeout, long deadlineNanos) {
            super(request);
            this.maxBytes = maxBytes;
            this.bodyTimeout = bodyTimeout;
            this.deadlineNanos = deadlineNanos;
        }

        @Override
        public ServletInputStream getInputStream() throws IOException {
            if (stream == null) {
                stream = new LimitedStream(this, super.getInputStream(), maxBytes, bodyTimeout,
                        deadlineNanos);
            }
            return stream;
        }
    }

    /**
     * The byte 0xFF never occurs in UTF-8, but Jackson's property-name cache pads short names with 0xFF
     * bytes, so {@code "inpu\xFFts"} would be taken for {@code "inputs"} once that name is cached: such a
     * body is refused here, before it reaches the parser.
     */
    static final class InvalidUtf8Exception extends java.io.IOException {
        InvalidUtf8Exception() {
            super("the body is not valid UTF-8: it contains the byte 0xFF", null);
        }
    }

    private static final class LimitedStream extends ServletInputStream {

        private final HttpServletRequest request;
        private final ServletInputStream in;
        private final long maxBytes;
        private final Duration bodyTimeout;
        private final long deadlineNanos;
        private long read;

        LimitedStream(HttpServletRequest request, ServletInputStream in, long maxBytes, Duration bodyTimeout, long deadlineNanos) {
            this.request = request;
            this.in = in;
            this.maxBytes = maxBytes;
            this.bodyTimeout = bodyTimeout;
            this.deadlineNanos = deadlineNanos;
        }

        @Override
        public int read() throws IOException {
            int b = in.read();
            if (b >= 0) {
                checkDeadline();
                count(1);
                if (b == 0xFF) {
                    throw new InvalidUtf8Exception();
                }
            }
            return b;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            int n = in.read(buffer, offset, length);
            if (n > 0) {
                checkDeadline();
                count(n);
                for (int i = offset; i < offset + n; i++) {
                    if (buffer[i] == (byte) 0xFF) {
                        throw new InvalidUtf8Exception();
                    }
                }
            }
            return n;
        }

        /** Only when bytes came: a body that has ended in time is accepted however long it is then parsed. */
        private void checkDeadline() throws BodyTooSlowException {
            if (System.nanoTime() - deadlineNanos > 0) {
                // The rest of a trickled body is not drained after the 408 (see AbandonedBodyValve).
                request.setAttribute(AbandonedBodyValve.ABANDONED, Boolean.TRUE);
                throw new BodyTooSlowException(bodyTimeout);
            }
        }

        private void count(int n) throws BodyTooLargeException {
            read += n;
            if (read > maxBytes) {
                throw new BodyTooLargeException(maxBytes);
            }
        }

        @Override
        public boolean isFinished() {
            return in.isFinished();
        }

        @Override
        public boolean isReady() {
            return in.isReady();
        }

        @Override
        public void setReadListener(ReadListener listener) {
            in.setReadListener(listener);
        }
    }
}
