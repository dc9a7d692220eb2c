package io.jobpool.job;

import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * One job's results by input index, kept as pre-serialised JSON packed in segments: each segment is
 * one byte array holding the JSON of a run of consecutive items plus an array of end offsets, so a
 * million small numbers are two dozen objects and about 11 MB, not a million objects the garbage
 * collector has to trace and copy. A failed item is an empty slot in its segment and an entry in
 * the error map.
 *
 * <p>Threads: each {@link Writer} belongs to the one worker running a chunk and publishes whole
 * segments into a {@link ConcurrentSkipListMap} keyed by first index (segments never overlap, since
 * chunks do not); readers on request threads see a segment entirely or not at all. Errors are put
 * before the segment that covers them is published, so a reader that sees an empty slot finds its
 * error.
 */
public final class ResultStore {

    private static final byte[] NULL = "null".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private final int size;
    private final ConcurrentSkipListMap<Integer, Segment> segments = new ConcurrentSkipListMap<>();
    private final ConcurrentSkipListMap<Integer, ItemError> errors = new ConcurrentSkipListMap<>();
    private final LongAdder bytes = new LongAdder();

    /** The JSON of items {@code [start, start + ends.length)}; item i ends at {@code ends[i - start]}. */
    private record Segment(int start, byte[] data, int[] ends) {

        int end() {
            return start + ends.length;
        }

        int from(int index) {
            return index == start ? 0 : ends[index - start - 1];
        }
    }

    ResultStore(int size) {
        this.size = size;
    }

    public int size() {
        return size;
    }

    /** Starts collecting the results of a chunk that begins at {@code start}; for one thread. */
    Writer writer(int start, ResultEncoder encoder) {
        return new Writer(start, encoder);
    }

    /** Whether the item has finished, with a value or an error. */
    public boolean isDone(int index) {
        Map.Entry<Integer, Segment> entry = segments.floorEntry(index);
        return entry != null && index < entry.getValue().end() || errors.containsKey(index);
    }

    /** How many items from {@code from} on are done without a gap, up to {@code to}. */
    public int donePrefix(int from, int to) {
        int index = from;
        while (index < to) {
            Map.Entry<Integer, Segment> entry = segments.floorEntry(index);
            if (entry != null && index < entry.getValue().end()) {
                index = Math.min(to, entry.getValue().end());
            } else if (errors.containsKey(index)) {
                index++;
            } else {
                break;
            }
        }
        return index - from;
    }

    /**
     * Writes the values of items {@code [from, to)} as a JSON array body, comma-separated without the
     * brackets: {@code null} for items that failed or have no value yet.
     */
    public void writeValues(int from, int to, OutputStream out) throws IOException {
        int index = from;
        while (index < to) {
            Map.Entry<Integer, Segment> entry = segments.floorEntry(index);
            Segment segment = entry == null || index >= entry.getValue().end() ? null : entry.getValue();
            int last = segment == null ? index + 1 : Math.min(to, segment.end());
            for (; index < last; index++) {
                if (index > from) {
                    out.write(',');
                }
                int start = segment == null ? 0 : segment.from(index);
                int end = segment == null ? 0 : segment.ends()[index - segment.start()];
                if (end == start) {
                    out.write(NULL);
                } else {
                    out.write(segment.data(), start, end - start);
                }
            }
        }
    }

    /** Errors of items in {@code [from, to)}, in index order. */
    public List<ItemError> errors(int from, int to) {
        return from >= to ? List.of() : new ArrayList<>(errors.subMap(from, to).values());
    }

    /** Approximate memory the results hold, for the retention budget. */
    public long bytes() {
        return bytes.sum();
    }

    /** Packs one chunk's results; used by the worker running the chunk and by no other thread. */
    final class Writer {

        private final ResultEncoder encoder;
        private int start;
        private byte[] data = new byte[256];
        private int length;
        private int[] ends = new int[16];
        private int count;

        private Writer(int start, ResultEncoder encoder) {
            this.start = start;
            this.encoder = encoder;
        }

        void value(int index, Object value) {
            checkNext(index);
            byte[] json = encoder.encode(value);
            ensureRoom(json.length);
            System.arraycopy(json, 0, data, length, json.length);
            length += json.length;
            ends[count++] = length;
        }

        void error(ItemError error) {
            checkNext(error.index());
            errors.put(error.index(), error);
            bytes.add(64 + error.message().length());
            ensureRoom(0);
            ends[count++] = length;
        }

        /** Publishes what was collected as one segment and starts a new one after it. */
        void flush() {
            if (count == 0) {
                return;
            }
            Segment segment = new Segment(start, Arrays.copyOf(data, length), Arrays.copyOf(ends, count));
            segments.put(start, segment);
            bytes.add(length + 4L * count + 64);
            start += count;
            length = 0;
            count = 0;
        }

        private void checkNext(int index) {
            if (index != start + count) {
                throw new IllegalStateException("results must come in index order: expected " + (start + count) + ", got " + index);
            }
        }

        private void ensureRoom(int more) {
            if (length + more > data.length) {
                data = Arrays.copyOf(data, Math.max(data.length * 2, length + more));
            }
            if (count == ends.length) {
                ends = Arrays.copyOf(ends, ends.length * 2);
            }
        }
    }
}
