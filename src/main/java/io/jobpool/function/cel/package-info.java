/**
 * CEL expressions as job functions: compiled once per job, evaluated on every worker within fixed bounds.
 * Depends on the function SPI, CEL-Java ({@code dev.cel}) and Micrometer; knows nothing of jobs or HTTP.
 */
package io.jobpool.function.cel;
