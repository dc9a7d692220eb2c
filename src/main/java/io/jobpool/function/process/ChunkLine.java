package io.jobpool.function.process;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

import java.math.BigInteger;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Writes a chunk message, {@code {"params": {...}, "items": [...]}} (the newline is the writer's). Integers and
 * plain ASCII strings (most items) are written directly; anything else goes through Jackson.
 */
final class ChunkLine {

    private byte[] bytes;
    private int length;

    private ChunkLine(int capacity) {
        bytes = new byte[capacity];
    }

    static byte[] encode(JsonMapper mapper, Map<String, Object> params, List<?> items) {
        // room for small numbers and short names without growing: most chunks fit at once
        ChunkLine line = new ChunkLine(64 + 12 * items.size());
        line.append("{\"params\":");
        line.append(mapper.writeValueAsBytes(params));
        line.append(",\"items\":[");
        for (int i = 0; i < items.size(); i++) {
            if (i > 0) {
                line.append(',');
            }
            line.item(mapper, items.get(i));
        }
        line.append("]}");
        return line.length == line.bytes.length ? line.bytes : Arrays.copyOf(line.bytes, line.length);
    }

    private void item(JsonMapper mapper, Object item) {
        if (item instanceof Integer || item instanceof Long) {
            appendLong(((Number) item).longValue());
        } else if (item instanceof BigInteger) {
            append(item.toString());
        } else if (item instanceof String text && isPlainAscii(text)) {
            append('"');
            append(text);
            append('"');
        } else {
            try {
                append(mapper.writeValueAsBytes(item));
            } catch (JacksonException e) {
                throw new IllegalStateException("an input cannot be written as JSON", e);
            }
        }
    }

    /** Printable ASCII without the two characters JSON escapes in it. */
    private static boolean isPlainAscii(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') {
                return false;
            }
        }
        return true;
    }

    private void appendLong(long value) {
        if (value == Long.MIN_VALUE) {
            append(Long.toString(value));
            return;
        }
        room(20);
        long left = value;
        if (left < 0) {
            bytes[length++] = '-';
            left = -left;
        }
        int end = length + digitsOf(left);
        length = end;
        do {
            bytes[--end] = (byte) ('0' + left % 10);
            left /= 10;
        } while (left > 0);
    }

    private static int digitsOf(long positive) {
        if (positive < 10_000) {
            return positive < 10 ? 1 : positive < 100 ? 2 : positive < 1000 ? 3 : 4;
        }
        int digits = 5;
        for (long limit = 100_000; positive >= limit && digits < 19; limit *= 10) {
            digits++;
        }
        return digits;
    }

    private void append(String ascii) {
        room(ascii.length());
        ascii.getBytes(0, ascii.length(), bytes, length);
        length += ascii.length();
    }

    private void append(byte[] more) {
        room(more.length);
        System.arraycopy(more, 0, bytes, length, more.length);
        length += more.length;
    }

    private void append(char c) {
        room(1);
        bytes[length++] = (byte) c;
    }

    private void room(int more) {
        if (length + more > bytes.length) {
            bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, length + more));
        }
    }
}
