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

    private static Message parse(String line) {
        return Message.parse(MAPPER, line.getBytes(StandardCharsets.UTF_8));
    }

    private static String text(RawJson raw) {
        return new String(raw.json(), StandardCharsets.UTF_8);
    }
}
