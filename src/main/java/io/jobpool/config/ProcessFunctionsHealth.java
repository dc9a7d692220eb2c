package io.jobpool.config;

import io.jobpool.function.process.ProcessFunction;
import io.jobpool.function.process.ProcessFunctions;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code /actuator/health} component {@code processFunctions}: each process function's processes and,
 * when its processes cannot start, why. A failing function makes this component {@code DEGRADED}, a
 * status ordered below UP ({@code management.endpoint.health.status.order}), so the service as a whole
 * stays UP and ready: its other functions still work, and a restart would not mend the function.
 */
final class ProcessFunctionsHealth implements HealthIndicator {

    static final Status DEGRADED = new Status("DEGRADED", "a process function's processes cannot start");

    private final ProcessFunctions functions;

    ProcessFunctionsHealth(ProcessFunctions functions) {
        this.functions = functions;
    }

    @Override
    public Health health() {
        boolean failing = false;
        Map<String, Object> details = new LinkedHashMap<>();
        for (ProcessFunction function : functions.all()) {
            ProcessFunction.Health health = function.health();
            failing |= health.failing();
            Map<String, Object> detail = new LinkedHashMap<>();
            detail.put("status", health.failing() ? "failing" : "up");
            detail.put("processes", health.processes());
            detail.put("alive", health.alive());
            if (health.detail() != null) {
                detail.put("error", health.detail());
            }
            details.put(function.name(), detail);
        }
        return Health.status(failing ? DEGRADED : Status.UP).withDetails(details).build();
    }
}
