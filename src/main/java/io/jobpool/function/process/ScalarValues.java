package io.jobpool.function.process;

import java.util.Arrays;

/**
 * The fast path of reading an answer line: {@code {"values":[v,v,...]}} whose values are all JSON
 * scalars in ASCII (numbers, strings, true, false, null), which is what a worker computing numbers or
 * names writes, checked against JSON's grammar byte by byte. Anything else (nested values, non-ASCII
 * bytes, another key) is left to the full parser: {@link #scan} then says null.
 */
final class ScalarValues {

    private static final byte[] PREFIX = "{\"values\":[".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private ScalarValues() {
    }

    /** Start and end offsets of each value, in pairs; null when the line is not that simple form. */
    static int[] scan(byte[] line) {
        if (line.length < PREFIX.length || !Arrays.equals(line, 0, PREFIX.length, PREFIX, 0, PREFIX.length)) {
            return null;
        }
        int[] bounds = new int[64];
        int count = 0;
        int at = PREFIX.length;
        while (true) {
            at = skipWhitespace(line, at);
            int end = scalarEnd(line, at);
            if (end < 0) {
                return null;
            }
            if (count + 2 > bounds.length) {
                bounds = Arrays.copyOf(bounds, bounds.length * 2);
            }
            bounds[count++] = at;
            bounds[count++] = end;
            at = skipWhitespace(line, end);
            if (at >= line.length) {
                return null;
            }
            if (line[at] == ']') {
                break;
            }
            if (line[at] != ',') {
                return null;
            }
            at++;
        }
        at = skipWhitespace(line, at + 1);
        if (at >= line.length || line[at] != '}' || skipWhitespace(line, at + 1) != line.length) {
            return null;
        }
        return Arrays.copyOf(bounds, count);
    }

    /** One past the scalar that starts at {@code at}; -1 if no valid ASCII scalar starts there. */
    private static int scalarEnd(byte[] line, int at) {
        if (at >= line.length) {
            return -1;
        }
        return switch (line[at]) {
            case '"' -> stringEnd(line, at + 1);
            case 't' -> literalEnd(line, at, "true");
            case 'f' -> literalEnd(line, at, "false");
            case 'n' -> literalEnd(line, at, "null");
            default -> numberEnd(line, at);
        };
    }

    private static int stringEnd(byte[] line, int at) {
        int i = at;
        while (i < line.length) {
            byte b = line[i];
            if (b == '"') {
                return i + 1;
            }
            if (b < 0x20) {
                // a control character, or a byte >= 0x80 (negative): not this fast path's
                return -1;
            }
            if (b == '\\') {
                if (i + 1 >= line.length) {
                    return -1;
                }
                byte escaped = line[i + 1];
                if (escaped == 'u') {
                    if (i + 5 >= line.length || !hex(line[i + 2]) || !hex(line[i + 3]) || !hex(line[i + 4]) || !hex(line[i + 5])) {
                        return -1;
                    }
                    i += 6;
                    continue;
                }
                if ("\"\\/bfnrt".indexOf(escaped) < 0) {
                    return -1;
                }
                i += 2;
                continue;
            }
            i++;
        }
        return -1;
    }

    private static boolean hex(byte b) {
        return (b >= '0' && b <= '9') || (b >= 'a' && b <= 'f') || (b >= 'A' && b <= 'F');
    }

    private static int literalEnd(byte[] line, int at, String literal) {
        if (at + literal.length() > line.length) {
            return -1;
        }
        for (int i = 0; i < literal.length(); i++) {
            if (line[at + i] != literal.charAt(i)) {
                return -1;
            }
        }
        return at + literal.length();
    }

    /** {@code -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?} */
    private static int numberEnd(byte[] line, int at) {
        int i = at;
        if (i < line.length && line[i] == '-') {
            i++;
        }
        if (i >= line.length || !digit(line[i])) {
            return -1;
        }
        if (line[i] == '0') {
            i++;
        } else {
            i = digits(line, i);
        }
        if (i < line.length && line[i] == '.') {
            int fraction = digits(line, i + 1);
            if (fraction == i + 1) {
                return -1;
            }
            i = fraction;
        }
        if (i < line.length && (line[i] == 'e' || line[i] == 'E')) {
            i++;
            if (i < line.length && (line[i] == '+' || line[i] == '-')) {
                i++;
            }
            int exponent = digits(line, i);
            if (exponent == i) {
                return -1;
            }
            i = exponent;
        }
        return i;
    }

    private static int digits(byte[] line, int at) {
        int i = at;
        while (i < line.length && digit(line[i])) {
            i++;
        }
        return i;
    }

    private static boolean digit(byte b) {
        return b >= '0' && b <= '9';
    }

    private static int skipWhitespace(byte[] line, int at) {
        int i = at;
        while (i < line.length && (line[i] == ' ' || line[i] == '\t' || line[i] == '\n' || line[i] == '\r')) {
            i++;
        }
        return i;
    }
}
