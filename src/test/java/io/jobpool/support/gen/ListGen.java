package io.jobpool.support.gen;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * Lists of {@code minSize} to {@code maxSize} values (both included, the size uniform) drawn from
 * {@code element}. The lists are unmodifiable and may hold {@code null}s if the element generator does.
 */
public record ListGen<T>(Gen<T> element, int minSize, int maxSize) implements Gen<List<T>> {

    public ListGen {
        if (minSize < 0 || minSize > maxSize) {
            throw new IllegalArgumentException("sizes " + minSize + ".." + maxSize);
        }
    }

    public ListGen<T> ofSize(int size) {
        return new ListGen<>(element, size, size);
    }

    public ListGen<T> ofMinSize(int size) {
        return new ListGen<>(element, size, Math.max(size, maxSize));
    }

    public ListGen<T> ofMaxSize(int size) {
        return new ListGen<>(element, Math.min(minSize, size), size);
    }

    @Override
    public List<T> next(Random random) {
        int size = minSize + random.nextInt(maxSize - minSize + 1);
        List<T> values = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            values.add(element.next(random));
        }
        return Collections.unmodifiableList(values);
    }
}
