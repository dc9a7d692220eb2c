/**
 * A small Java client for jobpool on {@code java.net.http}, usable without Spring: submit, map, status,
 * results, streams, open-job inputs, cancel. Depends only on the JDK and Jackson; nothing of the service.
 */
package io.jobpool.client;
