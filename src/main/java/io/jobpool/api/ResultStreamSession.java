package io.jobpool.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.jobpool.job.ItemError;
import io.jobpool.job.Job;
import io.jobpool.job.JobState;
import io.jobpool.job.Progress;
import io.jobpool.job.ResultStore;
import tools.jackson.databind.json.JsonMapper;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * {@code imap} and {@code imap_unordered} over NDJSON: one line per item, {@code {"index", "value"}}
 * or {@code {"index", "error"}}, in input order (a line as soon as every item before it is done) or in
 * completion order; after the last item, one line {@code {"end": true, "state", ...}}. A client that
 * lost the connection resumes with {@code from} = the number of item lines it had received. An idle
 * stream gets a {@code {"keepAlive": true}} line every heartbeat; a stream that ends because the service
 * stops gets {@code {"stopping": true, "from": n}} as its last line instead of the end line.
 */
final class ResultStreamSession extends StreamSession {

    /** Items rendered between two checks of the write budget. */
    private static final int STEP_LINES = 256;
    private static final byte[] KEEP_ALIVE = "{\"keepAlive\":true}\n".getBytes(StandardCharsets.US_ASCII);

    enum Order { INPUT, COMPLETION }

    private final Order order;
    private final JsonMapper mapper;
    /** Input order: the next index to write. Completion order: item lines written so far. */
    private int position;

    ResultStreamSession(Job job, StreamHub hub, Order order, int from, JsonMapper mapper) {
        super(job, hub);
        this.order = order;
        this.position = from;
        this.mapper = mapper;
    }

    @Override
    String kind() {
        return "results";
    }

    @Override
    Turn render(ByteArrayOutputStream out, int budget) {
        // read the state first: once it is terminal, every result the job will ever have is visible
        JobState state = job.state();
        ResultStore results = job.results();
        LineWriter lines = new LineWriter(out);
        boolean more;
        try {
            if (order == Order.INPUT) {
                int size = results.size();
                int ready = state.isTerminal() ? size - position : results.donePrefix(position, size);
                int end = position + ready;
                while (position < end && out.size() < budget) {
                    int upTo = Math.min(end, position + STEP_LINES);
                    results.visit(position, upTo, lines);
                    position = upTo;
                }
                // not the lines written: an ended job may have items that never ran, which visit() skips
                more = position < end;
            } else {
                int step;
                do {
                    step = results.visitInCompletionOrder(position, STEP_LINES, lines);
                    position += step;
                } while (step == STEP_LINES && out.size() < budget);
                more = step == STEP_LINES;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a ByteArrayOutputStream does not throw
        }
        boolean complete = !more && state.isTerminal()
                && (order == Order.INPUT ? position >= results.size() : position >= results.completedInLog());
        if (complete) {
            lines.end(state);
            return Turn.END;
        }
        return more ? Turn.MORE : Turn.WAIT;
    }

    @Override
    byte[] keepAlive() {
        return KEEP_ALIVE;
    }

    @Override
    byte[] stopping() {
        byte[] line = mapper.writeValueAsBytes(new StoppingLine(true, position,
                "the service is stopping; reconnect (to another instance if there is one) with from=" + position));
        byte[] withNewline = Arrays.copyOf(line, line.length + 1);
        withNewline[line.length] = '\n';
        return withNewline;
    }

    /** Renders item lines into one buffer, sent as one write. */
    private final class LineWriter implements ResultStore.ItemVisitor {

        final ByteArrayOutputStream buffer;

        LineWriter(ByteArrayOutputStream buffer) {
            this.buffer = buffer;
        }

        @Override
        public void value(int index, byte[] data, int offset, int length) {
            buffer.writeBytes(("{\"index\":" + index + ",\"value\":").getBytes(StandardCharsets.US_ASCII));
            buffer.write(data, offset, length);
            buffer.writeBytes("}\n".getBytes(StandardCharsets.US_ASCII));
        }

        @Override
        public void error(ItemError error) {
            buffer.writeBytes(mapper.writeValueAsBytes(new ErrorLine(error.index(),
                    new ErrorLine.Cause(error.type(), error.message()))));
            buffer.write('\n');
        }

        void end(JobState state) {
            Progress progress = job.progress();
            buffer.writeBytes(mapper.writeValueAsBytes(new EndLine(true, state.name(), progress.total(),
                    progress.completed(), progress.failed(), JobStatusBody.ErrorBody.of(job.record().error()))));
            buffer.write('\n');
        }
    }

    /** The last line of a stream cut by a shutdown: where to resume. */
    record StoppingLine(boolean stopping, int from, String message) {
    }

    /** A failed item's line. */
    record ErrorLine(int index, Cause error) {
        record Cause(String type, String message) {
        }
    }

    /** The last line: the job's final state and counts, and why it did not succeed (only when it did not). */
    record EndLine(boolean end, String state, long total, long completed, long failed,
                   @JsonInclude(JsonInclude.Include.NON_NULL) JobStatusBody.ErrorBody error) {
    }
}
