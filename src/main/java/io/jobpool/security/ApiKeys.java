package io.jobpool.security;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The configured API keys and the tenant each belongs to. Keys are kept only as SHA-256 digests and a
 * presented key is compared with every one of them by {@link MessageDigest#isEqual} (constant time),
 * without stopping at a match, so the time taken tells nothing about which key came close. Keys are
 * never logged or echoed. Immutable; safe for any thread.
 */
public final class ApiKeys {

    private static final Pattern TENANT = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    private static final int MIN_KEY_LENGTH = 16;

    private record Entry(byte[] digest, String tenant) {
    }

    private final List<Entry> entries;

    private ApiKeys(List<Entry> entries) {
        this.entries = List.copyOf(entries);
    }

    /**
     * Parses {@code key:tenant} pairs. A key shorter than 16 characters, a bad tenant name or a key given
     * twice is a configuration error, reported without the key itself.
     */
    public static ApiKeys parse(Collection<String> pairs) {
        List<Entry> entries = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        int position = 0;
        for (String pair : pairs) {
            position++;
            String trimmed = pair.trim();
            if (trimmed.isEmpty() || trimmed.startsWith("#")) {
                continue;
            }
            int colon = trimmed.lastIndexOf(':');
            if (colon < 0) {
                throw new UnsafeConfigurationException("API key entry " + position + " is not of the form key:tenant");
            }
            String key = trimmed.substring(0, colon);
            String tenant = trimmed.substring(colon + 1);
            if (key.length() < MIN_KEY_LENGTH) {
                throw new UnsafeConfigurationException("API key entry " + position + " (tenant " + tenant
                        + ") has a key shorter than " + MIN_KEY_LENGTH + " characters");
            }
            if (!TENANT.matcher(tenant).matches()) {
                throw new UnsafeConfigurationException("API key entry " + position + " names tenant '" + tenant
                        + "'; tenants are 1 to 64 of A-Z a-z 0-9 . _ -");
            }
            if (!seen.add(key)) {
                throw new UnsafeConfigurationException("API key entry " + position + " (tenant " + tenant + ") repeats an earlier key");
            }
            entries.add(new Entry(digest(key), tenant));
        }
        return new ApiKeys(entries);
    }

    public boolean isEmpty() {
        return entries.isEmpty();
    }

    public int size() {
        return entries.size();
    }

    /** The tenant of {@code presented}, if it is one of the keys. */
    public Optional<String> tenantOf(String presented) {
        byte[] digest = digest(presented);
        String tenant = null;
        for (Entry entry : entries) {
            if (MessageDigest.isEqual(entry.digest(), digest)) {
                tenant = entry.tenant();
            }
        }
        return Optional.ofNullable(tenant);
    }

    private static byte[] digest(String key) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }
}
