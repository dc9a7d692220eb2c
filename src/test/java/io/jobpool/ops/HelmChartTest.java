package io.jobpool.ops;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import io.jobpool.config.ProcessFunctionProperties;
import io.jobpool.function.spi.Kind;
import io.jobpool.security.ApiKeys;
import jakarta.validation.Validation;
import jakarta.validation.ValidatorFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.bind.validation.ValidationBindHandler;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.context.annotation.ClassPathScanningCandidateComponentProvider;
import org.springframework.core.env.PropertySource;
import org.springframework.core.io.ByteArrayResource;
import org.springframework.core.type.filter.AnnotationTypeFilter;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.beanvalidation.SpringValidatorAdapter;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.lang.reflect.RecordComponent;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Renders and lints {@code helm/jobpool} with real Helm (helm-java bundles the native Helm library)
 * and holds the manifests to what the service needs: probes on its actuator health groups and its
 * real port, a locked-down security context, API keys only in a Secret, and a ConfigMap whose
 * {@code application.yaml} binds and validates against the service's own configuration records.
 */
class HelmChartTest {

    private static final Path ROOT = Path.of("").toAbsolutePath();
    private static final Path CHART = ROOT.resolve("helm/jobpool");
    private static final String KEY_A = "team-a-key-0123456789abcdef";
    private static final String KEY_B = "team-b-key-fedcba9876543210";
    private static final Map<String, Object> WITH_KEYS = Map.of("security", Map.of("apiKeys", List.of(KEY_A + ":team-a", KEY_B + ":team-b")));
    /** Everything optional switched on, and a different port, existing Secret, workers, plugins, quotas. */
    private static final Map<String, Object> NON_DEFAULT = Map.of(
            "containerPort", 9090,
            "service", Map.of("port", 80),
            "replicaCount", 3,
            "hpa", Map.of("enabled", true, "minReplicas", 2, "maxReplicas", 6),
            "serviceMonitor", Map.of("enabled", true, "bearerTokenSecret", Map.of("name", "jobpool-scrape", "key", "token")),
            "security", Map.of("existingSecret", "team-keys", "existingSecretKey", "keys.txt"),
            "plugins", Map.of("dir", "/opt/jobpool/plugins", "volume", Map.of("persistentVolumeClaim", Map.of("claimName", "jobpool-plugins"))),
            "jobpool", Map.of("workers", 4, "retention", "30m",
                    "results", Map.of("max-bytes", 536870912),
                    "quotas", Map.of("tenants", Map.of("batch-team", Map.of("max-queued-items", 500000, "max-open-jobs", 5)))));

    private static ValidatorFactory validation;

    @TempDir
    Path temp;

    @BeforeAll
    static void validator() {
        validation = Validation.buildDefaultValidatorFactory();
    }

    @AfterAll
    static void closeValidator() {
        validation.close();
    }

    // ---- lint ---------------------------------------------------------------------------------

    @Test
    void lintsCleanWithDefaultValuesAndKeys() throws IOException {
        assertLintsClean(WITH_KEYS);
    }

    @Test
    void lintsCleanWithEverythingSwitchedOn() throws IOException {
        assertLintsClean(NON_DEFAULT);
    }

    @Test
    void lintsCleanWhenOpenOnPurpose() throws IOException {
        assertLintsClean(Map.of("security", Map.of("allowAnonymous", true, "metricsOpen", true)));
    }

    // ---- probes and ports ---------------------------------------------------------------------

    @Test
    void probesAskTheHealthGroupsOnTheServicePort() throws IOException {
        Manifests m = render(WITH_KEYS);

        assertProbesAndPorts(m, 8080);
        assertThat(DockerfileTest.serverPort()).as("server.port of the service's application.yaml").isEqualTo(8080);
        assertThat(m.one("Service", "jobpool-test").at("spec", "ports", 0, "port")).isEqualTo(8080);
        assertThat(m.one("Deployment", "jobpool-test").at("spec", "replicas")).isEqualTo(1);
    }

    @Test
    void probesFollowANonDefaultPort() throws IOException {
        Manifests m = render(NON_DEFAULT);

        assertProbesAndPorts(m, 9090);
        assertThat(m.one("Service", "jobpool-test").at("spec", "ports", 0, "port")).isEqualTo(80);
    }

    @Test
    void headlessServicePublishesEveryPodForDiscovery() throws IOException {
        Node headless = render(WITH_KEYS).one("Service", "jobpool-test-headless");

        assertThat(headless.at("spec", "clusterIP")).isEqualTo("None");
        assertThat(headless.at("spec", "publishNotReadyAddresses")).isEqualTo(true);
        assertThat(headless.at("spec", "ports", 0, "targetPort")).isEqualTo("http");
    }

    // ---- security context ---------------------------------------------------------------------

    @Test
    void podRunsLockedDown() throws IOException {
        for (Map<String, Object> values : List.of(WITH_KEYS, NON_DEFAULT)) {
            Node pod = render(values).one("Deployment", "jobpool-test").node("spec", "template", "spec");
            Node container = pod.node("containers", 0);

            assertThat(pod.at("securityContext", "runAsNonRoot")).isEqualTo(true);
            assertThat(pod.at("securityContext", "runAsUser")).isEqualTo(10001);
            assertThat(pod.at("securityContext", "seccompProfile", "type")).isEqualTo("RuntimeDefault");
            assertThat(pod.at("automountServiceAccountToken")).isEqualTo(false);
            assertThat(container.at("securityContext", "runAsNonRoot")).isEqualTo(true);
            assertThat(container.at("securityContext", "runAsUser")).isEqualTo(10001);
            assertThat(container.at("securityContext", "readOnlyRootFilesystem")).isEqualTo(true);
            assertThat(container.at("securityContext", "allowPrivilegeEscalation")).isEqualTo(false);
            assertThat(container.at("securityContext", "capabilities", "drop")).isEqualTo(List.of("ALL"));
            assertThat(container.at("securityContext", "seccompProfile", "type")).isEqualTo("RuntimeDefault");
            assertThat(mountPath(container, pod, "emptyDir")).as("writable /tmp on a read-only root").isEqualTo("/tmp");
            assertThat(container.at("resources", "limits", "cpu")).as("workers default to the CPU limit").isNotNull();
            assertThat(container.at("resources", "limits", "memory")).as("the heap is 75% of the memory limit").isNotNull();
            assertThat(env(container)).containsEntry("SERVER_ADDRESS", "0.0.0.0");
        }
    }

    // ---- API keys -----------------------------------------------------------------------------

    @Test
    void apiKeysAreOnlyInTheSecretAndReachTheServiceAsAFile() throws IOException {
        Manifests m = render(WITH_KEYS);

        for (Node doc : m.docs) {
            if (!doc.at("kind").equals("Secret")) {
                assertThat(dump(doc.value)).as("%s %s", doc.at("kind"), doc.at("metadata", "name"))
                        .doesNotContain(KEY_A).doesNotContain(KEY_B)
                        .doesNotContain(base64(KEY_A)).doesNotContain(base64(KEY_A + ":team-a"));
            }
        }
        Node secret = m.one("Secret", "jobpool-test-api-keys");
        String file = new String(Base64.getDecoder().decode((String) secret.at("data", "api-keys")), StandardCharsets.UTF_8);
        ApiKeys keys = ApiKeys.parse(file.lines().toList());
        assertThat(keys.size()).isEqualTo(2);
        assertThat(keys.tenantOf(KEY_A)).contains("team-a");
        assertThat(keys.tenantOf(KEY_B)).contains("team-b");

        Node pod = m.one("Deployment", "jobpool-test").node("spec", "template", "spec");
        assertKeysFileMounted(pod, "jobpool-test-api-keys", "api-keys");
    }

    @Test
    void existingSecretIsMountedAndNoSecretIsRendered() throws IOException {
        Manifests m = render(NON_DEFAULT);

        assertThat(m.all("Secret")).isEmpty();
        assertKeysFileMounted(m.one("Deployment", "jobpool-test").node("spec", "template", "spec"), "team-keys", "keys.txt");
    }

    @Test
    void refusesToRenderWithoutKeysUnlessAnonymousIsAllowed() throws IOException {
        assertThatThrownBy(() -> render(Map.of()))
                .hasMessageContaining("jobpool: no API keys")
                .hasMessageContaining("security.apiKeys")
                .hasMessageContaining("security.existingSecret")
                .hasMessageContaining("security.allowAnonymous=true");

        Manifests open = render(Map.of("security", Map.of("allowAnonymous", true)));
        assertThat(open.all("Secret")).isEmpty();
        Node container = open.one("Deployment", "jobpool-test").node("spec", "template", "spec", "containers", 0);
        assertThat(env(container)).doesNotContainKey("JOBPOOL_SECURITY_API_KEYS_FILE").doesNotContainKey("JOBPOOL_SECURITY_API_KEYS");
        assertThat(DockerfileTest.dig(applicationYaml(open), "jobpool", "security", "allow-anonymous")).isEqualTo(true);
    }

    @Test
    void refusesMalformedKeysWithoutEchoingThem() {
        assertThatThrownBy(() -> render(Map.of("security", Map.of("apiKeys", List.of("too-short:team")))))
                .hasMessageContaining("security.apiKeys[0] is not a key:tenant pair")
                .hasMessageNotContaining("too-short");
    }

    // ---- configuration ------------------------------------------------------------------------

    @Test
    void configMapCarriesEveryServiceSettingWithItsDefault() throws IOException {
        Map<String, Object> app = applicationYaml(render(WITH_KEYS));
        @SuppressWarnings("unchecked")
        Set<String> rendered = leaves("jobpool", (Map<String, Object>) app.get("jobpool"));
        Set<String> known = knownProperties();

        assertThat(rendered).as("keys the service does not know").allSatisfy(key ->
                assertThat(known.stream().anyMatch(k -> key.equals(k) || key.startsWith(k + "."))).as(key).isTrue());
        Set<String> missing = new TreeSet<>(known);
        missing.removeAll(rendered);
        // cluster.* values are rendered only with cluster.enabled (off, the ConfigMap stays as it was):
        // see configMapCarriesTheClusterSettingsWhenOn
        Set<String> cluster = known.stream().filter(k -> k.startsWith("jobpool.cluster.")).collect(TreeSet::new, Set::add, Set::addAll);
        assertThat(cluster).hasSize(11);
        Set<String> leftOut = new TreeSet<>(cluster);
        leftOut.addAll(List.of("jobpool.security.api-keys", "jobpool.security.api-keys-file", "jobpool.plugins.dir",
                "jobpool.process-functions"));
        assertThat(missing).as("settings values.yaml leaves out").containsExactlyInAnyOrderElementsOf(leftOut);

        Binder binder = binder(app);
        assertThat(bind(binder, "jobpool", io.jobpool.config.PoolProperties.class).workers()).isZero();
        assertThat(bind(binder, "jobpool.limits", io.jobpool.config.LimitsProperties.class).maxBodyBytes()).isEqualTo(67108864L);
        assertThat(bind(binder, "jobpool.security", io.jobpool.config.SecurityProperties.class).apiKeys()).isEmpty();
        for (Class<?> properties : propertiesClasses()) {
            bind(binder, properties.getAnnotation(ConfigurationProperties.class).value(), properties);
        }
    }

    @Test
    void configMapCarriesNonDefaultValuesAndBindsToTheServiceProperties() throws IOException {
        Map<String, Object> app = applicationYaml(render(NON_DEFAULT));
        Binder binder = binder(app);

        assertThat(DockerfileTest.dig(app, "server", "port")).isEqualTo(9090);
        io.jobpool.config.PoolProperties pool = bind(binder, "jobpool", io.jobpool.config.PoolProperties.class);
        assertThat(pool.workers()).isEqualTo(4);
        assertThat(pool.retention()).isEqualTo(Duration.ofMinutes(30));
        assertThat(bind(binder, "jobpool.results", io.jobpool.config.ResultsProperties.class).maxBytes()).isEqualTo(536870912L);
        io.jobpool.config.QuotaProperties quotas = bind(binder, "jobpool.quotas", io.jobpool.config.QuotaProperties.class);
        assertThat(quotas.tenants().get("batch-team").maxOpenJobs()).isEqualTo(5);
        assertThat(quotas.tenants().get("batch-team").maxQueuedItems()).isEqualTo(500000L);
        assertThat(bind(binder, "jobpool.plugins", io.jobpool.config.PluginProperties.class).dir()).isEqualTo(Path.of("/opt/jobpool/plugins"));
        for (Class<?> properties : propertiesClasses()) {
            bind(binder, properties.getAnnotation(ConfigurationProperties.class).value(), properties);
        }
    }

    @Test
    void configMapIsReadThroughTheAdditionalConfigLocation() throws IOException {
        Manifests m = render(WITH_KEYS);
        Node pod = m.one("Deployment", "jobpool-test").node("spec", "template", "spec");
        Node container = pod.node("containers", 0);

        assertThat(env(container)).containsEntry("SPRING_CONFIG_ADDITIONAL_LOCATION", "/config/");
        assertThat(mountPath(container, pod, "configMap")).isEqualTo("/config");
        assertThat(volume(pod, "configMap").at("configMap", "name")).isEqualTo(m.one("ConfigMap", "jobpool-test-config").at("metadata", "name"));
    }

    @Test
    void deploymentRollsWhenTheConfigurationChanges() throws IOException {
        Object before = render(WITH_KEYS).one("Deployment", "jobpool-test").at("spec", "template", "metadata", "annotations", "checksum/config");
        Map<String, Object> changed = new LinkedHashMap<>(WITH_KEYS);
        changed.put("jobpool", Map.of("workers", 3));
        Object after = render(changed).one("Deployment", "jobpool-test").at("spec", "template", "metadata", "annotations", "checksum/config");

        assertThat(after).isNotNull().isNotEqualTo(before);
    }

    // ---- process functions --------------------------------------------------------------------

    /** Two process functions, one of them a GPU function with a device per slot, and their files inline. */
    private static Map<String, Object> withProcessFunctions() throws IOException {
        Map<String, Object> values = new LinkedHashMap<>(WITH_KEYS);
        values.put("processFunctions", Map.of(
                "hello", Map.of(
                        "command", List.of("python3", "/opt/functions/hello.py"),
                        "processes", 2,
                        "description", "Greets each item",
                        "params-schema", Map.of("type", "object", "properties", Map.of("greeting", Map.of("type", "string"))),
                        "max-items-per-process", 100000,
                        "startup-timeout", "2m",
                        "memory-limit", "512MB",
                        "environment", Map.of("PYTHONPATH", "/opt/jobpool/python")),
                "slot", Map.of(
                        "command", List.of("python3", "-u", "/opt/functions/slot.py"),
                        "processes", 2,
                        "kind", "io",
                        "environment", Map.of("PYTHONPATH", "/opt/jobpool/python", "CUDA_VISIBLE_DEVICES", "{slot}"))));
        values.put("functions", Map.of("files", Map.of(
                "hello.py", Files.readString(ROOT.resolve("examples/process-functions/hello.py")),
                "slot.py", Files.readString(ROOT.resolve("examples/process-functions/slot.py")))));
        return values;
    }

    @Test
    void processFunctionsRenderIntoTheConfigurationTheServiceBinds() throws IOException {
        Map<String, Object> app = applicationYaml(render(withProcessFunctions()));

        assertThat(DockerfileTest.dig(app, "jobpool", "process-functions", "hello", "command")).isEqualTo(List.of("python3", "/opt/functions/hello.py"));
        assertThat(DockerfileTest.dig(app, "jobpool", "process-functions", "slot", "environment", "CUDA_VISIBLE_DEVICES"))
                .as("the braces survive templating").isEqualTo("{slot}");
        assertThat(DockerfileTest.dig(app, "jobpool", "process-functions", "hello", "params-schema"))
                .as("a YAML map becomes the JSON text the service reads").isInstanceOf(String.class);

        Binder binder = binder(app);
        Map<String, ProcessFunctionProperties.Entry> functions = bind(binder, "jobpool", ProcessFunctionProperties.class).processFunctions();
        assertThat(functions).containsOnlyKeys("hello", "slot");
        ProcessFunctionProperties.Entry hello = functions.get("hello");
        assertThat(hello.command()).containsExactly("python3", "/opt/functions/hello.py");
        assertThat(hello.processes()).isEqualTo(2);
        assertThat(hello.kind()).isEqualTo(Kind.CPU);
        assertThat(hello.description()).isEqualTo("Greets each item");
        assertThat(JsonMapper.builder().build().readValue(hello.paramsSchema(), Map.class))
                .isEqualTo(Map.of("type", "object", "properties", Map.of("greeting", Map.of("type", "string"))));
        assertThat(hello.maxItemsPerProcess()).isEqualTo(100000L);
        assertThat(hello.startupTimeout()).isEqualTo(Duration.ofMinutes(2));
        assertThat(hello.idleTimeout()).as("the service's default").isEqualTo(Duration.ofMinutes(30));
        assertThat(hello.memoryLimit()).isEqualTo(DataSize.ofMegabytes(512));
        assertThat(hello.environment()).containsExactly(Map.entry("PYTHONPATH", "/opt/jobpool/python"));
        ProcessFunctionProperties.Entry slot = functions.get("slot");
        assertThat(slot.kind()).isEqualTo(Kind.IO);
        assertThat(slot.environment()).containsOnly(Map.entry("PYTHONPATH", "/opt/jobpool/python"), Map.entry("CUDA_VISIBLE_DEVICES", "{slot}"));
        for (Class<?> properties : propertiesClasses()) {
            bind(binder, properties.getAnnotation(ConfigurationProperties.class).value(), properties);
        }
    }

    @Test
    void functionFilesComeFromAConfigMapMountedReadOnlyAtOptFunctions() throws IOException {
        Manifests m = render(withProcessFunctions());
        Node files = m.one("ConfigMap", "jobpool-test-functions");
        Node pod = m.one("Deployment", "jobpool-test").node("spec", "template", "spec");
        Node container = pod.node("containers", 0);

        assertThat(files.at("data", "hello.py")).isEqualTo(Files.readString(ROOT.resolve("examples/process-functions/hello.py")));
        assertThat(files.at("data", "slot.py")).isEqualTo(Files.readString(ROOT.resolve("examples/process-functions/slot.py")));
        Node volume = named(pod.list("volumes"), "functions");
        assertThat(volume.at("configMap", "name")).isEqualTo("jobpool-test-functions");
        Node mount = named(container.list("volumeMounts"), "functions");
        assertThat(mount.at("mountPath")).isEqualTo("/opt/functions");
        assertThat(mount.at("readOnly")).isEqualTo(true);
        assertThat(m.one("Deployment", "jobpool-test").at("spec", "template", "metadata", "annotations", "checksum/functions"))
                .as("pods roll when a file changes").isNotNull();
        @SuppressWarnings("unchecked")
        List<String> command = (List<String>) DockerfileTest.dig(applicationYaml(m), "jobpool", "process-functions", "hello", "command");
        assertThat(command.get(1)).startsWith(mount.at("mountPath") + "/").endsWith("/" + "hello.py");
    }

    @Test
    void functionFilesMayComeFromAnyVolumeAtAnyPath() throws IOException {
        Map<String, Object> values = new LinkedHashMap<>(WITH_KEYS);
        values.put("functions", Map.of("mountPath", "/srv/functions",
                "volume", Map.of("persistentVolumeClaim", Map.of("claimName", "my-functions", "readOnly", true))));
        Manifests m = render(values);
        Node pod = m.one("Deployment", "jobpool-test").node("spec", "template", "spec");

        assertThat(m.all("ConfigMap")).extracting(c -> c.at("metadata", "name")).containsExactly("jobpool-test-config");
        assertThat(named(pod.list("volumes"), "functions").at("persistentVolumeClaim", "claimName")).isEqualTo("my-functions");
        assertThat(named(pod.node("containers", 0).list("volumeMounts"), "functions").at("mountPath")).isEqualTo("/srv/functions");
    }

    @Test
    void withoutProcessFunctionsNothingChanges() throws IOException {
        Manifests m = render(WITH_KEYS);
        Node pod = m.one("Deployment", "jobpool-test").node("spec", "template", "spec");

        assertThat(m.all("ConfigMap")).hasSize(1);
        assertThat(pod.list("volumes")).extracting(v -> v.at("name")).containsExactly("config", "tmp", "api-keys");
        assertThat(pod.node("containers", 0).list("volumeMounts")).extracting(v -> v.at("name")).containsExactly("config", "tmp", "api-keys");
        assertThat(m.one("Deployment", "jobpool-test").node("spec", "template", "metadata", "annotations").map()).doesNotContainKey("checksum/functions");
        assertThat(DockerfileTest.dig(applicationYaml(m), "jobpool")).asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.MAP)
                .doesNotContainKey("process-functions");
    }

    @Test
    void refusesMisplacedOrMalformedProcessFunctions() throws IOException {
        Map<String, Object> values = new LinkedHashMap<>(WITH_KEYS);
        values.put("jobpool", Map.of("process-functions", Map.of("hello", Map.of("command", List.of("python3")))));
        assertThatThrownBy(() -> render(values)).hasMessageContaining("set processFunctions.<name> instead of jobpool.process-functions");

        values.remove("jobpool");
        values.put("processFunctions", Map.of("hello", Map.of("command", "python3 /opt/functions/hello.py")));
        assertThatThrownBy(() -> render(values)).hasMessageContaining("processFunctions.hello.command must be a list");

        values.put("processFunctions", Map.of("Hello_World", Map.of("command", List.of("python3"))));
        assertThatThrownBy(() -> render(values)).hasMessageContaining("processFunctions.Hello_World: a name is");

        values.remove("processFunctions");
        values.put("functions", Map.of("files", Map.of("a.py", "pass\n"), "volume", Map.of("emptyDir", Map.of())));
        assertThatThrownBy(() -> render(values)).hasMessageContaining("set functions.files or functions.volume, not both");

        values.put("functions", Map.of("files", Map.of("lib/a.py", "pass\n")));
        assertThatThrownBy(() -> render(values)).hasMessageContaining("functions.files: \"lib/a.py\" is not a ConfigMap key");
    }

    @Test
    void theDocumentedValuesRenderAndBind() throws IOException {
        String docs = Files.readString(ROOT.resolve("docs/process-functions.md"));
        String shipping = docs.substring(docs.indexOf("## Shipping process functions"));
        java.util.regex.Matcher block = java.util.regex.Pattern.compile("```yaml\n(.*?)```", java.util.regex.Pattern.DOTALL).matcher(shipping);
        int examples = 0;
        while (block.find()) {
            Map<String, Object> values = merge(new LinkedHashMap<>(WITH_KEYS), load(block.group(1)));
            Manifests m = render(values);
            Map<String, ProcessFunctionProperties.Entry> functions =
                    bind(binder(applicationYaml(m)), "jobpool", ProcessFunctionProperties.class).processFunctions();
            assertThat(functions).as(block.group(1)).isNotEmpty();
            functions.values().forEach(f -> assertThat(f.environment()).containsEntry("PYTHONPATH", DockerfileTest.SDK_DIR));
            examples++;
        }
        assertThat(examples).isEqualTo(2);
    }

    @Test
    void lintsCleanWithProcessFunctions() throws IOException {
        assertLintsClean(withProcessFunctions());
    }

    // ---- cluster mode -------------------------------------------------------------------------

    @Test
    void clusterOffRendersNothingNew() throws IOException {
        for (Map<String, Object> values : List.of(WITH_KEYS, NON_DEFAULT)) {
            String byDefault = renderText(values);
            String off = renderText(merge(values, Map.of("cluster", Map.of("enabled", false, "port", 5801))));
            assertThat(off).as("cluster.enabled=false renders as if the block were not there").isEqualTo(byDefault);

            Manifests m = render(values);
            assertThat(m.docs.stream().map(d -> d.at("kind") + "/" + d.at("metadata", "name")).toList())
                    .as("the objects of a single-node release").containsExactlyInAnyOrderElementsOf(
                            values == WITH_KEYS
                                    ? List.of("ServiceAccount/jobpool-test", "Secret/jobpool-test-api-keys", "ConfigMap/jobpool-test-config",
                                    "Service/jobpool-test", "Service/jobpool-test-headless", "Deployment/jobpool-test",
                                    "PodDisruptionBudget/jobpool-test")
                                    : List.of("ServiceAccount/jobpool-test", "ConfigMap/jobpool-test-config", "Service/jobpool-test",
                                    "Service/jobpool-test-headless", "Deployment/jobpool-test", "PodDisruptionBudget/jobpool-test",
                                    "HorizontalPodAutoscaler/jobpool-test", "ServiceMonitor/jobpool-test"));
            assertThat(m.all("NetworkPolicy")).isEmpty();
            assertThat(byDefault).doesNotContain("5701").doesNotContainIgnoringCase("hazelcast");
            Node deployment = m.one("Deployment", "jobpool-test");
            assertThat(deployment.list("spec", "template", "spec", "containers", 0, "ports")).extracting(p -> p.at("name")).containsExactly("http");
            assertThat(m.one("Service", "jobpool-test-headless").list("spec", "ports")).extracting(p -> p.at("name")).containsExactly("http");
            assertThat(m.one("Service", "jobpool-test").list("spec", "ports")).extracting(p -> p.at("name")).containsExactly("http");
            assertThat(deployment.node("spec").map()).doesNotContainKey("strategy");
            assertThat(deployment.at("spec", "template", "spec", "terminationGracePeriodSeconds")).isEqualTo(65);
            assertThat(applicationYaml(m).get("jobpool")).asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.MAP).doesNotContainKey("cluster");
            assertThat(bind(binder(applicationYaml(m)), "jobpool.cluster", io.jobpool.config.ClusterProperties.class).enabled()).isFalse();
        }
    }

    @Test
    void clusterOnPublishesEveryMemberOnTheHeadlessService() throws IOException {
        Manifests m = render(clusterValues(Map.of()));
        Node headless = m.one("Service", "jobpool-test-headless");

        assertThat(headless.at("spec", "clusterIP")).isEqualTo("None");
        assertThat(headless.at("spec", "publishNotReadyAddresses")).as("else pods starting together form separate clusters").isEqualTo(true);
        assertThat(headless.at("spec", "selector")).isEqualTo(m.one("Deployment", "jobpool-test").at("spec", "selector", "matchLabels"));
        Node port = named(headless.list("spec", "ports"), "hazelcast");
        assertThat(port.at("port")).isEqualTo(5701);
        assertThat(port.at("targetPort")).isEqualTo("hazelcast");
        assertThat(port.at("protocol")).isEqualTo("TCP");
        assertThat(named(headless.list("spec", "ports"), "http").at("targetPort")).isEqualTo("http");
        assertThat(m.one("Service", "jobpool-test").list("spec", "ports")).as("clients never reach the member port")
                .extracting(p -> p.at("name")).containsExactly("http");

        Manifests noHeadless = render(clusterValues(Map.of("headlessService", Map.of("enabled", false))));
        assertThat(noHeadless.one("Service", "jobpool-test-headless").at("spec", "publishNotReadyAddresses"))
                .as("discovery needs it, whatever headlessService.enabled says").isEqualTo(true);
    }

    @Test
    void clusterOnOpensTheMemberPortOnTheContainer() throws IOException {
        Node deployment = render(clusterValues(Map.of())).one("Deployment", "jobpool-test");
        Node container = deployment.node("spec", "template", "spec", "containers", 0);

        assertThat(named(container.list("ports"), "hazelcast").at("containerPort")).isEqualTo(5701);
        assertThat(named(container.list("ports"), "http").at("containerPort")).isEqualTo(8080);
        assertThat(deployment.at("spec", "replicas")).isEqualTo(3);
        assertThat(deployment.at("spec", "strategy", "type")).isEqualTo("RollingUpdate");
        assertThat(deployment.at("spec", "strategy", "rollingUpdate", "maxUnavailable")).as("one member at a time").isEqualTo(0);
        assertThat(deployment.at("spec", "strategy", "rollingUpdate", "maxSurge")).isEqualTo(1);
        assertThat(env(container)).as("the jar's manifest carries the JVM flags Hazelcast wants").doesNotContainKey("JAVA_TOOL_OPTIONS");
        assertProbesAndPorts(render(clusterValues(Map.of())), 8080);
    }

    @Test
    void clusterOnLeavesGracefullyWithinTheGracePeriod() throws IOException {
        Object grace = render(clusterValues(Map.of())).one("Deployment", "jobpool-test").at("spec", "template", "spec", "terminationGracePeriodSeconds");
        assertThat(grace).as("the drain's 65 s, then a leave of up to 20 s").isEqualTo(85);

        Map<String, Integer> leaves = Map.of("1m", 60, "500ms", 1, "1500", 2, "45s", 45, "1h", 3600);
        for (Map.Entry<String, Integer> leave : leaves.entrySet()) {
            Object value = leave.getKey().equals("1500") ? (Object) 1500 : leave.getKey();
            Manifests m = render(clusterValues(Map.of("terminationGracePeriodSeconds", 100, "cluster", Map.of("leaveTimeout", value))));
            assertThat(m.one("Deployment", "jobpool-test").at("spec", "template", "spec", "terminationGracePeriodSeconds"))
                    .as("leaveTimeout %s", value).isEqualTo(100 + leave.getValue());
            Duration bound = bind(binder(applicationYaml(m)), "jobpool.cluster", io.jobpool.config.ClusterProperties.class).leaveTimeout();
            assertThat(bound.toSeconds() + (bound.toMillisPart() > 0 ? 1 : 0)).as("the service reads %s as the chart does", value).isEqualTo((long) leave.getValue());
        }
    }

    @Test
    void clusterOnAdmitsTheMemberPortOnlyFromMembers() throws IOException {
        Manifests m = render(clusterValues(Map.of()));
        Node policy = m.one("NetworkPolicy", "jobpool-test");
        Map<String, Object> selector = m.one("Deployment", "jobpool-test").node("spec", "selector", "matchLabels").map();

        assertThat(policy.at("apiVersion")).isEqualTo("networking.k8s.io/v1");
        assertThat(policy.at("spec", "podSelector", "matchLabels")).isEqualTo(selector);
        assertThat(policy.at("spec", "policyTypes")).isEqualTo(List.of("Ingress"));
        List<Node> rules = policy.list("spec", "ingress");
        assertThat(rules).hasSize(2);
        Node http = ruleFor(rules, 8080);
        Node members = ruleFor(rules, 5701);
        assertThat(http.map()).as("the HTTP port stays open to every source, as without the policy").doesNotContainKey("from");
        assertThat(members.list("from")).hasSize(1);
        assertThat(members.at("from", 0)).as("only a podSelector: same namespace, this release's pods")
                .isEqualTo(Map.of("podSelector", Map.of("matchLabels", selector)));
        assertThat(m.one("Deployment", "jobpool-test").node("spec", "template", "metadata", "labels").map()).containsAllEntriesOf(selector);

        List<Map<String, Object>> peers = List.of(Map.of("namespaceSelector", Map.of("matchLabels", Map.of("team", "batch"))));
        Manifests restricted = render(clusterValues(Map.of("cluster", Map.of("networkPolicy", Map.of("httpFrom", peers)))));
        assertThat(ruleFor(restricted.one("NetworkPolicy", "jobpool-test").list("spec", "ingress"), 8080).at("from")).isEqualTo(peers);

        assertThat(render(clusterValues(Map.of("cluster", Map.of("networkPolicy", Map.of("enabled", false))))).all("NetworkPolicy")).isEmpty();
    }

    @Test
    void configMapCarriesTheClusterSettingsWhenOn() throws IOException {
        Manifests m = render(clusterValues(Map.of()));
        Map<String, Object> app = applicationYaml(m);
        Binder binder = binder(app);
        io.jobpool.config.ClusterProperties cluster = bind(binder, "jobpool.cluster", io.jobpool.config.ClusterProperties.class);

        assertThat(cluster.enabled()).isTrue();
        assertThat(cluster.port()).isEqualTo(5701);
        assertThat(cluster.name()).as("the release's full name").isEqualTo("jobpool-test");
        assertThat(cluster.kubernetesDns()).isEqualTo(m.one("Service", "jobpool-test-headless").at("metadata", "name") + ".jobs.svc.cluster.local");
        assertThat(cluster.heartbeat()).isEqualTo(Duration.ofSeconds(1));
        assertThat(cluster.maxNoHeartbeat()).isEqualTo(Duration.ofSeconds(5));
        assertThat(cluster.leaveTimeout()).isEqualTo(Duration.ofSeconds(20));
        assertThat(cluster.quorum()).isZero();
        assertThat(cluster.chunkTargetDuration()).isEqualTo(Duration.ofMillis(100));
        assertThat(cluster.members()).as("DNS discovery: no member list").isEmpty();
        assertThat(cluster.address()).as("each member binds to its pod's address").isNull();
        for (Class<?> properties : propertiesClasses()) {
            bind(binder, properties.getAnnotation(ConfigurationProperties.class).value(), properties);
        }

        Set<String> missing = new TreeSet<>(knownProperties());
        @SuppressWarnings("unchecked")
        Set<String> rendered = leaves("jobpool", (Map<String, Object>) app.get("jobpool"));
        missing.removeAll(rendered);
        assertThat(missing).as("settings values.yaml leaves out in cluster mode").containsExactlyInAnyOrder(
                "jobpool.security.api-keys", "jobpool.security.api-keys-file", "jobpool.plugins.dir", "jobpool.process-functions",
                "jobpool.cluster.address", "jobpool.cluster.members");
    }

    @Test
    void clusterSettingsFollowNonDefaultValues() throws IOException {
        Map<String, Object> values = merge(NON_DEFAULT, Map.of("cluster", Map.of("enabled", true, "name", "batch", "port", 5801,
                "heartbeat", "2s", "maxNoHeartbeat", "30s", "leaveTimeout", "1m", "clusterDomain", "corp.example", "quorum", 2,
                "chunkTargetDuration", "250ms")));
        Manifests m = render(values);
        io.jobpool.config.ClusterProperties cluster = bind(binder(applicationYaml(m)), "jobpool.cluster", io.jobpool.config.ClusterProperties.class);

        assertThat(cluster.name()).isEqualTo("batch");
        assertThat(cluster.port()).isEqualTo(5801);
        assertThat(cluster.kubernetesDns()).isEqualTo("jobpool-test-headless.jobs.svc.corp.example");
        assertThat(cluster.heartbeat()).isEqualTo(Duration.ofSeconds(2));
        assertThat(cluster.maxNoHeartbeat()).isEqualTo(Duration.ofSeconds(30));
        assertThat(cluster.leaveTimeout()).isEqualTo(Duration.ofMinutes(1));
        assertThat(cluster.quorum()).isEqualTo(2);
        assertThat(cluster.chunkTargetDuration()).isEqualTo(Duration.ofMillis(250));
        Node deployment = m.one("Deployment", "jobpool-test");
        assertThat(named(deployment.list("spec", "template", "spec", "containers", 0, "ports"), "hazelcast").at("containerPort")).isEqualTo(5801);
        assertThat(named(m.one("Service", "jobpool-test-headless").list("spec", "ports"), "hazelcast").at("port")).isEqualTo(5801);
        Node policy = m.one("NetworkPolicy", "jobpool-test");
        assertThat(ruleFor(policy.list("spec", "ingress"), 5801).list("from")).hasSize(1);
        assertThat(ruleFor(policy.list("spec", "ingress"), 9090).map()).doesNotContainKey("from");
        assertThat(deployment.at("spec", "template", "spec", "terminationGracePeriodSeconds")).isEqualTo(65 + 60);
        assertThat(deployment.node("spec").map()).as("the autoscaler owns the replicas").doesNotContainKey("replicas");
        assertThat(m.one("HorizontalPodAutoscaler", "jobpool-test").at("spec", "scaleTargetRef", "name")).isEqualTo("jobpool-test");
        assertThat(m.one("PodDisruptionBudget", "jobpool-test").at("spec", "maxUnavailable")).as("drains take one member at a time").isEqualTo(1);
    }

    @Test
    void clusterRefusesSettingsTheServiceWouldRejectOrMisread() {
        assertThatThrownBy(() -> render(merge(WITH_KEYS, Map.of("jobpool", Map.of("cluster", Map.of("enabled", true))))))
                .hasMessageContaining("set cluster.* (cluster.enabled, cluster.port, ...) instead of jobpool.cluster.*");
        assertThatThrownBy(() -> render(clusterValues(Map.of("cluster", Map.of("leaveTimeout", "PT20S")))))
                .hasMessageContaining("cluster.leaveTimeout: \"PT20S\" is not a duration");
        assertThatThrownBy(() -> render(clusterValues(Map.of("cluster", Map.of("heartbeat", "5s", "maxNoHeartbeat", "5s")))))
                .hasMessageContaining("cluster.maxNoHeartbeat (5s) must be longer than cluster.heartbeat (5s)");
        assertThatThrownBy(() -> render(clusterValues(Map.of("cluster", Map.of("port", 8080)))))
                .hasMessageContaining("cluster.port 8080 must be a TCP port (1-65535) other than containerPort");
        assertThatThrownBy(() -> render(clusterValues(Map.of("cluster", Map.of("quorum", 1)))))
                .hasMessageContaining("cluster.quorum 1 must be 0 (no check) or at least 2");
    }

    @Test
    void lintsCleanWithClusterOn() throws IOException {
        assertLintsClean(clusterValues(Map.of()));
    }

    @Test
    void lintsCleanWithClusterOnAndEverythingElseSwitchedOn() throws IOException {
        assertLintsClean(merge(NON_DEFAULT, Map.of("cluster", Map.of("enabled", true, "networkPolicy",
                Map.of("httpFrom", List.of(Map.of("podSelector", Map.of("matchLabels", Map.of("role", "client")))))))));
    }

    /** WITH_KEYS, three replicas and cluster mode on, with the given values merged over them. */
    private static Map<String, Object> clusterValues(Map<String, Object> more) {
        Map<String, Object> values = merge(WITH_KEYS, Map.of("replicaCount", 3, "cluster", Map.of("enabled", true)));
        return merge(values, more);
    }

    /** The one ingress rule of a NetworkPolicy for the given port. */
    private static Node ruleFor(List<Node> rules, int port) {
        List<Node> found = rules.stream().filter(r -> r.list("ports").stream().anyMatch(p -> Integer.valueOf(port).equals(p.at("port")))).toList();
        assertThat(found).as("ingress rules for port %d", port).hasSize(1);
        assertThat(found.get(0).list("ports")).as("ports of the rule for %d", port).hasSize(1);
        return found.get(0);
    }

    // ---- optional objects ---------------------------------------------------------------------

    @Test
    void optionalObjectsAreOffByDefault() throws IOException {
        Manifests m = render(WITH_KEYS);

        assertThat(m.all("HorizontalPodAutoscaler")).isEmpty();
        assertThat(m.all("ServiceMonitor")).isEmpty();
        assertThat(m.one("PodDisruptionBudget", "jobpool-test").at("spec", "maxUnavailable")).isEqualTo(1);
    }

    @Test
    void autoscalerOwnsTheReplicaCount() throws IOException {
        Manifests m = render(NON_DEFAULT);
        Node hpa = m.one("HorizontalPodAutoscaler", "jobpool-test");

        assertThat(hpa.at("apiVersion")).isEqualTo("autoscaling/v2");
        assertThat(hpa.at("spec", "scaleTargetRef", "kind")).isEqualTo("Deployment");
        assertThat(hpa.at("spec", "scaleTargetRef", "name")).isEqualTo("jobpool-test");
        assertThat(hpa.at("spec", "minReplicas")).isEqualTo(2);
        assertThat(hpa.at("spec", "maxReplicas")).isEqualTo(6);
        assertThat(m.one("Deployment", "jobpool-test").node("spec").map()).doesNotContainKey("replicas");
    }

    @Test
    void serviceMonitorScrapesPrometheusOnTheMainServiceWithABearerToken() throws IOException {
        Manifests m = render(NON_DEFAULT);
        Node monitor = m.one("ServiceMonitor", "jobpool-test");

        assertThat(monitor.at("spec", "endpoints", 0, "port")).isEqualTo("http");
        assertThat(monitor.at("spec", "endpoints", 0, "path")).isEqualTo("/actuator/prometheus");
        assertThat(monitor.at("spec", "endpoints", 0, "authorization", "credentials", "name")).isEqualTo("jobpool-scrape");
        assertThat(monitor.at("spec", "endpoints", 0, "authorization", "credentials", "key")).isEqualTo("token");
        Map<String, Object> selector = monitor.node("spec", "selector", "matchLabels").map();
        assertThat(m.one("Service", "jobpool-test").node("metadata", "labels").map()).containsAllEntriesOf(selector);
        assertThat(m.one("Service", "jobpool-test-headless").node("metadata", "labels").map().entrySet())
                .as("the headless Service would be scraped twice").doesNotContainAnyElementsOf(
                        selector.entrySet().stream().filter(e -> e.getKey().equals("app.kubernetes.io/component")).toList());
    }

    @Test
    void serviceMonitorNeedsOpenMetricsOrAToken() throws IOException {
        Map<String, Object> values = new LinkedHashMap<>(WITH_KEYS);
        values.put("serviceMonitor", Map.of("enabled", true));
        assertThatThrownBy(() -> render(values)).hasMessageContaining("serviceMonitor.enabled needs security.metricsOpen=true");

        values.put("security", Map.of("apiKeys", List.of(KEY_A + ":team-a"), "metricsOpen", true));
        Manifests m = render(values);
        assertThat(m.one("ServiceMonitor", "jobpool-test").node("spec", "endpoints", 0).map()).doesNotContainKey("authorization");
        assertThat(DockerfileTest.dig(applicationYaml(m), "jobpool", "security", "metrics-open")).isEqualTo(true);
    }

    // ---- assertions shared by several tests ---------------------------------------------------

    private static void assertProbesAndPorts(Manifests m, int port) {
        Node container = m.one("Deployment", "jobpool-test").node("spec", "template", "spec", "containers", 0);
        Node http = container.list("ports").stream().filter(p -> "http".equals(p.at("name"))).findFirst().orElseThrow();
        assertThat(http.at("containerPort")).isEqualTo(port);
        assertThat(DockerfileTest.dig(applicationYaml(m), "server", "port")).as("server.port in the ConfigMap").isEqualTo(port);

        assertThat(container.at("livenessProbe", "httpGet", "path")).isEqualTo("/actuator/health/liveness");
        assertThat(container.at("readinessProbe", "httpGet", "path")).isEqualTo("/actuator/health/readiness");
        assertThat(container.at("startupProbe", "httpGet", "path")).isEqualTo("/actuator/health/liveness");
        for (String probe : List.of("livenessProbe", "readinessProbe", "startupProbe")) {
            assertThat(container.at(probe, "httpGet", "port")).as(probe).isEqualTo("http");
        }
        for (String service : List.of("jobpool-test", "jobpool-test-headless")) {
            Object target = m.one("Service", service).at("spec", "ports", 0, "targetPort");
            assertThat(target.equals("http") || target.equals(port)).as("%s targetPort %s", service, target).isTrue();
        }
    }

    private static void assertKeysFileMounted(Node pod, String secretName, String key) {
        Node container = pod.node("containers", 0);
        Map<String, Object> env = env(container);
        Node secretVolume = volume(pod, "secret");
        String mount = mountPath(container, pod, "secret");

        assertThat(secretVolume.at("secret", "secretName")).isEqualTo(secretName);
        assertThat(secretVolume.at("secret", "items", 0, "key")).isEqualTo(key);
        assertThat(env).containsEntry("JOBPOOL_SECURITY_API_KEYS_FILE", mount + "/" + secretVolume.at("secret", "items", 0, "path"));
        assertThat(env).doesNotContainKey("JOBPOOL_SECURITY_API_KEYS");
        assertThat(container.list("env")).allSatisfy(e -> assertThat(e.map()).doesNotContainKey("valueFrom"));
    }

    private void assertLintsClean(Map<String, Object> values) throws IOException {
        Path chart = temp.resolve("jobpool");
        try (Stream<Path> files = Files.walk(CHART)) {
            for (Path source : files.toList()) {
                Path target = chart.resolve(CHART.relativize(source).toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(source, target);
                }
            }
        }
        Map<String, Object> merged = merge(load(Files.readString(CHART.resolve("values.yaml"))), values);
        Files.writeString(chart.resolve("values.yaml"), dump(merged));

        LintResult result = new Helm(chart).lint().strict().call();

        assertThat(result.getMessages()).noneMatch(msg -> msg.contains("[ERROR]") || msg.contains("[WARNING]"));
        assertThat(result.isFailed()).as("helm lint --strict: %s", result.getMessages()).isFalse();
    }

    // ---- rendering and YAML navigation --------------------------------------------------------

    private Manifests render(Map<String, Object> values) throws IOException {
        String out = renderText(values);
        List<Node> docs = new ArrayList<>();
        for (Object doc : new Yaml().loadAll(out)) {
            if (doc != null) {
                docs.add(new Node(doc));
            }
        }
        assertThat(docs).isNotEmpty();
        return new Manifests(docs);
    }

    /** helm template's output, as is. */
    private String renderText(Map<String, Object> values) throws IOException {
        Path file = Files.createTempFile(temp, "values", ".yaml");
        Files.writeString(file, dump(values));
        return new Helm(CHART).template().withName("jobpool-test").withNamespace("jobs").withValuesFile(file).call();
    }

    record Manifests(List<Node> docs) {
        List<Node> all(String kind) {
            return docs.stream().filter(d -> kind.equals(d.at("kind"))).toList();
        }

        Node one(String kind, String name) {
            List<Node> found = all(kind).stream().filter(d -> name.equals(d.at("metadata", "name"))).toList();
            assertThat(found).as("%s %s among %s", kind, name, docs.stream().map(d -> d.at("kind") + "/" + d.at("metadata", "name")).toList())
                    .hasSize(1);
            return found.get(0);
        }
    }

    /** A node of a parsed manifest, navigated by map keys and list indexes. */
    record Node(Object value) {
        Object at(Object... path) {
            Object node = value;
            for (Object step : path) {
                if (node instanceof Map<?, ?> map) {
                    node = map.get(step);
                } else if (node instanceof List<?> list && step instanceof Integer i) {
                    node = i < list.size() ? list.get(i) : null;
                } else {
                    return null;
                }
            }
            return node;
        }

        Node node(Object... path) {
            Object node = at(path);
            assertThat(node).as("manifest path %s", List.of(path)).isNotNull();
            return new Node(node);
        }

        List<Node> list(Object... path) {
            Object node = at(path);
            return node == null ? List.of() : ((List<?>) node).stream().map(Node::new).toList();
        }

        @SuppressWarnings("unchecked")
        Map<String, Object> map() {
            return (Map<String, Object>) value;
        }
    }

    private static Map<String, Object> env(Node container) {
        Map<String, Object> env = new LinkedHashMap<>();
        for (Node e : container.list("env")) {
            env.put((String) e.at("name"), e.at("value"));
        }
        return env;
    }

    private static Node named(List<Node> nodes, String name) {
        List<Node> found = nodes.stream().filter(n -> name.equals(n.at("name"))).toList();
        assertThat(found).as("%s among %s", name, nodes.stream().map(n -> n.at("name")).toList()).hasSize(1);
        return found.get(0);
    }

    /** The volume of the given source type (configMap, secret, emptyDir, ...); exactly one expected. */
    private static Node volume(Node pod, String type) {
        List<Node> found = pod.list("volumes").stream().filter(v -> v.map().containsKey(type)).toList();
        assertThat(found).as("%s volumes", type).hasSize(1);
        return found.get(0);
    }

    private static String mountPath(Node container, Node pod, String volumeType) {
        Object name = volume(pod, volumeType).at("name");
        return container.list("volumeMounts").stream().filter(m -> name.equals(m.at("name")))
                .map(m -> (String) m.at("mountPath")).findFirst().orElseThrow();
    }

    private static Map<String, Object> applicationYaml(Manifests m) {
        Object text = m.one("ConfigMap", "jobpool-test-config").at("data", "application.yaml");
        assertThat(text).isInstanceOf(String.class);
        return load((String) text);
    }

    // ---- the service's configuration properties -----------------------------------------------

    private static List<Class<?>> propertiesClasses() {
        ClassPathScanningCandidateComponentProvider scanner = new ClassPathScanningCandidateComponentProvider(false);
        scanner.addIncludeFilter(new AnnotationTypeFilter(ConfigurationProperties.class));
        List<Class<?>> classes = new ArrayList<>();
        for (BeanDefinition candidate : scanner.findCandidateComponents("io.jobpool.config")) {
            try {
                classes.add(Class.forName(candidate.getBeanClassName()));
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException(e);
            }
        }
        assertThat(classes).hasSizeGreaterThanOrEqualTo(10);
        return classes;
    }

    /** Every jobpool.* property of the service, from its @ConfigurationProperties records. */
    private static Set<String> knownProperties() {
        Set<String> known = new TreeSet<>();
        for (Class<?> type : propertiesClasses()) {
            String prefix = type.getAnnotation(ConfigurationProperties.class).value();
            assertThat(type.isRecord()).as(type.getName()).isTrue();
            for (RecordComponent component : type.getRecordComponents()) {
                known.add(prefix + "." + component.getName().replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT));
            }
        }
        return known;
    }

    /** Dotted keys of the leaves of a settings tree (an empty map, and quotas.tenants, count as leaves). */
    @SuppressWarnings("unchecked")
    private static Set<String> leaves(String prefix, Map<String, Object> map) {
        Set<String> keys = new TreeSet<>();
        map.forEach((name, value) -> {
            String key = prefix + "." + name;
            if (value instanceof Map<?, ?> child && !child.isEmpty() && !key.equals("jobpool.quotas.tenants")) {
                keys.addAll(leaves(key, (Map<String, Object>) child));
            } else {
                keys.add(key);
            }
        });
        return keys;
    }

    private static Binder binder(Map<String, Object> app) throws IOException {
        List<PropertySource<?>> sources = new YamlPropertySourceLoader()
                .load("configmap", new ByteArrayResource(dump(app).getBytes(StandardCharsets.UTF_8)));
        return new Binder(ConfigurationPropertySources.from(sources));
    }

    /** Binds as the service does, with its defaults and its bean validation constraints. */
    private static <T> T bind(Binder binder, String prefix, Class<T> type) {
        return binder.bindOrCreate(prefix, Bindable.of(type), new ValidationBindHandler(new SpringValidatorAdapter(validation.getValidator())));
    }

    // ---- YAML helpers -------------------------------------------------------------------------

    private static Map<String, Object> load(String yaml) {
        Map<String, Object> map = new Yaml().load(yaml);
        return map == null ? new LinkedHashMap<>() : map;
    }

    private static String dump(Object value) {
        DumperOptions options = new DumperOptions();
        options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
        return new Yaml(options).dump(value);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> merge(Map<String, Object> base, Map<String, Object> overrides) {
        Map<String, Object> merged = new LinkedHashMap<>(base);
        overrides.forEach((key, value) -> {
            if (value instanceof Map<?, ?> child && merged.get(key) instanceof Map<?, ?> existing) {
                merged.put(key, merge((Map<String, Object>) existing, (Map<String, Object>) child));
            } else {
                merged.put(key, value);
            }
        });
        return merged;
    }

    private static String base64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }
}
