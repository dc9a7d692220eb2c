package io.jobpool.cluster;

import io.jobpool.support.Http;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import tools.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Jobs shared by three members, each a JVM of the packaged jar with one CPU worker, on loopback: any
 * member answers for any job with the same bytes, every member runs chunks of one job, an
 * {@code Idempotency-Key} holds across members, a cancel through one member stops the others, a member's
 * loss loses nothing: killed mid-job, killed right after its 202, hung (its late results fenced off),
 * and each member restarted in turn during a long job; and an open job takes batches and its close
 * through any member, bounded over all of them, and outlives the member that made it. The
 * tests run in order on the same members; each says which members it leaves running.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class ClusterJobsIT {

    private static final int ROUNDS = 20_000;
    private static final Pattern RESULTS = Pattern.compile("\"results\":\\[(.*)\\],\"errors\"", Pattern.DOTALL);
    private static JarMembers members;

    @BeforeAll
    static void startThreeMembers() throws IOException {
        // a quorum of 2: a member cut off alone (hung, then resumed) refuses to commit instead of committing to itself
        members = new JarMembers(3, "--jobpool.io-workers=2", "--jobpool.cluster.quorum=2");
        members.awaitCluster(Duration.ofSeconds(120), 0, 1, 2);
    }

    @AfterAll
    static void stopMembers() {
        members.close();
    }

    @Test
    @Order(1)
    void anyMemberAnswersWithTheSameBytesAndEveryMemberRunsTheJob() throws Exception {
        double[] committedBefore = committed(0, 1, 2);
        String id = submit(members.get(0), sha256Job(1_500));

        // at once, on the others: no waiting for the news of the job to travel
        for (int other : new int[]{1, 2}) {
            Http.Reply status = members.get(other).http().get("/v1/jobs/" + id);
            assertThat(status.status()).as(status.body()).isEqualTo(200);
        }
        Http.Reply stream = members.get(2).http().get("/v1/jobs/" + id + "/results/stream");
        assertThat(stream.body().lines().filter(line -> line.contains("\"index\"")).count()).isEqualTo(1_500);

        for (int member = 0; member < 3; member++) {
            awaitState(member, id, "SUCCEEDED");
            assertThat(resultsText(member, id)).as("results served by member %d", member).isEqualTo(expectedSha256(1_500));
        }
        double[] committedAfter = committed(0, 1, 2);
        for (int member = 0; member < 3; member++) {
            assertThat(committedAfter[member]).as("chunks committed by member %d", member).isGreaterThan(committedBefore[member]);
        }
        JsonNode listed = members.get(1).http().get("/v1/jobs").json();
        assertThat(listed.get("jobs").valueStream().map(job -> job.get("id").asString())).contains(id);
    }

    @Test
    @Order(2)
    void anIdempotencyKeyThroughTwoMembersMakesOneJob() {
        Map<String, String> key = Map.of("Idempotency-Key", "retried-elsewhere-" + UUID.randomUUID());
        String request = Http.JSON.writeValueAsString(sha256Job(50));

        Http.Reply first = members.get(0).http().send("POST", "/v1/jobs", request, "application/json", key);
        Http.Reply retried = members.get(1).http().send("POST", "/v1/jobs", request, "application/json", key);

        assertThat(first.status()).as(first.body()).isEqualTo(202);
        assertThat(retried.status()).as(retried.body()).isEqualTo(202);
        assertThat(retried.header("Idempotent-Replayed")).isEqualTo("true");
        assertThat(retried.json().get("id").asString()).isEqualTo(first.json().get("id").asString());
        // the same key with another request, through a third member, is the client's mistake
        Http.Reply other = members.get(2).http().send("POST", "/v1/jobs", Http.JSON.writeValueAsString(sha256Job(51)),
                "application/json", key);
        assertThat(other.status()).as(other.body()).isEqualTo(422);
    }

    @Test
    @Order(3)
    void aCancelThroughOneMemberStopsTheChunksOfEveryMember() throws Exception {
        String id = submit(members.get(0), sha256Job(30_000));
        await().atMost(Duration.ofSeconds(30)).until(() -> status(1, id).get("completed").asInt() > 0);

        Http.Reply cancelled = members.get(1).http().delete("/v1/jobs/" + id);
        assertThat(cancelled.status()).as(cancelled.body()).isEqualTo(200);
        assertThat(cancelled.json().get("state").asString()).isEqualTo("CANCELLED");

        awaitState(0, id, "CANCELLED");
        awaitState(2, id, "CANCELLED");
        Thread.sleep(1_000);
        double[] settled = processed(0, 1, 2);
        Thread.sleep(1_000);
        assertThat(processed(0, 1, 2)).as("items processed a second after the cancel, and a second later").isEqualTo(settled);
    }

    @Test
    @Order(4)
    void aKilledMembersChunkRunsAgainElsewhereAndNothingIsLost() throws Exception {
        double rerunBefore = members.get(0).chunks("rerun") + members.get(1).chunks("rerun");
        String id = submit(members.get(0), sha256Job(4_000));
        await().atMost(Duration.ofSeconds(30)).until(() -> status(0, id).get("completed").asInt() >= 500);

        long killed = System.nanoTime();
        members.get(2).process().destroyForcibly();
        awaitState(0, id, "SUCCEEDED");
        double seconds = (System.nanoTime() - killed) / 1e9;

        assertThat(resultsText(0, id)).isEqualTo(expectedSha256(4_000));
        assertThat(resultsText(1, id)).isEqualTo(expectedSha256(4_000));
        double rerun = members.get(0).chunks("rerun") + members.get(1).chunks("rerun") - rerunBefore;
        // the killed member had one worker, so it held one chunk at most: only that one ran twice
        assertThat(rerun).isLessThanOrEqualTo(1);
        System.out.printf("[cluster] kill -9 of a member mid-job: the job's last result came %.2f s later; %d chunk(s) ran again%n",
                seconds, (int) rerun);

        members.start(2);
        members.awaitCluster(Duration.ofSeconds(120), 0, 1, 2);
        assertThat(resultsText(2, id)).as("a member that joins later answers for the job too").isEqualTo(expectedSha256(4_000));
    }

    @Test
    @Order(5)
    void aJobWhoseMemberIsKilledRightAfterAnsweringStillCompletes() throws Exception {
        String id = submit(members.get(1), sha256Job(600));
        members.get(1).process().destroyForcibly();

        awaitState(0, id, "SUCCEEDED");
        assertThat(resultsText(0, id)).isEqualTo(expectedSha256(600));

        assertThat(resultsText(2, id)).isEqualTo(expectedSha256(600));

        members.start(1);
        members.awaitCluster(Duration.ofSeconds(120), 0, 1, 2);
    }

    @Test
    @Order(6)
    void aHungMemberIsRemovedAndItsLateResultsAreFencedOff() throws Exception {
        JarMembers.Member hung = members.get(2);
        double committedBefore = hung.chunks("committed");
        String id = submit(members.get(0), sha256Job(6_000));
        await().atMost(Duration.ofSeconds(30)).until(() -> hung.chunks("committed") > committedBefore + 1);

        long stopped = System.nanoTime();
        hung.signal("STOP");
        members.awaitCluster(Duration.ofSeconds(20), 0, 1);
        double removedAfter = (System.nanoTime() - stopped) / 1e9;
        awaitState(0, id, "SUCCEEDED");
        hung.signal("CONT");

        // the chunk it was running when it hung ran again elsewhere; its own late answer does not count:
        // alone, below the quorum, its commit is refused
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(hung.logText())
                .containsAnyOf("this member no longer held its lease", "it will run again elsewhere"));
        assertThat(resultsText(0, id)).isEqualTo(expectedSha256(6_000));
        assertThat(resultsText(1, id)).isEqualTo(expectedSha256(6_000));
        JsonNode job = status(1, id);
        assertThat(job.get("completed").asInt()).isEqualTo(6_000);
        assertThat(job.get("failed").asInt()).isZero();
        System.out.printf("[cluster] a hung member (SIGSTOP) was removed after %.2f s; the job completed without it%n", removedAfter);

        hung.process().destroyForcibly();
        members.start(2);
        members.awaitCluster(Duration.ofSeconds(120), 0, 1, 2);
    }

    @Test
    @Order(7)
    void aRollingRestartDuringALongJobLosesNothing() throws Exception {
        // 2 I/O workers per member, 100-119 ms per item: long enough to outlast three restarts
        List<Integer> inputs = IntStream.range(0, 3_000).map(i -> 100 + i % 20).boxed().toList();
        String id = submit(members.get(0), Map.of("function", "sleep", "inputs", inputs));
        // what each member logs from here on (the hung member of the test before left errors in the others' logs)
        int[] logStart = new int[3];
        for (int index = 0; index < 3; index++) {
            logStart[index] = members.get(index).logText().length();
        }

        for (int index : new int[]{2, 1, 0}) {
            JarMembers.Member leaving = members.get(index);
            leaving.process().destroy(); // SIGTERM: a graceful leave
            assertThat(leaving.process().waitFor(60, TimeUnit.SECONDS)).as(leaving.tail()).isTrue();
            assertThat(leaving.logText().substring(logStart[index])).doesNotContain("ERROR");
            assertThat(status((index + 1) % 3, id).get("state").asString()).as("the job after member %d left", index)
                    .isEqualTo("RUNNING");
            members.start(index);
            members.awaitCluster(Duration.ofSeconds(120), 0, 1, 2);
        }

        awaitState(0, id, "SUCCEEDED", Duration.ofSeconds(120));
        StringBuilder expected = new StringBuilder();
        for (int input : inputs) {
            expected.append(expected.isEmpty() ? "" : ",").append(input);
        }
        for (int member = 0; member < 3; member++) {
            assertThat(resultsText(member, id)).as("results served by member %d", member).isEqualTo(expected.toString());
            assertThat(members.get(member).chunks("rerun")).as("chunks run twice on member %d", member).isZero();
        }
    }

    @Test
    @Order(8)
    void anOpenJobTakesBatchesAndItsCloseThroughAnyMemberAndOutlivesTheMemberThatMadeIt() throws Exception {
        // 300-359 ms per item, 2 I/O workers per member: a batch of 20 keeps the cluster busy for a second
        String id = submit(members.get(0), Map.of("function", "sleep", "open", true, "maxPending", 60));
        List<Integer> inputs = new ArrayList<>();
        int[] through = {1, 2, 0};
        for (int batch = 0; batch < 3; batch++) {
            List<Integer> items = IntStream.range(0, 20).map(i -> 300 + inputs.size() + i).boxed().toList();
            Http.Reply accepted = append(through[batch], id, items);
            assertThat(accepted.status()).as(accepted.body()).isEqualTo(200);
            assertThat(accepted.json().get("first").asInt()).as("numbered after every batch before it").isEqualTo(inputs.size());
            inputs.addAll(items);
        }

        // the bound counts pending inputs over every member, whichever member the batch comes through
        Http.Reply full = append(2, id, Collections.nCopies(30, 1));
        assertThat(full.status()).as(full.body()).isEqualTo(429);
        assertThat(Long.parseLong(full.header("Retry-After"))).isPositive();
        for (int member = 0; member < 3; member++) {
            int index = member;
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(status(index, id).get("total").asInt())
                    .as("inputs member %d has", index).isEqualTo(60));
            assertThat(status(member, id).get("state").asString()).isEqualTo("OPEN");
        }

        // the member that made the job is killed: the others take batches and the close, and lose nothing
        members.get(0).process().destroyForcibly();
        assertThat(members.get(0).process().waitFor(30, TimeUnit.SECONDS)).isTrue();
        List<Integer> last = IntStream.range(0, 10).map(i -> 400 + i).boxed().toList();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                .until(() -> append(1, id, last).status() == 200);
        inputs.addAll(last);
        Http.Reply closed = members.get(2).http().post("/v1/jobs/" + id + "/close", Map.of());
        assertThat(closed.status()).as(closed.body()).isEqualTo(200);
        Http.Reply late = append(1, id, List.of(1));
        assertThat(late.status()).as(late.body()).isEqualTo(409);

        String expected = String.join(",", inputs.stream().map(String::valueOf).toList());
        for (int member : new int[]{1, 2}) {
            awaitState(member, id, "SUCCEEDED", Duration.ofSeconds(120));
            assertThat(resultsText(member, id)).as("results served by member %d", member).isEqualTo(expected);
        }
    }

    // ---- helpers

    private static Map<String, Object> sha256Job(int items) {
        List<String> inputs = IntStream.range(0, items).mapToObj(i -> "item-" + i).toList();
        return Map.of("function", "sha256", "params", Map.of("rounds", ROUNDS), "inputs", inputs);
    }

    /** The results array's contents as a single node writes them: each item's hex digest, quoted. */
    private static String expectedSha256(int items) throws NoSuchAlgorithmException {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        List<String> values = new ArrayList<>();
        for (int i = 0; i < items; i++) {
            byte[] bytes = ("item-" + i).getBytes(StandardCharsets.UTF_8);
            for (int round = 0; round < ROUNDS; round++) {
                bytes = digest.digest(bytes);
            }
            values.add('"' + HexFormat.of().formatHex(bytes) + '"');
        }
        return String.join(",", values);
    }

    private static String submit(JarMembers.Member member, Map<String, Object> job) {
        Http.Reply reply = member.http().post("/v1/jobs", job);
        assertThat(reply.status()).as(reply.body()).isEqualTo(202);
        return reply.json().get("id").asString();
    }

    private static Http.Reply append(int member, String id, List<?> batch) {
        return members.get(member).http().post("/v1/jobs/" + id + "/inputs", batch);
    }

    private static JsonNode status(int member, String id) {
        return members.get(member).http().get("/v1/jobs/" + id).json();
    }

    private static void awaitState(int member, String id, String state) {
        awaitState(member, id, state, Duration.ofSeconds(60));
    }

    private static void awaitState(int member, String id, String state, Duration atMost) {
        await().atMost(atMost).pollInterval(Duration.ofMillis(50))
                .untilAsserted(() -> assertThat(status(member, id).get("state").asString()).isEqualTo(state));
    }

    /** The bytes of the {@code results} arrays of every page of the job's results, joined by commas. */
    private static String resultsText(int member, String id) {
        StringBuilder text = new StringBuilder();
        for (int offset = 0; ; offset += 10_000) {
            Http.Reply page = members.get(member).http().get("/v1/jobs/" + id + "/results?offset=" + offset + "&limit=10000");
            assertThat(page.status()).as(page.body()).isEqualTo(200);
            Matcher results = RESULTS.matcher(page.body());
            assertThat(results.find()).as(page.body()).isTrue();
            text.append(text.isEmpty() || results.group(1).isEmpty() ? "" : ",").append(results.group(1));
            if (page.json().get("next").isNull()) {
                return text.toString();
            }
        }
    }

    private static double[] committed(int... indexes) {
        return IntStream.of(indexes).mapToDouble(index -> members.get(index).chunks("committed")).toArray();
    }

    private static double[] processed(int... indexes) {
        return IntStream.of(indexes).mapToDouble(index -> members.get(index).metric("jobpool.items.processed", "")).toArray();
    }
}
