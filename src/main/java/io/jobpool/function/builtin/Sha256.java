package io.jobpool.function.builtin;

import io.jobpool.function.spi.ItemFailure;
import io.jobpool.function.spi.JobFunction;
import io.jobpool.function.spi.Kind;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * SHA-256 applied {@code rounds} times: to the UTF-8 bytes of the input, then to each previous raw
 * digest; the last digest in lowercase hex. Its per-worker state is the {@link MessageDigest}.
 */
public final class Sha256 implements JobFunction<Sha256.Digest> {

    static final int MAX_ROUNDS = 1_000_000;

    /** The per-worker state: one reusable digest and the job's round count. */
    public record Digest(MessageDigest digest, int rounds) {
    }

    @Override
    public String name() {
        return "sha256";
    }

    @Override
    public String description() {
        return "SHA-256 of a string's UTF-8 bytes, repeated 'rounds' times over the previous digest; lowercase hex.";
    }

    @Override
    public Kind kind() {
        return Kind.CPU;
    }

    @Override
    public Map<String, Object> paramsSchema() {
        return Map.of("type", "object", "additionalProperties", false,
                "properties", Map.of("rounds", Map.of("type", "integer", "minimum", 1, "maximum", MAX_ROUNDS,
                        "default", 1, "description", "how many times to hash")),
                "required", List.of());
    }

    @Override
    public Digest createState(Map<String, Object> params) {
        try {
            int rounds = ((Number) params.getOrDefault("rounds", 1)).intValue();
            return new Digest(MessageDigest.getInstance("SHA-256"), rounds);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    @Override
    public Object apply(Object input, Digest state) throws InterruptedException {
        if (!(input instanceof String text)) {
            throw ItemFailure.invalidInput("expected a string, got " + Inputs.describe(input));
        }
        MessageDigest digest = state.digest();
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        for (int round = 0; round < state.rounds(); round++) {
            bytes = digest.digest(bytes);
            if ((round & 1023) == 1023 && Thread.interrupted()) {
                throw new InterruptedException();
            }
        }
        return HexFormat.of().formatHex(bytes);
    }
}
