package io.jobpool.job;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A cluster with nothing in it and that takes nothing: every query finds nothing, every change is
 * dropped. Tests extend it with the few answers they need.
 */
class EmptyCluster implements SharedJobs {

    @Override
    public void share(SharedJob job, int total) {
    }

    @Override
    public KeyUse useKey(String tenant, String key, KeyUse use, Duration retention) {
        return null;
    }

    @Override
    public boolean replaceKey(String tenant, String key, KeyUse expected, KeyUse use, Duration retention) {
        return false;
    }

    @Override
    public Optional<SharedJob> find(String id) {
        return Optional.empty();
    }

    @Override
    public Set<String> ids() {
        return Set.of();
    }

    @Override
    public Lease claim(String job, int size, int known) {
        return null;
    }

    @Override
    public Appending append(String job, byte[] inputs, int size, int maxPending) {
        return new Appending(-1, 0, true, null);
    }

    @Override
    public boolean endIdle(String job, Duration idle, Ending ending) {
        return false;
    }

    @Override
    public int close(String job) {
        return -1;
    }

    @Override
    public List<Batch> batches(String job, int from) {
        return List.of();
    }

    @Override
    public boolean commit(Lease lease, byte[] results) {
        return false;
    }

    @Override
    public Optional<byte[]> results(Committed chunk) {
        return Optional.empty();
    }

    @Override
    public State state(String job) {
        return new State(List.of(), false, null, Set.of(), 0, false);
    }

    @Override
    public void end(String job, Ending ending) {
    }

    @Override
    public List<Lease> release(String member) {
        return List.of();
    }

    @Override
    public void releaseOwn() {
    }

    @Override
    public void expire(String job, Duration after) {
    }

    @Override
    public void listen(Listener listener) {
    }
}
