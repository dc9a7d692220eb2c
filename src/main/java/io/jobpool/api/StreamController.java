package io.jobpool.api;

import io.jobpool.job.Job;
import io.jobpool.job.JobService;
import io.jobpool.job.JobpoolException;
import io.jobpool.security.ApiKeyFilter;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestAttribute;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.util.Locale;

/**
 * Live views of a job: its results as they are made ({@code imap} / {@code imap_unordered}, NDJSON)
 * and its progress as Server-Sent Events. Both are served asynchronously by the {@link StreamHub}:
 * the request thread checks the request, sets the headers and returns at once; the hub's pump threads
 * write with non-blocking output.
 */
@RestController
@RequestMapping("/v1/jobs/{id}")
class StreamController {

    private final JobService jobs;
    private final StreamHub hub;
    private final JsonMapper mapper;

    StreamController(JobService jobs, StreamHub hub, JsonMapper mapper) {
        this.jobs = jobs;
        this.hub = hub;
        this.mapper = mapper;
    }

    @GetMapping(path = "/results/stream", produces = MediaType.APPLICATION_NDJSON_VALUE)
    void results(@PathVariable String id, @RequestParam(required = false) String order,
                 @RequestParam(required = false) Integer from, @RequestAttribute(ApiKeyFilter.TENANT_ATTRIBUTE) String tenant,
                 HttpServletRequest request, HttpServletResponse response) throws IOException {
        ResultStreamSession.Order streamOrder = parseOrder(order);
        int start = QueryParams.inRange("from", from, 0, 0, Integer.MAX_VALUE);
        Job job = jobs.get(tenant, id);
        hub.admit();
        startStream(request, response, MediaType.APPLICATION_NDJSON_VALUE,
                new ResultStreamSession(job, hub, streamOrder, start, mapper));
    }

    @GetMapping(path = "/events", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
    void events(@PathVariable String id, @RequestHeader(name = "Last-Event-ID", required = false) String lastEventId,
                @RequestAttribute(ApiKeyFilter.TENANT_ATTRIBUTE) String tenant,
                HttpServletRequest request, HttpServletResponse response) throws IOException {
        Job job = jobs.get(tenant, id);
        if (EventStreamSession.END_ID.equals(lastEventId)) {
            // the client has seen the end already: nothing more will come
            headers(response, MediaType.TEXT_EVENT_STREAM_VALUE);
            return;
        }
        hub.admit();
        startStream(request, response, MediaType.TEXT_EVENT_STREAM_VALUE,
                new EventStreamSession(job, hub, lastEventId, mapper));
    }

    /** Sets the stream's headers and turns the request asynchronous; the session then owns the response. */
    private static void startStream(HttpServletRequest request, HttpServletResponse response, String contentType,
                                    StreamSession session) throws IOException {
        headers(response, contentType);
        // the container's own request and response, not the wrappers the filters and Spring MVC put around
        // them: Spring's async response wrapper guards writes with its own life cycle, which is not ours
        AsyncContext async = request.startAsync();
        session.open(async);
    }

    private static void headers(HttpServletResponse response, String contentType) {
        response.setStatus(HttpServletResponse.SC_OK);
        response.setContentType(contentType);
        response.setHeader("Cache-Control", "no-store");
        response.setHeader("X-Accel-Buffering", "no"); // nginx: pass lines on as they come
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
