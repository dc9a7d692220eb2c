package io.jobpool.job;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * One job's results by input index, kept compactly as pre-serialised JSON: an item costs its JSON
 * bytes plus about 20 bytes of array overhead, so a million small numbers fit in a few tens of MB.
 *
 * <p>Workers write each index at most once, from many threads; readers (HTTP requests) read at any
 * time. An {@link AtomicReferenceArray} gives each slot a safe publication without a lock, errors live
 * in a {@link ConcurrentSkipListMap} so a page can read its range in index order.
 */
public final class ResultStore {

    /** Per-item bookkeeping that is not JSON: the array slot and the byte array header. */
    private static final int ITEM_OVERHEAD_BYTES = 20;

    private final AtomicReferenceArray<byte[]> values;
    private final ConcurrentSkipListMap<Integer, ItemError> errors = new ConcurrentSkipListMap<>();
    private final LongAdder bytes = new LongAdder();

    ResultStore(int size) {
        this.values = new AtomicReferenceArray<>(size);
        bytes.add(16L + 4L * size);
    }

    void put(int index, byte[] json) {
        values.set(index, json);
        bytes.add(json.length + ITEM_OVERHEAD_BYTES);
    }

    void fail(ItemError error) {
        errors.put(error.index(), error);
        bytes.add(64 + error.message().length());
    }

    public int size() {
        return values.length();
    }

    /** The item's JSON, or {@code null} if it has no value (not done, failed, or never run). */
    public byte[] value(int index) {
        return values.get(index);
    }

    /** Whether the item has finished, with a value or an error. */
    public boolean isDone(int index) {
        return values.get(index) != null || errors.containsKey(index);
    }

    /** Errors of items in {@code [from, to)}, in index order. */
    public List<ItemError> errors(int from, int to) {
        return from >= to ? List.of() : new ArrayList<>(errors.subMap(from, to).values());
    }

    /** Approximate memory the results hold, for the retention budget. */
    public long bytes() {
        return bytes.sum();
    }
}
