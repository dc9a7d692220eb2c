package io.jobpool.cluster;

import io.jobpool.support.Http;
import io.jobpool.support.PackagedJar;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Cluster members as an operator runs them: each a JVM of the packaged jar on loopback, one CPU worker
 * each, joined over TCP/IP to a fixed list of member ports. A member can be killed, hung
 * ({@code SIGSTOP}), stopped ({@code SIGTERM}) and started again on the same ports.
 */
final class JarMembers implements AutoCloseable {

    private final int[] clusterPorts;
    private final int[] httpPorts;
    private final String memberList;
    private final List<String> extraArgs;
    private final Member[] members;

    /** One running member: its HTTP and cluster ports, its JVM and its log. */
    record Member(int index, int httpPort, int clusterPort, Process process, Path log) {

        Http http() {
            return new Http(httpPort);
        }

        /** The members this one sees; -1 while it does not answer yet. */
        double clusterSize() {
            return metric("jobpool.cluster.members", "");
        }

        /** A meter's value, or -1 while the member does not answer. */
        double metric(String name, String query) {
            try {
                Http.Reply reply = http().get("/actuator/metrics/" + name + query);
                return reply.status() == 200 ? reply.json().get("measurements").get(0).get("value").asDouble() : -1;
            } catch (UncheckedIOException e) {
                return -1;
            }
        }

        double chunks(String outcome) {
            return metric("jobpool.cluster.chunks", "?tag=outcome:" + outcome);
        }

        void signal(String signal) throws IOException, InterruptedException {
            new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).inheritIO().start().waitFor();
        }

        String tail() {
            try {
                List<String> lines = Files.readAllLines(log);
                return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
            } catch (IOException e) {
                return "(no log: " + e + ")";
            }
        }

        String logText() throws IOException {
            return Files.readString(log);
        }
    }

    JarMembers(int count, String... extraArgs) throws IOException {
        this.clusterPorts = new int[count];
        this.httpPorts = new int[count];
        for (int i = 0; i < count; i++) {
            clusterPorts[i] = PackagedJar.freeMemberPort();
            httpPorts[i] = PackagedJar.freePort();
        }
        this.memberList = java.util.Arrays.stream(clusterPorts).mapToObj(port -> "127.0.0.1:" + port)
                .collect(Collectors.joining(","));
        this.extraArgs = List.of(extraArgs);
        this.members = new Member[count];
        for (int i = 0; i < count; i++) {
            start(i);
        }
    }

    Member get(int index) {
        return members[index];
    }

    /** Starts member {@code index} (again), on its ports. */
    Member start(int index) throws IOException {
        Path log = Files.createTempFile("jobpool-member-" + clusterPorts[index] + "-", ".log");
        // GC pauses are logged beside the member's log: a long one reads to the others as a hung member
        List<String> command = new ArrayList<>(List.of(PackagedJar.javaBinary(), "-Xmx1g",
                "-Xlog:gc:file=" + log + ".gc", "-jar",
                PackagedJar.path().toString(), "--server.port=" + httpPorts[index], "--jobpool.workers=1",
                "--jobpool.cluster.enabled=true", "--jobpool.cluster.address=127.0.0.1",
                "--jobpool.cluster.port=" + clusterPorts[index], "--jobpool.cluster.members=" + memberList));
        command.addAll(extraArgs);
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        members[index] = new Member(index, httpPorts[index], clusterPorts[index], process, log);
        return members[index];
    }

    /** Waits until each of {@code indexes} is alive and sees exactly those members. */
    void awaitCluster(Duration atMost, int... indexes) {
        await().atMost(atMost).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            for (int index : indexes) {
                Member member = members[index];
                assertThat(member.process().isAlive()).as("member %d: %s", index, member.tail()).isTrue();
                assertThat(member.clusterSize()).as("members seen by member %d", index).isEqualTo(indexes.length);
            }
        });
    }

    @Override
    public void close() {
        for (Member member : members) {
            if (member != null) {
                member.process().destroyForcibly();
            }
        }
    }
}
