package io.jobpool.function.process;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Reads {@code \n}-ended lines of bytes from a process's output, never holding more than a bound:
 * a line longer than {@code maxBytes} is either refused ({@link TooLong}) or cut, as the caller chose.
 * One reader thread per stream; not thread-safe.
 */
final class LineReader {

    /** A line over the bound, when lines are refused rather than cut. */
    static final class TooLong extends IOException {
        TooLong(int maxBytes) {
            super("a line longer than " + maxBytes + " bytes");
        }
    }

    private final InputStream in;
    private final int maxBytes;
    private final boolean cut;
    private final byte[] buffer = new byte[65_536];
    private int position;
    private int limit;

    LineReader(InputStream in, int maxBytes, boolean cut) {
        this.in = in;
        this.maxBytes = maxBytes;
        this.cut = cut;
    }

    /** The next line without its {@code \n} (a last line without one counts); null at the end of the stream. */
    byte[] readLine() throws IOException {
        ByteArrayOutputStream line = null;
        boolean over = false;
        while (true) {
            if (position == limit) {
                limit = in.read(buffer);
                position = 0;
                if (limit <= 0) {
                    limit = 0;
                    return line == null ? null : line.toByteArray();
                }
            }
            int end = position;
            while (end < limit && buffer[end] != '\n') {
                end++;
            }
            if (line == null && end < limit) {
                // the common case: the whole line is in the buffer
                int length = Math.min(end - position, maxBytes);
                if (end - position > maxBytes && !cut) {
                    throw new TooLong(maxBytes);
                }
                byte[] bytes = java.util.Arrays.copyOfRange(buffer, position, position + length);
                position = end + 1;
                return bytes;
            }
            if (line == null) {
                line = new ByteArrayOutputStream();
            }
            int room = maxBytes - line.size();
            if (end - position > room) {
                if (!cut) {
                    throw new TooLong(maxBytes);
                }
                over = true;
            }
            if (!over || room > 0) {
                line.write(buffer, position, Math.max(0, Math.min(end - position, room)));
            }
            if (end < limit) {
                position = end + 1;
                return line.toByteArray();
            }
            position = limit;
        }
    }
}
