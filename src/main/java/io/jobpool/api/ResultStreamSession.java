package io.jobpool.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.jobpool.job.ItemError;
import io.jobpool.job.Job;
import io.jobpool.job.JobState;
import io.jobpool.job.Progress;
import io.jobpool.job.ResultStore;
import org.springframework.http.MediaType;
import org.springframework.web.servlet.mvc.method.annotation.ResponseBodyEmitter;
import tools.jackson.databind.json.JsonMapper;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * {@code imap} and {@code imap_unordered} over NDJSON: one line per item, {@code {"index", "value"}}
 * or {@code {"index", "error"}}, in input order (a line as soon as every item before it is done) or in
 * completion order; after the last item, one line {@code {"end": true, "state", ...}}. A client that
 * lost the connection resumes with {@code from} = the number of item lines it had received.
 */
final class ResultStreamSession extends StreamSession {

    /** Lines written per pump turn before other streams get a go. */
    private static final int BATCH_LINES = 4096;

    enum Order { INPUT, COMPLETION }

    private final Order order;
    private final JsonMapper mapper;
    /** Input order: the next index to write. Completion order: item lines written so far. */
    private int position;

    ResultStreamSession(Job job, ResponseBodyEmitter emitter, StreamHub hub, Order order, int from, JsonMapper mapper) {
        super(job, emitter, hub);
        this.order = order;
        this.position = from;
        this.mapper = mapper;
    }

    @Override
    String kind() {
        return "results";
    }

    @Override
    void pump() throws IOException {
        // read the state first: once it is terminal, every result the job will ever have is visible
        JobState state = job.state();
        ResultStore results = job.results();
        LineWriter lines = new LineWriter();
        boolean more;
        if (order == Order.INPUT) {
            int size = results.size();
            int ready = state.isTerminal() ? size - position : results.donePrefix(position, size);
            int upTo = position + Math.min(ready, BATCH_LINES);
            results.visit(position, upTo, lines);
            position = upTo;
            // not lines.count: an ended job may have items that never ran, which visit() skips
            more = ready > BATCH_LINES;
        } else {
            position += results.visitInCompletionOrder(position, BATCH_LINES, lines);
            more = lines.count == BATCH_LINES;
        }
        boolean complete = !more && state.isTerminal()
                && (order == Order.INPUT ? position >= results.size() : position >= results.completedInLog());
        if (complete) {
            lines.end(state);
        }
        if (lines.buffer.size() > 0) {
            emitter.send(lines.buffer.toByteArray(), MediaType.APPLICATION_NDJSON);
        }
        if (complete) {
            end();
        } else if (more) {
            signal();
        }
    }

    /** Renders item lines into one buffer, sent as one write. */
    private final class LineWriter implements ResultStore.ItemVisitor {

        final ByteArrayOutputStream buffer = new ByteArrayOutputStream(8192);
        int count;

        @Override
        public void value(int index, byte[] data, int offset, int length) {
            buffer.writeBytes(("{\"index\":" + index + ",\"value\":").getBytes(StandardCharsets.US_ASCII));
            buffer.write(data, offset, length);
            buffer.writeBytes("}\n".getBytes(StandardCharsets.US_ASCII));
            count++;
        }

        @Override
        public void error(ItemError error) {
            buffer.writeBytes(mapper.writeValueAsBytes(new ErrorLine(error.index(),
                    new ErrorLine.Cause(error.type(), error.message()))));
            buffer.write('\n');
            count++;
        }

        void end(JobState state) {
            Progress progress = job.progress();
            buffer.writeBytes(mapper.writeValueAsBytes(new EndLine(true, state.name(), progress.total(),
                    progress.completed(), progress.failed(), JobStatusBody.ErrorBody.of(job.error()))));
            buffer.write('\n');
        }
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
