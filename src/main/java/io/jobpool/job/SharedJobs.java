package io.jobpool.job;

import io.jobpool.execution.TaskOutcome;

import java.io.Serializable;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What the job layer needs from a cluster: every job's shared description, its chunks as leases that
 * any member claims, the committed results of each chunk, and the news of all three. Implemented over
 * Hazelcast in {@code io.jobpool.cluster}; a service of one member has none.
 *
 * <p>The guarantees the job layer builds on: a job is shared (and backed up on another member) before
 * its submission is answered; a chunk's results are stored (and backed up) before the chunk counts as
 * committed; a commit is refused unless this member still holds the chunk's lease for that attempt, so
 * a member that was removed and answers late is fenced off; a lost member's chunks are claimable
 * again once every member has heard of the loss.
 */
public interface SharedJobs {

    /** A job as every member learns it: enough to build its own copy. {@code spec} is {@link SharedSpec}'s JSON. */
    record SharedJob(String id, String tenant, String function, int maxPending, Instant createdAt, byte[] spec)
            implements Serializable {
    }

    /** Chunk {@code [start, end)} of a job, held by this member for one attempt (the first is 1). */
    record Lease(String job, int start, int end, int attempt) implements Serializable {
    }

    /** A chunk whose results count: those of this attempt. */
    record Committed(String job, int start, int end, int attempt) implements Serializable {
    }

    /**
     * How a job ended on one member when that ends it on every member: cancelled, an item failed (with
     * fail-fast), its deadline passed. Completion needs no telling: each member counts the commits.
     */
    record Ending(TaskOutcome.Kind kind, int index, String type, String message) implements Serializable {
    }

    /**
     * A batch of an open job's inputs, appended through some member: its first input's index in the job
     * and the inputs as a JSON array ({@link SharedSpec#writeInputs}). Every member appends the batches in
     * index order to its own copy.
     */
    record Batch(String job, int first, int size, byte[] inputs) implements Serializable {
    }

    /**
     * An append's answer: the index the batch's first input got, or ({@code first < 0}) why it was refused:
     * the job is closed or has ended, or, neither, its unprocessed inputs ({@code pending}) leave no room.
     */
    record Appending(int first, long pending, boolean closed, Ending ending) implements Serializable {

        public boolean accepted() {
            return first >= 0;
        }
    }

    /** An {@code Idempotency-Key}'s first use: the fingerprint of its request and the job it made. */
    record KeyUse(String fingerprint, String job) implements Serializable {
    }

    /**
     * Where a job stands in the cluster: its committed chunks, whether one is free to claim, its ending,
     * the members no longer in the cluster that still hold chunks of it (their loss was not acted on),
     * its inputs so far, and for an open job whether it was closed.
     */
    record State(List<Committed> committed, boolean claimable, Ending ending, Set<String> goneHolders, int inputs,
                 boolean closed) {
    }

    /** News from the cluster, handed over in the order it came on one thread of the listener's choice. */
    interface Listener {

        /** A job was shared by some member (this one included). */
        void shared(SharedJob job);

        /** A chunk was committed by some member (this one included). */
        void committed(Committed chunk);

        /** A job ended on some member in a way that ends it everywhere. */
        void ended(String job, Ending ending);

        /** A batch was appended to an open job through some member (this one included). */
        void appended(Batch batch);

        /** An open job was closed through some member (this one included) once it had {@code total} inputs. */
        void closed(String job, int total);

        /** A member left or was lost: its chunks are to be taken back ({@link #release}). */
        void memberLost(String member);
    }

    /** A chunk whose member was lost this many times is not run again: its items fail as {@code WorkerLost}. */
    int MAX_ATTEMPTS = 3;

    /** Shares a new job of {@code total} items; returns once it is stored with its backup. */
    void share(SharedJob job, int total);

    /**
     * Records {@code use} as the first use of the tenant's key for {@code retention}, unless a request
     * through any member used it first: returns that first use then, else {@code null}.
     */
    KeyUse useKey(String tenant, String key, KeyUse use, Duration retention);

    /**
     * Records {@code use} as the tenant's key's use in place of {@code expected}, for {@code retention}, if
     * {@code expected} is still its use: true if it was replaced. For a key whose first use named a job
     * that never came (its member could not share it).
     */
    boolean replaceKey(String tenant, String key, KeyUse expected, KeyUse use, Duration retention);

    /** A shared job that was not forgotten yet. */
    Optional<SharedJob> find(String id);

    /** The ids of every shared job not forgotten yet, for a member that joins or lost news. */
    Set<String> ids();

    /**
     * The next chunk of at most {@code size} items for this member (a released one first), or {@code null};
     * only among the first {@code known} inputs, those this member has (an open job's batches reach each
     * member a little apart).
     */
    Lease claim(String job, int size, int known);

    /**
     * Appends a batch of {@code size} inputs to an open job, unless it is closed, has ended, or would then
     * hold more than {@code maxPending} inputs not committed yet, counted over every member. The batch is
     * stored with its backup before it is numbered, so an accepted batch is never lost.
     */
    Appending append(String job, byte[] inputs, int size, int maxPending);

    /**
     * Ends an open job as idle on every member, if the cluster agrees: it is neither closed nor ended, and
     * no batch came through any member for {@code idle}. True if it ended so (the caller then ends its own
     * copy). Decided on the job's lease table, in turn with appends and the close: a batch accepted through
     * another member a moment ago keeps the job open, and one that comes after is refused.
     */
    boolean endIdle(String job, Duration idle, Ending ending);

    /** Closes an open job's inputs: returns how many it has, or {@code -1} if it was closed or ended already. */
    int close(String job);

    /** The batches appended to an open job from input {@code from} on, in order, for a member that missed some. */
    List<Batch> batches(String job, int from);

    /** Stores the chunk's results and commits it; false if this member no longer holds the lease (fenced). */
    boolean commit(Lease lease, byte[] results);

    /** The results a committed chunk was committed with. */
    Optional<byte[]> results(Committed chunk);

    State state(String job);

    /**
     * Ends a job on every member, unless it ended so already (the first ending stays). Returns at once:
     * the cluster is told in the background, off the path of the request or worker that ended the job.
     */
    void end(String job, Ending ending);

    /**
     * Offers again every chunk {@code member} held, in every job, with its attempt raised; returns the
     * chunks it held for the last attempt, which this member now holds, to commit as failed. Every member
     * that hears of a loss calls this; the first call does the work.
     */
    List<Lease> release(String member);

    /**
     * This member leaves: the chunks it still holds are offered again as they were, no attempt spent; a
     * commit of this member after it is refused without storing its results.
     */
    void releaseOwn();

    /** Drops everything of an ended job from the cluster once {@code after} has passed; returns at once. */
    void expire(String job, Duration after);

    void listen(Listener listener);
}
