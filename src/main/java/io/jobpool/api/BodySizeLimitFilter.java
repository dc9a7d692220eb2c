package io.jobpool.api;

import io.jobpool.job.ProblemType;
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

/**
 * Refuses request bodies over {@code jobpool.limits.max-body-bytes} with 413: at once when the
 * declared length is too large, otherwise while reading (chunked uploads), so an oversized body is
 * never buffered whole.
 */
public final class BodySizeLimitFilter extends OncePerRequestFilter {

    private final long maxBytes;
    private final JsonMapper mapper;

    public BodySizeLimitFilter(long maxBytes, JsonMapper mapper) {
        this.maxBytes = maxBytes;
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
        chain.doFilter(new LimitedRequest(request, maxBytes), response);
    }

    /** A request whose body stream fails once more than the limit has been read. */
    private static final class LimitedRequest extends HttpServletRequestWrapper {

        private final long maxBytes;
        private ServletInputStream stream;

        LimitedRequest(HttpServletRequest request, long maxBytes) {
            super(request);
            this.maxBytes = maxBytes;
        }

        @Override
        public ServletInputStream getInputStream() throws IOException {
            if (stream == null) {
                stream = new LimitedStream(super.getInputStream(), maxBytes);
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

        private final ServletInputStream in;
        private final long maxBytes;
        private long read;

        LimitedStream(ServletInputStream in, long maxBytes) {
            this.in = in;
            this.maxBytes = maxBytes;
        }

        @Override
        public int read() throws IOException {
            int b = in.read();
            if (b >= 0) {
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
                count(n);
                for (int i = offset; i < offset + n; i++) {
                    if (buffer[i] == (byte) 0xFF) {
                        throw new InvalidUtf8Exception();
                    }
                }
            }
            return n;
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
