package io.jobpool.job;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The jobs of this instance that have not ended, by tenant: what admission, open-job expiry and the
 * tenant gauges look at, so none of them walks the retained (mostly finished) jobs. A job is added
 * before the engine starts it and removed when it ends, so it cannot end before it was added.
 */
final class LiveJobs {

    private final Map<String, Set<Job>> byTenant = new ConcurrentHashMap<>();

    void add(Job job) {
        byTenant.computeIfAbsent(job.tenant(), tenant -> ConcurrentHashMap.newKeySet()).add(job);
    }

    void remove(Job job) {
        Set<Job> jobs = byTenant.get(job.tenant());
        if (jobs != null) {
            jobs.remove(job);
        }
    }

    /** The tenant's unfinished work, for {@link TenantQuotaAdmission}. */
    AdmissionPolicy.TenantLoad load(String tenant) {
        long queued = 0;
        double rate = 0;
        int open = 0;
        for (Job job : of(tenant)) {
            Progress progress = job.progress();
            queued += progress.total() - progress.completed();
            rate += progress.itemsPerSecond();
            open += job.state() == JobState.OPEN ? 1 : 0;
        }
        return new AdmissionPolicy.TenantLoad(queued, rate, open);
    }

    Collection<Job> of(String tenant) {
        Set<Job> jobs = byTenant.get(tenant);
        return jobs == null ? List.of() : jobs;
    }

    /** Every unfinished job, weakly consistent (one added or ended meanwhile may or may not be seen). */
    Iterable<Job> all() {
        return () -> byTenant.values().stream().flatMap(Set::stream).iterator();
    }
}
