package io.jobpool.api;

import io.jobpool.job.Refusal;

/**
 * Every kind of problem the API answers with (RFC 9457): a stable slug (the type URI is
 * {@code urn:jobpool:problem:<slug>}), a title and the HTTP status. {@link #of(Refusal)} is the one place
 * where the domain's refusals become HTTP. (The 401 for a missing key is written by the security filter,
 * the only place that refuses a caller.)
 */
public enum ProblemType {
    MALFORMED_REQUEST("malformed-request", "Malformed request", 400),
    INVALID_REQUEST("invalid-request", "Invalid request", 400),
    JOB_NOT_FOUND("job-not-found", "Job not found", 404),
    FUNCTION_NOT_FOUND("function-not-found", "Function not found", 404),
    NOT_FOUND("not-found", "Not found", 404),
    METHOD_NOT_ALLOWED("method-not-allowed", "Method not allowed", 405),
    NOT_ACCEPTABLE("not-acceptable", "Not acceptable", 406),
    REQUEST_TIMEOUT("request-timeout", "Request body too slow", 408),
    JOB_STATE_CONFLICT("job-state-conflict", "Job is in the wrong state", 409),
    PAYLOAD_TOO_LARGE("payload-too-large", "Payload too large", 413),
    UNSUPPORTED_MEDIA_TYPE("unsupported-media-type", "Unsupported media type", 415),
    UNKNOWN_FUNCTION("unknown-function", "Unknown function", 422),
    INVALID_PARAMS("invalid-params", "Invalid function parameters", 422),
    INVALID_EXPRESSION("invalid-expression", "Expression does not compile", 422),
    IDEMPOTENCY_KEY_REUSED("idempotency-key-reused", "Idempotency key reused with another request", 422),
    OVERLOADED("overloaded", "Service overloaded", 429),
    QUOTA_EXCEEDED("quota-exceeded", "Tenant quota exceeded", 429),
    INTERNAL_ERROR("internal-error", "Internal error", 500),
    SHUTTING_DOWN("shutting-down", "Service shutting down", 503);

    private final String slug;
    private final String title;
    private final int status;

    ProblemType(String slug, String title, int status) {
        this.slug = slug;
        this.title = title;
        this.status = status;
    }

    /** How a refusal of the domain is answered. */
    public static ProblemType of(Refusal refusal) {
        return switch (refusal) {
            case INVALID_REQUEST -> INVALID_REQUEST;
            case JOB_NOT_FOUND -> JOB_NOT_FOUND;
            case FUNCTION_NOT_FOUND -> FUNCTION_NOT_FOUND;
            case JOB_STATE_CONFLICT -> JOB_STATE_CONFLICT;
            case PAYLOAD_TOO_LARGE -> PAYLOAD_TOO_LARGE;
            case UNKNOWN_FUNCTION -> UNKNOWN_FUNCTION;
            case INVALID_PARAMS -> INVALID_PARAMS;
            case INVALID_EXPRESSION -> INVALID_EXPRESSION;
            case IDEMPOTENCY_KEY_REUSED -> IDEMPOTENCY_KEY_REUSED;
            case OVERLOADED -> OVERLOADED;
            case QUOTA_EXCEEDED -> QUOTA_EXCEEDED;
            case SHUTTING_DOWN -> SHUTTING_DOWN;
        };
    }

    public String uri() {
        return "urn:jobpool:problem:" + slug;
    }

    public String title() {
        return title;
    }

    public int status() {
        return status;
    }
}
