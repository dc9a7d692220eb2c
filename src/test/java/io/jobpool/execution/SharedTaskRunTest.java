package io.jobpool.execution;

import io.jobpool.function.spi.JobFunction;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A task whose chunks come from a {@link ChunkSource}, as a task shared by cluster members: chunks are
 * claimed from the source and committed back, the task counts only what the source says was committed
 * (its own chunks and other members'), a claim that finds nothing parks the task until the source says
 * chunks are free again, and a chunk cut short by a cancel is never committed. The source here is a
 * lease table in memory, with the test standing in for the other members.
 */
@Timeout(20)
class SharedTaskRunTest {

    private final Engine engine = new Engine(new EngineSettings(2, 1, Duration.ofMillis(20)), new SimpleMeterRegistry());

    @AfterEach
    void stop() {
        engine.stop(Duration.ZERO);
    }

    @Test
    void chunksAreClaimedRunAndCommittedAndOnlyCommitsCount() throws Exception {
        Leases leases = new Leases(10, 3);
        TaskRecorder recorder = new TaskRecorder();
        TaskRun run = engine.start(task(x -> (Integer) x * 2, 10), recorder, leases);
        leases.run = run;

        assertThat(recorder.outcome()).isEqualTo(new TaskOutcome.Completed());
        assertThat(leases.committed).hasSize(4); // [0,3) [3,6) [6,9) [9,10)
        assertThat(leases.values).containsExactlyInAnyOrderEntriesOf(
                Map.of(0, 0, 1, 2, 2, 4, 3, 6, 4, 8, 5, 10, 6, 12, 7, 14, 8, 16, 9, 18));
        assertThat(recorder.counts()).containsExactly(10, 0);
    }

    @Test
    void chunksCommittedByOtherMembersCompleteTheTaskWithoutRunningHere() throws Exception {
        Leases leases = new Leases(6, 3);
        leases.othersHoldEverything();
        TaskRecorder recorder = new TaskRecorder();
        TaskRun run = engine.start(task(x -> x, 6), recorder, leases);
        leases.run = run;
        await().atMost(Duration.ofSeconds(5)).until(() -> leases.emptyClaims > 0);

        run.counted(3, 0); // another member committed [0, 3)
        assertThat(recorder.outcome.isDone()).isFalse();
        run.counted(2, 1); // and [3, 6), one item failed there
        assertThat(recorder.outcome()).isEqualTo(new TaskOutcome.Completed());
        assertThat(recorder.counts()).containsExactly(6, 1);
        assertThat(leases.committed).isEmpty();
    }

    @Test
    void aTaskThatFoundNothingToClaimRunsAgainOnceAChunkIsReleased() throws Exception {
        Leases leases = new Leases(6, 3);
        leases.othersHoldEverything();
        TaskRecorder recorder = new TaskRecorder();
        TaskRun run = engine.start(task(x -> x, 6), recorder, leases);
        leases.run = run;
        await().atMost(Duration.ofSeconds(5)).until(() -> leases.emptyClaims > 0);
        int emptyClaims = leases.emptyClaims;
        Thread.sleep(200);
        assertThat(leases.emptyClaims).as("a parked task claims no more").isLessThanOrEqualTo(emptyClaims + 1);

        run.counted(3, 0);                // another member committed [0, 3)
        leases.release(3, 6);             // and the member holding [3, 6) was lost
        run.claimable();

        assertThat(recorder.outcome()).isEqualTo(new TaskOutcome.Completed());
        assertThat(leases.committed).containsExactly("3-6");
    }

    @Test
    void aFailedItemWithFailFastCommitsWhatItsChunkHasBeforeTheTaskEnds() throws Exception {
        Leases leases = new Leases(8, 4);
        TaskRecorder recorder = new TaskRecorder();
        TaskRun run = engine.start(task(x -> {
            if ((Integer) x == 2) {
                throw new io.jobpool.function.spi.ItemFailure("Boom", "item 2");
            }
            return x;
        }, 8), recorder, leases);
        leases.run = run;

        assertThat(recorder.outcome()).isEqualTo(new TaskOutcome.ItemFailed(2, "Boom", "item 2"));
        await().atMost(Duration.ofSeconds(5)).until(() -> run.runningChunks() == 0);
        assertThat(leases.committed).as("the failing chunk, committed with the items it has").contains("0-4");
        assertThat(leases.values).containsEntry(0, 0).containsEntry(1, 1).containsEntry(2, "Boom").doesNotContainKey(3);
    }

    @Test
    void aChunkCutShortByACancelIsNotCommitted() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        Leases leases = new Leases(4, 4);
        TaskRecorder recorder = new TaskRecorder();
        TaskRun run = engine.start(task(x -> {
            entered.countDown();
            Thread.sleep(10_000);
            return x;
        }, 4), recorder, leases);
        leases.run = run;
        assertThat(entered.await(5, TimeUnit.SECONDS)).isTrue();

        run.cancel();

        assertThat(recorder.outcome()).isEqualTo(new TaskOutcome.Cancelled());
        await().atMost(Duration.ofSeconds(5)).until(() -> run.runningChunks() == 0);
        assertThat(leases.committed).isEmpty();
    }

    private static MapTask task(Body body, int items) {
        JobFunction<Void> function = new JobFunction<>() {
            @Override
            public String name() {
                return "fn";
            }

            @Override
            public String description() {
                return "the test's body";
            }

            @Override
            public io.jobpool.function.spi.Kind kind() {
                return io.jobpool.function.spi.Kind.CPU;
            }

            @Override
            public Object apply(Object input, Void state) throws InterruptedException {
                return body.apply(input);
            }
        };
        return new MapTask(function, Map.of(), IntStream.range(0, items).boxed().toList(), RunOptions.DEFAULTS, "shared", "tenant");
    }

    @FunctionalInterface
    private interface Body {
        Object apply(Object input) throws InterruptedException;
    }

    /** A lease table in memory: fixed-size chunks, released ones first; a commit counts the chunk on the run. */
    private static final class Leases implements ChunkSource {
        private final int total;
        private final int size;
        private int cursor;
        private final Deque<int[]> released = new ArrayDeque<>();
        final List<String> committed = new CopyOnWriteArrayList<>();
        final Map<Integer, Object> values = new java.util.concurrent.ConcurrentSkipListMap<>();
        volatile int emptyClaims;
        volatile TaskRun run;

        Leases(int total, int size) {
            this.total = total;
            this.size = size;
        }

        synchronized void othersHoldEverything() {
            cursor = total;
        }

        synchronized void release(int start, int end) {
            released.add(new int[]{start, end});
        }

        @Override
        public synchronized Claim claim(int ignored) {
            int[] range = released.poll();
            if (range == null && cursor < total) {
                range = new int[]{cursor, Math.min(total, cursor + size)};
                cursor = range[1];
            }
            if (range == null) {
                emptyClaims++;
                return null;
            }
            int start = range[0];
            int end = range[1];
            List<Object> outcomes = new ArrayList<>();
            return new Claim() {
                @Override
                public int start() {
                    return start;
                }

                @Override
                public int end() {
                    return end;
                }

                @Override
                public ChunkSink sink() {
                    return new ChunkSink() {
                        @Override
                        public void succeeded(int index, Object value) {
                            outcomes.add(value);
                        }

                        @Override
                        public void failed(int index, String type, String message) {
                            outcomes.add(type);
                        }

                        @Override
                        public void flush() {
                        }
                    };
                }

                @Override
                public void commit() {
                    committed.add(start + "-" + end);
                    for (int i = 0; i < outcomes.size(); i++) {
                        values.put(start + i, outcomes.get(i));
                    }
                    // the run is known to the test once start() returned; a worker may get here first
                    await().atMost(Duration.ofSeconds(5)).until(() -> run != null);
                    run.counted(outcomes.size(), 0);
                }
            };
        }

        @Override
        public long minChunkNanos() {
            return 0;
        }
    }
}
