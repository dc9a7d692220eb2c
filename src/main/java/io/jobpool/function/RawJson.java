package io.jobpool.function;

import java.util.Arrays;

/**
 * A result that is already one valid JSON value, as bytes {@code [offset, offset + length)} of a
 * buffer it shares (a worker's whole answer line, say): kept as it is instead of being parsed and
 * written again. Process functions answer in JSON; their values reach the result store this way.
 */
public record RawJson(byte[] buffer, int offset, int length) {

    public RawJson(byte[] json) {
        this(json, 0, json.length);
    }

    /** The value's bytes alone. */
    public byte[] json() {
        return offset == 0 && length == buffer.length ? buffer : Arrays.copyOfRange(buffer, offset, offset + length);
    }
}
