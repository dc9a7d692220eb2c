package io.jobpool.support;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;

/** Starting the packaged service as an operator would: {@code java <options> -jar target/jobpool-*.jar}. */
public final class PackagedJar {

    private PackagedJar() {
    }

    /** The runnable jar of {@code target/} (no classifier); tests using it run after {@code package}. */
    public static Path path() throws IOException {
        try (var files = Files.list(Path.of("target"))) {
            return files.filter(p -> p.getFileName().toString().matches("jobpool-[^-]+(-SNAPSHOT)?\\.jar")).findFirst()
                    .orElseThrow(() -> new IllegalStateException("run after 'package': no target/jobpool-*.jar"));
        }
    }

    /** The {@code java} of the JVM running the tests. */
    public static String javaBinary() {
        return System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
    }

    /**
     * A free port below the kernel's ephemeral range (32768 and up on Linux), for a port that is bound
     * seconds after it is picked (a cluster member's): one from {@link #freePort} may be taken meanwhile
     * by some connection's local end.
     */
    public static int freeMemberPort() throws IOException {
        java.util.concurrent.ThreadLocalRandom random = java.util.concurrent.ThreadLocalRandom.current();
        for (int tries = 0; tries < 100; tries++) {
            int port = 20_000 + random.nextInt(12_000);
            try (ServerSocket socket = new ServerSocket(port)) {
                return socket.getLocalPort();
            } catch (IOException taken) {
                // try another
            }
        }
        throw new IOException("no free port between 20000 and 32000");
    }

    public static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
