package io.jobpool.function.process;

import io.jobpool.function.RawJson;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Lines of a worker's output read as the protocol: values are sliced out exactly as written, anything else is named. */
class MessageTest {

    private static final JsonMapper MAPPER = JsonMapper.builder().build();

    @Test
    void valuesAreTheBytesTheWorkerWroteWhateverTheWhitespace() {
        Message message = parse("{\"values\": [1, \"a,b]\" ,{\"x\": [1, 2]} , [3,[]], null,true,-1.5e3, \"\\u00e9\\\"\" ]}");

        assertThat(message).isInstanceOf(Message.Values.class);
        assertThat(((Message.Values) message).values()).extracting(MessageTest::text).containsExactly(
                "1", "\"a,b]\"", "{\"x\": [1, 2]}", "[3,[]]", "null", "true", "-1.5e3", "\"\\u00e9\\\"\"");
    }

    @Test
    void oneValueAndTightPacking() {
        assertThat(((Message.Values) parse("{\"values\":[42]}")).values()).extracting(MessageTest::text).containsExactly("42");
        assertThat(((Message.Values) parse("{\"values\":[\"x\",{},0]}")).values()).extracting(MessageTest::text)
                .containsExactly("\"x\"", "{}", "0");
    }

    @Test
    void readyAndErrors() {
        assertThat(parse("{\"ready\": true}")).isInstanceOf(Message.Ready.class);
        assertThat(parse("{\"error\": {\"type\": \"ValueError\", \"message\": \"bad\"}}"))
                .isEqualTo(new Message.Error("ValueError", "bad"));
        assertThat(parse("{\"error\": {\"type\": \"ValueError\", \"message\": \"\"}}"))
                .isEqualTo(new Message.Error("ValueError", "ValueError"));
    }

    @Test
    void anythingElseIsNotTheProtocol() {
        for (String line : List.of("not json", "[1]", "{}", "{\"values\": []}", "{\"values\": 1}", "{\"ready\": false}",
                "{\"values\": [1], \"extra\": 2}", "{\"values\": [1]} {\"values\": [2]}", "{\"values\": [NaN]}",
                "{\"error\": {\"type\": \"\", \"message\": \"m\"}}", "{\"error\": {\"message\": \"m\"}}", "{\"values\": [1,]}")) {
            assertThat(parse(line)).as(line).isInstanceOf(Message.Invalid.class);
        }
        assertThat(((Message.Invalid) parse("garbage")).reason()).contains("not JSON", "\"garbage\"");
    }

    /** The byte-by-byte fast path and the full parser agree on every scalar line, valid or not. */
    @Test
    void theFastPathAndTheFullParserAgree() {
        List<String> valid = List.of("{\"values\":[1,-0.5e+3,\"a\\\"b\\u00e9\",true,false,null, 7 ,0,-0,1E9,12.25]}",
                "{\"values\":[\"\"]}", "{\"values\":[9223372036854775808123]}  ");
        for (String line : valid) {
            byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
            int[] fast = ScalarValues.scan(bytes);
            assertThat(fast).as(line).isNotNull();
            Message full = parse(" " + line); // a leading space: not the fast path's form, so the full parser reads it
            List<String> slow = ((Message.Values) full).values().stream().map(MessageTest::text).toList();
            List<String> quick = new java.util.ArrayList<>();
            for (int i = 0; i < fast.length; i += 2) {
                quick.add(new String(bytes, fast[i], fast[i + 1] - fast[i], StandardCharsets.UTF_8));
            }
            assertThat(quick).as(line).isEqualTo(slow);
        }
        for (String line : List.of("{\"values\":[01]}", "{\"values\":[1.]}", "{\"values\":[-]}", "{\"values\":[\"\\x\"]}",
                "{\"values\":[tru]}", "{\"values\":[1 2]}", "{\"values\":[\"open]}", "{\"values\":[1e]}", "{\"values\":[.5]}",
                "{\"values\":[1]}x", "{\"values\":[1]", "{\"values\":[\"\\u12g4\"]}", "{\"values\":[Infinity]}")) {
            assertThat(ScalarValues.scan(line.getBytes(StandardCharsets.UTF_8))).as(line).isNull();
            assertThat(parse(line)).as(line).isInstanceOf(Message.Invalid.class);
        }
        // nested values and non-ASCII text are not the fast path's, and the full parser takes them
        assertThat(ScalarValues.scan("{\"values\":[[1]]}".getBytes(StandardCharsets.UTF_8))).isNull();
        assertThat(((Message.Values) parse("{\"values\":[\"é\",{\"a\":1}]}")).values()).extracting(MessageTest::text)
                .containsExactly("\"é\"", "{\"a\":1}");
    }

    /** Chunk lines: integers written digit by digit, plain strings quoted, the rest by Jackson. */
    @Test
    void chunkLinesAreTheJsonOfParamsAndItems() {
        byte[] line = ChunkLine.encode(MAPPER, java.util.Map.of("k", 1), List.of(0, -7, Long.MIN_VALUE, Long.MAX_VALUE,
                1_000_000_000_000L, "plain", "quo\"te", "é", java.util.Map.of("x", List.of(1))));

        assertThat(new String(line, StandardCharsets.UTF_8)).isEqualTo("{\"params\":{\"k\":1},\"items\":[0,-7,"
                + "-9223372036854775808,9223372036854775807,1000000000000,\"plain\",\"quo\\\"te\",\"é\",{\"x\":[1]}]}");
    }

    private static Message parse(String line) {
        return Message.parse(MAPPER, line.getBytes(StandardCharsets.UTF_8));
    }

    private static String text(RawJson raw) {
        return new String(raw.json(), StandardCharsets.UTF_8);
    }
}
