package io.jobpool.execution;

/**
 * Receives the results of one chunk, in index order, from the one worker thread running it. Nothing
 * needs to be visible to readers before {@link #flush}, so an implementation can pack a chunk's
 * results together instead of publishing item by item.
 */
public interface ChunkSink {

    /**
     * The item's value. May throw {@link io.jobpool.function.spi.ItemFailure} when the value cannot
     * be kept (it has no JSON form, say); the item is then reported as failed instead.
     */
    void succeeded(int index, Object value);

    void failed(int index, String type, String message);

    /** Makes everything given so far visible; called before the items are counted as done. */
    void flush();
}
