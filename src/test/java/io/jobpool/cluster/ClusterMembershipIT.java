package io.jobpool.cluster;

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
import java.time.Duration;
import java.util.concurrent.TimeUnit;

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

    private static JarMembers members;

    @BeforeAll
    static void startThreeMembers() throws IOException {
        members = new JarMembers(3);
    }

    @AfterAll
    static void stopMembers() {
        members.close();
    }

    @Test
    @Order(1)
    void threeMembersFormOneCluster() {
        members.awaitCluster(Duration.ofSeconds(90), 0, 1, 2);
        JsonNode health = members.get(0).http().get("/actuator/health").json();
        assertThat(health.get("status").asString()).isEqualTo("UP");
        assertThat(health.get("components").get("cluster").get("status").asString()).isEqualTo("UP");
    }

    @Test
    @Order(2)
    void aKilledMemberIsSeenGoneWithinSeconds() {
        JarMembers.Member victim = members.get(2);
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
        JarMembers.Member leaving = members.get(1);
        leaving.process().destroy(); // SIGTERM

        assertThat(leaving.process().waitFor(60, TimeUnit.SECONDS)).as(leaving.tail()).isTrue();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(members.get(0).clusterSize()).isEqualTo(1.0));
        assertThat(Files.readString(leaving.log())).doesNotContain("ERROR");
    }
}
