package io.jobpool.function;

import io.jobpool.function.spi.JobFunction;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Every function a job may name, by name. Built once at start-up and read-only after, so any thread
 * may call it without locking.
 */
public final class FunctionCatalog {

    private final Map<String, JobFunction<?>> byName;
    private final List<JobFunction<?>> sorted;

    public FunctionCatalog(List<? extends JobFunction<?>> functions) {
        Map<String, JobFunction<?>> map = new TreeMap<>();
        for (JobFunction<?> function : functions) {
            JobFunction<?> clash = map.putIfAbsent(function.name(), function);
            if (clash != null) {
                // only a plugin can bring a second function of a name: it is reported as a plugin that cannot load
                throw new PluginLoader.PluginException("Two functions are named '" + function.name() + "': "
                        + origin(clash) + " and " + origin(function) + "; rename one or remove its plugin", null);
            }
        }
        this.byName = Map.copyOf(map);
        this.sorted = List.copyOf(map.values());
    }

    private static String origin(JobFunction<?> function) {
        var source = function.getClass().getProtectionDomain().getCodeSource();
        return function.getClass().getName() + (source == null ? "" : " (" + source.getLocation() + ")");
    }

    public Optional<JobFunction<?>> find(String name) {
        return Optional.ofNullable(name == null ? null : byName.get(name));
    }

    /** All functions, sorted by name. */
    public Collection<JobFunction<?>> all() {
        return sorted;
    }

    /** Validates {@code params} against the function's schema; see {@link ParamsSchema}. */
    public static void validateParams(JobFunction<?> function, Map<String, Object> params) {
        ParamsSchema.validate(function.paramsSchema(), params);
    }
}
