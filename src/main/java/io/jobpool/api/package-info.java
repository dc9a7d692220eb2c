/**
 * HTTP only: controllers, request and response bodies, the results writer and problem details, and the
 * Tomcat pieces that bound slow clients ({@code HeaderDeadlineProtocol}, {@code AbandonedBodyValve}).
 * Depends on {@code job} (and on {@code function} for the catalog listing); never on {@code execution}.
 */
package io.jobpool.api;
