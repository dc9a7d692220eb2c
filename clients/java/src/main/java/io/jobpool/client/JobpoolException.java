package io.jobpool.client;

/**
 * The service refused a request: the HTTP status and the RFC 9457 problem it answered with
 * ({@code type} such as {@code urn:jobpool:problem:unknown-function}, {@code detail}, {@code field}).
 */
public class JobpoolException extends RuntimeException {

    private final int status;
    private final String type;
    private final String field;

    public JobpoolException(int status, String type, String detail, String field) {
        super(status + " " + type + ": " + detail);
        this.status = status;
        this.type = type;
        this.field = field;
    }

    public int status() {
        return status;
    }

    public String type() {
        return type;
    }

    /** The request field at fault, or {@code null}. */
    public String field() {
        return field;
    }
}
