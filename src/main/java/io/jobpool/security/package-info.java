/**
 * Who is calling: API keys mapped to tenants, checked before any request body is read; the open,
 * loopback-only default; the lock-down of actuator metrics. Depends only on {@code job} (for problem
 * types); {@code api} reads the tenant it establishes.
 */
package io.jobpool.security;
