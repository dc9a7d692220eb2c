/**
 * Who is calling: API keys mapped to tenants, checked before any request body is read; the open,
 * loopback-only default; the lock-down of actuator metrics. It writes its own 401 problem, the only
 * refusal of a caller, and depends on nothing else of the service; {@code api} reads the tenant it establishes.
 */
package io.jobpool.security;
