package io.jobpool.client;

/** One item of a results stream: its index and either its value or its error. */
public record ItemResult(int index, Object value, ItemError error) {

    public boolean failed() {
        return error != null;
    }
}
