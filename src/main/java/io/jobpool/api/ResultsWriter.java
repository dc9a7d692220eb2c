package io.jobpool.api;

import io.jobpool.job.ItemError;
import io.jobpool.job.Job;
import io.jobpool.job.JobState;
import io.jobpool.job.Progress;
import io.jobpool.job.ResultStore;
import tools.jackson.databind.json.JsonMapper;

import java.io.BufferedOutputStream;
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

    /** Items are a few bytes each: writing them one by one to the servlet stream would cost more than the copy. */
    private static final int BUFFER_BYTES = 64 * 1024;

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
                end = offset + results.donePrefix(offset, end);
            }
            return new PageRange(state, offset, end, end < total ? end : null);
        }
    }

    void writePage(Job job, int offset, int limit, OutputStream socket) throws IOException {
        BufferedOutputStream out = new BufferedOutputStream(socket, BUFFER_BYTES);
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
        out.flush();
    }

    /** The answer of {@code POST /v1/map} for an ended job: every result, every error, the job's error. */
    void writeMapResult(Job job, OutputStream socket) throws IOException {
        BufferedOutputStream out = new BufferedOutputStream(socket, BUFFER_BYTES);
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
        out.write(mapper.writeValueAsBytes(JobStatusBody.ErrorBody.of(job.record().error())));
        out.write('}');
        out.flush();
    }

    private static void writeValues(ResultStore results, int from, int to, OutputStream out) throws IOException {
        out.write('[');
        results.writeValues(from, to, out);
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
