package io.jobpool.job;

import java.util.AbstractList;
import java.util.Arrays;
import java.util.List;
import java.util.RandomAccess;

/**
 * The inputs of an open job: a list that producers append batches to while workers read it. Stored in
 * blocks of 1024 so that an append never copies what is there, and inputs that have been processed are
 * dropped ({@link #release}), so a long-lived open job holds only its unprocessed inputs (and
 * an empty slot of 4 bytes for each processed one).
 *
 * <p>Threads: appends are serialised by this object's monitor; readers (workers) read without a lock.
 * A reader only reads indices below {@link #size()}, and the size is a volatile written after the
 * elements, so every element it reads is fully published.
 */
final class OpenInputs extends AbstractList<Object> implements RandomAccess {

    private static final int BLOCK = 1024;

    private volatile Object[][] blocks = new Object[16][];
    private volatile int size;

    /** Appends {@code batch}; returns the index of its first element. */
    synchronized int append(List<?> batch) {
        int first = size;
        Object[][] table = blocks;
        int needed = (first + batch.size() + BLOCK - 1) / BLOCK;
        if (needed > table.length) {
            table = Arrays.copyOf(table, Math.max(needed, table.length * 2));
        }
        int index = first;
        for (Object value : batch) {
            int block = index / BLOCK;
            if (table[block] == null) {
                table[block] = new Object[BLOCK];
            }
            table[block][index % BLOCK] = value;
            index++;
        }
        blocks = table;
        size = index;
        return first;
    }

    /** Forgets the inputs {@code [from, to)}, which are done: they are never read again. */
    synchronized void release(int from, int to) {
        Object[][] table = blocks;
        for (int index = from; index < to; index++) {
            table[index / BLOCK][index % BLOCK] = null;
        }
    }

    @Override
    public Object get(int index) {
        if (index >= size) {
            throw new IndexOutOfBoundsException(index);
        }
        return blocks[index / BLOCK][index % BLOCK];
    }

    @Override
    public int size() {
        return size;
    }
}
