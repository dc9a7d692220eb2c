package io.jobpool.cluster;

import io.jobpool.support.Http;
import io.jobpool.support.PackagedJar;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import tools.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Three members, each a JVM of the packaged jar on loopback, form one cluster over TCP/IP join; the
 * survivors see a member killed with SIGKILL within a second or so, and one stopped with SIGTERM leaves
 * gracefully. The tests run in order on the same three members.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ClusterMembershipIT {

    private static final List<Member> members = new ArrayList<>();

    /** One member: its HTTP port, its cluster port, its JVM. */
    record Member(int httpPort, int clusterPort, Process process, Path log) {
        Http http() {
            return new Http(httpPort);
        }

        /** The members this one sees; -1 while it does not answer yet. */
        double clusterSize() {
            try {
                Http.Reply reply = http().get("/actuator/metrics/jobpool.cluster.members");
                return reply.status() == 200 ? reply.json().get("measurements").get(0).get("value").asDouble() : -1;
            } catch (java.io.UncheckedIOException e) {
                return -1;
            }
        }
    }

    @BeforeAll
    static void startThreeMembers() throws IOException {
        int[] clusterPorts = {PackagedJar.freeMemberPort(), PackagedJar.freeMemberPort(), PackagedJar.freeMemberPort()};
        String memberList = java.util.Arrays.stream(clusterPorts).mapToObj(port -> "127.0.0.1:" + port)
                .collect(Collectors.joining(","));
        for (int clusterPort : clusterPorts) {
            int httpPort = PackagedJar.freePort();
            Path log = Files.createTempFile("jobpool-member-" + clusterPort, ".log");
            Process process = new ProcessBuilder(PackagedJar.javaBinary(), "-Xmx256m", "-jar", PackagedJar.path().toString(),
                    "--server.port=" + httpPort, "--jobpool.workers=1",
                    "--jobpool.cluster.enabled=true", "--jobpool.cluster.address=127.0.0.1",
                    "--jobpool.cluster.port=" + clusterPort, "--jobpool.cluster.members=" + memberList)
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            members.add(new Member(httpPort, clusterPort, process, log));
        }
    }

    @AfterAll
    static void stopMembers() {
        members.forEach(member -> member.process().destroyForcibly());
    }

    @Test
    @Order(1)
    void threeMembersFormOneCluster() {
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
            for (Member member : members) {
                assertThat(member.process().isAlive()).as("member %d: %s", member.clusterPort(), tail(member)).isTrue();
                assertThat(member.clusterSize()).as("members seen by %d", member.clusterPort()).isEqualTo(3.0);
            }
        });
        JsonNode health = members.get(0).http().get("/actuator/health").json();
        assertThat(health.get("status").asString()).isEqualTo("UP");
        assertThat(health.get("components").get("cluster").get("status").asString()).isEqualTo("UP");
    }

    @Test
    @Order(2)
    void aKilledMemberIsSeenGoneWithinSeconds() {
        Member victim = members.get(2);
        long killed = System.nanoTime();
        victim.process().destroyForcibly();

        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(20)).untilAsserted(() -> {
            assertThat(members.get(0).clusterSize()).isEqualTo(2.0);
            assertThat(members.get(1).clusterSize()).isEqualTo(2.0);
        });
        System.out.printf("[cluster] a member killed with SIGKILL was gone for both survivors after %.2f s%n",
                (System.nanoTime() - killed) / 1e9);
    }

    @Test
    @Order(3)
    void aStoppedMemberLeavesGracefully() throws Exception {
        Member leaving = members.get(1);
        leaving.process().destroy(); // SIGTERM

        assertThat(leaving.process().waitFor(60, TimeUnit.SECONDS)).as(tail(leaving)).isTrue();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(members.get(0).clusterSize()).isEqualTo(1.0));
        assertThat(Files.readString(leaving.log())).doesNotContain("ERROR");
    }

    private static String tail(Member member) {
        try {
            List<String> lines = Files.readAllLines(member.log());
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }
}
