package io.jobpool.api;

import io.jobpool.job.ItemError;
import io.jobpool.job.Job;
import io.jobpool.job.JobState;
import io.jobpool.job.Progress;
import io.jobpool.job.ResultStore;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Writes result documents straight from the stored, pre-serialised item JSON, so a million results
 * are copied to the socket rather than parsed and re-encoded. Only the small parts (ids, errors) go
 * through Jackson.
 */
final class ResultsWriter {

    private static final byte[] NULL = "null".getBytes(StandardCharsets.US_ASCII);

    private final JsonMapper mapper;

    ResultsWriter(JsonMapper mapper) {
        this.mapper = mapper;
    }

    /** The range a results page covers: all of it for an ended job, the finished prefix otherwise. */
    record PageRange(JobState state, int offset, int end, Integer next) {

        static PageRange of(Job job, int offset, int limit) {
            JobState state = job.state();
            ResultStore results = job.results();
            int total = results.size();
            int end = (int) Math.min(total, (long) offset + limit);
            if (offset > total) {
                return new PageRange(state, offset, offset, null);
            }
            if (!state.isTerminal()) {
                int ready = offset;
                while (ready < end && results.isDone(ready)) {
                    ready++;
                }
                end = ready;
            }
            return new PageRange(state, offset, end, end < total ? end : null);
        }
    }

    void writePage(Job job, int offset, int limit, OutputStream out) throws IOException {
        PageRange range = PageRange.of(job, offset, limit);
        StringBuilder head = new StringBuilder(128).append("{\"jobId\":\"").append(job.id().value())
                .append("\",\"state\":\"").append(range.state().name())
                .append("\",\"offset\":").append(offset).append(",\"limit\":").append(limit)
                .append(",\"total\":").append(job.results().size()).append(",\"results\":");
        out.write(head.toString().getBytes(StandardCharsets.US_ASCII));
        writeValues(job.results(), range.offset(), range.end(), out);
        out.write(",\"errors\":".getBytes(StandardCharsets.US_ASCII));
        writeErrors(job.results().errors(range.offset(), range.end()), out);
        out.write((",\"next\":" + range.next() + "}").getBytes(StandardCharsets.US_ASCII));
    }

    /** The answer of {@code POST /v1/map} for an ended job: every result, every error, the job's error. */
    void writeMapResult(Job job, OutputStream out) throws IOException {
        Progress progress = job.progress();
        int total = job.results().size();
        String head = "{\"jobId\":\"" + job.id().value() + "\",\"state\":\"" + job.state().name()
                + "\",\"total\":" + total + ",\"completed\":" + progress.completed() + ",\"failed\":" + progress.failed()
                + ",\"results\":";
        out.write(head.getBytes(StandardCharsets.US_ASCII));
        writeValues(job.results(), 0, total, out);
        out.write(",\"errors\":".getBytes(StandardCharsets.US_ASCII));
        writeErrors(job.results().errors(0, total), out);
        out.write(",\"error\":".getBytes(StandardCharsets.US_ASCII));
        out.write(mapper.writeValueAsBytes(JobStatusBody.ErrorBody.of(job.error())));
        out.write('}');
    }

    private static void writeValues(ResultStore results, int from, int to, OutputStream out) throws IOException {
        out.write('[');
        for (int i = from; i < to; i++) {
            if (i > from) {
                out.write(',');
            }
            byte[] value = results.value(i);
            out.write(value == null ? NULL : value);
        }
        out.write(']');
    }

    private void writeErrors(List<ItemError> errors, OutputStream out) throws IOException {
        out.write(mapper.writeValueAsBytes(errors.stream()
                .map(error -> new ItemErrorBody(error.index(), error.type(), error.message())).toList()));
    }

    /** One failed item in a results document. */
    record ItemErrorBody(int index, String type, String message) {
    }
}
