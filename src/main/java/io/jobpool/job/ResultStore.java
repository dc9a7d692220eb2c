package io.jobpool.job;

import io.jobpool.function.RawJson;

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
 * <p>Segments are also logged in the order they were published, which is the completion order that
 * {@code imap_unordered} streams follow (at the grain of a flush: within a segment, index order).
 *
 * <p>Threads: each {@link Writer} belongs to the one worker running a chunk and publishes whole
 * segments into a {@link ConcurrentSkipListMap} keyed by first index (segments never overlap, since
 * chunks do not); readers on request threads see a segment entirely or not at all. Errors are put
 * before the segment that covers them is published, so a reader that sees an empty slot finds its
 * error.
 */
public final class ResultStore {

    private static final byte[] NULL = "null".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private volatile int size;
    private final Object logLock = new Object();
    private Segment[] log = new Segment[16];
    private int[] logEnds = new int[16];
    private volatile int logLength;
    private final ConcurrentSkipListMap<Integer, Segment> segments = new ConcurrentSkipListMap<>();
    private final ConcurrentSkipListMap<Integer, ItemError> errors = new ConcurrentSkipListMap<>();
    private final LongAdder bytes = new LongAdder();
    private final LongAdder allStores;

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
        this(size, new LongAdder());
    }

    /** A store whose bytes are also added to {@code allStores}, the total of every retained job's results. */
    ResultStore(int size, LongAdder allStores) {
        this.size = size;
        this.allStores = allStores;
    }

    private void counted(long added) {
        bytes.add(added);
        allStores.add(added);
    }

    public int size() {
        return size;
    }

    /** Open jobs grow as inputs arrive. */
    void grow(int newSize) {
        if (newSize < size) {
            throw new IllegalArgumentException("a result store never shrinks");
        }
        size = newSize;
    }

    /** Receives done items, each once, as a value's JSON or an error. */
    public interface ItemVisitor {

        void value(int index, byte[] data, int offset, int length) throws IOException;

        void error(ItemError error) throws IOException;
    }

    /** Visits the done items in {@code [from, to)} in index order, skipping those not done yet. */
    public void visit(int from, int to, ItemVisitor visitor) throws IOException {
        int index = from;
        while (index < to) {
            Map.Entry<Integer, Segment> entry = segments.floorEntry(index);
            if (entry == null || index >= entry.getValue().end()) {
                Integer next = segments.ceilingKey(index);
                if (next == null) {
                    return;
                }
                index = next;
                continue;
            }
            Segment segment = entry.getValue();
            int last = Math.min(to, segment.end());
            for (; index < last; index++) {
                visitItem(segment, index, visitor);
            }
        }
    }

    /** Items done so far, in completion order: the length of the completion log. */
    public int completedInLog() {
        synchronized (logLock) {
            return logLength == 0 ? 0 : logEnds[logLength - 1];
        }
    }

    /**
     * Visits at most {@code max} items in completion order, starting after the first {@code skip};
     * returns how many it visited.
     */
    public int visitInCompletionOrder(int skip, int max, ItemVisitor visitor) throws IOException {
        Segment[] segmentsSoFar;
        int[] endsSoFar;
        int length;
        synchronized (logLock) {
            segmentsSoFar = log;
            endsSoFar = logEnds;
            length = logLength;
        }
        int position = Arrays.binarySearch(endsSoFar, 0, length, skip);
        int segmentIndex = position >= 0 ? position + 1 : -position - 1;
        int visited = 0;
        int line = skip;
        while (segmentIndex < length && visited < max) {
            Segment segment = segmentsSoFar[segmentIndex];
            int firstLine = segmentIndex == 0 ? 0 : endsSoFar[segmentIndex - 1];
            for (int index = segment.start() + (line - firstLine); index < segment.end() && visited < max; index++) {
                visitItem(segment, index, visitor);
                visited++;
                line++;
            }
            segmentIndex++;
        }
        return visited;
    }

    private void visitItem(Segment segment, int index, ItemVisitor visitor) throws IOException {
        int start = segment.from(index);
        int end = segment.ends()[index - segment.start()];
        if (end == start) {
            ItemError error = errors.get(index);
            visitor.error(error != null ? error : new ItemError(index, "Missing", "no result was kept for this item"));
        } else {
            visitor.value(index, segment.data(), start, end - start);
        }
    }

    /** Starts collecting the results of a chunk that begins at {@code start}; for one thread. */
    Writer writer(int start, ResultEncoder encoder) {
        return new Writer(start, encoder);
    }

    /** How many items from {@code from} on are done without a gap, up to {@code to}. */
    public int donePrefix(int from, int to) {
        int index = from;
        while (index < to) {
            Map.Entry<Integer, Segment> entry = segments.floorEntry(index);
            if (entry == null || index >= entry.getValue().end()) {
                break;
            }
            index = Math.min(to, entry.getValue().end());
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

    private void appendToLog(Segment segment) {
        synchronized (logLock) {
            if (logLength == log.length) {
                // readers keep the arrays they copied: replace, never mutate a published slot range
                log = Arrays.copyOf(log, log.length * 2);
                logEnds = Arrays.copyOf(logEnds, logEnds.length * 2);
            }
            log[logLength] = segment;
            logEnds[logLength] = (logLength == 0 ? 0 : logEnds[logLength - 1]) + segment.ends().length;
            logLength++;
        }
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
            if (value instanceof RawJson raw) {
                // already JSON (a worker process's answer): copied from the line it came in, no encoding
                ensureRoom(raw.length());
                System.arraycopy(raw.buffer(), raw.offset(), data, length, raw.length());
                length += raw.length();
                ends[count++] = length;
                return;
            }
            byte[] json = encoder.encode(value);
            ensureRoom(json.length);
            System.arraycopy(json, 0, data, length, json.length);
            length += json.length;
            ends[count++] = length;
        }

        void error(ItemError error) {
            checkNext(error.index());
            errors.put(error.index(), error);
            counted(64 + error.message().length());
            ensureRoom(0);
            ends[count++] = length;
        }

        /** The first index not yet published. */
        int unpublished() {
            return start;
        }

        /** Publishes what was collected as one segment and starts a new one after it. */
        void flush() {
            if (count == 0) {
                return;
            }
            Segment segment = new Segment(start, Arrays.copyOf(data, length), Arrays.copyOf(ends, count));
            segments.put(start, segment);
            appendToLog(segment);
            counted(length + 4L * count + 64);
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
