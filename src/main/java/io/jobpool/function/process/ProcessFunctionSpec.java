package io.jobpool.function.process;

import io.jobpool.function.spi.Kind;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * How the operator registered one process function (see {@code docs/process-functions.md}).
 *
 * @param command            the program and its arguments, started without a shell
 * @param processes          most processes at once; each has a slot 0..processes-1 it keeps when replaced
 * @param kind               which worker pool runs its chunks: a CPU function shares the core-sized pool with Java jobs
 * @param paramsSchema       the JSON Schema of a job's {@code params}, checked at submit
 * @param maxItemsPerProcess a process is replaced after serving this many items (Pool's {@code maxtasksperchild}); 0: never
 * @param startupTimeout     the ready line (the initializer's end) must come within this
 * @param idleTimeout        a process with no chunk for this long is ended; a chunk starts a fresh one
 * @param environment        the only variables given besides PATH, HOME and LANG; {@code {slot}} in a value is the slot
 * @param workingDirectory   where the process starts; null: the service's own
 * @param memoryLimitBytes   a process whose resident memory exceeds this is ended; 0: no limit
 * @param maxMessageBytes    the longest protocol line either way
 */
public record ProcessFunctionSpec(String name, List<String> command, int processes, Kind kind, String description,
                                  Map<String, Object> paramsSchema, long maxItemsPerProcess, Duration startupTimeout,
                                  Duration idleTimeout, Map<String, String> environment, Path workingDirectory,
                                  long memoryLimitBytes, int maxMessageBytes) {

    public ProcessFunctionSpec {
        if (command == null || command.isEmpty() || command.get(0).isBlank()) {
            throw new IllegalArgumentException("process function '" + name + "' needs a command");
        }
        if (processes < 1) {
            throw new IllegalArgumentException("process function '" + name + "' needs at least one process");
        }
        for (String variable : environment.keySet()) {
            if (variable.isEmpty() || variable.indexOf('=') >= 0 || variable.indexOf('\0') >= 0) {
                throw new IllegalArgumentException("process function '" + name + "': '" + variable
                        + "' cannot be the name of an environment variable");
            }
        }
        command = List.copyOf(command);
        environment = Map.copyOf(environment);
        paramsSchema = Map.copyOf(paramsSchema);
    }

    /** The environment of the process in {@code slot}: PATH, HOME and LANG of the service, then the configured values. */
    Map<String, String> environmentOf(int slot, Map<String, String> service) {
        Map<String, String> variables = new java.util.TreeMap<>();
        for (String inherited : List.of("PATH", "HOME", "LANG")) {
            if (service.get(inherited) != null) {
                variables.put(inherited, service.get(inherited));
            }
        }
        environment.forEach((key, value) -> variables.put(key, value.replace("{slot}", Integer.toString(slot))));
        return variables;
    }
}
