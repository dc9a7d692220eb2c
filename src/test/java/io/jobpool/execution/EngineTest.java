package io.jobpool.execution;

import io.jobpool.function.builtin.Fail;
import io.jobpool.function.builtin.Square;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/** The engine without HTTP: outcomes under races between workers. */
class EngineTest {

    private final Engine engine = new Engine(new EngineSettings(2, 2, Duration.ofMillis(20)), new SimpleMeterRegistry());

    @AfterEach
    void stop() {
        engine.stop(Duration.ZERO);
    }

    @Test
    void failFastFailureWinsEvenWhenItIsTheLastItemCounted() throws Exception {
        for (int round = 0; round < 300; round++) {
            TaskRecorder recorder = new TaskRecorder();
            engine.start(new MapTask(new Fail(), Map.of("on", List.of(2)), List.of(1, 2, 3), RunOptions.DEFAULTS.withChunkSize(1), "t", "test"), recorder);

            TaskOutcome outcome = recorder.outcome();

            assertThat(outcome).as("round " + round).isInstanceOf(TaskOutcome.ItemFailed.class);
            assertThat(((TaskOutcome.ItemFailed) outcome).index()).isEqualTo(1);
        }
    }

    @Test
    void everyItemIsReportedExactlyOnce() throws Exception {
        TaskRecorder recorder = new TaskRecorder();
        List<Integer> inputs = IntStream.range(0, 100_000).boxed().toList();

        engine.start(new MapTask(new Square(), Map.of(), inputs, RunOptions.DEFAULTS, "t", "test"), recorder);

        assertThat(recorder.outcome()).isInstanceOf(TaskOutcome.Completed.class);
        assertThat(recorder.values).hasSize(100_000);
        assertThat(recorder.values.get(99_999)).isEqualTo(99_999L * 99_999L);
        assertThat(recorder.counts()).containsExactly(100_000, 0);
        assertThat(engine.queuedItems()).isZero();
    }
}
