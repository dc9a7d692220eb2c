package io.jobpool.function.process;

import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.json.JsonMapper;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import io.jobpool.function.RawJson;

/**
 * One line of a worker's standard output, read as the protocol (see {@code docs/process-functions.md}),
 * or the end of that output. Values stay the JSON the worker wrote ({@link RawJson}): the line is
 * parsed once, to check it and to find where each value starts and ends, and each value's bytes go to
 * the result store as they are.
 */
sealed interface Message {

    record Ready() implements Message {
    }

    /** Answers to the next items, in order, each one JSON value. */
    record Values(List<RawJson> values) implements Message {
    }

    /** The values of a line, each made when it is read: a value is on its way to the result store at once. */
    final class Slices extends java.util.AbstractList<RawJson> implements java.util.RandomAccess {
        private final byte[] line;
        private final int[] bounds;

        Slices(byte[] line, int[] bounds) {
            this.line = line;
            this.bounds = bounds;
        }

        @Override
        public RawJson get(int index) {
            return new RawJson(line, bounds[2 * index], bounds[2 * index + 1] - bounds[2 * index]);
        }

        @Override
        public int size() {
            return bounds.length / 2;
        }
    }

    /** The next item failed. */
    record Error(String type, String message) implements Message {
    }

    /** Not the protocol: ends the process. */
    record Invalid(String reason) implements Message {
    }

    /** Standard output closed: the process has ended or is ending. */
    record Ended() implements Message {
    }

    static Message parse(JsonMapper mapper, byte[] line) {
        int[] scalars = ScalarValues.scan(line);
        if (scalars != null) {
            return new Values(new Slices(line, scalars));
        }
        try (JsonParser parser = mapper.createParser(line)) {
            if (parser.nextToken() != JsonToken.START_OBJECT || parser.nextToken() != JsonToken.PROPERTY_NAME) {
                return notTheProtocol(line);
            }
            String key = parser.currentName();
            JsonToken value = parser.nextToken();
            Message message;
            if (key.equals("values") && value == JsonToken.START_ARRAY) {
                message = values(parser, line);
            } else if (key.equals("ready") && value == JsonToken.VALUE_TRUE) {
                message = new Ready();
            } else if (key.equals("error") && value == JsonToken.START_OBJECT) {
                message = error(parser);
            } else {
                return notTheProtocol(line);
            }
            if (message == null || parser.nextToken() != JsonToken.END_OBJECT || parser.nextToken() != null) {
                return notTheProtocol(line);
            }
            return message;
        } catch (JacksonException e) {
            return new Invalid("a line that is not JSON: " + preview(line));
        }
    }

    /**
     * The array's elements as they were written: each starts at its first token and ends before the
     * comma (or bracket) that follows it, less whitespace; the parser has checked everything between.
     */
    private static Message values(JsonParser parser, byte[] line) {
        List<Integer> starts = new ArrayList<>();
        JsonToken token;
        while ((token = parser.nextToken()) != JsonToken.END_ARRAY) {
            starts.add((int) parser.currentTokenLocation().getByteOffset());
            if (token == JsonToken.START_OBJECT || token == JsonToken.START_ARRAY) {
                parser.skipChildren();
            }
        }
        int close = (int) parser.currentTokenLocation().getByteOffset();
        if (starts.isEmpty()) {
            return null;
        }
        List<RawJson> values = new ArrayList<>(starts.size());
        for (int i = 0; i < starts.size(); i++) {
            int end = i + 1 < starts.size() ? starts.get(i + 1) : close;
            end = skipBack(line, end - 1, starts.get(i));
            if (i + 1 < starts.size()) {
                end = skipBack(line, end - 1, starts.get(i)); // the comma, then the whitespace before it
            }
            values.add(new RawJson(line, starts.get(i), end + 1 - starts.get(i)));
        }
        return new Values(values);
    }

    /** From {@code from} down to {@code floor}, the index of the first byte that is not JSON whitespace. */
    private static int skipBack(byte[] line, int from, int floor) {
        int at = from;
        while (at > floor && (line[at] == ' ' || line[at] == '\t' || line[at] == '\n' || line[at] == '\r')) {
            at--;
        }
        return at;
    }

    /** {@code {"type": "...", "message": "..."}}, both strings, nothing else; null if it is not that. */
    private static Message error(JsonParser parser) {
        String type = null;
        String message = null;
        while (parser.nextToken() == JsonToken.PROPERTY_NAME) {
            String field = parser.currentName();
            if (parser.nextToken() != JsonToken.VALUE_STRING) {
                return null;
            }
            if (field.equals("type") && type == null) {
                type = parser.getString();
            } else if (field.equals("message") && message == null) {
                message = parser.getString();
            } else {
                return null;
            }
        }
        if (type == null || type.isBlank() || message == null) {
            return null;
        }
        return new Error(type, message.isEmpty() ? type : message);
    }

    private static Message notTheProtocol(byte[] line) {
        return new Invalid("a line that is not one of ready, values, error: " + preview(line));
    }

    static String preview(byte[] line) {
        String text = new String(line, 0, Math.min(line.length, 120), StandardCharsets.UTF_8);
        return '"' + text + (line.length > 120 ? "…" : "") + '"';
    }
}
