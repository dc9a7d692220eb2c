package io.jobpool.cluster;

import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.ExtendedMapEntry;
import com.hazelcast.map.IMap;
import com.hazelcast.map.listener.EntryAddedListener;
import com.hazelcast.topic.ITopic;
import io.jobpool.job.SharedJobs;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.Serializable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The cluster's jobs over Hazelcast: maps with one backup each, changed through entry processors, and
 * a topic for the news.
 *
 * <ul>
 *   <li>{@value #JOBS}: each job as shared, by id. A new entry is the news that a job was shared.</li>
 *   <li>{@value #LEASES}: each job's lease table, changed only by the processors below, which Hazelcast
 *       runs one at a time on the entry's owner (and again on its backup): a claim takes a chunk
 *       released by a lost member first (its attempt raised), else the next range; a commit checks that
 *       the lease is still this member's, with this attempt. That check is the fence: a member that was
 *       removed (killed, or hung and found by its missing heartbeats) and answers late is refused.</li>
 *   <li>{@value #RESULTS}: each chunk's results, by job and start, stored before the commit, a newer
 *       attempt's replacing an older one's; a reader takes only the attempt the table committed.</li>
 *   <li>{@value #INPUTS}: the batches appended to open jobs, each stored (with its backup) under a key of
 *       its own before the job's table numbers it, so an accepted batch is never lost. The table counts a
 *       job's inputs and committed items, which bounds its pending inputs over every member.</li>
 *   <li>{@value #KEYS}: each tenant's {@code Idempotency-Key}s, first use wins, kept for the retention.</li>
 *   <li>{@value #NEWS}: chunks committed, batches appended (inputs and all), open jobs closed and jobs
 *       ended. A topic loses messages with its member, so the job layer also compares its copies with
 *       {@link #state} (see {@code JobReplication}).</li>
 * </ul>
 * A chunk whose member was lost {@link #MAX_ATTEMPTS} times is not offered again: the member that finds
 * it lost holds it, to commit its items as failed.
 */
public final class HazelcastSharedJobs implements SharedJobs {

    private static final Logger log = LoggerFactory.getLogger(HazelcastSharedJobs.class);

    public static final String JOBS = "jobpool.jobs";
    public static final String LEASES = "jobpool.leases";
    public static final String RESULTS = "jobpool.chunk-results";
    public static final String NEWS = "jobpool.job-news";
    public static final String KEYS = "jobpool.idempotency-keys";
    public static final String INPUTS = "jobpool.inputs";

    private final HazelcastInstance hazelcast;
    private final IMap<String, SharedJob> jobs;
    private final IMap<String, Table> tables;
    private final IMap<String, Stored> results;
    private final ITopic<Serializable> news;
    private final IMap<String, KeyUse> keys;
    private final IMap<String, byte[]> inputs;
    /**
     * A hand-back ({@link #releaseOwn}) keeps each chunk's attempt, so the results store cannot tell this
     * member's late results from those of the member that claims the chunk next: once it handed its chunks
     * back, this member stores no more results. Commits hold the read lock, the hand-back the write lock.
     */
    private final ReadWriteLock handBack = new ReentrantReadWriteLock();
    private boolean handedBack;

    public HazelcastSharedJobs(HazelcastInstance hazelcast) {
        this.hazelcast = hazelcast;
        this.jobs = hazelcast.getMap(JOBS);
        this.tables = hazelcast.getMap(LEASES);
        this.results = hazelcast.getMap(RESULTS);
        this.news = hazelcast.getTopic(NEWS);
        this.keys = hazelcast.getMap(KEYS);
        this.inputs = hazelcast.getMap(INPUTS);
    }

    private UUID self() {
        return hazelcast.getCluster().getLocalMember().getUuid();
    }

    @Override
    public void share(SharedJob job, int total) {
        // the table first: a member that hears of the job finds its chunks
        tables.set(job.id(), new Table(total));
        jobs.set(job.id(), job);
    }

    @Override
    public KeyUse useKey(String tenant, String key, KeyUse use, Duration retention) {
        return keys.putIfAbsent(tenant + '\u0000' + key, use, Math.max(1, retention.toMillis()), TimeUnit.MILLISECONDS);
    }

    @Override
    public boolean replaceKey(String tenant, String key, KeyUse expected, KeyUse use, Duration retention) {
        return Boolean.TRUE.equals(keys.executeOnKey(tenant + '\u0000' + key,
                new ReplaceKey(expected, use, Math.max(1, retention.toMillis()))));
    }

    @Override
    public Optional<SharedJob> find(String id) {
        return Optional.ofNullable(jobs.get(id));
    }

    @Override
    public Set<String> ids() {
        return jobs.keySet();
    }

    @Override
    public Lease claim(String job, int size, int known) {
        return tables.executeOnKey(job, new Claim(size, known, self()));
    }

    @Override
    public Appending append(String job, byte[] batch, int size, int maxPending) {
        if (size == 0) {
            // nothing to store or tell: its index is the next batch's, whose place a stored one would take
            return tables.executeOnKey(job, new Append(null, 0, maxPending));
        }
        String key = job + ":inputs:" + UUID.randomUUID();
        inputs.set(key, batch);
        // a failure here leaves the batch stored: it may have been numbered all the same, and must then be found
        Appending answer = tables.executeOnKey(job, new Append(key, size, maxPending));
        if (answer.accepted()) {
            tell(new Batch(job, answer.first(), size, batch));
        } else {
            inputs.delete(key);
        }
        return answer;
    }

    @Override
    public boolean endIdle(String job, Duration idle, Ending ending) {
        boolean ended = Boolean.TRUE.equals(tables.executeOnKey(job, new EndIdle(idle.toMillis(), ending)));
        if (ended) {
            tell(new Ended(job, ending));
        }
        return ended;
    }

    @Override
    public int close(String job) {
        Integer total = tables.executeOnKey(job, new Close());
        if (total >= 0) {
            tell(new Closed(job, total));
        }
        return total;
    }

    @Override
    public List<Batch> batches(String job, int from) {
        Table table = tables.get(job);
        if (table == null) {
            return List.of();
        }
        Map<Integer, BatchRef> wanted = table.batches.tailMap(from, true);
        Set<String> keys = new HashSet<>();
        wanted.values().forEach(ref -> keys.add(ref.key()));
        Map<String, byte[]> stored = inputs.getAll(keys); // one call per member holding some, not one per batch
        List<Batch> batches = new ArrayList<>();
        for (Map.Entry<Integer, BatchRef> ref : wanted.entrySet()) {
            byte[] batch = stored.get(ref.getValue().key());
            if (batch == null) {
                log.warn("Job {}: the batch of inputs from index {} is missing from the cluster", job, ref.getKey());
                break; // the ones after it cannot be appended before it
            }
            batches.add(new Batch(job, ref.getKey(), ref.getValue().size(), batch));
        }
        return batches;
    }

    @Override
    public boolean commit(Lease lease, byte[] chunkResults) {
        boolean won;
        handBack.readLock().lock();
        try {
            if (handedBack) {
                return false;
            }
            String key = key(lease.job(), lease.start());
            results.executeOnKey(key, new Store(lease.attempt(), chunkResults));
            Committing committing = tables.executeOnKey(lease.job(), new Commit(lease.start(), self(), lease.attempt()));
            won = committing.won();
            if (committing.ttlMillis() < 0) {
                results.delete(key); // the job was forgotten meanwhile: nothing would ever read or expire these
            } else if (committing.ttlMillis() > 0) {
                results.executeOnKey(key, new Expire<>(committing.ttlMillis())); // stored after the job's end
            }
        } finally {
            handBack.readLock().unlock();
        }
        if (won) {
            tell(new Committed(lease.job(), lease.start(), lease.end(), lease.attempt()));
        }
        return won;
    }

    /**
     * Publishes news of a change already made: its failure is not the change's, so it is only logged (the
     * members that missed the news find the change in their next sweep).
     */
    private void tell(Serializable item) {
        try {
            news.publish(item);
        } catch (RuntimeException e) {
            log.warn("Telling the other members failed; they catch up within a second: {}", e.toString());
        }
    }

    @Override
    public Optional<byte[]> results(Committed chunk) {
        Stored stored = results.get(key(chunk.job(), chunk.start()));
        return stored != null && stored.attempt() == chunk.attempt() ? Optional.of(stored.bytes()) : Optional.empty();
    }

    @Override
    public State state(String job) {
        Table table = tables.get(job);
        if (table == null) {
            return new State(List.of(), false, null, Set.of(), 0, false);
        }
        List<Committed> committed = new ArrayList<>(table.done.size());
        table.done.forEach((start, attempt) -> committed.add(new Committed(job, start, table.ends.get(start), attempt)));
        Set<String> gone = new HashSet<>();
        if (!table.held.isEmpty()) {
            Set<UUID> members = new HashSet<>();
            hazelcast.getCluster().getMembers().forEach(member -> members.add(member.getUuid()));
            table.held.values().forEach(holder -> {
                if (!members.contains(holder.owner())) {
                    gone.add(holder.owner().toString());
                }
            });
        }
        return new State(committed, !table.released.isEmpty() || table.cursor < table.total, table.ending, gone,
                table.total, table.closed);
    }

    @Override
    public void end(String job, Ending ending) {
        tables.submitToKey(job, new End(ending)).thenAcceptAsync(first -> {
            if (Boolean.TRUE.equals(first)) {
                tell(new Ended(job, ending));
            }
        }).exceptionally(failure -> failed("ending job " + job, failure));
    }

    private static Void failed(String what, Throwable failure) {
        log.warn("Telling the cluster failed: {}: {}", what, failure.toString());
        return null;
    }

    @Override
    public void releaseOwn() {
        handBack.writeLock().lock();
        try {
            handedBack = true;
        } finally {
            handBack.writeLock().unlock();
        }
        tables.executeOnEntries(new Release(self(), self(), false));
    }

    @Override
    public List<Lease> release(String member) {
        List<Lease> lost = new ArrayList<>();
        Map<String, List<Lease>> byJob = tables.executeOnEntries(new Release(UUID.fromString(member), self(), true));
        byJob.values().forEach(lost::addAll);
        return lost;
    }

    @Override
    public void expire(String job, Duration after) {
        long millis = Math.max(1, after.toMillis());
        tables.getAsync(job).thenAcceptAsync(table -> {
            if (table != null) {
                Set<String> keys = new HashSet<>();
                table.ends.keySet().forEach(start -> keys.add(key(job, start)));
                results.submitToKeys(keys, new Expire<>(millis));
                Set<String> batches = new HashSet<>();
                table.batches.values().forEach(batch -> batches.add(batch.key()));
                if (!batches.isEmpty()) {
                    inputs.submitToKeys(batches, new Expire<>(millis));
                }
            }
            tables.submitToKey(job, new ExpireTable(millis));
            jobs.submitToKey(job, new Expire<>(millis));
        }).exceptionally(failure -> failed("expiring job " + job, failure));
    }

    @Override
    public void listen(Listener listener) {
        jobs.addEntryListener((EntryAddedListener<String, SharedJob>) event -> listener.shared(event.getValue()), true);
        news.addMessageListener(message -> {
            Object item = message.getMessageObject();
            if (item instanceof Committed chunk) {
                listener.committed(chunk);
            } else if (item instanceof Ended ended) {
                listener.ended(ended.job(), ended.ending());
            } else if (item instanceof Batch batch) {
                listener.appended(batch);
            } else if (item instanceof Closed closed) {
                listener.closed(closed.job(), closed.total());
            }
        });
        hazelcast.getCluster().addMembershipListener(new MembershipListener() {
            @Override
            public void memberAdded(MembershipEvent event) {
            }

            @Override
            public void memberRemoved(MembershipEvent event) {
                listener.memberLost(event.getMember().getUuid().toString());
            }
        });
    }

    private static String key(String job, int start) {
        return job + ":" + start;
    }

    // ---- what lives in the maps and travels on the topic, changed only by the processors below

    record Ended(String job, Ending ending) implements Serializable {
    }

    record Closed(String job, int total) implements Serializable {
    }

    /** Where a batch of an open job's inputs is stored, and how many inputs it has. */
    record BatchRef(String key, int size) implements Serializable {
    }

    /**
     * One job's chunks: its inputs so far, the next unclaimed one, each chunk's end, chunks held, released
     * and done, its ending; for an open job the batches appended (by first index), the items committed and
     * whether it is closed.
     */
    static final class Table implements Serializable {
        int total;
        int cursor;
        final Map<Integer, Integer> ends = new HashMap<>();
        final Map<Integer, Holder> held = new TreeMap<>();
        final TreeMap<Integer, Integer> released = new TreeMap<>();
        final Map<Integer, Integer> done = new HashMap<>();
        Ending ending;
        final TreeMap<Integer, BatchRef> batches = new TreeMap<>();
        long committedItems;
        boolean closed;
        /** When the job last got a batch (or was shared), by the clock of the member that changed the table. */
        long lastInputMillis = System.currentTimeMillis();
        /** Once the job ended: how long the table and its results stay, kept by every later change (0: for ever). */
        long ttlMillis;

        Table(int total) {
            this.total = total;
        }
    }

    /** Stores a changed table, keeping the expiry the job's end gave it (a plain setValue would drop it). */
    static void keep(Map.Entry<String, Table> entry, Table table) {
        if (table.ttlMillis > 0) {
            ((ExtendedMapEntry<String, Table>) entry).setValue(table, table.ttlMillis, TimeUnit.MILLISECONDS);
        } else {
            entry.setValue(table);
        }
    }

    /** A commit's answer: whether it won, and the table's expiry ({@code -1}: the table is gone, the job forgotten). */
    record Committing(boolean won, long ttlMillis) implements Serializable {
    }

    /** The table's part of {@link #expire}: the table keeps the expiry, for the changes that come after. */
    record ExpireTable(long millis) implements EntryProcessor<String, Table, Void> {
        @Override
        public Void process(Map.Entry<String, Table> entry) {
            Table table = entry.getValue();
            if (table != null) {
                table.ttlMillis = millis;
                keep(entry, table);
            }
            return null;
        }
    }

    /** Who holds a chunk, for which attempt. */
    record Holder(UUID owner, int attempt) implements Serializable {
    }

    record Stored(int attempt, byte[] bytes) implements Serializable {
    }

    /** Claims among the first {@code known} inputs, those the claiming member has. */
    record Claim(int size, int known, UUID owner) implements EntryProcessor<String, Table, Lease> {
        @Override
        public Lease process(Map.Entry<String, Table> entry) {
            Table table = entry.getValue();
            if (table == null || table.ending != null) {
                return null;
            }
            Lease lease = released(entry.getKey(), table);
            if (lease == null) {
                int limit = Math.min(table.total, known);
                if (table.cursor >= limit) {
                    return null;
                }
                int start = table.cursor;
                int end = (int) Math.min(limit, (long) start + Math.max(1, size));
                table.cursor = end;
                table.ends.put(start, end);
                lease = new Lease(entry.getKey(), start, end, 1);
            }
            table.held.put(lease.start(), new Holder(owner, lease.attempt()));
            keep(entry, table);
            return lease;
        }

        /** The first chunk a lost member released that lies within the known inputs, taken out of the released ones. */
        private Lease released(String job, Table table) {
            for (Map.Entry<Integer, Integer> again : table.released.entrySet()) {
                int end = table.ends.get(again.getKey());
                if (end <= known) {
                    table.released.remove(again.getKey());
                    return new Lease(job, again.getKey(), end, again.getValue());
                }
            }
            return null;
        }
    }

    record Commit(int start, UUID owner, int attempt) implements EntryProcessor<String, Table, Committing> {
        @Override
        public Committing process(Map.Entry<String, Table> entry) {
            Table table = entry.getValue();
            if (table == null) {
                return new Committing(false, -1);
            }
            Holder holder = table.held.get(start);
            if (holder == null || !holder.owner().equals(owner) || holder.attempt() != attempt) {
                return new Committing(false, table.ttlMillis);
            }
            table.held.remove(start);
            table.done.put(start, attempt);
            table.committedItems += table.ends.get(start) - start;
            keep(entry, table);
            return new Committing(true, table.ttlMillis);
        }
    }

    /**
     * Numbers a stored batch of an open job: its inputs follow the job's last, unless the job is closed,
     * ended or forgotten, or its inputs not committed yet would pass {@code maxPending}.
     */
    record Append(String key, int size, int maxPending) implements EntryProcessor<String, Table, Appending> {
        @Override
        public Appending process(Map.Entry<String, Table> entry) {
            Table table = entry.getValue();
            if (table == null || table.closed || table.ending != null) {
                return new Appending(-1, 0, table == null || table.closed, table == null ? null : table.ending);
            }
            long pending = table.total - table.committedItems;
            if (pending + size > maxPending) {
                return new Appending(-1, pending, false, null);
            }
            int first = table.total;
            table.lastInputMillis = System.currentTimeMillis(); // even an empty batch says its producer is there
            if (size == 0) {
                keep(entry, table);
                return new Appending(first, pending, false, null); // nothing to number
            }
            table.total += size;
            table.batches.put(first, new BatchRef(key, size));
            keep(entry, table);
            return new Appending(first, pending, false, null);
        }
    }

    /** Closes an open job's inputs: its total, or {@code -1} if it was closed, ended or forgotten. */
    record Close() implements EntryProcessor<String, Table, Integer> {
        @Override
        public Integer process(Map.Entry<String, Table> entry) {
            Table table = entry.getValue();
            if (table == null || table.closed || table.ending != null) {
                return -1;
            }
            table.closed = true;
            keep(entry, table);
            return table.total;
        }
    }

    /** Ends an open job that got no batch for {@code idleMillis}, unless it is closed or ended: true if it did. */
    record EndIdle(long idleMillis, Ending ending) implements EntryProcessor<String, Table, Boolean> {
        @Override
        public Boolean process(Map.Entry<String, Table> entry) {
            Table table = entry.getValue();
            if (table == null || table.closed || table.ending != null
                    || System.currentTimeMillis() - table.lastInputMillis < idleMillis) {
                return false;
            }
            table.ending = ending;
            keep(entry, table);
            return true;
        }
    }

    /** Sets the job's ending unless it has one: true if this one is it. */
    record End(Ending ending) implements EntryProcessor<String, Table, Boolean> {
        @Override
        public Boolean process(Map.Entry<String, Table> entry) {
            Table table = entry.getValue();
            if (table == null || table.ending != null) {
                return false;
            }
            table.ending = ending;
            keep(entry, table);
            return true;
        }
    }

    /**
     * Takes back the chunks {@code member} holds. With {@code lost}, the member is gone: each chunk is
     * offered again with its attempt raised, or, past the last attempt, held by {@code finder} to be
     * committed as failed. Without, the member leaves in order and its chunks go back as they were.
     */
    record Release(UUID member, UUID finder, boolean lost) implements EntryProcessor<String, Table, List<Lease>> {
        @Override
        public List<Lease> process(Map.Entry<String, Table> entry) {
            Table table = entry.getValue();
            List<Lease> settle = new ArrayList<>();
            boolean changed = false;
            for (var held = table.held.entrySet().iterator(); held.hasNext(); ) {
                Map.Entry<Integer, Holder> chunk = held.next();
                if (!chunk.getValue().owner().equals(member)) {
                    continue;
                }
                changed = true;
                int start = chunk.getKey();
                int attempt = chunk.getValue().attempt();
                if (!lost) {
                    held.remove();
                    table.released.put(start, attempt);
                } else if (attempt >= MAX_ATTEMPTS) {
                    chunk.setValue(new Holder(finder, attempt + 1));
                    settle.add(new Lease(entry.getKey(), start, table.ends.get(start), attempt + 1));
                } else {
                    held.remove();
                    table.released.put(start, attempt + 1);
                }
            }
            if (changed) {
                keep(entry, table);
            }
            return settle;
        }
    }

    /** Keeps the results of the newest attempt: a late answer of an older one does not replace them. */
    record Store(int attempt, byte[] bytes) implements EntryProcessor<String, Stored, Void> {
        @Override
        public Void process(Map.Entry<String, Stored> entry) {
            Stored current = entry.getValue();
            if (current == null || current.attempt() <= attempt) {
                entry.setValue(new Stored(attempt, bytes));
            }
            return null;
        }
    }

    /** Replaces a key's use if it is still {@code expected}, kept for {@code millis}: true if replaced. */
    record ReplaceKey(KeyUse expected, KeyUse use, long millis) implements EntryProcessor<String, KeyUse, Boolean> {
        @Override
        public Boolean process(Map.Entry<String, KeyUse> entry) {
            if (!expected.equals(entry.getValue())) {
                return false;
            }
            ((ExtendedMapEntry<String, KeyUse>) entry).setValue(use, millis, TimeUnit.MILLISECONDS);
            return true;
        }
    }

    /** Lets an entry go after {@code millis}. */
    record Expire<V>(long millis) implements EntryProcessor<String, V, Void> {
        @Override
        public Void process(Map.Entry<String, V> entry) {
            if (entry.getValue() != null) {
                ((ExtendedMapEntry<String, V>) entry).setValue(entry.getValue(), millis, TimeUnit.MILLISECONDS);
            }
            return null;
        }
    }
}
