package io.jobpool.job;

/**
 * A request the service refuses: the {@link Refusal} that says why, a detail a person can act on, the
 * request field at fault and, when waiting helps, how long to wait. The API layer turns every one into
 * an {@code application/problem+json} answer.
 */
public class JobpoolException extends RuntimeException {

    private final Refusal refusal;
    private final String field;
    private final Long retryAfterSeconds;

    public JobpoolException(Refusal refusal, String detail) {
        this(refusal, detail, null, null);
    }

    public JobpoolException(Refusal refusal, String detail, String field, Long retryAfterSeconds) {
        super(detail, null, false, false);
        this.refusal = refusal;
        this.field = field;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public static JobpoolException invalid(String field, String detail) {
        return new JobpoolException(Refusal.INVALID_REQUEST, detail, field, null);
    }

    /** Refused for now: the service, an open job or the tenant is full; {@code retryAfterSeconds} says when to try again. */
    public static JobpoolException full(Refusal refusal, String detail, long retryAfterSeconds) {
        return new JobpoolException(refusal, detail + ". Retry after " + retryAfterSeconds + " s", null, retryAfterSeconds);
    }

    public Refusal refusal() {
        return refusal;
    }

    /** The request field at fault, or {@code null}. */
    public String field() {
        return field;
    }

    /** For refusals that waiting cures: when to try again; otherwise {@code null}. */
    public Long retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
