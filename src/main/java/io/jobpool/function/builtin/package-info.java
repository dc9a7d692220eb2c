/**
 * The built-in functions. Each mirrors a workload of {@code bench/pool_peer.py} (or is a
 * test aid), so that jobpool and Python's Pool can be compared like for like.
 */
package io.jobpool.function.builtin;
