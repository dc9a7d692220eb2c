package io.jobpool.api;

import io.jobpool.job.JobpoolException;

/** Range checks for query parameters, each failure naming the parameter. */
final class QueryParams {

    private QueryParams() {
    }

    static int inRange(String name, Integer value, int defaultValue, int min, int max) {
        int actual = value == null ? defaultValue : value;
        if (actual < min || actual > max) {
            throw JobpoolException.invalid(name, "query parameter '" + name + "' must be between " + min + " and " + max
                    + ", got " + actual);
        }
        return actual;
    }
}
