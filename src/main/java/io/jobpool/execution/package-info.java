/**
 * The engine: bounded worker pools sized to the cores, a fair scheduler that hands out chunks
 * round-robin across running tasks, adaptive chunk sizing, per-worker function state, deadlines and
 * cancellation. All concurrency lives here. Depends only on {@code function}; knows nothing of jobs
 * as stored or served, only of {@link io.jobpool.execution.MapTask tasks} and their observers.
 */
package io.jobpool.execution;
