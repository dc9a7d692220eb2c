package io.jobpool.ops;

import com.marcnuri.helm.Helm;
import io.jobpool.support.Http;
import io.jobpool.support.PackagedJar;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;
import tools.jackson.databind.JsonNode;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The image, built and run for real: the root {@code Dockerfile} built with buildah on a Debian JRE base
 * made on this machine ({@code ops/image/build-local.sh}; there is no registry to pull
 * {@code eclipse-temurin} from), then run with podman the way the Helm chart runs it. The chart is
 * rendered with real Helm and the container is started from the rendered Deployment: its image
 * reference, environment, pod and container security context (user, read-only root, no capabilities, no
 * privilege escalation), volumes (the ConfigMap, the API-keys Secret as a 0440 file, /tmp), resource
 * limits, probes and termination grace period. Then: the health groups answer UP on the published port,
 * the image's HEALTHCHECK passes, a job runs, and SIGTERM drains (new submissions 503, a short running
 * job finishes, a long one is cancelled after {@code jobpool.shutdown-grace}, the JVM exits 143 well
 * before the SIGKILL). Last, three containers of the image in one pod form a cluster, and a job
 * submitted to one of them completes on the other two after that container is killed.
 *
 * <p>Needs root, {@code podman}, {@code buildah}, {@code debootstrap}, {@code slirp4netns} and
 * {@code catatonit} (Debian packages; {@code .ci/run} installs them). Without them it is skipped, saying so. The base image is
 * cached in the local container storage (the first build takes about a minute); the service image and
 * the container are removed at the end.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ImageIT {

    private static final Path ROOT = Path.of("").toAbsolutePath();
    private static final String REPOSITORY = "localhost/jobpool";
    private static final String TAG = "imageit";
    private static final String KEY = "imageit-key-0123456789abcdef";
    private static final String TENANT = "team-image";
    private static final String GRACE = "3s";
    private static final List<String> TOOLS = List.of("podman", "buildah", "debootstrap", "slirp4netns", "catatonit");

    @TempDir
    static Path temp;

    private static String image;
    private static String container;
    private static Http http;
    private static Map<String, String> auth;
    /** The rendered chart's Deployment: pod spec and the jobpool container. */
    private static Map<String, Object> pod;
    private static Map<String, Object> spec;
    /** What {@code podman run} takes from the rendered pod, for every container of the image this test runs. */
    private static List<String> podFlags;
    /** The pod of the cluster test, removed at the end. */
    private static String clusterPod;

    @BeforeAll
    static void buildTheImageAndRunItAsTheChartDoes() throws Exception {
        List<String> missing = TOOLS.stream().filter(tool -> onPath(tool) == null).toList();
        assumeTrue(missing.isEmpty(), "ImageIT skipped: " + String.join(", ", missing) + " not installed "
                + "(apt-get install -y podman buildah debootstrap runc slirp4netns catatonit; .ci/run does)");
        assumeTrue(run(Duration.ofSeconds(10), "id", "-u").out.strip().equals("0"),
                "ImageIT skipped: podman, buildah and debootstrap run as root here (not root: " + System.getProperty("user.name") + ")");

        // ---- build: the local base (cached) and the Dockerfile's run stage on it ---------------------
        long start = System.nanoTime();
        Result build = run(Duration.ofMinutes(15), Map.of("JAVA", PackagedJar.javaBinary()),
                "bash", "ops/image/build-local.sh", REPOSITORY + ":" + TAG);
        assertThat(build.exit).as("ops/image/build-local.sh:\n%s", build.tail(60)).isZero();
        image = lastLine(build.out);
        System.out.printf("ImageIT: %s built in %.1f s%n", image, (System.nanoTime() - start) / 1e9);
        assertThat(image).isEqualTo(REPOSITORY + ":" + TAG);

        // ---- the chart, rendered by Helm with this image and one API key -----------------------------
        Map<String, Object> values = Map.of(
                "image", Map.of("repository", REPOSITORY, "tag", TAG),
                "security", Map.of("apiKeys", List.of(KEY + ":" + TENANT)),
                "jobpool", Map.of("shutdown-grace", GRACE));
        Path valuesFile = temp.resolve("values.yaml");
        Files.writeString(valuesFile, new Yaml().dump(values));
        String rendered = new Helm(ROOT.resolve("helm/jobpool")).template().withName("imageit").withNamespace("default")
                .withValuesFile(valuesFile).call();
        List<Map<String, Object>> manifests = new ArrayList<>();
        for (Object doc : new Yaml().loadAll(rendered)) {
            if (doc != null) {
                manifests.add(map(doc));
            }
        }
        Map<String, Object> deployment = one(manifests, "Deployment", null);
        pod = map(dig(deployment, "spec", "template", "spec"));
        List<Object> containers = list(pod.get("containers"));
        assertThat(containers).hasSize(1);
        spec = map(containers.get(0));
        assertThat(spec.get("image")).as("image.repository and image.tag make the pod's image").isEqualTo(image);

        // ---- podman run, flag by flag from the rendered pod ------------------------------------------
        container = "jobpool-imageit-" + ProcessHandle.current().pid();
        int port = PackagedJar.freePort();
        List<String> cmd = new ArrayList<>(List.of("podman", "run", "--detach", "--name", container,
                // slirp4netns: the container gets its own network namespace and a user-space network; the
                // published port listens on the host's loopback only (no bridge or iptables on the host)
                "--network", "slirp4netns:port_handler=slirp4netns",
                "--publish", "127.0.0.1:" + port + ":" + dig(spec, "ports", 0, "containerPort")));
        podFlags = podFlags(manifests);
        cmd.addAll(podFlags);
        cmd.add(image);
        Result started = run(Duration.ofMinutes(2), cmd.toArray(String[]::new));
        assertThat(started.exit).as("%s\n%s", String.join(" ", cmd), started.out).isZero();

        http = new Http(port);
        auth = Map.of("Authorization", "Bearer " + KEY);
        // as the kubelet does: the startup probe until it answers, then readiness
        String startupPath = (String) dig(spec, "startupProbe", "httpGet", "path");
        try {
            await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(250)).ignoreExceptions()
                    .until(() -> running() && http.get(startupPath).status() == 200);
        } catch (RuntimeException e) {
            fail("the container did not answer " + startupPath + ": " + state() + "\n" + logs(), e);
        }
        System.out.printf("ImageIT: %s started and answering in %.1f s from the build's start%n", container,
                (System.nanoTime() - start) / 1e9);
    }

    @AfterAll
    static void removeTheContainerAndTheImage() throws Exception {
        if (container != null) {
            run(Duration.ofMinutes(2), "podman", "rm", "--force", "--time", "0", container);
        }
        if (clusterPod != null) {
            run(Duration.ofMinutes(2), "podman", "pod", "rm", "--force", "--time", "0", clusterPod);
        }
        if (image != null) {
            run(Duration.ofMinutes(1), "podman", "rmi", "--force", image);    // the base stays: it is the cache
        }
    }

    @Test
    @Order(1)
    void runsAsTheChartsNonRootUserWithAReadOnlyRootAndNoCapabilities() throws Exception {
        Map<String, Object> security = map(spec.get("securityContext"));
        String uid = String.valueOf(security.get("runAsUser"));
        String gid = String.valueOf(security.get("runAsGroup"));

        assertThat(exec("id", "-u").strip()).isEqualTo(uid).isNotEqualTo("0");
        assertThat(exec("id", "-g").strip()).isEqualTo(gid);
        assertThat(run(Duration.ofSeconds(30), "podman", "top", container, "user", "comm").out)
                .as("java is PID 1's command and runs as the service user").containsPattern("(?m)^(jobpool|" + uid + ")\\s+java\\s*$");
        Result writeRoot = run(Duration.ofSeconds(30), "podman", "exec", container, "touch", "/app/written");
        assertThat(writeRoot.exit).isNotZero();
        assertThat(writeRoot.out).contains("Read-only file system");
        assertThat(exec("sh", "-c", "touch /tmp/written && echo ok").strip()).as("/tmp, the chart's emptyDir").isEqualTo("ok");
        assertThat(exec("grep", "CapEff", "/proc/1/status")).containsPattern("CapEff:\\s+0+\\s*$");
        assertThat(exec("grep", "NoNewPrivs", "/proc/1/status")).containsPattern("NoNewPrivs:\\s+1\\s*$");
        // the chart's Secret, mounted as a file the service user reads through its group
        assertThat(exec("sh", "-c", "stat -c '%a %u %g' \"$JOBPOOL_SECURITY_API_KEYS_FILE\"").strip())
                .isEqualTo("440 0 " + dig(pod, "securityContext", "fsGroup"));
    }

    @Test
    @Order(2)
    void answersHealthOnThePublishedPortAndPassesItsOwnHealthcheck() throws Exception {
        Http.Reply health = http.get("/actuator/health");
        assertThat(health.status()).as("%s", health).isEqualTo(200);
        assertThat(health.json().get("status").asString()).isEqualTo("UP");
        for (String probe : List.of("startupProbe", "readinessProbe", "livenessProbe")) {
            String path = (String) dig(spec, probe, "httpGet", "path");
            Http.Reply reply = http.get(path);
            assertThat(reply.status()).as("%s %s: %s", probe, path, reply).isEqualTo(200);
            assertThat(reply.json().get("status").asString()).isEqualTo("UP");
        }
        Result check = run(Duration.ofSeconds(60), "podman", "healthcheck", "run", container);
        assertThat(check.exit).as("the image's HEALTHCHECK: %s", check.out).isZero();
        assertThat(run(Duration.ofSeconds(30), "podman", "inspect", "--format", "{{.State.Health.Status}}", container).out.strip())
                .isEqualTo("healthy");
    }

    @Test
    @Order(3)
    void heapAndCpusFollowTheChartsLimits() throws Exception {
        Map<String, Object> limits = map(dig(spec, "resources", "limits"));
        // a second JVM in the container, with the image's JAVA_TOOL_OPTIONS: what the service's JVM chose
        String flags = exec("java", "-XX:+PrintFlagsFinal", "-version");
        long maxHeap = Long.parseLong(flags.replaceAll("(?s).*\\bMaxHeapSize\\s+=\\s+(\\d+).*", "$1"));
        assertThat(maxHeap).isEqualTo(bytes(String.valueOf(limits.get("memory"))) * 75 / 100);
        JsonNode pool = http.send("GET", "/v1/pool", null, null, auth).json();
        assertThat(pool.get("workers").asInt()).as("jobpool.workers=0: the CPU limit").isEqualTo((int) Math.ceil(cpus(String.valueOf(limits.get("cpu")))));
    }

    @Test
    @Order(4)
    void runsAJobForAKeyAndRefusesCallersWithout() {
        Http.Reply map = http.send("POST", "/v1/map", "{\"function\": \"square\", \"inputs\": [1, 2, 3, 9223372036854775807]}",
                "application/json", auth);
        assertThat(map.status()).as("%s", map).isEqualTo(200);
        assertThat(map.json().get("state").asString()).isEqualTo("SUCCEEDED");
        assertThat(map.json().get("results").toString()).isEqualTo("[1,4,9,85070591730234615847396907784232501249]");

        Http.Reply anonymous = http.post("/v1/map", Map.of("function", "square", "inputs", List.of(1)));
        assertThat(anonymous.status()).as("listening on 0.0.0.0, the service insists on a key").isEqualTo(401);
    }

    @Test
    @Order(5)
    void sigtermRefusesNewJobsLetsRunningOnesFinishWithinTheGraceAndExits143() throws Exception {
        // two blocking pool.map calls in flight: one ends within the grace, one never would
        CompletableFuture<Http.Reply> shortJob = CompletableFuture.supplyAsync(() ->
                http.send("POST", "/v1/map", "{\"function\": \"sleep\", \"inputs\": [2000]}", "application/json", auth));
        CompletableFuture<Http.Reply> longJob = CompletableFuture.supplyAsync(() ->
                http.send("POST", "/v1/map", "{\"function\": \"sleep\", \"inputs\": [60000, 60000]}", "application/json", auth));
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
                .until(() -> http.send("GET", "/v1/pool", null, null, auth).json().get("ioBusy").asInt() == 3);

        // as the kubelet ends a pod: SIGTERM, then SIGKILL after terminationGracePeriodSeconds
        int terminationGrace = ((Number) pod.get("terminationGracePeriodSeconds")).intValue();
        long stopAt = System.nanoTime();
        CompletableFuture<Result> stop = CompletableFuture.supplyAsync(() -> run(Duration.ofSeconds(terminationGrace + 30),
                "podman", "stop", "--time", String.valueOf(terminationGrace), container));

        Http.Reply refused = await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20))
                .until(() -> http.send("POST", "/v1/jobs", "{\"function\": \"square\", \"inputs\": [1]}", "application/json", auth),
                        reply -> reply.status() != 202);
        assertThat(refused.status()).as("%s", refused).isEqualTo(503);
        assertThat(refused.json().get("type").asString()).isEqualTo("urn:jobpool:problem:shutting-down");

        Http.Reply finished = shortJob.get(30, TimeUnit.SECONDS);
        assertThat(finished.json().get("state").asString()).as("%s", finished).isEqualTo("SUCCEEDED");
        assertThat(finished.json().get("results").toString()).isEqualTo("[2000]");
        Http.Reply cancelled = longJob.get(30, TimeUnit.SECONDS);
        assertThat(cancelled.json().get("state").asString()).as("%s", cancelled).isEqualTo("CANCELLED");
        assertThat(cancelled.json().get("error").get("type").asString()).isEqualTo("ServiceStopped");

        Result stopped = stop.get(terminationGrace + 60, TimeUnit.SECONDS);
        double seconds = (System.nanoTime() - stopAt) / 1e9;
        assertThat(stopped.exit).as("podman stop: %s", stopped.out).isZero();
        System.out.printf("ImageIT: SIGTERM to exit in %.1f s (jobpool.shutdown-grace %s, terminationGracePeriodSeconds %d)%n",
                seconds, GRACE, terminationGrace);
        assertThat(seconds).as("the JVM ended itself, long before the SIGKILL").isLessThan(terminationGrace / 2.0);
        assertThat(run(Duration.ofSeconds(30), "podman", "inspect", "--format", "{{.State.ExitCode}}", container).out.strip())
                .as("java as PID 1 ends on SIGTERM after its shutdown hooks: 128 + 15").isEqualTo("143");
        assertThat(logs())
                .contains("Stopping 1 job(s) still running after the PT3S grace period")
                .contains("Commencing graceful shutdown. Waiting for active requests to complete")
                .contains("Graceful shutdown complete");
    }

    @Test
    @Order(6)
    void threeContainersFormOneClusterAndAJobOutlivesTheContainerThatTookIt() throws Exception {
        // one network namespace for the three members, as Kubernetes gives the containers of a pod: isolated
        // from the host's, the HTTP ports published on its loopback; the members meet on 127.0.0.1
        clusterPod = "jobpool-imageit-cluster-" + ProcessHandle.current().pid();
        int[] ports = {PackagedJar.freePort(), PackagedJar.freePort(), PackagedJar.freePort()};
        List<String> create = new ArrayList<>(List.of("podman", "pod", "create", "--name", clusterPod,
                "--network", "slirp4netns:port_handler=slirp4netns"));
        for (int member = 0; member < 3; member++) {
            create.addAll(List.of("--publish", "127.0.0.1:" + ports[member] + ":" + (8081 + member)));
        }
        // the pod's pause container gets podman's default rlimits, refused in this sandbox (see podFlags),
        // unless its configuration says otherwise
        Path conf = temp.resolve("containers.conf");
        Files.writeString(conf, "[containers]\ndefault_ulimits = [\"nofile=1024:1024\", \"nproc=4096:4096\"]\n");
        Map<String, String> limited = Map.of("CONTAINERS_CONF", conf.toString());
        Result created = run(Duration.ofMinutes(2), limited, create.toArray(String[]::new));
        assertThat(created.exit).as("%s", created.out).isZero();
        List<String> members = new ArrayList<>();
        for (int member = 0; member < 3; member++) {
            String name = clusterPod + "-" + member;
            List<String> cmd = new ArrayList<>(List.of("podman", "run", "--detach", "--pod", clusterPod, "--name", name));
            cmd.addAll(podFlags);
            cmd.addAll(List.of("--env", "SERVER_PORT=" + (8081 + member),
                    "--env", "JOBPOOL_CLUSTER_ENABLED=true",
                    "--env", "JOBPOOL_CLUSTER_ADDRESS=127.0.0.1",
                    "--env", "JOBPOOL_CLUSTER_PORT=" + (5701 + member),
                    "--env", "JOBPOOL_CLUSTER_MEMBERS=127.0.0.1:5701,127.0.0.1:5702,127.0.0.1:5703",
                    "--env", "JOBPOOL_CLUSTER_QUORUM=2",
                    "--env", "JOBPOOL_IO_WORKERS=2", image));
            Result started = run(Duration.ofMinutes(2), limited, cmd.toArray(String[]::new));
            assertThat(started.exit).as("%s\n%s", String.join(" ", cmd), started.out).isZero();
            members.add(name);
        }
        List<Http> https = Arrays.stream(ports).mapToObj(Http::new).toList();
        long start = System.nanoTime();
        for (int member = 0; member < 3; member++) {
            Http one = https.get(member);
            String name = members.get(member);
            try {
                await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
                        .until(() -> clusterMembers(one) == 3);
            } catch (RuntimeException e) {
                fail(name + " did not see three members: " + run(Duration.ofSeconds(30), "podman", "logs", name).tail(40), e);
            }
        }
        System.out.printf("ImageIT: three containers formed one cluster in %.1f s%n", (System.nanoTime() - start) / 1e9);

        // 2 I/O workers per member, 200 ms per item: about 4 s of work, spread over the three
        List<Integer> inputs = Collections.nCopies(120, 200);
        Http.Reply submitted = https.get(0).send("POST", "/v1/jobs", Http.JSON.writeValueAsString(
                Map.of("function", "sleep", "inputs", inputs)), "application/json", auth);
        assertThat(submitted.status()).as("%s", submitted).isEqualTo(202);
        String id = submitted.json().get("id").asString();
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                .until(() -> status(https.get(1), id).get("completed").asInt() >= 10);
        Result killed = run(Duration.ofSeconds(30), "podman", "kill", "--signal", "KILL", members.get(0));
        assertThat(killed.exit).as("%s", killed.out).isZero();
        assertThat(status(https.get(1), id).get("completed").asInt()).as("items done when the member was killed")
                .isLessThan(inputs.size());

        for (int member : new int[]{1, 2}) {
            Http survivor = https.get(member);
            await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(250))
                    .until(() -> status(survivor, id).get("state").asString().equals("SUCCEEDED"));
            Http.Reply results = survivor.send("GET", "/v1/jobs/" + id + "/results?limit=1000", null, null, auth);
            assertThat(results.json().get("results").toString()).as("results on member %d", member)
                    .isEqualTo(inputs.toString().replace(" ", ""));
        }
        for (String name : members) {
            // the image's JVM options give Hazelcast the JDK internals it needs: it says so when they are missing
            assertThat(run(Duration.ofSeconds(30), "podman", "logs", name).out).as("log of %s", name)
                    .doesNotContain("without proper access to required Java packages")
                    .doesNotContain("Read-only file system");
        }
    }

    private static int clusterMembers(Http member) {
        Http.Reply metric = member.send("GET", "/actuator/metrics/jobpool.cluster.members", null, null, auth);
        return metric.status() == 200 ? metric.json().get("measurements").get(0).get("value").asInt() : 0;
    }

    private static JsonNode status(Http member, String id) {
        return member.send("GET", "/v1/jobs/" + id, null, null, auth).json();
    }

    // ---- from the rendered pod to podman flags --------------------------------------------------

    /** The rendered pod's container as {@code podman run} flags: security, resources, environment, volumes. */
    private static List<String> podFlags(List<Map<String, Object>> manifests) throws IOException {
        List<String> flags = new ArrayList<>(List.of(
                // podman's default rlimits (nofile 1048576, nproc 4194304) are refused in this sandbox
                "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=4096:4096",
                // no systemd here to time the HEALTHCHECK: the test runs it itself, as an orchestrator would
                "--health-interval", "disable"));
        flags.addAll(securityFlags(map(pod.get("securityContext")), map(spec.get("securityContext"))));
        flags.addAll(resourceFlags(map(dig(spec, "resources", "limits"))));
        for (Object e : list(spec.get("env"))) {
            Map<String, Object> env = map(e);
            assertThat(env).as("env %s: only plain values are supported here", env.get("name")).containsKey("value");
            flags.addAll(List.of("--env", env.get("name") + "=" + env.get("value")));
        }
        flags.addAll(volumeFlags(manifests, gid(pod.get("securityContext"))));
        return flags;
    }

    /** The pod's and the container's securityContext (the container's wins), as podman flags. */
    private static List<String> securityFlags(Map<String, Object> podContext, Map<String, Object> context) {
        Map<String, Object> merged = new LinkedHashMap<>(podContext);
        merged.putAll(context);
        List<String> flags = new ArrayList<>();
        Object uid = merged.get("runAsUser");
        Object gid = merged.get("runAsGroup");
        assertThat(uid).as("runAsUser").isNotNull();
        if (Boolean.TRUE.equals(merged.get("runAsNonRoot"))) {
            assertThat(((Number) uid).intValue()).as("runAsNonRoot with runAsUser").isNotZero();
        }
        flags.addAll(List.of("--user", uid + (gid == null ? "" : ":" + gid)));
        if (merged.get("fsGroup") != null) {
            flags.addAll(List.of("--group-add", String.valueOf(merged.get("fsGroup"))));
        }
        if (Boolean.TRUE.equals(merged.get("readOnlyRootFilesystem"))) {
            // only what the pod mounts is writable: no tmpfs of podman's own on /tmp, /var/tmp, /run
            flags.addAll(List.of("--read-only", "--read-only-tmpfs=false"));
        }
        if (Boolean.FALSE.equals(merged.get("allowPrivilegeEscalation"))) {
            flags.addAll(List.of("--security-opt", "no-new-privileges"));
        }
        assertThat(merged.get("privileged")).as("privileged").isNotEqualTo(true);
        for (Object cap : list(dig(merged, "capabilities", "drop"))) {
            flags.addAll(List.of("--cap-drop", String.valueOf(cap)));
        }
        for (Object cap : list(dig(merged, "capabilities", "add"))) {
            flags.addAll(List.of("--cap-add", String.valueOf(cap)));
        }
        // podman applies its default seccomp profile, the RuntimeDefault of container runtimes
        assertThat(dig(merged, "seccompProfile", "type")).isEqualTo("RuntimeDefault");
        return flags;
    }

    private static List<String> resourceFlags(Map<String, Object> limits) {
        List<String> flags = new ArrayList<>();
        if (limits.get("cpu") != null) {
            flags.addAll(List.of("--cpus", String.valueOf(cpus(String.valueOf(limits.get("cpu"))))));
        }
        if (limits.get("memory") != null) {
            flags.addAll(List.of("--memory", String.valueOf(bytes(String.valueOf(limits.get("memory"))))));
        }
        return flags;
    }

    /** The container's volume mounts: ConfigMaps and Secrets as files on the host, emptyDirs as tmpfs. */
    private static List<String> volumeFlags(List<Map<String, Object>> manifests, Integer fsGroup) throws IOException {
        List<String> flags = new ArrayList<>();
        Map<String, Map<String, Object>> volumes = new LinkedHashMap<>();
        for (Object v : list(pod.get("volumes"))) {
            volumes.put((String) map(v).get("name"), map(v));
        }
        for (Object m : list(spec.get("volumeMounts"))) {
            Map<String, Object> mount = map(m);
            String name = (String) mount.get("name");
            String path = (String) mount.get("mountPath");
            Map<String, Object> volume = volumes.get(name);
            assertThat(volume).as("volume %s", name).isNotNull();
            String ro = Boolean.TRUE.equals(mount.get("readOnly")) ? ":ro" : "";
            if (volume.containsKey("emptyDir")) {
                Object size = dig(volume, "emptyDir", "sizeLimit");
                flags.addAll(List.of("--tmpfs", path + ":rw,mode=1777" + (size == null ? "" : ",size=" + bytes(String.valueOf(size)))));
            } else if (volume.containsKey("configMap")) {
                Map<String, Object> configMap = one(manifests, "ConfigMap", (String) dig(volume, "configMap", "name"));
                Path dir = Files.createDirectories(temp.resolve("volumes").resolve(name));
                for (Map.Entry<String, Object> file : map(configMap.get("data")).entrySet()) {
                    writeFile(dir.resolve(file.getKey()), String.valueOf(file.getValue()).getBytes(StandardCharsets.UTF_8), 0644, null);
                }
                flags.addAll(List.of("--volume", dir + ":" + path + ro));
            } else if (volume.containsKey("secret")) {
                Map<String, Object> source = map(volume.get("secret"));
                Map<String, Object> secret = one(manifests, "Secret", (String) source.get("secretName"));
                Map<String, byte[]> data = new LinkedHashMap<>();
                map(secret.getOrDefault("data", Map.of())).forEach((k, v) -> data.put(k, Base64.getDecoder().decode(String.valueOf(v))));
                map(secret.getOrDefault("stringData", Map.of())).forEach((k, v) -> data.put(k, String.valueOf(v).getBytes(StandardCharsets.UTF_8)));
                int mode = source.get("defaultMode") == null ? 0644 : ((Number) source.get("defaultMode")).intValue();
                Path dir = Files.createDirectories(temp.resolve("volumes").resolve(name));
                List<Object> items = list(source.get("items"));
                if (items.isEmpty()) {
                    data.forEach((k, v) -> items.add(Map.of("key", k, "path", k)));
                }
                for (Object item : items) {
                    String key = (String) map(item).get("key");
                    assertThat(data).as("Secret key %s", key).containsKey(key);
                    writeFile(dir.resolve((String) map(item).get("path")), data.get(key), mode, fsGroup);
                }
                flags.addAll(List.of("--volume", dir + ":" + path + ro));
            } else {
                fail("volume " + name + " of a kind this test does not mount: " + volume.keySet());
            }
        }
        return flags;
    }

    /** A file of a mounted volume: the mode Kubernetes gives it, owned by root and by the pod's fsGroup. */
    private static void writeFile(Path file, byte[] content, int mode, Integer group) throws IOException {
        Files.write(file, content);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(rwx(mode)));
        Files.setPosixFilePermissions(file.getParent(), PosixFilePermissions.fromString("rwxr-xr-x"));
        if (group != null) {
            Result chown = run(Duration.ofSeconds(10), "chown", "0:" + group, file.toString());
            assertThat(chown.exit).as("chown: %s", chown.out).isZero();
        }
    }

    private static String rwx(int mode) {
        StringBuilder s = new StringBuilder();
        for (int shift = 6; shift >= 0; shift -= 3) {
            int bits = (mode >> shift) & 7;
            s.append((bits & 4) != 0 ? 'r' : '-').append((bits & 2) != 0 ? 'w' : '-').append((bits & 1) != 0 ? 'x' : '-');
        }
        return s.toString();
    }

    private static Integer gid(Object podContext) {
        Object fsGroup = map(podContext).get("fsGroup");
        return fsGroup == null ? null : ((Number) fsGroup).intValue();
    }

    /** Kubernetes quantities: 2, 500m; 2Gi, 512Mi, 1G. */
    static double cpus(String quantity) {
        return quantity.endsWith("m") ? Double.parseDouble(quantity.substring(0, quantity.length() - 1)) / 1000 : Double.parseDouble(quantity);
    }

    static long bytes(String quantity) {
        Map<String, Long> units = Map.of("Ki", 1L << 10, "Mi", 1L << 20, "Gi", 1L << 30, "Ti", 1L << 40,
                "k", 1000L, "M", 1000_000L, "G", 1000_000_000L, "T", 1000_000_000_000L);
        for (Map.Entry<String, Long> unit : units.entrySet()) {
            if (quantity.endsWith(unit.getKey()) && Character.isDigit(quantity.charAt(quantity.length() - unit.getKey().length() - 1))) {
                return Long.parseLong(quantity.substring(0, quantity.length() - unit.getKey().length())) * unit.getValue();
            }
        }
        return Long.parseLong(quantity);
    }

    // ---- podman and processes -------------------------------------------------------------------

    private static String exec(String... command) {
        List<String> cmd = new ArrayList<>(List.of("podman", "exec", container));
        cmd.addAll(List.of(command));
        Result result = run(Duration.ofSeconds(60), cmd.toArray(String[]::new));
        assertThat(result.exit).as("%s: %s", String.join(" ", command), result.out).isZero();
        return result.out;
    }

    private static boolean running() {
        return state().startsWith("running");
    }

    private static String state() {
        return run(Duration.ofSeconds(30), "podman", "inspect", "--format", "{{.State.Status}} exit={{.State.ExitCode}}", container).out.strip();
    }

    private static String logs() {
        return run(Duration.ofSeconds(30), "podman", "logs", container).out;
    }

    record Result(int exit, String out) {
        String tail(int lines) {
            List<String> all = out.lines().toList();
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        }
    }

    private static Result run(Duration timeout, String... command) {
        return run(timeout, Map.of(), command);
    }

    /** A command from the repository root, standard error with standard output, bounded in time. */
    private static Result run(Duration timeout, Map<String, String> env, String... command) {
        try {
            Path out = Files.createTempFile("imageit", ".out");
            try {
                ProcessBuilder builder = new ProcessBuilder(command).directory(ROOT.toFile())
                        .redirectErrorStream(true).redirectOutput(out.toFile()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
                builder.environment().putAll(env);
                Process process = builder.start();
                if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    process.descendants().forEach(ProcessHandle::destroyForcibly);
                    process.destroyForcibly().waitFor();
                    fail(String.join(" ", command) + " did not end within " + timeout + ":\n" + Files.readString(out));
                }
                // podman prints errors about the missing systemd (health check timers) that change nothing
                String text = Files.readString(out).lines().filter(l -> !l.contains("unable to get systemd connection"))
                        .collect(Collectors.joining("\n"));
                return new Result(process.exitValue(), text);
            } finally {
                Files.deleteIfExists(out);
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static Path onPath(String tool) {
        String path = System.getenv().getOrDefault("PATH", "") + File.pathSeparator + "/usr/sbin" + File.pathSeparator + "/usr/bin";
        return Stream.of(path.split(File.pathSeparator)).filter(d -> !d.isBlank()).map(d -> Path.of(d, tool))
                .filter(Files::isExecutable).findFirst().orElse(null);
    }

    private static String lastLine(String text) {
        List<String> lines = text.strip().lines().toList();
        return lines.isEmpty() ? "" : lines.get(lines.size() - 1).strip();
    }

    // ---- YAML navigation ------------------------------------------------------------------------

    private static Map<String, Object> one(List<Map<String, Object>> manifests, String kind, String name) {
        List<Map<String, Object>> found = manifests.stream().filter(m -> kind.equals(m.get("kind")))
                .filter(m -> name == null || name.equals(dig(m, "metadata", "name"))).toList();
        assertThat(found).as("%s %s", kind, name).hasSize(1);
        return found.get(0);
    }

    private static Object dig(Object node, Object... path) {
        for (Object step : path) {
            if (node instanceof Map<?, ?> m) {
                node = m.get(step);
            } else if (node instanceof List<?> l && step instanceof Integer i) {
                node = i < l.size() ? l.get(i) : null;
            } else {
                return null;
            }
        }
        return node;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object node) {
        return node == null ? Map.of() : (Map<String, Object>) node;
    }

    private static List<Object> list(Object node) {
        return node == null ? new ArrayList<>() : new ArrayList<>((List<?>) node);
    }
}
