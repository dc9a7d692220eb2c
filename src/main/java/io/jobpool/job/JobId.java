package io.jobpool.job;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;
import java.util.regex.Pattern;

/** A job's opaque, unguessable id: 128 random bits in URL-safe base64 (22 characters). */
public record JobId(String value) {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Pattern SHAPE = Pattern.compile("[A-Za-z0-9_-]{22}");

    public JobId {
        if (!SHAPE.matcher(value).matches()) {
            throw new IllegalArgumentException("not a job id: " + value);
        }
    }

    public static JobId random() {
        byte[] bytes = new byte[16];
        RANDOM.nextBytes(bytes);
        return new JobId(Base64.getUrlEncoder().withoutPadding().encodeToString(bytes));
    }

    /** The id, if {@code text} has the shape of one; anything else cannot name a job. */
    public static Optional<JobId> parse(String text) {
        return text != null && SHAPE.matcher(text).matches() ? Optional.of(new JobId(text)) : Optional.empty();
    }

    @Override
    public String toString() {
        return value;
    }
}
