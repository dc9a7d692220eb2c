package io.jobpool.job;

import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Remembers which job an {@code Idempotency-Key} created, per tenant, so a retried submission gets the
 * same job instead of a second one. A key comes with a fingerprint of its request: the same key with a
 * different request is a client bug, refused with 422. Entries live as long as the retention period.
 * Used under the service's submission lock; the map is concurrent so that sweeps need no lock.
 */
final class IdempotencyKeys {

    private record Key(String tenant, String key) {
    }

    private record Entry(String fingerprint, JobId job, Instant createdAt) {
    }

    private final Map<Key, Entry> entries = new ConcurrentHashMap<>();

    /** The job an earlier request with this key made, if any; throws if that request was different. */
    JobId find(String tenant, String key, String fingerprint) {
        Entry entry = entries.get(new Key(tenant, key));
        if (entry == null) {
            return null;
        }
        if (!entry.fingerprint().equals(fingerprint)) {
            throw new JobpoolException(Refusal.IDEMPOTENCY_KEY_REUSED, "the Idempotency-Key '" + key
                    + "' was used for a different request; use a new key for a new job", "Idempotency-Key", null);
        }
        return entry.job();
    }

    void remember(String tenant, String key, String fingerprint, JobId job, Instant now) {
        entries.put(new Key(tenant, key), new Entry(fingerprint, job, now));
    }

    void forgetOlderThan(Instant cutoff) {
        entries.values().removeIf(entry -> entry.createdAt().isBefore(cutoff));
    }
}
