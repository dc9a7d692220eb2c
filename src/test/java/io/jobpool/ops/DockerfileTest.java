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
        stages = stagesOf(parseInstructions(Files.readAllLines(ROOT.resolve("Dockerfile"))));
    }

    @Test
    void buildsInAJdkStageAndRunsOnAJre() {
        assertThat(stages).hasSizeGreaterThanOrEqualTo(2);
        Stage build = stages.get(0);
        Stage run = stages.get(stages.size() - 1);
        assertThat(build.image).isEqualTo("eclipse-temurin:17-jdk");
        assertThat(build.name).isEqualTo("build");
        assertThat(run.image).isEqualTo("eclipse-temurin:17-jre");
        assertThat(run.all("COPY")).allSatisfy(copy -> assertThat(copy.args).startsWith("--from=" + build.name + " "));
    }

    @Test
    void baseImagesArePinnedToATag() {
        List<String> stageNames = stages.stream().map(Stage::name).toList();
        for (Stage stage : stages) {
            if (stageNames.contains(stage.image)) {
                continue;
            }
            Matcher ref = Pattern.compile("^([a-z0-9./_-]+)(?::([A-Za-z0-9_.-]+))?(?:@sha256:[0-9a-f]{64})?$").matcher(stage.image);
            assertThat(ref.matches()).as("image reference %s", stage.image).isTrue();
            assertThat(ref.group(2)).as("tag of %s", stage.image).isNotNull().isNotEqualTo("latest");
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

        assertThat(argv).containsExactly("java", LAUNCHER);
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
            } else {
                assertThat(result).as("%s before the first FROM (line %d)", instruction.keyword, instruction.line).isNotEmpty();
                result.get(result.size() - 1).instructions.add(instruction);
            }
        }
        return result;
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

        boolean excludes(String path) {
            String[] segments = path.split("/");
            boolean excluded = false;
            StringBuilder prefix = new StringBuilder();
            for (String segment : segments) {
                prefix.append(prefix.isEmpty() ? "" : "/").append(segment);
                boolean matched = false;
                for (Rule rule : rules) {
                    if (rule.pattern.matcher(prefix).matches()) {
                        matched = true;
                        excluded = rule.exclude;
                    }
                }
                if (excluded && matched) {
                    return true;    // a parent directory is excluded: so is everything in it
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
