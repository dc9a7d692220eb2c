/**
 * Seeded generators of test data, for the fuzz tests: a {@link io.jobpool.support.gen.Gen} draws a value
 * from a {@link java.util.Random}, so one seed replays the same values. Depends on the JDK only.
 */
package io.jobpool.support.gen;
