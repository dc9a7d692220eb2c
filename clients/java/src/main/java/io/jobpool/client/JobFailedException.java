package io.jobpool.client;

/** A job did not succeed, like {@code Pool.map} re-raising an item's exception: the failing item and why. */
public class JobFailedException extends RuntimeException {

    private final String jobId;
    private final String state;
    private final ItemError error;

    public JobFailedException(String jobId, String state, ItemError error) {
        super("job " + jobId + " ended " + state + (error == null ? "" : ": " + error.type() + " at item "
                + error.index() + ": " + error.message()));
        this.jobId = jobId;
        this.state = state;
        this.error = error;
    }

    public String jobId() {
        return jobId;
    }

    public String state() {
        return state;
    }

    /** The item (index, type, message) that failed the job, or why it ended otherwise. */
    public ItemError error() {
        return error;
    }
}
