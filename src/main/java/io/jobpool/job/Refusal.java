package io.jobpool.job;

/**
 * Why the service refuses a request, in the domain's words. The API layer decides how each is said over
 * HTTP (status, problem type, title); nothing here knows about HTTP.
 */
public enum Refusal {
    /** A field or parameter is out of its range or contradicts another. */
    INVALID_REQUEST,
    JOB_NOT_FOUND,
    FUNCTION_NOT_FOUND,
    /** The job is not in a state that allows the change (closed, ended, not open). */
    JOB_STATE_CONFLICT,
    /** More inputs than a job, a batch or the whole queue may ever hold: waiting does not help. */
    PAYLOAD_TOO_LARGE,
    /** A submission names a function the catalog does not have. */
    UNKNOWN_FUNCTION,
    INVALID_PARAMS,
    INVALID_EXPRESSION,
    IDEMPOTENCY_KEY_REUSED,
    /** The service (or an open job) holds as much as it may: come back after the retry hint. */
    OVERLOADED,
    /** The tenant holds as much as its quota allows: come back after the retry hint. */
    QUOTA_EXCEEDED,
    /** The service is stopping and takes no new work. */
    SHUTTING_DOWN
}
