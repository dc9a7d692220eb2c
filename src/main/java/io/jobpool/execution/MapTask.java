package io.jobpool.execution;

import io.jobpool.function.spi.JobFunction;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the engine runs: {@code function} applied to every element of {@code inputs}, as {@code options} say.
 *
 * @param inputs the items; for an open task ({@link RunOptions#open()}) a list that grows while it is read,
 *               so it must be safe to read while it grows; the task cannot complete before
 *               {@link TaskRun#closeInputs}
 * @param label  for logs and thread names only (the job id)
 * @param group  who the task is for (the tenant): workers are shared fairly between groups first,
 *               then between the tasks of a group
 */
public record MapTask(JobFunction<?> function, Map<String, Object> params, List<?> inputs, RunOptions options,
                      String label, String group) {

    public MapTask {
        // JSON null is a value a parameter may have: Map.copyOf would refuse it
        params = Collections.unmodifiableMap(new LinkedHashMap<>(params));
    }

    /** Inputs so far; grows for open tasks. */
    public int size() {
        return inputs.size();
    }
}
