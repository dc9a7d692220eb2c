package io.jobpool.job;

import io.jobpool.function.spi.ItemFailure;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;

/**
 * Turns a function's result into the JSON bytes the result store keeps. Numbers, booleans, null and
 * plain ASCII strings take a direct path (most results are those); anything else goes through Jackson.
 * A value JSON cannot represent (NaN, infinity) is an item failure, never a broken document.
 * Stateless and thread-safe: called from every worker.
 */
final class ResultEncoder {

    private static final byte[] NULL = "null".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] TRUE = "true".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] FALSE = "false".getBytes(StandardCharsets.US_ASCII);

    private final JsonMapper mapper;

    ResultEncoder(JsonMapper mapper) {
        this.mapper = mapper;
    }

    byte[] encode(Object value) {
        if (value == null) {
            return NULL;
        }
        if (value instanceof Integer || value instanceof Long || value instanceof BigInteger) {
            return value.toString().getBytes(StandardCharsets.US_ASCII);
        }
        if (value instanceof Boolean b) {
            return b ? TRUE : FALSE;
        }
        if (value instanceof Double || value instanceof Float) {
            double d = ((Number) value).doubleValue();
            if (Double.isNaN(d) || Double.isInfinite(d)) {
                throw new ItemFailure("NotJson", "the result " + d + " has no JSON representation");
            }
            return Double.toString(d).getBytes(StandardCharsets.US_ASCII);
        }
        if (value instanceof BigDecimal d) {
            return d.toString().getBytes(StandardCharsets.US_ASCII);
        }
        if (value instanceof String s && isPlainAscii(s)) {
            byte[] bytes = new byte[s.length() + 2];
            bytes[0] = '"';
            s.getBytes(0, s.length(), bytes, 1);
            bytes[bytes.length - 1] = '"';
            return bytes;
        }
        try {
            return mapper.writeValueAsBytes(value);
        } catch (JacksonException e) {
            throw new ItemFailure("NotJson", "the result cannot be written as JSON: " + e.getOriginalMessage());
        }
    }

    private static boolean isPlainAscii(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') {
                return false;
            }
        }
        return true;
    }
}
