package io.jobpool.job;

import io.jobpool.execution.RunOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.jobpool.job.JobState.CANCELLED;
import static io.jobpool.job.JobState.FAILED;
import static io.jobpool.job.JobState.OPEN;
import static io.jobpool.job.JobState.QUEUED;
import static io.jobpool.job.JobState.RUNNING;
import static io.jobpool.job.JobState.SUCCEEDED;
import static io.jobpool.job.JobState.TIMED_OUT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/** The job state machine: every legal transition of {@link JobState}'s table, and every illegal one refused. */
class JobRecordTest {

    private static final Instant SUBMITTED = Instant.parse("2026-12-01T10:00:00Z");
    private static final Instant STARTED = SUBMITTED.plusSeconds(1);
    private static final Instant ENDED = SUBMITTED.plusSeconds(2);
    private static final Set<JobState> ENDINGS = EnumSet.of(SUCCEEDED, FAILED, CANCELLED, TIMED_OUT);

    @Test
    void theTableIsTheDocumentedOne() {
        assertThat(QUEUED.next()).containsExactlyInAnyOrder(RUNNING, SUCCEEDED, FAILED, CANCELLED, TIMED_OUT);
        assertThat(OPEN.next()).containsExactlyInAnyOrder(QUEUED, RUNNING, FAILED, CANCELLED, TIMED_OUT);
        assertThat(RUNNING.next()).containsExactlyInAnyOrder(SUCCEEDED, FAILED, CANCELLED, TIMED_OUT);
        for (JobState terminal : ENDINGS) {
            assertThat(terminal.next()).as(terminal.name()).isEmpty();
            assertThat(terminal.isTerminal()).isTrue();
        }
    }

    @Test
    void aJobIsQueuedOrOpenWhenSubmitted() {
        assertThat(closedJob().state()).isEqualTo(QUEUED);
        assertThat(openJob().state()).isEqualTo(OPEN);
        assertThat(closedJob().createdAt()).isEqualTo(SUBMITTED);
        assertThat(closedJob().startedAt()).isNull();
    }

    @Test
    void aQueuedJobRunsWhenItsFirstChunkStarts() {
        JobRecord running = closedJob().started(STARTED);
        assertThat(running.state()).isEqualTo(RUNNING);
        assertThat(running.startedAt()).isEqualTo(STARTED);
    }

    @Test
    void anOpenJobStaysOpenWhileItsItemsRun() {
        JobRecord started = openJob().started(STARTED);
        assertThat(started.state()).isEqualTo(OPEN);
        assertThat(started.startedAt()).isEqualTo(STARTED);
    }

    @Test
    void onlyTheFirstStartCounts() {
        JobRecord running = closedJob().started(STARTED);
        assertThat(running.started(ENDED)).isSameAs(running);
    }

    @Test
    void aStartReportedAfterTheEndChangesNothing() {
        JobRecord cancelled = closedJob().ended(CANCELLED, null, 0, 0, ENDED);
        assertThat(cancelled.started(ENDED.plusSeconds(1))).isSameAs(cancelled);
    }

    @Test
    void anOpenJobClosedBeforeAnyChunkStartedIsQueued() {
        assertThat(openJob().closed().state()).isEqualTo(QUEUED);
    }

    @Test
    void anOpenJobClosedAfterAChunkStartedIsRunning() {
        JobRecord closed = openJob().started(STARTED).closed();
        assertThat(closed.state()).isEqualTo(RUNNING);
        assertThat(closed.startedAt()).isEqualTo(STARTED);
    }

    @ParameterizedTest
    @EnumSource(value = JobState.class, names = "OPEN", mode = EnumSource.Mode.EXCLUDE)
    void onlyAnOpenJobCanBeClosed(JobState state) {
        assertThatIllegalStateException().isThrownBy(() -> inState(state).closed())
                .withMessageContaining("cannot move from " + state);
    }

    @Test
    void anEndingFreezesCountsErrorAndTime() {
        JobError error = new JobError("ValueError", "bad", 3);
        JobRecord failed = closedJob().started(STARTED).ended(FAILED, error, 4, 1, ENDED);
        assertThat(failed.state()).isEqualTo(FAILED);
        assertThat(failed.finishedAt()).isEqualTo(ENDED);
        assertThat(failed.startedAt()).isEqualTo(STARTED);
        assertThat(failed.completed()).isEqualTo(4);
        assertThat(failed.failed()).isEqualTo(1);
        assertThat(failed.error()).isEqualTo(error);
    }

    @Test
    void aJobThatEndsBeforeItStartedCountsAsStartedWhenItEnded() {
        assertThat(closedJob().ended(SUCCEEDED, null, 0, 0, ENDED).startedAt()).isEqualTo(ENDED);
    }

    /** Every (state, ending) pair: allowed exactly where the table says so, otherwise refused, and the record unchanged. */
    @ParameterizedTest
    @EnumSource(JobState.class)
    void anEndingIsAllowedExactlyWhereTheTableSays(JobState from) {
        for (JobState to : ENDINGS) {
            JobRecord record = inState(from);
            if (from.canMoveTo(to)) {
                assertThat(record.ended(to, null, 0, 0, ENDED).state()).as(from + " -> " + to).isEqualTo(to);
            } else {
                assertThatIllegalStateException().as(from + " -> " + to)
                        .isThrownBy(() -> record.ended(to, null, 0, 0, ENDED));
                assertThat(record.state()).isEqualTo(from);
            }
        }
    }

    @Test
    void anOpenJobCannotSucceedBeforeItIsClosed() {
        assertThatIllegalStateException().isThrownBy(() -> openJob().started(STARTED).ended(SUCCEEDED, null, 5, 0, ENDED));
    }

    @Test
    void aTerminalRecordNeverChangesAgain() {
        JobRecord succeeded = closedJob().ended(SUCCEEDED, null, 1, 0, ENDED);
        for (JobState to : ENDINGS) {
            assertThatIllegalStateException().isThrownBy(() -> succeeded.ended(to, null, 1, 0, ENDED.plusSeconds(1)));
        }
        assertThatIllegalStateException().isThrownBy(succeeded::closed);
    }

    @ParameterizedTest
    @EnumSource(value = JobState.class, names = {"QUEUED", "OPEN", "RUNNING"})
    void anEndingMustBeTerminal(JobState notAnEnding) {
        assertThatIllegalArgumentException().isThrownBy(() -> closedJob().ended(notAnEnding, null, 0, 0, ENDED));
    }

    private static JobRecord inState(JobState state) {
        return switch (state) {
            case QUEUED -> closedJob();
            case OPEN -> openJob();
            case RUNNING -> closedJob().started(STARTED);
            case SUCCEEDED, FAILED, CANCELLED, TIMED_OUT -> closedJob().ended(state, null, 0, 0, ENDED);
        };
    }

    private static JobRecord closedJob() {
        return JobRecord.submitted(JobId.random(), "acme", "square",
                new JobSpec("square", null, Map.of(), List.of(1, 2), RunOptions.DEFAULTS), 100, SUBMITTED);
    }

    private static JobRecord openJob() {
        return JobRecord.submitted(JobId.random(), "acme", "square",
                new JobSpec("square", null, Map.of(), List.of(), RunOptions.DEFAULTS.asOpen(null)), 100, SUBMITTED);
    }
}
