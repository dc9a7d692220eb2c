package io.jobpool.job;

import io.jobpool.function.spi.ItemFailure;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A job's results as the workers write them and the request threads read them: segments, pages of a
 * job still running (the done prefix) and of an ended one (failed items as null), the completion
 * order streams follow, and the bytes the results budget is counted in. Values here are JSON
 * numbers, written as {@code index=json}; an error as {@code index!type: message}.
 */
class ResultStoreTest {

    private final ResultEncoder encoder = new ResultEncoder(JsonMapper.builder().build());

    // ---- segments

    /** A chunk's results become visible all at once, when its writer flushes; before, readers see none. */
    @Test
    void aChunksResultsAreInvisibleUntilItsWriterFlushes() {
        ResultStore store = store(3);
        ResultStore.Writer writer = store.writer(0, encoder);
        writer.value(0, 10);
        writer.value(1, 11);

        assertThat(visited(store, 0, 3)).isEmpty();
        assertThat(store.donePrefix(0, 3)).isZero();
        writer.flush();
        assertThat(visited(store, 0, 3)).containsExactly("0=10", "1=11");
    }

    /** Reading in index order skips the items not done yet, whatever order their segments came in. */
    @Test
    void visitGoesInIndexOrderAndSkipsItemsNotDoneYet() {
        ResultStore store = store(8);
        publish(store, 4, 16, 25);
        publish(store, 0, 0, 1);

        assertThat(visited(store, 0, 8)).containsExactly("0=0", "1=1", "4=16", "5=25");
    }

    /** A failed item holds no value; readers find its error in its place. */
    @Test
    void aFailedItemIsReadAsItsError() {
        ResultStore store = store(3);

        publish(store, 0, 1, error(1), 9);

        assertThat(visited(store, 0, 3)).containsExactly("0=1", "1!Boom: item 1", "2=9");
    }

    /** A writer that flushes twice publishes two segments back to back, the second after the first. */
    @Test
    void aWriterThatFlushesTwicePublishesTwoAdjacentSegments() {
        ResultStore store = store(3);
        ResultStore.Writer writer = store.writer(0, encoder);
        writer.value(0, 0);
        writer.value(1, 1);
        writer.flush();
        writer.value(2, 4);
        writer.flush();

        assertThat(writer.unpublished()).isEqualTo(3);
        assertThat(store.donePrefix(0, 3)).isEqualTo(3);
        assertThat(visited(store, 0, 3)).containsExactly("0=0", "1=1", "2=4");
    }

    /** A writer takes its chunk's results in index order only. */
    @Test
    void resultsMustComeInIndexOrder() {
        ResultStore.Writer writer = store(3).writer(0, encoder);

        assertThatThrownBy(() -> writer.value(1, 1)).isInstanceOf(IllegalStateException.class);
    }

    /** A value JSON cannot hold is an item failure, and the writer then takes that item's error in its place. */
    @Test
    void aValueWithoutJsonFormLeavesTheWriterReadyForTheItemsError() {
        ResultStore store = store(1);
        ResultStore.Writer writer = store.writer(0, encoder);

        assertThatThrownBy(() -> writer.value(0, Double.NaN)).isInstanceOf(ItemFailure.class);
        writer.error(new ItemError(0, "NotJson", "NaN"));
        writer.flush();

        assertThat(visited(store, 0, 1)).containsExactly("0!NotJson: NaN");
    }

    /** An open job's store grows as inputs arrive, and never shrinks. */
    @Test
    void anOpenJobsStoreGrowsButNeverShrinks() {
        ResultStore store = store(2);

        store.grow(5);

        assertThat(store.size()).isEqualTo(5);
        assertThatThrownBy(() -> store.grow(4)).isInstanceOf(IllegalArgumentException.class);
    }

    // ---- pages

    /** A page of a running job ends at the first item not done yet: the done prefix, bounded by the page. */
    @Test
    void aPageOfARunningJobEndsAtTheFirstItemNotDoneYet() {
        ResultStore store = store(10);
        publish(store, 0, 0, 1, 4);
        publish(store, 3, 9, 16);
        publish(store, 7, 49);

        assertThat(store.donePrefix(0, 10)).as("across adjacent segments").isEqualTo(5);
        assertThat(store.donePrefix(2, 4)).as("bounded by the page").isEqualTo(2);
        assertThat(store.donePrefix(5, 10)).as("at a gap").isZero();
        assertThat(store.donePrefix(7, 10)).as("after a gap").isEqualTo(1);
    }

    /** A page writes null for an item that failed or is not done yet, so it always has one value per item. */
    @Test
    void aPageWritesNullForItemsFailedOrNotDoneYet() {
        ResultStore store = store(5);
        publish(store, 0, 1, error(1));
        publish(store, 3, 16);

        assertThat(values(store, 0, 5)).isEqualTo("1,null,null,16,null");
    }

    /** A page that starts and ends inside segments writes exactly its items, in index order. */
    @Test
    void aPageAcrossSegmentsWritesExactlyItsItemsInIndexOrder() {
        ResultStore store = store(6);
        publish(store, 2, 4, 9);
        publish(store, 0, 0, 1);
        publish(store, 4, 16, 25);

        assertThat(values(store, 1, 5)).isEqualTo("1,4,9,16");
        assertThat(values(store, 3, 3)).isEmpty();
    }

    /** A page lists the errors of its own items only, in index order. */
    @Test
    void aPageListsTheErrorsOfItsItemsOnly() {
        ResultStore store = store(6);
        publish(store, 3, error(3), 16, error(5));
        publish(store, 0, error(0), 1, 4);

        assertThat(store.errors(1, 6)).extracting(ItemError::index).containsExactly(3, 5);
        assertThat(store.errors(4, 4)).isEmpty();
    }

    // ---- completion order (imap_unordered streams)

    /** Completion order is the order segments were published in, index order within a segment. */
    @Test
    void completionOrderFollowsTheOrderSegmentsWerePublished() {
        ResultStore store = store(4);
        publish(store, 2, 4, 9);
        publish(store, 0, 0, 1);

        assertThat(store.completedInLog()).isEqualTo(4);
        assertThat(inCompletionOrder(store, 0, 10)).containsExactly("2=4", "3=9", "0=0", "1=1");
    }

    /** A reader resumes the completion order after the lines it has read, even inside a segment, and takes at most what it asks. */
    @Test
    void completionOrderResumesAfterTheItemsAlreadyRead() {
        ResultStore store = store(4);
        publish(store, 2, 4, 9);
        publish(store, 0, 0, 1);

        assertThat(inCompletionOrder(store, 1, 2)).containsExactly("3=9", "0=0");
        assertThat(inCompletionOrder(store, 4, 10)).isEmpty();
    }

    /** The completion order keeps every segment as it grows past its first capacity. */
    @Test
    void completionOrderKeepsEverySegmentOfALongJob() {
        ResultStore store = store(40);
        for (int index = 39; index >= 0; index--) {
            publish(store, index, index);
        }

        assertThat(store.completedInLog()).isEqualTo(40);
        assertThat(inCompletionOrder(store, 0, 100))
                .containsExactlyElementsOf(IntStream.iterate(39, i -> i - 1).limit(40).mapToObj(i -> i + "=" + i).toList());
    }

    // ---- bytes, for the results budget

    /** The bytes a store reports, which the results budget adds up, count the published results and little more. */
    @Test
    void bytesCountThePublishedResults() {
        ResultStore store = store(1000);
        ResultStore.Writer writer = store.writer(0, encoder);
        for (int index = 0; index < 1000; index++) {
            writer.value(index, 123_456);
        }
        assertThat(store.bytes()).as("before the flush").isZero();

        writer.flush();

        long json = 1000 * 6;
        long offsets = 1000 * 4;
        assertThat(store.bytes()).isBetween(json + offsets, json + offsets + 1024);
    }

    /** Errors count toward a store's bytes, their messages included. */
    @Test
    void errorsCountTowardTheBytes() {
        ResultStore store = store(2);
        publish(store, 0, 1);
        long withoutError = store.bytes();

        publish(store, 1, new ItemError(1, "Boom", "x".repeat(1000)));

        assertThat(store.bytes() - withoutError).isGreaterThanOrEqualTo(1000);
    }

    // ---- fixtures

    /** The one place that builds a store. */
    private static ResultStore store(int size) {
        return new ResultStore(size);
    }

    /** Writes one segment starting at {@code start}: an {@link ItemError} is a failed item, anything else a value. */
    private void publish(ResultStore store, int start, Object... results) {
        ResultStore.Writer writer = store.writer(start, encoder);
        for (int i = 0; i < results.length; i++) {
            if (results[i] instanceof ItemError error) {
                writer.error(error);
            } else {
                writer.value(start + i, results[i]);
            }
        }
        writer.flush();
    }

    private static ItemError error(int index) {
        return new ItemError(index, "Boom", "item " + index);
    }

    private static String values(ResultStore store, int from, int to) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            store.writeValues(from, to, out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private static List<String> visited(ResultStore store, int from, int to) {
        Lines lines = new Lines();
        try {
            store.visit(from, to, lines);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return lines.lines;
    }

    private static List<String> inCompletionOrder(ResultStore store, int skip, int max) {
        Lines lines = new Lines();
        try {
            int visited = store.visitInCompletionOrder(skip, max, lines);
            assertThat(visited).as("the count returned").isEqualTo(lines.lines.size());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return lines.lines;
    }

    /** Each item read, as {@code index=json} or {@code index!type: message}. */
    private static final class Lines implements ResultStore.ItemVisitor {
        final List<String> lines = new ArrayList<>();

        @Override
        public void value(int index, byte[] data, int offset, int length) {
            lines.add(index + "=" + new String(data, offset, length, StandardCharsets.UTF_8));
        }

        @Override
        public void error(ItemError error) {
            lines.add(error.index() + "!" + error.type() + ": " + error.message());
        }
    }
}
