package io.jobpool.api;

import io.jobpool.job.Job;
import io.jobpool.job.JobService;
import io.jobpool.job.JobpoolException;
import io.jobpool.security.ApiKeyFilter;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestAttribute;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.ResponseBodyEmitter;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;
import tools.jackson.databind.json.JsonMapper;

import java.time.Duration;
import java.util.Locale;

/**
 * Live views of a job: its results as they are made ({@code imap} / {@code imap_unordered}, NDJSON)
 * and its progress as Server-Sent Events. Both are served asynchronously by the {@link StreamHub}:
 * the request thread returns at once.
 */
@RestController
@RequestMapping("/v1/jobs/{id}")
class StreamController {

    /** Longest a stream stays open; jobs cannot run longer than a day, open jobs reconnect. */
    private static final long STREAM_TIMEOUT_MILLIS = Duration.ofDays(1).toMillis();

    private final JobService jobs;
    private final StreamHub hub;
    private final JsonMapper mapper;

    StreamController(JobService jobs, StreamHub hub, JsonMapper mapper) {
        this.jobs = jobs;
        this.hub = hub;
        this.mapper = mapper;
    }

    @GetMapping(path = "/results/stream", produces = MediaType.APPLICATION_NDJSON_VALUE)
    ResponseEntity<ResponseBodyEmitter> results(@PathVariable String id, @RequestParam(required = false) String order,
                                                @RequestParam(required = false) Integer from, @RequestAttribute(ApiKeyFilter.TENANT_ATTRIBUTE) String tenant) {
        ResultStreamSession.Order streamOrder = parseOrder(order);
        int start = QueryParams.inRange("from", from, 0, 0, Integer.MAX_VALUE);
        Job job = jobs.get(tenant, id);
        ResponseBodyEmitter emitter = new ResponseBodyEmitter(STREAM_TIMEOUT_MILLIS);
        new ResultStreamSession(job, emitter, hub, streamOrder, start, mapper).open();
        return ResponseEntity.ok().contentType(MediaType.APPLICATION_NDJSON).header("Cache-Control", "no-store")
                .header("X-Accel-Buffering", "no").body(emitter);
    }

    @GetMapping(path = "/events", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
    ResponseEntity<SseEmitter> events(@PathVariable String id,
                                      @RequestHeader(name = "Last-Event-ID", required = false) String lastEventId,
                                      @RequestAttribute(ApiKeyFilter.TENANT_ATTRIBUTE) String tenant) {
        Job job = jobs.get(tenant, id);
        SseEmitter emitter = new SseEmitter(STREAM_TIMEOUT_MILLIS);
        if (EventStreamSession.END_ID.equals(lastEventId)) {
            emitter.complete(); // the client has seen the end already: nothing more will come
        } else {
            new EventStreamSession(job, emitter, hub, lastEventId, mapper).open();
        }
        return ResponseEntity.ok().header("Cache-Control", "no-store").header("X-Accel-Buffering", "no").body(emitter);
    }

    private static ResultStreamSession.Order parseOrder(String order) {
        if (order == null) {
            return ResultStreamSession.Order.INPUT;
        }
        try {
            return ResultStreamSession.Order.valueOf(order.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw JobpoolException.invalid("order", "query parameter 'order' must be \"input\" (imap) or \"completion\""
                    + " (imap_unordered), got \"" + order + "\"");
        }
    }
}
