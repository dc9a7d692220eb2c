/**
 * Configuration: the {@code jobpool.*} properties records and the wiring of the other packages.
 * May depend on every package; nothing depends on it.
 */
package io.jobpool.config;
