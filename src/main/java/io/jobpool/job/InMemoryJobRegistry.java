package io.jobpool.job;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The single-node registry: a hash map by id for lookups and a skip list by submission order for
 * newest-first listing. Both are concurrent maps, so no lock is needed; a listing is weakly
 * consistent (a job added meanwhile may or may not appear), which is all a paged list promises.
 */
public final class InMemoryJobRegistry implements JobRegistry {

    private final Map<JobId, Entry> byId = new ConcurrentHashMap<>();
    private final ConcurrentSkipListMap<Long, Job> newestFirst = new ConcurrentSkipListMap<>();
    private final AtomicLong sequence = new AtomicLong();

    private record Entry(Job job, long order) {
    }

    @Override
    public void add(Job job) {
        long order = -sequence.incrementAndGet();
        byId.put(job.id(), new Entry(job, order));
        newestFirst.put(order, job);
    }

    @Override
    public Optional<Job> find(JobId id) {
        Entry entry = byId.get(id);
        return entry == null ? Optional.empty() : Optional.of(entry.job());
    }

    @Override
    public void remove(JobId id) {
        Entry entry = byId.remove(id);
        if (entry != null) {
            newestFirst.remove(entry.order());
        }
    }

    @Override
    public Page list(String tenant, JobState state, int offset, int limit) {
        List<Job> page = new ArrayList<>();
        int matched = 0;
        for (Job job : newestFirst.values()) {
            if (!job.tenant().equals(tenant) || state != null && job.state() != state) {
                continue;
            }
            if (matched >= offset && page.size() < limit) {
                page.add(job);
            }
            matched++;
        }
        return new Page(page, matched);
    }

    @Override
    public List<Job> all() {
        return new ArrayList<>(newestFirst.values());
    }
}
