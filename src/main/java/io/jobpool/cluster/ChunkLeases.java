package io.jobpool.cluster;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.IMap;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;

/**
 * The chunks of cluster jobs as leases, so that every member can run any job's chunks and a lost
 * member loses nothing: the building block of issue 14, not wired into the engine yet.
 *
 * <p>A job's lease table lives in one entry of the map {@value #LEASES} (one backup) and changes only
 * through entry processors, which Hazelcast runs one at a time on the entry's owner: a claim takes the
 * next range (or one released by a lost member, with its attempt raised); completing one checks that
 * the lease is still this member's, with this attempt. That check is the fence: a member that was
 * removed (killed, or hung and found by its missing heartbeats) and answers late is refused, and its
 * results are never read. Results are stored first (map {@value #RESULTS}, keyed by job and chunk
 * start, a newer attempt replacing an older one), then the chunk is marked done with its attempt; a
 * reader takes results only of the attempt marked done. A chunk whose member was lost
 * {@link #MAX_ATTEMPTS} times is not offered again: it is reported lost (its items fail as
 * {@code WorkerLost}) instead of killing the cluster one member at a time.
 */
public final class ChunkLeases {

    public static final String LEASES = "jobpool.leases";
    public static final String RESULTS = "jobpool.chunk-results";
    public static final int MAX_ATTEMPTS = 3;

    /** A chunk {@code [start, end)} of a job, held by one member for one attempt. */
    public record Lease(String job, int start, int end, int attempt) implements Serializable {
    }

    /** Where a job stands: items done, items lost, of its total. */
    public record Progress(int total, int done, int lost) {
    }

    private final HazelcastInstance hazelcast;
    private final IMap<String, Table> tables;
    private final IMap<String, Stored> results;

    public ChunkLeases(HazelcastInstance hazelcast) {
        this.hazelcast = hazelcast;
        this.tables = hazelcast.getMap(LEASES);
        this.results = hazelcast.getMap(RESULTS);
    }

    private UUID self() {
        return hazelcast.getCluster().getLocalMember().getUuid();
    }

    /** Makes a job of {@code total} items claimable (once; a second call changes nothing). */
    public void open(String job, int total) {
        tables.putIfAbsent(job, new Table(total));
    }

    /** The next chunk of at most {@code size} items for this member: a released one first, else a new range. */
    public Optional<Lease> claim(String job, int size) {
        return Optional.ofNullable(tables.executeOnKey(job, new Claim(size, self())));
    }

    /**
     * Stores the chunk's results and marks it done, if this member still holds the lease; false if it
     * does not (it was released after this member was removed): the results are then never read.
     */
    public boolean complete(Lease lease, byte[] chunkResults) {
        results.executeOnKey(key(lease.job(), lease.start()), new Store(lease.attempt(), chunkResults));
        return Boolean.TRUE.equals(tables.executeOnKey(lease.job(), new Complete(lease.start(), self(), lease.attempt())));
    }

    /**
     * Offers again every chunk {@code member} held, with its attempt raised, in every job; returns the
     * chunks that reached {@link #MAX_ATTEMPTS} and are lost instead. Called when a member is removed.
     */
    public List<Lease> release(UUID member) {
        List<Lease> lost = new ArrayList<>();
        Map<String, List<Lease>> byJob = tables.executeOnEntries(new Release(member));
        byJob.values().forEach(lost::addAll);
        return lost;
    }

    /** The stored results of a done chunk, of the attempt that completed it. */
    public Optional<byte[]> results(String job, int start) {
        Table table = tables.get(job);
        Integer attempt = table == null ? null : table.done.get(start);
        Stored stored = attempt == null ? null : results.get(key(job, start));
        return stored != null && stored.attempt == attempt ? Optional.of(stored.bytes) : Optional.empty();
    }

    public Progress progress(String job) {
        Table table = tables.get(job);
        if (table == null) {
            return new Progress(0, 0, 0);
        }
        int done = 0;
        for (Map.Entry<Integer, Integer> entry : table.done.entrySet()) {
            done += table.ends.get(entry.getKey()) - entry.getKey();
        }
        int lost = 0;
        for (int start : table.lost) {
            lost += table.ends.get(start) - start;
        }
        return new Progress(table.total, done, lost);
    }

    private static String key(String job, int start) {
        return job + ":" + start;
    }

    // ---- what lives in the maps, changed only by the processors below

    /** One job's chunks: the next unclaimed item, chunks held, released, done (with the attempt) and lost. */
    static final class Table implements Serializable {
        final int total;
        int cursor;
        final Map<Integer, Integer> ends = new HashMap<>();
        final Map<Integer, Holder> held = new TreeMap<>();
        final TreeMap<Integer, Integer> released = new TreeMap<>();
        final Map<Integer, Integer> done = new HashMap<>();
        final List<Integer> lost = new ArrayList<>();

        Table(int total) {
            this.total = total;
        }
    }

    /** Who holds a chunk, for which attempt. */
    record Holder(UUID owner, int attempt) implements Serializable {
    }

    record Stored(int attempt, byte[] bytes) implements Serializable {
    }

    record Claim(int size, UUID owner) implements EntryProcessor<String, Table, Lease> {
        @Override
        public Lease process(Map.Entry<String, Table> entry) {
            Table table = entry.getValue();
            if (table == null) {
                return null;
            }
            Lease lease;
            Map.Entry<Integer, Integer> again = table.released.pollFirstEntry();
            if (again != null) {
                lease = new Lease(entry.getKey(), again.getKey(), table.ends.get(again.getKey()), again.getValue());
            } else if (table.cursor < table.total) {
                int start = table.cursor;
                int end = Math.min(table.total, start + Math.max(1, size));
                table.cursor = end;
                table.ends.put(start, end);
                lease = new Lease(entry.getKey(), start, end, 1);
            } else {
                return null;
            }
            table.held.put(lease.start(), new Holder(owner, lease.attempt()));
            entry.setValue(table);
            return lease;
        }
    }

    record Complete(int start, UUID owner, int attempt) implements EntryProcessor<String, Table, Boolean> {
        @Override
        public Boolean process(Map.Entry<String, Table> entry) {
            Table table = entry.getValue();
            Holder holder = table == null ? null : table.held.get(start);
            if (holder == null || !holder.owner().equals(owner) || holder.attempt() != attempt) {
                return false;
            }
            table.held.remove(start);
            table.done.put(start, attempt);
            entry.setValue(table);
            return true;
        }
    }

    record Release(UUID member) implements EntryProcessor<String, Table, List<Lease>> {
        @Override
        public List<Lease> process(Map.Entry<String, Table> entry) {
            Table table = entry.getValue();
            List<Lease> lost = new ArrayList<>();
            boolean changed = false;
            for (var held = table.held.entrySet().iterator(); held.hasNext(); ) {
                Map.Entry<Integer, Holder> chunk = held.next();
                if (!chunk.getValue().owner().equals(member)) {
                    continue;
                }
                held.remove();
                changed = true;
                int start = chunk.getKey();
                if (chunk.getValue().attempt() >= MAX_ATTEMPTS) {
                    table.lost.add(start);
                    lost.add(new Lease(entry.getKey(), start, table.ends.get(start), chunk.getValue().attempt()));
                } else {
                    table.released.put(start, chunk.getValue().attempt() + 1);
                }
            }
            if (changed) {
                entry.setValue(table);
            }
            return lost;
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
}
