package io.jobpool.security;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Refuses to start a service that nobody could be kept out of: with no API keys, the service may only
 * listen on a loopback address, unless {@code jobpool.security.allow-anonymous=true} says the operator
 * means it (a private network, a sidecar that authenticates).
 */
public final class AnonymousAccessGuard {

    private AnonymousAccessGuard() {
    }

    /**
     * @param address the configured {@code server.address}, or {@code null} for all interfaces
     */
    public static void check(ApiKeys keys, boolean allowAnonymous, String address) {
        if (!keys.isEmpty() || allowAnonymous || isLoopback(address)) {
            return;
        }
        throw new UnsafeConfigurationException("jobpool would accept anyone: no API keys are configured (jobpool.security.api-keys)"
                + " and it listens on " + (address == null ? "all interfaces" : address)
                + ". Configure keys, listen on 127.0.0.1 (server.address), or set jobpool.security.allow-anonymous=true");
    }

    private static boolean isLoopback(String address) {
        if (address == null || address.isBlank()) {
            return false;
        }
        try {
            return InetAddress.getByName(address).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
