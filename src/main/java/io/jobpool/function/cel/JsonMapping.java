package io.jobpool.function.cel;

import com.google.common.primitives.UnsignedLong;
import com.google.protobuf.ByteString;
import dev.cel.common.values.CelByteString;
import dev.cel.common.values.NullValue;
import io.jobpool.function.spi.ItemFailure;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The exact mapping between jobpool's JSON values and CEL values, both ways.
 *
 * <p><b>JSON to CEL</b>: {@code null} is CEL {@code null}; booleans and strings are themselves;
 * every JSON integer ({@link Integer}, {@link Long}, a {@link BigInteger} within int64) is a CEL
 * {@code int}, so integer arithmetic stays exact; a {@link BigInteger} beyond int64 fails the item
 * with {@code InvalidInput} rather than silently turning into an inexact {@code double}; {@link Double}
 * and {@link BigDecimal} are CEL {@code double}s; lists are lists and objects are
 * {@code map(string, dyn)}.
 *
 * <p><b>CEL to JSON</b>: {@code int} is a {@link Long}; {@code uint} a {@link Long}, or a
 * {@link BigInteger} above {@link Long#MAX_VALUE}; {@code double} a {@link Double}, except NaN and the
 * infinities, which JSON cannot hold ({@code NotJson}); {@code bytes} a base64 string;
 * {@code timestamp} and {@code duration} ISO-8601 strings ({@code 2024-01-01T00:00:00Z},
 * {@code PT1.5S}); lists and maps recursively. CEL map keys may be {@code int}, {@code uint},
 * {@code bool} or {@code string}; JSON keys are strings, so the others are written in their CEL
 * literal form ({@code 1}, {@code true}). Types, optionals and other CEL-only values fail the item
 * with {@code NotJson}. The result is counted as it is converted and fails with
 * {@code CostLimitExceeded} above {@link CelLimits#maxResultSize()}: a value that shares one list
 * many times is small in memory but not as JSON.
 */
final class JsonMapping {

    private static final BigInteger MIN_LONG = BigInteger.valueOf(Long.MIN_VALUE);
    private static final BigInteger MAX_LONG = BigInteger.valueOf(Long.MAX_VALUE);

    private JsonMapping() {
    }

    /** A JSON value as the CEL runtime wants it. */
    static Object toCel(Object json) {
        if (json == null) {
            return NullValue.NULL_VALUE;
        }
        if (json instanceof String || json instanceof Boolean || json instanceof Long || json instanceof Double) {
            return json;
        }
        if (json instanceof Integer || json instanceof Short || json instanceof Byte) {
            return ((Number) json).longValue();
        }
        if (json instanceof BigInteger big) {
            if (big.compareTo(MIN_LONG) < 0 || big.compareTo(MAX_LONG) > 0) {
                throw ItemFailure.invalidInput("integer " + big + " is outside CEL's int64 range");
            }
            return big.longValue();
        }
        if (json instanceof BigDecimal || json instanceof Float) {
            double value = ((Number) json).doubleValue();
            if (Double.isInfinite(value)) {
                throw ItemFailure.invalidInput("number " + json + " is outside CEL's double range");
            }
            return value;
        }
        if (json instanceof List<?> list) {
            List<Object> values = new ArrayList<>(list.size());
            for (Object element : list) {
                values.add(toCel(element));
            }
            return Collections.unmodifiableList(values);
        }
        if (json instanceof Map<?, ?> map) {
            Map<String, Object> values = new LinkedHashMap<>(Math.max(16, map.size() * 4 / 3 + 1));
            for (Map.Entry<?, ?> entry : map.entrySet()) {
                if (!(entry.getKey() instanceof String key)) {
                    throw ItemFailure.invalidInput("object keys must be strings, got " + entry.getKey());
                }
                values.put(key, toCel(entry.getValue()));
            }
            return Collections.unmodifiableMap(values);
        }
        throw ItemFailure.invalidInput("not a JSON value: " + json.getClass().getSimpleName());
    }

    /** A CEL result as a JSON value, at most {@code maxSize} nodes plus string characters large. */
    static Object toJson(Object cel, long maxSize) {
        return new Budget(maxSize).toJson(cel);
    }

    /** Counts what one result conversion has produced so far. */
    private static final class Budget {

        private final long maxSize;
        private long size;

        Budget(long maxSize) {
            this.maxSize = maxSize;
        }

        Object toJson(Object cel) {
            spend(1);
            if (cel instanceof Long || cel instanceof Boolean) {
                return cel;
            }
            if (cel instanceof String text) {
                spend(text.length());
                return text;
            }
            if (cel instanceof Double value) {
                if (value.isNaN() || value.isInfinite()) {
                    throw new ItemFailure("NotJson", "the result " + value + " is not a JSON number");
                }
                return value;
            }
            if (cel instanceof UnsignedLong unsigned) {
                return unsigned.compareTo(UnsignedLong.valueOf(Long.MAX_VALUE)) <= 0
                        ? (Object) unsigned.longValue() : unsigned.bigIntegerValue();
            }
            if (cel instanceof NullValue || cel instanceof com.google.protobuf.NullValue) {
                return null;
            }
            if (cel instanceof CelByteString bytes) {
                return text(Base64.getEncoder().encodeToString(bytes.toByteArray()));
            }
            if (cel instanceof ByteString bytes) {
                return text(Base64.getEncoder().encodeToString(bytes.toByteArray()));
            }
            if (cel instanceof Instant || cel instanceof Duration) {
                return text(cel.toString());
            }
            if (cel instanceof List<?> list) {
                List<Object> values = new ArrayList<>(list.size());
                for (Object element : list) {
                    values.add(toJson(element));
                }
                return values;
            }
            if (cel instanceof Map<?, ?> map) {
                Map<String, Object> values = new LinkedHashMap<>(Math.max(16, map.size() * 4 / 3 + 1));
                for (Map.Entry<?, ?> entry : map.entrySet()) {
                    String key = key(entry.getKey());
                    spend(key.length());
                    values.put(key, toJson(entry.getValue()));
                }
                return values;
            }
            throw new ItemFailure("NotJson", "a CEL " + cel.getClass().getSimpleName() + " has no JSON form");
        }

        private String text(String value) {
            spend(value.length());
            return value;
        }

        private static String key(Object key) {
            if (key instanceof String text) {
                return text;
            }
            if (key instanceof Long || key instanceof Boolean || key instanceof UnsignedLong) {
                return key.toString();
            }
            throw new ItemFailure("NotJson", "a CEL map key of type " + key.getClass().getSimpleName()
                    + " has no JSON form");
        }

        private void spend(long amount) {
            size += amount;
            if (size > maxSize) {
                throw new ItemFailure(CelExpressions.COST_LIMIT_EXCEEDED,
                        "the result is larger than " + maxSize + " JSON nodes and characters");
            }
        }
    }
}
