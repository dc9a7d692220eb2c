package io.jobpool.client;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The Java client's result stream across the ways a service ends a connection early. */
class ResultLinesTest {

    private final List<Integer> opened = new ArrayList<>();

    @Test
    void keepAliveLinesAreSkippedAndAStoppingLineReconnectsFromTheItemsReceived() {
        IntFunction<Stream<String>> service = connections(Map.of(
                0, List.of("{\"index\":0,\"value\":10}", "{\"keepAlive\":true}", "{\"index\":1,\"value\":11}",
                        "{\"stopping\":true,\"from\":2,\"message\":\"the service is stopping\"}"),
                2, List.of("{\"keepAlive\":true}", "{\"index\":2,\"error\":{\"type\":\"Boom\",\"message\":\"no\"}}",
                        "{\"end\":true,\"state\":\"SUCCEEDED\",\"total\":3,\"completed\":3,\"failed\":1}")));

        List<ItemResult> items = drain(new ResultLines(service, 0));

        assertThat(items).extracting(ItemResult::index).containsExactly(0, 1, 2);
        assertThat(items.get(1).value()).isEqualTo(11);
        assertThat(items.get(2).error().type()).isEqualTo("Boom");
        assertThat(opened).containsExactly(0, 2);
    }

    @Test
    void aConnectionThatBreaksOrClosesBeforeTheEndLineIsResumed() {
        IntFunction<Stream<String>> service = from -> {
            opened.add(from);
            return switch (from) {
                case 0 -> Stream.concat(Stream.of("{\"index\":0,\"value\":1}"),
                        Stream.generate(() -> { throw new UncheckedIOException(new IOException("reset")); }));
                case 1 -> Stream.of("{\"index\":1,\"value\":2}"); // closes without the end line
                default -> Stream.of("{\"end\":true,\"state\":\"SUCCEEDED\",\"total\":2,\"completed\":2,\"failed\":0}");
            };
        };

        assertThat(drain(new ResultLines(service, 0))).extracting(ItemResult::index).containsExactly(0, 1);
        assertThat(opened).containsExactly(0, 1, 2);
    }

    @Test
    void aRefusalOtherThanStoppingIsThrownAtOnce() {
        IntFunction<Stream<String>> service = from -> {
            opened.add(from);
            throw new JobpoolException(404, "urn:jobpool:problem:job-not-found", "no job", null);
        };

        assertThatThrownBy(() -> drain(new ResultLines(service, 5))).isInstanceOf(JobpoolException.class);
        assertThat(opened).containsExactly(5);
    }

    private IntFunction<Stream<String>> connections(Map<Integer, List<String>> byFrom) {
        return from -> {
            opened.add(from);
            return byFrom.get(from).stream();
        };
    }

    private static List<ItemResult> drain(ResultLines lines) {
        List<ItemResult> items = new ArrayList<>();
        lines.forEachRemaining(items::add);
        return items;
    }
}
