package io.jobpool.job;

import io.jobpool.execution.ChunkSink;
import io.jobpool.function.RawJson;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * One chunk's outcomes as bytes, the form in which a shared chunk is committed to the cluster and read
 * back by every member: per item in index order, either the value's JSON exactly as the result store
 * keeps it (so every member serves the same bytes) or the error's type and message.
 */
final class ChunkResults {

    private static final byte VALUE = 0;
    private static final byte ERROR = 1;

    private ChunkResults() {
    }

    /** What a chunk's bytes held. {@code firstError} is {@code null} when every item has a value. */
    record Counts(int succeeded, int failed, ItemError firstError) {
    }

    /** Collects a chunk's outcomes, encoding each value as it comes; for the one worker running the chunk. */
    static final class Encoder implements ChunkSink {

        private final ResultEncoder encoder;
        private final ByteArrayOutputStream buffer = new ByteArrayOutputStream(256);
        private final DataOutputStream out = new DataOutputStream(buffer);
        private int next;

        Encoder(int start, ResultEncoder encoder) {
            this.next = start;
            this.encoder = encoder;
        }

        @Override
        public void succeeded(int index, Object value) {
            checkNext(index);
            try {
                if (value instanceof RawJson raw) {
                    out.writeByte(VALUE);
                    out.writeInt(raw.length());
                    out.write(raw.buffer(), raw.offset(), raw.length());
                } else {
                    byte[] json = encoder.encode(value); // may throw ItemFailure: the engine then calls failed
                    out.writeByte(VALUE);
                    out.writeInt(json.length);
                    out.write(json);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            next++;
        }

        @Override
        public void failed(int index, String type, String message) {
            checkNext(index);
            try {
                out.writeByte(ERROR);
                writeString(type);
                writeString(message);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            next++;
        }

        /** Nothing is visible before the commit: the whole chunk becomes visible at once, on every member. */
        @Override
        public void flush() {
        }

        byte[] bytes() {
            return buffer.toByteArray();
        }

        private void writeString(String text) throws IOException {
            byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
            out.writeInt(bytes.length);
            out.write(bytes);
        }

        private void checkNext(int index) {
            if (index != next) {
                throw new IllegalStateException("results must come in index order: expected " + next + ", got " + index);
            }
        }
    }

    /** Writes the items of a chunk starting at {@code start} into {@code writer}, without flushing it. */
    static Counts read(byte[] bytes, int start, ResultStore.Writer writer) {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes));
        int succeeded = 0;
        int failed = 0;
        ItemError firstError = null;
        try {
            for (int index = start; in.available() > 0; index++) {
                if (in.readByte() == VALUE) {
                    int length = in.readInt();
                    int offset = bytes.length - in.available();
                    writer.value(index, new RawJson(bytes, offset, length));
                    in.skipNBytes(length);
                    succeeded++;
                } else {
                    ItemError error = new ItemError(index, readString(in), readString(in));
                    writer.error(error);
                    firstError = firstError == null ? error : firstError;
                    failed++;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("a committed chunk's results are damaged", e);
        }
        return new Counts(succeeded, failed, firstError);
    }

    private static String readString(DataInputStream in) throws IOException {
        return new String(in.readNBytes(in.readInt()), StandardCharsets.UTF_8);
    }

    /** The bytes of a chunk whose every item failed the same way (a chunk lost with its members). */
    static byte[] allFailed(int start, int end, String type, String message) {
        Encoder encoder = new Encoder(start, null);
        for (int index = start; index < end; index++) {
            encoder.failed(index, type, message);
        }
        return encoder.bytes();
    }
}
