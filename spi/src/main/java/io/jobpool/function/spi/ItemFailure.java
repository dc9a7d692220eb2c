package io.jobpool.function.spi;

/**
 * Thrown by a function when one item cannot be processed. The {@code type} is a short stable name
 * (such as {@code InvalidInput}) that reaches the client beside the message.
 */
public class ItemFailure extends RuntimeException {

    private final String type;

    public ItemFailure(String type, String message) {
        super(message, null, false, false);
        this.type = type;
    }

    public String type() {
        return type;
    }

    /** An input of the wrong shape or range for this function. */
    public static ItemFailure invalidInput(String message) {
        return new ItemFailure("InvalidInput", message);
    }
}
