package io.jobpool.job;

import io.jobpool.execution.OnError;
import io.jobpool.execution.RunOptions;
import tools.jackson.databind.json.JsonMapper;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@link JobSpec} as the JSON other members read it back from: the function or expression, its
 * parameters, the inputs and the options; and the batches appended to an open job. Inputs and parameters go through the same JSON mapping as a
 * request body, so every member maps the very same values.
 */
final class SharedSpec {

    private final JsonMapper mapper;

    SharedSpec(JsonMapper mapper) {
        this.mapper = mapper;
    }

    byte[] write(JobSpec spec) {
        RunOptions options = spec.options();
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("function", spec.function());
        json.put("expression", spec.expression());
        json.put("params", spec.params());
        json.put("inputs", spec.inputs());
        json.put("chunkSize", options.chunkSize());
        json.put("onError", options.onError().name());
        json.put("retries", options.retries());
        json.put("timeout", options.timeout() == null ? null : options.timeout().toString());
        json.put("priority", options.priority());
        json.put("open", options.open());
        json.put("maxPending", options.maxPending());
        return mapper.writeValueAsBytes(json);
    }

    @SuppressWarnings("unchecked")
    JobSpec read(byte[] bytes) {
        Map<String, Object> json = mapper.readValue(bytes, Map.class);
        String timeout = (String) json.get("timeout");
        RunOptions options = new RunOptions((Integer) json.get("chunkSize"), OnError.valueOf((String) json.get("onError")),
                (Integer) json.get("retries"), timeout == null ? null : Duration.parse(timeout),
                (Integer) json.get("priority"), Boolean.TRUE.equals(json.get("open")), (Integer) json.get("maxPending"));
        return new JobSpec((String) json.get("function"), (String) json.get("expression"),
                (Map<String, Object>) json.get("params"), (List<?>) json.get("inputs"), options);
    }

    /** A batch of an open job's inputs, as the JSON array other members read back with {@link #readInputs}. */
    byte[] writeInputs(List<?> batch) {
        return mapper.writeValueAsBytes(batch);
    }

    List<?> readInputs(byte[] bytes) {
        return mapper.readValue(bytes, List.class);
    }
}
