package io.jobpool.job;

import io.jobpool.execution.Engine;
import io.jobpool.execution.EngineSettings;
import io.jobpool.execution.MapTask;
import io.jobpool.execution.RunOptions;
import io.jobpool.execution.TaskRun;
import io.jobpool.function.builtin.Sleep;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** A job's local runtime around its record: the moves clients make (cancel, close, append) at awkward moments. */
class JobTest {

    private final Engine engine = new Engine(new EngineSettings(1, 1, Duration.ofMillis(20)), new SimpleMeterRegistry());

    @AfterEach
    void stop() {
        engine.stop(Duration.ZERO);
    }

    @Test
    void aJobCancelledBeforeTheEngineHasItIsCancelledWhenItsRunIsAttached() throws Exception {
        Job job = job(RunOptions.DEFAULTS, List.of(5_000));

        assertThat(job.cancel()).isTrue();
        job.attach(engine.start(task(job), job.observer()));

        assertThat(job.whenEnded().get(5, TimeUnit.SECONDS).state()).isEqualTo(JobState.CANCELLED);
    }

    @Test
    void aJobThatEndedCannotBeCancelled() throws Exception {
        Job job = job(RunOptions.DEFAULTS, List.of(0));
        job.attach(engine.start(task(job), job.observer()));
        job.whenEnded().get(5, TimeUnit.SECONDS);

        assertThat(job.cancel()).isFalse();
        assertThat(job.state()).isEqualTo(JobState.SUCCEEDED);
    }

    @Test
    void aBatchAndACloseBeforeTheEngineHasTheJobAreReplayedWhenItsRunIsAttached() throws Exception {
        Job job = job(RunOptions.DEFAULTS.asOpen(null), List.of());
        TaskRun run = engine.start(task(job), job.observer()); // empty and open: left out of the scheduler

        job.append(List.of(0, 0));
        job.closeInputs();
        job.attach(run);

        Job ended = job.whenEnded().get(5, TimeUnit.SECONDS);
        assertThat(ended.state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(ended.progress().completed()).isEqualTo(2);
    }

    @Test
    void aJobTheEngineCannotTakeEndsFailedAndReleasesItsWaiters() {
        Job job = job(RunOptions.DEFAULTS, List.of(1));

        job.failedToStart(new IllegalStateException("the engine is stopping"));

        assertThat(job.whenEnded()).isCompleted();
        assertThat(job.state()).isEqualTo(JobState.FAILED);
        assertThat(job.record().error().type()).isEqualTo("NotStarted");
        assertThat(job.record().error().message()).contains("the engine is stopping");
    }

    @Test
    void waitersLearnOfTheEndEvenWhenTheBookkeepingFails() {
        Job job = new Job(JobId.random(), "acme", new JobSpec("sleep", null, Map.of(), List.of(1), RunOptions.DEFAULTS),
                "sleep", 100, java.time.Instant.now(), Clock.systemUTC(), new ResultEncoder(JsonMapper.builder().build()), new LongAdder(),
                ended -> {
                    throw new IllegalStateException("bookkeeping failed");
                });

        assertThatThrownBy(() -> job.failedToStart(new IllegalStateException("x"))).hasMessage("bookkeeping failed");
        assertThat(job.whenEnded()).isCompleted();
    }

    @Test
    void closingAJobTwiceIsAConflict() {
        Job job = job(RunOptions.DEFAULTS.asOpen(null), List.of());
        job.closeInputs();

        JobpoolException refused = catchThrowableOfType(JobpoolException.class, job::closeInputs);
        assertThat(refused.refusal()).isEqualTo(Refusal.JOB_STATE_CONFLICT);
        assertThat(refused.getMessage()).contains("closed already");
    }

    @Test
    void aClosedJobTakesNoMoreInputs() {
        Job job = job(RunOptions.DEFAULTS.asOpen(null), List.of());
        job.closeInputs();

        JobpoolException refused = catchThrowableOfType(JobpoolException.class, () -> job.append(List.of(1)));
        assertThat(refused.refusal()).isEqualTo(Refusal.JOB_STATE_CONFLICT);
    }

    @Test
    void anOpenJobRefusesABatchPastItsBoundWithARetryHint() {
        Job job = job(RunOptions.DEFAULTS.asOpen(3), List.of(1, 2));

        JobpoolException refused = catchThrowableOfType(JobpoolException.class, () -> job.append(List.of(3, 4)));
        assertThat(refused.refusal()).isEqualTo(Refusal.OVERLOADED);
        assertThat(refused.retryAfterSeconds()).isPositive();
        assertThat(job.append(List.of(3))).as("the first index of a batch that fits").isEqualTo(2);
    }

    @Test
    void aChunkCommittedBeforeTheSharedJobsRunIsAttachedIsCountedOnceItIs() throws Exception {
        Job job = job(RunOptions.DEFAULTS, List.of(4, 5));
        TaskRun run = startShared(job);

        // a worker of this member ran and committed the whole job before the submitting thread attached its run
        assertThat(job.applyCommitted(0, 2, committed(0, 4, 5))).isTrue();
        job.attach(run);

        Job ended = job.whenEnded().get(5, TimeUnit.SECONDS);
        assertThat(ended.state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(ended.progress().completed()).isEqualTo(2);
    }

    @Test
    void batchesOfASharedOpenJobAreAppendedInOrderWhateverOrderTheyCameIn() throws Exception {
        Job job = job(RunOptions.DEFAULTS.asOpen(null), List.of(0));
        job.attach(startShared(job));

        job.appendShared(3, List.of(3, 4));
        assertThat(job.knownInputs()).as("a batch whose predecessor is missing waits").isEqualTo(1);
        job.appendShared(1, List.of(1, 2));
        job.appendShared(1, List.of(1, 2)); // heard twice (news and sweep)
        assertThat(job.knownInputs()).isEqualTo(5);
        assertThat(List.copyOf(job.inputs())).isEqualTo(List.of(0, 1, 2, 3, 4));
    }

    @Test
    void anEmptyBatchDoesNotTakeThePlaceOfTheBatchNumberedAfterIt() throws Exception {
        Job job = job(RunOptions.DEFAULTS.asOpen(null), List.of(0));
        job.attach(startShared(job));

        // an empty batch numbered at 3 has the index of the batch after it: both wait for [1, 3)
        job.appendShared(3, List.of(3, 4));
        job.appendShared(3, List.of());
        job.appendShared(1, List.of(1, 2));

        assertThat(job.knownInputs()).isEqualTo(5);
        assertThat(List.copyOf(job.inputs())).isEqualTo(List.of(0, 1, 2, 3, 4));
    }

    @Test
    void aSharedOpenJobClosedAheadOfItsLastBatchCompletesOnlyOnceTheBatchIsHere() throws Exception {
        Job job = job(RunOptions.DEFAULTS.asOpen(null), List.of(0));
        job.attach(startShared(job));
        assertThat(job.applyCommitted(0, 1, committed(0, 0))).isTrue();

        job.closeShared(3); // closed through another member with 3 inputs; the batch [1, 3) is not here yet
        assertThat(job.applyCommitted(1, 3, committed(1, 1, 2))).as("its inputs are not here").isFalse();
        Thread.sleep(100);
        assertThat(job.whenEnded()).as("one input of three is done").isNotDone();
        job.appendShared(1, List.of(1, 2));
        assertThat(job.applyCommitted(1, 3, committed(1, 1, 2))).isTrue();

        Job ended = job.whenEnded().get(5, TimeUnit.SECONDS);
        assertThat(ended.state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(ended.progress().completed()).isEqualTo(3);
    }

    /** Shares the job over a cluster where no chunk is ever free (the test commits them) and starts its run. */
    private TaskRun startShared(Job job) {
        LeasedChunks leased = job.share(new LeasedChunks(new EmptyCluster(), job, ENCODER, null, 0));
        return engine.start(task(job), job.observer(), leased);
    }

    private static final ResultEncoder ENCODER = new ResultEncoder(JsonMapper.builder().build());

    /** A chunk's results as a member commits them: {@code values} from item {@code start} on. */
    private static byte[] committed(int start, Integer... values) {
        ChunkResults.Encoder encoder = new ChunkResults.Encoder(start, ENCODER);
        for (int i = 0; i < values.length; i++) {
            encoder.succeeded(start + i, values[i]);
        }
        return encoder.bytes();
    }

    private static Job job(RunOptions options, List<?> inputs) {
        JobSpec spec = new JobSpec("sleep", null, Map.of(), inputs, options);
        int maxPending = options.maxPending() != null ? options.maxPending() : 100;
        return new Job(JobId.random(), "acme", spec, "sleep", maxPending, java.time.Instant.now(), Clock.systemUTC(),
                new ResultEncoder(JsonMapper.builder().build()), new LongAdder(), ended -> {
        });
    }

    private static MapTask task(Job job) {
        return new MapTask(new Sleep(), Map.of(), job.inputs(), job.record().options(), job.id().value(), job.tenant());
    }
}
