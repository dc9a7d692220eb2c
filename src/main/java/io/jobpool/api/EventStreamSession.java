package io.jobpool.api;

import io.jobpool.job.Job;
import io.jobpool.job.JobState;
import io.jobpool.job.Progress;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;

/**
 * A job's progress as Server-Sent Events: {@code progress} events (at most one per
 * {@code minEventInterval}, and always one when the state changes), then one {@code end} event with
 * the final status, then the stream closes. Event ids are the completed count ({@code end} for the
 * last), so a client that reconnects with {@code Last-Event-ID} gets only news. Idle streams get a
 * comment line every heartbeat so proxies keep them open.
 */
final class EventStreamSession extends StreamSession {

    static final String END_ID = "end";

    private final SseEmitter sse;
    private final JsonMapper mapper;
    private final long minIntervalNanos;
    private long lastSentNanos;
    private long lastCompleted;
    private JobState lastState;
    private volatile boolean delayedSignal;
    private volatile boolean heartbeatDue;

    EventStreamSession(Job job, SseEmitter sse, StreamHub hub, String lastEventId, JsonMapper mapper) {
        super(job, sse, hub);
        this.sse = sse;
        this.mapper = mapper;
        this.minIntervalNanos = hub.settings().minEventInterval().toNanos();
        // nanoTime has an arbitrary origin (it may be negative): "never sent" must be a time, not 0
        this.lastSentNanos = System.nanoTime() - minIntervalNanos;
        this.lastCompleted = parseCompleted(lastEventId);
        this.lastState = lastEventId == null ? null : JobState.RUNNING;
    }

    @Override
    String kind() {
        return "events";
    }

    @Override
    void heartbeat() {
        heartbeatDue = true;
        signal();
    }

    @Override
    void pump() throws IOException {
        JobState state = job.state();
        Progress progress = job.progress();
        long now = System.nanoTime();
        if (state.isTerminal()) {
            sse.send(SseEmitter.event().id(END_ID).name("end").data(mapper.writeValueAsString(JobStatusBody.of(job))));
            end();
            return;
        }
        boolean stateChanged = state != lastState;
        boolean news = progress.completed() != lastCompleted;
        if (stateChanged || news && now - lastSentNanos >= minIntervalNanos) {
            sse.send(SseEmitter.event().id(Long.toString(progress.completed())).name("progress")
                    .data(mapper.writeValueAsString(ProgressEvent.of(state, progress))));
            lastSentNanos = now;
            lastCompleted = progress.completed();
            lastState = state;
            heartbeatDue = false;
        } else if (news && !delayedSignal) {
            delayedSignal = true;
            hub.schedule(() -> {
                delayedSignal = false;
                signal();
            }, minIntervalNanos - (now - lastSentNanos));
        }
        if (heartbeatDue) {
            heartbeatDue = false;
            sse.send(SseEmitter.event().comment("keep-alive"));
        }
    }

    private static long parseCompleted(String lastEventId) {
        if (lastEventId == null) {
            return -1;
        }
        try {
            return Long.parseLong(lastEventId.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** The data of a {@code progress} event. */
    record ProgressEvent(String state, long total, long completed, long failed, double progress,
                         double itemsPerSecond, Double etaSeconds) {

        static ProgressEvent of(JobState state, Progress progress) {
            return new ProgressEvent(state.name(), progress.total(), progress.completed(), progress.failed(),
                    Math.round(progress.fraction() * 1000) / 1000.0, Math.round(progress.itemsPerSecond() * 10) / 10.0,
                    progress.etaSeconds() == null ? null : Math.round(progress.etaSeconds() * 10) / 10.0);
        }
    }
}
