package io.jobpool.job;

/**
 * A request the service refuses, with the problem type that tells the client why. The API layer turns
 * every one into an {@code application/problem+json} answer.
 */
public class JobpoolException extends RuntimeException {

    private final ProblemType type;
    private final String field;
    private final Long retryAfterSeconds;

    public JobpoolException(ProblemType type, String detail) {
        this(type, detail, null, null);
    }

    public JobpoolException(ProblemType type, String detail, String field, Long retryAfterSeconds) {
        super(detail, null, false, false);
        this.type = type;
        this.field = field;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public static JobpoolException invalid(String field, String detail) {
        return new JobpoolException(ProblemType.INVALID_REQUEST, detail, field, null);
    }

    public ProblemType type() {
        return type;
    }

    /** The request field at fault, or {@code null}. */
    public String field() {
        return field;
    }

    /** For {@link ProblemType#OVERLOADED}: when to try again; otherwise {@code null}. */
    public Long retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
