package io.jobpool.ops;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A lint of the root {@code Dockerfile} and {@code .dockerignore}: no Docker engine or registry is
 * available to the tests, so this parses the instructions the way the Dockerfile frontend does (line
 * continuations, comments, one stage per {@code FROM}) and holds them to what the image promises:
 * a pinned multi-stage build, the Spring Boot layers in cache-friendly order, a non-root user, a
 * container-aware heap and the service's real port and health endpoints.
 */
class DockerfileTest {

    private static final Path ROOT = Path.of("").toAbsolutePath();
    static final List<String> LAYERS = List.of("dependencies", "spring-boot-loader", "snapshot-dependencies", "application");
    static final String LAUNCHER = "org.springframework.boot.loader.launch.JarLauncher";

    private static List<Stage> stages;
    /** The ARGs before the first FROM, with their defaults: what an unparameterised build uses. */
    private static Map<String, String> buildArgs;

    record Instruction(String keyword, String args, int line) {
    }

    record Stage(String image, String name, List<Instruction> instructions) {
        List<Instruction> all(String keyword) {
            return instructions.stream().filter(i -> i.keyword.equals(keyword)).toList();
        }

        int indexOfLast(String keyword) {
            for (int i = instructions.size() - 1; i >= 0; i--) {
                if (instructions.get(i).keyword.equals(keyword)) {
                    return i;
                }
            }
            return -1;
        }
    }

    @BeforeAll
    static void parse() throws IOException {
        List<Instruction> instructions = parseInstructions(Files.readAllLines(ROOT.resolve("Dockerfile")));
        stages = stagesOf(instructions);
        buildArgs = globalArgs(instructions);
    }

    @Test
    void buildsInAJdkStageAndRunsOnAJre() {
        assertThat(stages).hasSizeGreaterThanOrEqualTo(2);
        Stage build = stages.get(0);
        Stage run = stages.get(stages.size() - 1);
        assertThat(build.image).isEqualTo("eclipse-temurin:17-jdk");
        assertThat(build.name).isEqualTo("build");
        assertThat(expand(run.image, buildArgs)).isEqualTo("eclipse-temurin:17-jre");
        assertThat(run.all("COPY")).allSatisfy(copy -> assertThat(copy.args).startsWith("--from=" + build.name + " "));
    }

    @Test
    void theRunStageBaseIsABuildArgumentWhoseDefaultIsThePublicJre() {
        Stage run = stages.get(stages.size() - 1);
        // ops/image/build-base.sh and ImageIT pass a locally built Debian JRE here (no registry in CI)
        assertThat(run.image).isEqualTo("${BASE_IMAGE}");
        assertThat(buildArgs).containsEntry("BASE_IMAGE", "eclipse-temurin:17-jre");
        assertThat(stages.get(0).image).as("the build stage stays the public JDK").doesNotContain("$");
    }

    @Test
    void baseImagesArePinnedToATag() {
        List<String> stageNames = stages.stream().map(Stage::name).toList();
        for (Stage stage : stages) {
            String image = expand(stage.image, buildArgs);
            if (stageNames.contains(image)) {
                continue;
            }
            Matcher ref = Pattern.compile("^([a-z0-9./_-]+)(?::([A-Za-z0-9_.-]+))?(?:@sha256:[0-9a-f]{64})?$").matcher(image);
            assertThat(ref.matches()).as("image reference %s", image).isTrue();
            assertThat(ref.group(2)).as("tag of %s", image).isNotNull().isNotEqualTo("latest");
        }
    }

    @Test
    void buildStagePackagesWithTheWrapperAndExtractsTheLayersWithTheLauncher() {
        String runs = String.join("\n", stages.get(0).all("RUN").stream().map(Instruction::args).toList());

        assertThat(runs).contains("./mvnw -B -ntp -DskipTests package");
        assertThat(runs).containsPattern("java -Djarmode=tools -jar app\\.jar extract --layers --launcher --destination extracted");
    }

    @Test
    void layersAreCopiedLeastChangingFirst() {
        Stage run = stages.get(stages.size() - 1);
        List<String> copied = new ArrayList<>();
        for (Instruction copy : run.all("COPY")) {
            Matcher m = Pattern.compile("^--from=\\S+ /build/extracted/([a-z-]+)/ \\./$").matcher(copy.args);
            assertThat(m.matches()).as("COPY at line %d copies one extracted layer into the workdir", copy.line).isTrue();
            copied.add(m.group(1));
        }
        assertThat(copied).containsExactlyElementsOf(LAYERS);
    }

    @Test
    void runsAsANumericNonRootUserFromBeforeTheEntrypoint() {
        Stage run = stages.get(stages.size() - 1);
        int user = run.indexOfLast("USER");
        int entrypoint = run.indexOfLast("ENTRYPOINT");

        assertThat(user).isNotNegative().isLessThan(entrypoint);
        String uid = run.instructions.get(user).args.split(":")[0];
        assertThat(uid).matches("[0-9]+");
        assertThat(Integer.parseInt(uid)).isEqualTo(10001);
        assertThat(run.all("USER")).last().extracting(Instruction::args).isEqualTo("10001:10001");
    }

    @Test
    void entrypointIsTheExecFormLauncher() throws Exception {
        Stage run = stages.get(stages.size() - 1);
        String entrypoint = run.all("ENTRYPOINT").get(0).args;
        List<Object> argv = List.copyOf(JsonMapper.builder().build().readValue(entrypoint, List.class));

        assertThat(argv).first().isEqualTo("java");
        assertThat(argv).last().isEqualTo(LAUNCHER);
        // the rest: what the jar's manifest grants Hazelcast under `java -jar`, which this launcher does not
        // read; the build names the same flags once, for the tests' member JVMs
        Matcher flags = Pattern.compile("<hazelcast.test.flags>(.*)</hazelcast.test.flags>")
                .matcher(Files.readString(ROOT.resolve("service.pom.xml")));
        assertThat(flags.find()).isTrue();
        assertThat(String.join(" ", argv.subList(1, argv.size() - 1).stream().map(String::valueOf).toList()))
                .isEqualTo(flags.group(1));
    }

    @Test
    void exposesTheServicePortAndListensBeyondLoopback() throws IOException {
        Stage run = stages.get(stages.size() - 1);
        assertThat(run.all("EXPOSE")).extracting(Instruction::args).containsExactly(String.valueOf(serverPort()));

        String env = String.join(" ", run.all("ENV").stream().map(Instruction::args).toList());
        assertThat(env).containsPattern("(^|\\s)SERVER_ADDRESS=0\\.0\\.0\\.0(\\s|$)");
        assertThat(env).as("an env SERVER_PORT would override server.port of a mounted application.yaml").doesNotContain("SERVER_PORT=");
    }

    @Test
    void heapFollowsTheContainerMemoryLimit() {
        Stage run = stages.get(stages.size() - 1);
        String env = String.join(" ", run.all("ENV").stream().map(Instruction::args).toList());

        assertThat(env).containsPattern("JAVA_TOOL_OPTIONS=\"[^\"]*-XX:MaxRAMPercentage=75(\\.0)?[\\s\"]");
        for (Stage stage : stages) {
            assertThat(stage.instructions).allSatisfy(i -> assertThat(i.args).as("line %d", i.line).doesNotContainPattern("-Xm[xs]\\d"));
        }
    }

    @Test
    void healthCheckAsksTheOpenLivenessGroup() throws Exception {
        Stage run = stages.get(stages.size() - 1);
        String check = run.all("HEALTHCHECK").get(0).args;
        Matcher cmd = Pattern.compile("^(?:--[a-z-]+=\\S+\\s+)*CMD (\\[.*])$").matcher(check);
        assertThat(cmd.matches()).as("HEALTHCHECK [options] CMD [exec form]").isTrue();
        List<Object> argv = List.copyOf(JsonMapper.builder().build().readValue(cmd.group(1), List.class));

        assertThat(argv).first().isEqualTo("bash");
        assertThat(argv.get(2).toString()).contains("/dev/tcp/127.0.0.1/${SERVER_PORT:-" + serverPort() + "}")
                .contains("GET /actuator/health/liveness ");
        @SuppressWarnings("unchecked")
        Map<String, Object> probes = (Map<String, Object>) dig(applicationYaml(), "management", "endpoint", "health", "probes");
        assertThat(probes).containsEntry("enabled", true);
    }

    @Test
    void dockerignoreKeepsOutBuildOutputAndHistoryButNotTheSources() throws IOException {
        DockerIgnore ignore = new DockerIgnore(Files.readAllLines(ROOT.resolve(".dockerignore")));

        assertThat(ignore.excludes("target")).isTrue();
        assertThat(ignore.excludes("target/jobpool-0.1.0-SNAPSHOT.jar")).isTrue();
        assertThat(ignore.excludes("examples/plugin/target/classes")).isTrue();
        assertThat(ignore.excludes("spi/target/jobpool-spi-0.1.0-SNAPSHOT.jar")).isTrue();
        assertThat(ignore.excludes("examples/plugin/pom.xml")).as("the reactor builds the example only when present").isTrue();
        assertThat(ignore.excludes(".git")).isTrue();
        assertThat(ignore.excludes(".git/HEAD")).isTrue();
        assertThat(ignore.excludes("bench/__pycache__/ratios.cpython-312.pyc")).isTrue();

        for (Instruction copy : stages.get(0).all("COPY")) {
            String[] parts = copy.args.split("\\s+");
            for (int i = 0; i < parts.length - 1; i++) {
                String source = parts[i].replaceAll("/$", "");
                assertThat(ROOT.resolve(source)).as("COPY source at line %d", copy.line).exists();
                assertThat(ignore.excludes(source)).as("%s is needed by the build but .dockerignore drops it", source).isFalse();
            }
        }
        for (String needed : List.of("mvnw", "pom.xml", "service.pom.xml", "spi/pom.xml", "clients/java/pom.xml",
                ".mvn/wrapper/maven-wrapper.properties",
                "src/main/java/io/jobpool/JobpoolApplication.java", "src/main/resources/application.yaml")) {
            assertThat(ROOT.resolve(needed)).exists();
            assertThat(ignore.excludes(needed)).as(needed).isFalse();
        }
    }

    // ---- the process-function layer (examples/process-functions/Dockerfile) --------------------

    static final String LAYER = "examples/process-functions/Dockerfile";
    static final String SDK_DIR = "/opt/jobpool/python";
    static final String FUNCTIONS_DIR = "/opt/functions";

    @Test
    void functionLayerBuildsOnThePinnedServiceImageOfTheChart() throws IOException {
        List<Instruction> instructions = parseInstructions(Files.readAllLines(ROOT.resolve(LAYER)));
        List<Stage> layer = stagesOf(instructions);
        Map<String, String> args = globalArgs(instructions);

        assertThat(layer).as("one stage: the service image plus Python and the functions").hasSize(1);
        String image = expand(layer.get(0).image, args);
        Matcher ref = Pattern.compile("^([a-z0-9./_-]+):([A-Za-z0-9_.-]+)$").matcher(image);
        assertThat(ref.matches()).as("image reference %s", image).isTrue();
        assertThat(ref.group(1)).isEqualTo("jobpool");
        @SuppressWarnings("unchecked")
        Map<String, Object> chart = new Yaml().load(Files.readString(ROOT.resolve("helm/jobpool/Chart.yaml")));
        assertThat(ref.group(2)).as("the chart's appVersion, the tag the README builds").isEqualTo(chart.get("appVersion"));
    }

    @Test
    void functionLayerInstallsPythonAsRootAndEndsAsTheServiceUser() throws IOException {
        Stage layer = stagesOf(parseInstructions(Files.readAllLines(ROOT.resolve(LAYER)))).get(0);
        List<String> users = layer.all("USER").stream().map(Instruction::args).toList();
        String runs = String.join("\n", layer.all("RUN").stream().map(Instruction::args).toList());

        assertThat(users).first().isEqualTo("root");
        assertThat(users).last().isEqualTo("10001:10001");
        assertThat(layer.indexOfLast("USER")).as("USER 10001 comes after every RUN").isGreaterThan(layer.indexOfLast("RUN"));
        assertThat(runs).containsPattern("apt-get install -y --no-install-recommends python3(\\s|$)")
                .contains("rm -rf /var/lib/apt/lists/*")
                .contains("PYTHONPATH=" + SDK_DIR + " python3 -c \"import jobpool.worker\"");
        for (String inherited : List.of("ENTRYPOINT", "CMD", "EXPOSE", "HEALTHCHECK")) {
            assertThat(layer.all(inherited)).as("%s comes from the service image", inherited).isEmpty();
        }
        assertThat(layer.all("ENV")).as("worker processes would not see it: PYTHONPATH goes in a function's environment").isEmpty();
    }

    @Test
    void functionLayerCopiesTheSdkAndTheFunctionFilesWhereTheChartExpectsThem() throws IOException {
        List<Instruction> instructions = parseInstructions(Files.readAllLines(ROOT.resolve(LAYER)));
        Stage layer = stagesOf(instructions).get(0);
        Map<String, String> args = new LinkedHashMap<>(globalArgs(instructions));
        args.putAll(globalArgs(layer.all("ARG")));
        DockerIgnore own = new DockerIgnore(Files.readAllLines(ROOT.resolve(LAYER + ".dockerignore")));
        DockerIgnore root = new DockerIgnore(Files.readAllLines(ROOT.resolve(".dockerignore")));

        Map<String, String> copies = new LinkedHashMap<>();
        for (Instruction copy : layer.all("COPY")) {
            String[] parts = expand(copy.args, args).split("\\s+");
            assertThat(parts).as("COPY at line %d: one source, one destination, from the context", copy.line).hasSize(2);
            copies.put(parts[0].replaceAll("/$", ""), parts[1]);
        }
        assertThat(copies).containsExactly(
                Map.entry("clients/python/jobpool", SDK_DIR + "/jobpool/"),
                Map.entry("examples/process-functions", FUNCTIONS_DIR + "/"));
        for (String source : copies.keySet()) {
            assertThat(ROOT.resolve(source)).isDirectory();
            assertThat(root.excludes(source)).as("the root .dockerignore drops %s: why the layer has its own", source).isTrue();
        }
        for (String needed : List.of("clients/python/jobpool/__init__.py", "clients/python/jobpool/worker.py",
                "examples/process-functions/hello.py", "examples/process-functions/slot.py", "functions/mine.py")) {
            assertThat(own.excludes(needed)).as(needed).isFalse();
        }
        for (String dropped : List.of("src/main/java/io/jobpool/JobpoolApplication.java", ".git/HEAD", "target/classes",
                "clients/python/tests/test_worker.py", "clients/python/jobpool/__pycache__/worker.cpython-312.pyc",
                LAYER, LAYER + ".dockerignore")) {
            assertThat(own.excludes(dropped)).as(dropped).isTrue();
        }

        @SuppressWarnings("unchecked")
        Map<String, Object> values = new Yaml().load(Files.readString(ROOT.resolve("helm/jobpool/values.yaml")));
        assertThat(dig(values, "functions", "mountPath")).as("the chart mounts function files over the layer's").isEqualTo(FUNCTIONS_DIR);
        String docs = Files.readString(ROOT.resolve("docs/process-functions.md"));
        assertThat(docs).contains("PYTHONPATH: " + SDK_DIR).contains("docker build -f " + LAYER);
    }

    // ---- parsing -----------------------------------------------------------------------------

    /** Joins continuation lines and drops comments and blank lines, as the Dockerfile frontend does. */
    static List<Instruction> parseInstructions(List<String> lines) {
        List<Instruction> instructions = new ArrayList<>();
        StringBuilder current = null;
        int start = 0;
        for (int n = 0; n < lines.size(); n++) {
            String line = lines.get(n);
            String trimmed = line.strip();
            if (trimmed.startsWith("#") || (trimmed.isEmpty() && current == null)) {
                continue;    // comments (and parser directives) never end a continuation
            }
            if (current == null) {
                current = new StringBuilder();
                start = n + 1;
            }
            boolean continues = trimmed.endsWith("\\");
            current.append(continues ? trimmed.substring(0, trimmed.length() - 1) : trimmed).append(' ');
            if (!continues) {
                String text = current.toString().strip().replaceAll("\\s+", " ");
                int space = text.indexOf(' ');
                instructions.add(new Instruction(text.substring(0, space).toUpperCase(Locale.ROOT), text.substring(space + 1), start));
                current = null;
            }
        }
        assertThat(current).as("the Dockerfile ends inside a line continuation").isNull();
        return instructions;
    }

    static List<Stage> stagesOf(List<Instruction> instructions) {
        List<Stage> result = new ArrayList<>();
        for (Instruction instruction : instructions) {
            if (instruction.keyword.equals("FROM")) {
                String[] words = instruction.args.split(" ");
                String name = words.length == 3 && words[1].equalsIgnoreCase("AS") ? words[2] : null;
                result.add(new Stage(words[0], name, new ArrayList<>()));
            } else if (result.isEmpty() && instruction.keyword.equals("ARG")) {
                continue;    // a global ARG, for FROM lines only (see globalArgs)
            } else {
                assertThat(result).as("%s before the first FROM (line %d)", instruction.keyword, instruction.line).isNotEmpty();
                result.get(result.size() - 1).instructions.add(instruction);
            }
        }
        return result;
    }

    /** The default values of the ARGs before the first FROM (the only ones a FROM line can use). */
    static Map<String, String> globalArgs(List<Instruction> instructions) {
        Map<String, String> args = new LinkedHashMap<>();
        for (Instruction instruction : instructions) {
            if (instruction.keyword.equals("FROM")) {
                break;
            }
            assertThat(instruction.keyword).as("line %d: only ARG may come before the first FROM", instruction.line).isEqualTo("ARG");
            String[] pair = instruction.args.split("=", 2);
            args.put(pair[0], pair.length == 2 ? pair[1] : null);
        }
        return args;
    }

    /** {@code $NAME} and {@code ${NAME}} replaced by the given values; an unknown name fails. */
    static String expand(String text, Map<String, String> args) {
        Matcher m = Pattern.compile("\\$(?:\\{([A-Za-z_][A-Za-z0-9_]*)}|([A-Za-z_][A-Za-z0-9_]*))").matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String name = m.group(1) != null ? m.group(1) : m.group(2);
            assertThat(args).as("ARG %s in %s", name, text).containsKey(name);
            assertThat(args.get(name)).as("default of ARG %s", name).isNotNull();
            m.appendReplacement(out, Matcher.quoteReplacement(args.get(name)));
        }
        return m.appendTail(out).toString();
    }

    /**
     * The .dockerignore rules of the Docker CLI (moby/patternmatcher): patterns are relative to the
     * context root, {@code *} and {@code ?} stay within a path segment, {@code **} spans segments, a
     * leading {@code !} re-includes, the last matching pattern wins, and excluding a directory
     * excludes everything below it.
     */
    static final class DockerIgnore {
        private record Rule(Pattern pattern, boolean exclude) {
        }

        private final List<Rule> rules = new ArrayList<>();

        DockerIgnore(List<String> lines) {
            for (String line : lines) {
                String p = line.strip();
                if (p.isEmpty() || p.startsWith("#")) {
                    continue;
                }
                boolean exclude = !p.startsWith("!");
                p = (exclude ? p : p.substring(1)).replaceAll("^/+", "").replaceAll("/+$", "");
                rules.add(new Rule(Pattern.compile(toRegex(p)), exclude));
            }
        }

        /** As moby's MatchesOrParentMatches: a rule applies when it matches the path or a parent of it. */
        boolean excludes(String path) {
            List<String> prefixes = new ArrayList<>();
            StringBuilder prefix = new StringBuilder();
            for (String segment : path.split("/")) {
                prefix.append(prefix.isEmpty() ? "" : "/").append(segment);
                prefixes.add(prefix.toString());
            }
            boolean excluded = false;
            for (Rule rule : rules) {
                if (prefixes.stream().anyMatch(p -> rule.pattern.matcher(p).matches())) {
                    excluded = rule.exclude;
                }
            }
            return excluded;
        }

        private static String toRegex(String glob) {
            StringBuilder regex = new StringBuilder();
            for (int i = 0; i < glob.length(); i++) {
                char c = glob.charAt(i);
                if (c == '*' && i + 1 < glob.length() && glob.charAt(i + 1) == '*') {
                    boolean slash = i + 2 < glob.length() && glob.charAt(i + 2) == '/';
                    regex.append(slash ? "(?:.*/)?" : ".*");
                    i += slash ? 2 : 1;
                } else if (c == '*') {
                    regex.append("[^/]*");
                } else if (c == '?') {
                    regex.append("[^/]");
                } else {
                    regex.append(Pattern.quote(String.valueOf(c)));
                }
            }
            return regex.toString();
        }
    }

    // ---- the service's own configuration -----------------------------------------------------

    static Map<String, Object> applicationYaml() throws IOException {
        try (InputStream in = Files.newInputStream(ROOT.resolve("src/main/resources/application.yaml"))) {
            return new Yaml().load(in);
        }
    }

    static int serverPort() throws IOException {
        return (Integer) dig(applicationYaml(), "server", "port");
    }

    @SuppressWarnings("unchecked")
    static Object dig(Map<String, Object> map, String... keys) {
        Object node = map;
        for (String key : keys) {
            assertThat(node).as("parent of %s", key).isInstanceOf(Map.class);
            node = ((Map<String, Object>) node).get(key);
        }
        return node;
    }
}
