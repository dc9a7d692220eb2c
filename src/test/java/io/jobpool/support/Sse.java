package io.jobpool.support;

import java.util.ArrayList;
import java.util.List;

/** Server-Sent Events parsed by hand from the lines of a stream, as a browser's EventSource would. */
public final class Sse {

    /** One dispatched event; {@code event} is "message" when the server named none. */
    public record Event(String id, String event, String data) {
    }

    private Sse() {
    }

    /** The events in {@code lines}: a blank line ends an event; lines starting with ':' are comments. */
    public static List<Event> events(List<String> lines) {
        List<Event> events = new ArrayList<>();
        String id = null;
        String event = null;
        StringBuilder data = null;
        for (String line : lines) {
            if (line.isEmpty()) {
                if (data != null) {
                    events.add(new Event(id, event == null ? "message" : event, data.toString()));
                }
                event = null;
                data = null;
                continue;
            }
            if (line.startsWith(":")) {
                continue;
            }
            int colon = line.indexOf(':');
            String field = colon < 0 ? line : line.substring(0, colon);
            String value = colon < 0 ? "" : line.substring(colon + 1);
            if (value.startsWith(" ")) {
                value = value.substring(1);
            }
            switch (field) {
                case "id" -> id = value;
                case "event" -> event = value;
                case "data" -> data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
                default -> { }
            }
        }
        return events;
    }

    /** The comment lines (heartbeats) in {@code lines}. */
    public static List<String> comments(List<String> lines) {
        return lines.stream().filter(line -> line.startsWith(":")).toList();
    }
}
