package io.jobpool.config;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.config.MeterFilter;

import java.util.Map;

/**
 * Gives a description to the framework meters that come without one, so that every metric of
 * {@code /actuator/prometheus} has {@code # HELP} text ({@code promtool check metrics} reports each
 * one that has none). Names, tags and units are left as the framework made them.
 */
final class FrameworkMeterDescriptions implements MeterFilter {

    private static final Map<String, String> DESCRIPTIONS = Map.of(
            "http.server.requests", "HTTP requests served, by method, uri, status and outcome",
            "http.server.requests.active", "HTTP requests in progress");

    @Override
    public Meter.Id map(Meter.Id id) {
        String description = DESCRIPTIONS.get(id.getName());
        if (description == null || id.getDescription() != null && !id.getDescription().isBlank()) {
            return id;
        }
        return new Meter.Id(id.getName(), Tags.of(id.getTagsAsIterable()), id.getBaseUnit(),
                description, id.getType());
    }
}
