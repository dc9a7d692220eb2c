/**
 * Functions a job can map: the catalog, parameter validation and the built-ins.
 * Knows nothing of jobs, execution or HTTP; depends only on the JDK and its own SPI.
 */
package io.jobpool.function;
