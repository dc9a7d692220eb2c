package io.jobpool.function;

/** A job's {@code params} do not match the function's parameter schema. */
public class InvalidParamsException extends IllegalArgumentException {

    private final String field;

    public InvalidParamsException(String field, String message) {
        super(message);
        this.field = field;
    }

    /** The offending field as a path such as {@code params.rounds}. */
    public String field() {
        return field;
    }
}
