package io.jobpool.api;

import io.jobpool.job.Job;
import io.jobpool.job.JobRegistry;
import io.jobpool.job.JobService;
import io.jobpool.job.JobState;
import io.jobpool.job.JobpoolException;
import io.jobpool.security.ApiKeyFilter;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestAttribute;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.StreamingResponseBody;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.net.URI;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Jobs over HTTP: {@code map_async} ({@code POST /v1/jobs}), {@code map} ({@code POST /v1/map}),
 * status, paged results, listing and cancel ({@code terminate} for one job).
 */
@RestController
@RequestMapping(path = "/v1", produces = MediaType.APPLICATION_JSON_VALUE)
class JobController {

    static final int MAX_WAIT_SECONDS = 300;
    static final String IDEMPOTENCY_KEY = "Idempotency-Key";

    private final JobService jobs;
    private final ResultsWriter writer;
    private final JsonMapper mapper;

    JobController(JobService jobs, JsonMapper mapper) {
        this.jobs = jobs;
        this.mapper = mapper;
        this.writer = new ResultsWriter(mapper);
    }

    @PostMapping(path = "/jobs", consumes = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<JobStatusBody> submit(@RequestBody JobRequest request, @RequestAttribute(ApiKeyFilter.TENANT_ATTRIBUTE) String tenant,
                                         @RequestHeader(name = IDEMPOTENCY_KEY, required = false) String idempotencyKey) {
        JobService.Submission submission = jobs.submit(tenant, request.toSpec(), idempotency(idempotencyKey, request));
        return ResponseEntity.status(HttpStatus.ACCEPTED).location(location(submission.job()))
                .headers(replayed(submission)).body(JobStatusBody.of(submission.job()));
    }

    /**
     * How long a map request waits for its job on the request thread before it lets the thread go and
     * waits asynchronously. A small job usually ends within it, and is then answered in the same pass
     * through the container: the asynchronous answer costs two more dispatches through the filter chain
     * and a hop through the MVC task executor for the streamed body (measured with bench/small_jobs.py:
     * about half a small map's server time; waiting 0 ms, i.e. only answering jobs already done, gained
     * nothing, since even a tiny job takes a worker hand-off). Short enough that a big job holds a request
     * thread for no more than this.
     */
    static final long SYNC_WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

    /**
     * Both answers are streamed bodies: the results of a large job are copied from the store to the
     * socket, never assembled in memory first. (Async handlers pick the streaming body writer from the
     * declared type, so the 202 status is streamed too.) A job that ends within {@link #SYNC_WAIT_NANOS}
     * is written straight to the response, and the method returns {@code null}: the request is handled.
     */
    @PostMapping(path = "/map", consumes = MediaType.APPLICATION_JSON_VALUE)
    CompletableFuture<ResponseEntity<StreamingResponseBody>> map(@RequestBody JobRequest request,
                                                                 @RequestParam(required = false) Integer waitSeconds,
                                                                 @RequestAttribute(ApiKeyFilter.TENANT_ATTRIBUTE) String tenant,
                                                                 @RequestHeader(name = IDEMPOTENCY_KEY, required = false)
                                                                 String idempotencyKey,
                                                                 HttpServletResponse response) throws IOException {
        int wait = QueryParams.inRange("waitSeconds", waitSeconds, 60, 0, MAX_WAIT_SECONDS);
        if (Boolean.TRUE.equals(request.open())) {
            throw JobpoolException.invalid("open", "an open job cannot be waited on: submit it with POST /v1/jobs,"
                    + " send inputs to /v1/jobs/{id}/inputs and close it");
        }
        JobService.Submission submission = jobs.submit(tenant, request.toSpec(), idempotency(idempotencyKey, request));
        Job job = submission.job();
        if (endsSoon(job, Math.min(SYNC_WAIT_NANOS, TimeUnit.SECONDS.toNanos(wait)))) {
            response.setStatus(HttpStatus.OK.value());
            if (submission.replayed()) {
                response.setHeader("Idempotent-Replayed", "true");
            }
            response.setContentType(MediaType.APPLICATION_JSON_VALUE);
            writer.writeMapResult(job, response.getOutputStream());
            return null;
        }
        return job.whenEnded().copy()
                .completeOnTimeout(null, wait, TimeUnit.SECONDS)
                .thenApply(ended -> ended == null
                        ? ResponseEntity.status(HttpStatus.ACCEPTED).location(location(job)).headers(replayed(submission))
                                .contentType(MediaType.APPLICATION_JSON)
                                .body(out -> mapper.writeValue(out, JobStatusBody.of(job)))
                        : ResponseEntity.ok().headers(replayed(submission)).contentType(MediaType.APPLICATION_JSON)
                                .body(out -> writer.writeMapResult(ended, out)));
    }

    @GetMapping("/jobs/{id}")
    JobStatusBody status(@PathVariable String id, @RequestAttribute(ApiKeyFilter.TENANT_ATTRIBUTE) String tenant) {
        return JobStatusBody.of(jobs.get(tenant, id));
    }

    @GetMapping("/jobs/{id}/results")
    void results(@PathVariable String id, @RequestParam(required = false) Integer offset,
                 @RequestParam(required = false) Integer limit, @RequestAttribute(ApiKeyFilter.TENANT_ATTRIBUTE) String tenant,
                 HttpServletResponse response) throws IOException {
        int from = QueryParams.inRange("offset", offset, 0, 0, Integer.MAX_VALUE);
        int size = QueryParams.inRange("limit", limit, 10_000, 1, 100_000);
        Job job = jobs.get(tenant, id);
        response.setContentType(MediaType.APPLICATION_JSON_VALUE);
        writer.writePage(job, from, size, response.getOutputStream());
    }

    @GetMapping("/jobs")
    JobListBody list(@RequestParam(required = false) String state, @RequestParam(required = false) Integer offset,
                     @RequestParam(required = false) Integer limit, @RequestAttribute(ApiKeyFilter.TENANT_ATTRIBUTE) String tenant) {
        int from = QueryParams.inRange("offset", offset, 0, 0, Integer.MAX_VALUE);
        int size = QueryParams.inRange("limit", limit, 100, 1, 1000);
        JobRegistry.Page page = jobs.list(tenant, parseState(state), from, size);
        int end = from + page.jobs().size();
        return new JobListBody(page.jobs().stream().map(JobStatusBody::of).toList(), from, size, page.total(),
                end < page.total() ? end : null);
    }

    /** Appends a batch to an open job ({@code Queue.put} for many items at once). */
    @PostMapping(path = "/jobs/{id}/inputs", consumes = MediaType.APPLICATION_JSON_VALUE)
    InputsAcceptedBody inputs(@PathVariable String id, @RequestBody List<Object> batch, @RequestAttribute(ApiKeyFilter.TENANT_ATTRIBUTE) String tenant) {
        int first = jobs.append(tenant, id, batch);
        return new InputsAcceptedBody(id, first, batch.size(), first + batch.size());
    }

    /** Says that no more inputs will come; the job then finishes like any other. */
    @PostMapping("/jobs/{id}/close")
    JobStatusBody close(@PathVariable String id, @RequestAttribute(ApiKeyFilter.TENANT_ATTRIBUTE) String tenant) {
        return JobStatusBody.of(jobs.close(tenant, id));
    }

    @DeleteMapping("/jobs/{id}")
    JobStatusBody cancel(@PathVariable String id, @RequestAttribute(ApiKeyFilter.TENANT_ATTRIBUTE) String tenant) {
        return JobStatusBody.of(jobs.cancel(tenant, id));
    }

    /** Whether the job has ended or ends within {@code nanos}, waiting on the calling thread. */
    private static boolean endsSoon(Job job, long nanos) {
        if (job.whenEnded().isDone() || nanos <= 0) {
            return job.whenEnded().isDone();
        }
        try {
            job.whenEnded().get(nanos, TimeUnit.NANOSECONDS);
            return true;
        } catch (TimeoutException | ExecutionException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The key and a fingerprint of the request (its fields, map keys sorted), or {@code null} without a key. */
    private JobService.Idempotency idempotency(String key, JobRequest request) {
        if (key == null) {
            return null;
        }
        if (key.isBlank() || key.length() > 255 || !key.chars().allMatch(c -> c >= 0x21 && c <= 0x7e)) {
            throw JobpoolException.invalid(IDEMPOTENCY_KEY, "the Idempotency-Key header must be 1 to 255 visible ASCII characters");
        }
        byte[] canonical = mapper.writer().with(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS).writeValueAsBytes(request);
        try {
            return new JobService.Idempotency(key, HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(canonical)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    private static HttpHeaders replayed(JobService.Submission submission) {
        HttpHeaders headers = new HttpHeaders();
        if (submission.replayed()) {
            headers.add("Idempotent-Replayed", "true");
        }
        return headers;
    }

    private static URI location(Job job) {
        return URI.create("/v1/jobs/" + job.id().value());
    }

    private static JobState parseState(String state) {
        if (state == null) {
            return null;
        }
        try {
            return JobState.valueOf(state.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw JobpoolException.invalid("state", "query parameter 'state' must be one of "
                    + Arrays.toString(JobState.values()) + ", got \"" + state + "\"");
        }
    }
}
