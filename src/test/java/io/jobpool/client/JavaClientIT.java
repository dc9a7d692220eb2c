package io.jobpool.client;

import io.jobpool.support.ServerTest;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The Java client against the real server: the same semantics as curl. */
class JavaClientIT extends ServerTest {

    private JobpoolClient client() {
        return JobpoolClient.create(http.base());
    }

    @Test
    void mapReturnsResultsInOrder() {
        List<Object> results = client().map(JobRequest.function("square", List.of(1, 2, 3, 9_223_372_036_854_775_807L)));

        assertThat(results).hasSize(4);
        assertThat(results.get(2)).isEqualTo(9);
        assertThat(results.get(3).toString()).isEqualTo("85070591730234615847396907784232501249");
    }

    @Test
    void failedJobRaisesWithTheFailingItem() {
        JobRequest job = JobRequest.function("fail", List.of(1, 2, 3, 4)).withParams(Map.of("on", List.of(3)));

        assertThatThrownBy(() -> client().map(job)).isInstanceOfSatisfying(JobFailedException.class, e -> {
            assertThat(e.state()).isEqualTo("FAILED");
            assertThat(e.error().index()).isEqualTo(2);
            assertThat(e.error().type()).isEqualTo("InjectedFailure");
        });
    }

    @Test
    void continueCollectsErrorsBesideValues() {
        MapResult result = client().mapResult(JobRequest.function("fail", List.of(1, 2, 3)).withParams(Map.of("on", List.of(2)))
                .continueOnError());

        assertThat(result.results()).containsExactly(1, null, 3);
        assertThat(result.errors()).extracting(ItemError::index).containsExactly(1);
    }

    @Test
    void submitStatusAwaitAndPage() {
        JobStatus submitted = client().submit(JobRequest.expression("x * 10", List.of(1, 2, 3, 4, 5)).withChunkSize(1));

        JobStatus ended = client().awaitEnd(submitted.id(), Duration.ofSeconds(30));
        ResultsPage page = client().results(submitted.id(), 2, 2);

        assertThat(ended.state()).isEqualTo("SUCCEEDED");
        assertThat(ended.isTerminal()).isTrue();
        assertThat(page.results()).containsExactly(30, 40);
        assertThat(page.next()).isEqualTo(4);
    }

    @Test
    void streamsInInputAndCompletionOrder() {
        JobStatus job = client().submit(JobRequest.function("sleep", List.of(600, 10, 10, 10)).withChunkSize(1));

        List<Integer> completion;
        try (Stream<ItemResult> items = client().stream(job.id(), true, 0)) {
            completion = items.map(ItemResult::index).toList();
        }
        List<Integer> input;
        try (Stream<ItemResult> items = client().stream(job.id(), false, 0)) {
            input = items.map(ItemResult::index).toList();
        }

        assertThat(completion).containsExactlyInAnyOrder(0, 1, 2, 3).last().isEqualTo(0);
        assertThat(input).containsExactly(0, 1, 2, 3);
    }

    @Test
    void openJobTakesBatchesAndCancelEndsAJob() {
        JobStatus open = client().submit(JobRequest.open("square"));
        assertThat(client().append(open.id(), List.of(2, 3))).isZero();
        assertThat(client().append(open.id(), List.of(4))).isEqualTo(2);
        client().close(open.id());
        assertThat(client().awaitEnd(open.id(), Duration.ofSeconds(10)).state()).isEqualTo("SUCCEEDED");

        JobStatus slow = client().submit(JobRequest.function("sleep", List.of(10_000, 10_000)));
        assertThat(client().cancel(slow.id()).state()).isEqualTo("CANCELLED");
    }

    @Test
    void refusalsCarryTheProblemType() {
        assertThatThrownBy(() -> client().submit(JobRequest.function("nope", List.of(1))))
                .isInstanceOfSatisfying(JobpoolException.class, e -> {
                    assertThat(e.status()).isEqualTo(422);
                    assertThat(e.type()).isEqualTo("urn:jobpool:problem:unknown-function");
                    assertThat(e.field()).isEqualTo("function");
                });
        assertThatThrownBy(() -> client().status("AAAAAAAAAAAAAAAAAAAAAA"))
                .isInstanceOfSatisfying(JobpoolException.class, e -> assertThat(e.status()).isEqualTo(404));
    }
}
