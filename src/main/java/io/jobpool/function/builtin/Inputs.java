package io.jobpool.function.builtin;

import io.jobpool.function.spi.ItemFailure;

import java.math.BigInteger;

/** Reading the JSON input shapes the built-ins accept, with the same wording for every function. */
final class Inputs {

    private Inputs() {
    }

    static boolean isInteger(Object value) {
        return value instanceof Integer || value instanceof Long || value instanceof BigInteger;
    }

    /** An integer input within {@code [min, max]}. */
    static long integer(Object value, long min, long max) {
        if (!(value instanceof Integer || value instanceof Long)) {
            throw ItemFailure.invalidInput("expected an integer between " + min + " and " + max + ", got " + describe(value));
        }
        long n = ((Number) value).longValue();
        if (n < min || n > max) {
            throw ItemFailure.invalidInput("expected an integer between " + min + " and " + max + ", got " + n);
        }
        return n;
    }

    static String describe(Object value) {
        if (value == null) {
            return "null";
        }
        String text = String.valueOf(value);
        String kind = value instanceof String ? "string"
                : value instanceof Boolean ? "boolean"
                : value instanceof java.util.List ? "array"
                : value instanceof java.util.Map ? "object"
                : "number";
        return kind + " " + (text.length() > 40 ? text.substring(0, 40) + "..." : text);
    }
}
