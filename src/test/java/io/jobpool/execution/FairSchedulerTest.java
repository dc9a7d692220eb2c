package io.jobpool.execution;

import io.jobpool.function.ChunkedFunction;
import io.jobpool.function.builtin.Square;
import io.jobpool.function.spi.Kind;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

/**
 * The scheduler on its own: which task's chunk comes next, and what close does to workers. Chunks
 * are one item each here, so the order of {@link FairScheduler#next} calls is the order of turns.
 * Nothing in these tests runs an item; the worker side is the test thread calling {@code next}.
 */
@Timeout(10) // a broken scheduler blocks in next(): the timeout interrupts it, and next() is interruptible
class FairSchedulerTest {

    /** Only finishing a run needs an engine (it tells the engine it ended); its own workers stay idle. */
    private final Engine engine = new Engine(new EngineSettings(1, 1, Duration.ofMillis(20)), new SimpleMeterRegistry());
    private final FairScheduler scheduler = new FairScheduler((run, workers) -> 1, 2);
    private final ExecutorService waiters = Executors.newCachedThreadPool();

    @AfterEach
    void stop() {
        scheduler.close();
        waiters.shutdownNow();
        engine.stop(Duration.ZERO);
    }

    // ---- fairness between groups

    /** Groups with work take turns, one chunk each. */
    @Test
    void groupsTakeTurnsOneChunkEach() {
        add(task("A", "a", 1, 3));
        add(task("B", "b", 1, 3));

        assertThat(take(6)).containsExactly("A", "B", "A", "B", "A", "B");
    }

    /** A tenant with many tasks gets no more of the pool than a tenant with one. */
    @Test
    void aGroupWithManyTasksGetsNoMoreChunksThanAGroupWithOne() {
        add(task("A1", "a", 1, 10));
        add(task("A2", "a", 1, 10));
        add(task("A3", "a", 1, 10));
        add(task("B1", "b", 1, 10));

        List<String> order = take(8);

        assertThat(order).filteredOn(label -> label.startsWith("B")).hasSize(4);
        assertThat(order).containsExactly("A1", "B1", "A2", "B1", "A3", "B1", "A1", "B1");
    }

    /** Priority weighs tasks within their group only: a high-priority task of one tenant does not starve another tenant. */
    @Test
    void priorityDoesNotWeighOneGroupAgainstAnother() {
        add(task("A", "a", 10, 10));
        add(task("B", "b", 1, 10));

        assertThat(take(6)).containsExactly("A", "B", "A", "B", "A", "B");
    }

    /** A group whose tasks are all claimed leaves the ring: the other groups get every chunk. */
    @Test
    void aGroupWithNothingLeftToClaimGivesItsTurnsToTheOthers() {
        add(task("A", "a", 1, 1));
        add(task("B", "b", 1, 3));

        assertThat(take(4)).containsExactly("A", "B", "B", "B");
    }

    // ---- priority within a group

    /** The task at the head of a group's ring gets {@code priority} chunks in a row, then goes to the back. */
    @Test
    void withinAGroupATaskGetsItsPriorityInChunksInARowThenGoesToTheBack() {
        add(task("X", "a", 3, 10));
        add(task("Y", "a", 1, 10));

        assertThat(take(8)).containsExactly("X", "X", "X", "Y", "X", "X", "X", "Y");
    }

    /** The priority chunks of a task are spread over its group's turns, not taken from other groups'. */
    @Test
    void aTasksPriorityRunsOverItsGroupsTurnsInterleavedWithOtherGroups() {
        add(task("X", "a", 2, 10));
        add(task("Y", "a", 1, 10));
        add(task("B", "b", 1, 10));

        assertThat(take(8)).containsExactly("X", "B", "X", "B", "Y", "B", "X", "B");
    }

    // ---- claiming, leaving and coming back

    /** Chunks of one task are consecutive and cover each item once; the task leaves when all are claimed. */
    @Test
    void aTaskIsHandedOutInConsecutiveChunksUntilEveryItemIsClaimed() throws Exception {
        TaskRun small = task("S", "a", 1, 2);
        add(small);
        add(task("L", "a", 1, 5));

        List<Chunk> chunks = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            chunks.add(scheduler.next());
        }

        assertThat(chunks).extracting(chunk -> chunk.run().task().label()).containsExactly("S", "L", "S", "L", "L");
        assertThat(chunks).filteredOn(chunk -> chunk.run() == small)
                .extracting(Chunk::start, Chunk::end).containsExactly(tuple(0, 1), tuple(1, 2));
        assertThat(small.unclaimed()).isZero();
    }

    /** Adding a task that is already in its ring does not give it a second place there. */
    @Test
    void addingATaskTwiceDoesNotGiveItTwoTurns() {
        TaskRun x = task("X", "a", 1, 10);
        add(x);
        add(x);
        add(task("Y", "a", 1, 10));

        assertThat(take(4)).containsExactly("X", "Y", "X", "Y");
    }

    /** An open task that ran out of inputs leaves the ring; given more, it comes back and carries on where it stopped. */
    @Test
    void anOpenTaskThatRanOutOfInputsComesBackWhenItGetsMore() throws Exception {
        List<Integer> inputs = new CopyOnWriteArrayList<>(List.of(1, 2));
        TaskRun open = openTask("O", "a", inputs);
        add(open);
        add(task("B", "b", 1, 10));
        assertThat(take(5)).containsExactly("O", "B", "O", "B", "B");

        inputs.addAll(List.of(3, 4));
        add(open);
        List<Chunk> after = List.of(scheduler.next(), scheduler.next(), scheduler.next(), scheduler.next());

        assertThat(after).extracting(chunk -> chunk.run().task().label()).containsExactly("B", "O", "B", "O");
        assertThat(after).filteredOn(chunk -> chunk.run() == open).extracting(Chunk::start).containsExactly(2, 3);
    }

    /** A task with nothing to claim is not put in the ring, so it cannot make a worker spin on it. */
    @Test
    void aTaskWithNothingToClaimIsNotScheduled() throws Exception {
        add(openTask("Empty", "a", new CopyOnWriteArrayList<>()));
        add(task("B", "b", 1, 1));

        assertThat(take(1)).containsExactly("B");
        assertThat(waitingTaker().isDone()).isFalse();
    }

    /** An ended task offered again (more inputs for an open task that has ended) stays out. */
    @Test
    void aTaskThatEndedIsNotTakenBackIn() {
        TaskRun ended = openTask("X", "a", new CopyOnWriteArrayList<>(List.of(1, 2, 3)));
        ended.cancel();

        add(ended);
        add(task("Y", "a", 1, 2));

        assertThat(take(2)).containsExactly("Y", "Y");
    }

    /** {@code remove} takes a task out of its ring at once. */
    @Test
    void aRemovedTaskGetsNoMoreChunks() {
        TaskRun removed = task("X", "a", 1, 10);
        add(removed);
        add(task("B", "b", 1, 10));

        scheduler.remove(removed);

        assertThat(take(3)).containsExactly("B", "B", "B");
    }

    /** The sizer decides a chunk's size, knowing the pool's worker count; the last chunk is cut to what is left. */
    @Test
    void chunksAreSizedByTheSizerAndCutToWhatIsLeft() throws Exception {
        List<Integer> workerCounts = new CopyOnWriteArrayList<>();
        FairScheduler sized = new FairScheduler((run, workers) -> {
            workerCounts.add(workers);
            return 4;
        }, 3);
        TaskRun run = task("X", "a", 1, 10);
        sized.add(run);

        List<Chunk> chunks = List.of(sized.next(), sized.next(), sized.next());

        assertThat(chunks).extracting(Chunk::start, Chunk::end).containsExactly(tuple(0, 4), tuple(4, 8), tuple(8, 10));
        assertThat(workerCounts).containsOnly(3);
    }

    // ---- waiting, close and shutdown

    /** A worker waiting for work is woken by a task added later. */
    @Test
    void aWaitingWorkerIsWokenByNewWork() throws Exception {
        Future<Chunk> waiting = waitingTaker();

        add(task("X", "a", 1, 1));

        assertThat(waiting.get(5, TimeUnit.SECONDS).run().task().label()).isEqualTo("X");
    }

    /** Every worker waiting in {@code next} is released by close, with {@code null}: its signal to leave. */
    @Test
    void closeReleasesEveryWaitingWorkerWithNull() throws Exception {
        Future<Chunk> first = waitingTaker();
        Future<Chunk> second = waitingTaker();

        scheduler.close();

        assertThat(first.get(5, TimeUnit.SECONDS)).isNull();
        assertThat(second.get(5, TimeUnit.SECONDS)).isNull();
    }

    /** After close no chunk is handed out, not even of work that was waiting. */
    @Test
    void afterCloseNextReturnsNullEvenWithWorkLeft() throws Exception {
        add(task("X", "a", 1, 10));

        scheduler.close();

        assertThat(scheduler.next()).isNull();
    }

    /** A task offered after close is never handed out. */
    @Test
    void aTaskAddedAfterCloseIsNeverHandedOut() throws Exception {
        scheduler.close();

        add(task("X", "a", 1, 10));

        assertThat(scheduler.next()).isNull();
    }

    /** A waiting worker can be interrupted out of {@code next}: how a pool stops a worker that waits. */
    @Test
    void aWaitingWorkerCanBeInterrupted() throws Exception {
        CompletableFuture<Throwable> thrown = new CompletableFuture<>();
        Thread worker = new Thread(() -> {
            try {
                scheduler.next();
                thrown.complete(null);
            } catch (Throwable e) {
                thrown.complete(e);
            }
        });
        worker.start();
        awaitWaiting(worker);

        worker.interrupt();

        assertThat(thrown.get(5, TimeUnit.SECONDS)).isInstanceOf(InterruptedException.class);
    }

    // ---- fixtures

    /** The one place that builds tasks: a closed task of {@code items} items. */
    // ---- functions that limit their chunks at once (process functions)

    /** At its limit, a function's tasks are passed over for other work, and a done chunk lets it run again. */
    @Test
    void aFunctionAtItsLimitIsPassedOverUntilOneOfItsChunksIsDone() throws InterruptedException {
        ChunkedFunction oneAtATime = new OneProcess();
        add(run(new MapTask(oneAtATime, Map.of(), Collections.nCopies(5, 1), RunOptions.DEFAULTS.withChunkSize(1), "P1", "a")));
        add(run(new MapTask(oneAtATime, Map.of(), Collections.nCopies(5, 1), RunOptions.DEFAULTS.withChunkSize(1), "P2", "b")));
        add(task("J", "c", 1, 5));

        Chunk first = scheduler.next();
        assertThat(first.run().task().label()).isEqualTo("P1");
        assertThat(take(3)).containsExactly("J", "J", "J");

        scheduler.done(first);
        assertThat(take(1)).containsExactly("P2");
    }

    /** A worker waiting while only limited work is left wakes when a chunk of it is done. */
    @Test
    void aWaitingWorkerWakesWhenALimitedChunkIsDone() throws Exception {
        add(run(new MapTask(new OneProcess(), Map.of(), Collections.nCopies(2, 1), RunOptions.DEFAULTS.withChunkSize(1), "P", "a")));
        Chunk first = scheduler.next();
        Future<Chunk> second = waitingTaker();

        scheduler.done(first);

        assertThat(second.get(5, TimeUnit.SECONDS).run().task().label()).isEqualTo("P");
    }

    /**
     * While a function's processes are all being started (capacity 0) its tasks are passed over and
     * other work goes on; once one is ready, a worker waiting in the scheduler is woken for it.
     */
    @Test
    void aFunctionWhoseProcessesAreStartingWaitsWithoutAWorkerAndIsWokenWhenOneIsReady() throws Exception {
        OneProcess starting = new OneProcess();
        starting.capacity = 0;
        add(run(new MapTask(starting, Map.of(), Collections.nCopies(2, 1), RunOptions.DEFAULTS.withChunkSize(1), "P", "a")));
        add(task("J", "b", 1, 2));
        assertThat(take(2)).containsExactly("J", "J");
        Future<Chunk> waiting = waitingTaker();

        starting.capacity = 1;
        scheduler.wake();

        assertThat(waiting.get(5, TimeUnit.SECONDS).run().task().label()).isEqualTo("P");
    }

    /** Stands in for a process function with one process; never asked to compute anything here. */
    private static final class OneProcess implements ChunkedFunction {
        volatile int capacity = 1;

        @Override
        public int maxConcurrentChunks() {
            return capacity;
        }

        @Override
        public void applyChunk(List<?> inputs, Map<String, Object> params, Answers answers) {
            throw new AssertionError("not run in scheduler tests");
        }

        @Override
        public String name() {
            return "one-process";
        }

        @Override
        public String description() {
            return "one process";
        }

        @Override
        public Kind kind() {
            return Kind.CPU;
        }
    }

    private TaskRun task(String label, String group, int priority, int items) {
        return run(new MapTask(new Square(), Map.of(), Collections.nCopies(items, 1),
                RunOptions.DEFAULTS.withChunkSize(1).withPriority(priority), label, group));
    }

    /** An open task over {@code inputs}, which the test may grow. */
    private TaskRun openTask(String label, String group, List<Integer> inputs) {
        return run(new MapTask(new Square(), Map.of(), inputs, RunOptions.DEFAULTS.withChunkSize(1).withPriority(1).asOpen(null),
                label, group));
    }

    private TaskRun run(MapTask task) {
        return new TaskRun(task, new IgnoringObserver(), null, engine, null);
    }

    private void add(TaskRun run) {
        scheduler.add(run);
    }

    /** The labels of the tasks of the next {@code n} chunks. */
    private List<String> take(int n) {
        List<String> labels = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                labels.add(scheduler.next().run().task().label());
            }
        } catch (InterruptedException e) {
            throw new AssertionError("next() blocked after " + labels, e);
        }
        return labels;
    }

    /** A worker blocked in {@code next()}: returns once its thread is seen waiting on the scheduler. */
    private Future<Chunk> waitingTaker() throws Exception {
        CompletableFuture<Thread> thread = new CompletableFuture<>();
        Future<Chunk> chunk = waiters.submit(() -> {
            thread.complete(Thread.currentThread());
            return scheduler.next();
        });
        awaitWaiting(thread.get(5, TimeUnit.SECONDS));
        return chunk;
    }

    private static void awaitWaiting(Thread thread) {
        await().atMost(Duration.ofSeconds(5)).until(() -> thread.getState() == Thread.State.WAITING);
    }

    /** The scheduler never runs items, so the observer only hears of endings. */
    private static final class IgnoringObserver implements TaskObserver {
        @Override
        public void started() {
        }

        @Override
        public ChunkSink chunk(int start) {
            throw new AssertionError("the scheduler runs no items");
        }

        @Override
        public void progressed() {
        }

        @Override
        public void finished(TaskOutcome outcome, int completed, int failed) {
        }
    }
}
