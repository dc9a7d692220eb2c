package io.jobpool.execution;

/** A run option out of its range; {@link #option()} names it as clients spell it. */
public final class InvalidOptionException extends IllegalArgumentException {

    private final String option;

    public InvalidOptionException(String option, String message) {
        super(message);
        this.option = option;
    }

    public String option() {
        return option;
    }
}
