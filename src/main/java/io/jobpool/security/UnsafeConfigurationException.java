package io.jobpool.security;

/**
 * The service refuses to start with this security configuration: open to anyone on a reachable address,
 * or API keys that cannot be read. The message says what is wrong and how to fix it; it never contains
 * a key.
 */
public final class UnsafeConfigurationException extends IllegalStateException {

    public UnsafeConfigurationException(String message) {
        super(message);
    }
}
