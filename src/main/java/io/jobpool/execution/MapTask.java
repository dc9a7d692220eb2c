package io.jobpool.execution;

import io.jobpool.function.spi.JobFunction;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * What the engine runs: {@code function} applied to every element of {@code inputs}.
 *
 * @param chunkSize  fixed items per chunk, or {@code null} to size chunks adaptively
 * @param failFast   whether the first item failure ends the task ({@code Pool.map}); otherwise every
 *                   item gets a value or an error
 * @param retries    extra attempts per failing item
 * @param priority   round-robin weight, 1..10: a task gets this many chunks per turn
 * @param timeout    deadline from start, or {@code null} for none
 * @param label      for logs and thread names only (the job id)
 * @param open       whether more inputs may be appended ({@code inputs} must then be safe to read while
 *                   it grows); the task cannot complete before {@link TaskRun#closeInputs}
 * @param group      who the task is for (the tenant): workers are shared fairly between groups first,
 *                   then between the tasks of a group
 */
public record MapTask(JobFunction<?> function, Map<String, Object> params, List<?> inputs, Integer chunkSize,
                      boolean failFast, int retries, int priority, Duration timeout, String label, boolean open,
                      String group) {

    public MapTask {
        params = Map.copyOf(params);
        if (chunkSize != null && chunkSize < 1) {
            throw new IllegalArgumentException("chunkSize must be positive");
        }
        if (retries < 0 || priority < 1) {
            throw new IllegalArgumentException("retries must be >= 0 and priority >= 1");
        }
    }

    /** Inputs so far; grows for open tasks. */
    public int size() {
        return inputs.size();
    }
}
