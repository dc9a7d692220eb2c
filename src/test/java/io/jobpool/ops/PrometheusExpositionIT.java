package io.jobpool.ops;

import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Prometheus exposition is what Prometheus' own {@code promtool} accepts, it carries every meter
 * the dashboards and alerts need, and the alert rules in {@code dashboards/alerts.yaml} are valid
 * and read only metrics the service exports. Skipped, saying why, where promtool is not installed.
 */
class PrometheusExpositionIT extends MetricsServerTest {

    static final Path ALERT_RULES = Path.of("dashboards/alerts.yaml");

    /** Series Prometheus makes itself while scraping, not exported by the service. */
    static final Set<String> SCRAPE_SERIES = Set.of("up", "scrape_duration_seconds", "scrape_samples_scraped");

    /**
     * promtool's lint findings accepted on purpose (docs/operations.md, "Metrics"): standard Micrometer
     * JVM and system meters whose names community dashboards rely on. Renaming them would break those
     * dashboards; promtool reports them, Prometheus ingests them fine.
     */
    static final Set<String> ACCEPTED_LINT = Set.of(
            "jvm_compilation_time_ms_total metric names should not contain abbreviated units",
            "process_cpu_time_ns_total metric names should not contain abbreviated units",
            "system_cpu_count non-histogram and non-summary metrics should not have \"_count\" suffix");

    @Test
    void expositionPassesPromtoolCheckMetrics() {
        Promtool promtool = Promtool.installed();

        Promtool.Result result = promtool.checkMetrics(exposition());

        List<String> findings = result.output().lines().filter(line -> !line.isBlank()).toList();
        assertThat(findings).as("promtool check metrics (exit %d):%n%s", result.exitCode(), result.output())
                .allMatch(ACCEPTED_LINT::contains);
        // promtool exits 3 for lint findings only, 1 for an exposition it cannot parse
        assertThat(result.exitCode()).as(result.output()).isEqualTo(findings.isEmpty() ? 0 : 3);
    }

    @Test
    void promtoolCatchesABadExposition() {
        Promtool promtool = Promtool.installed();

        Promtool.Result unparsable = promtool.checkMetrics("jobpool_queue_items{application=\"jobpool\" 1\n");
        Promtool.Result badName = promtool.checkMetrics("# HELP jobpool_queue_items_count Items\n"
                + "# TYPE jobpool_queue_items_count gauge\njobpool_queue_items_count 1\n");

        assertThat(unparsable.exitCode()).as(unparsable.output()).isEqualTo(1);
        assertThat(badName.exitCode()).as(badName.output()).isEqualTo(3);
        assertThat(ACCEPTED_LINT).noneMatch(badName.output()::contains);
    }

    @Test
    void watchedRefusalCountersExistBeforeAnyRefusal() {
        String exposition = exposition();

        for (String reason : List.of("overloaded", "quota-exceeded", "shutting-down", "payload-too-large",
                "unknown-function", "invalid-params", "invalid-expression")) {
            assertThat(exposition).as("a jobpool_jobs_rejected_total series for %s", reason)
                    .containsPattern("(?m)^jobpool_jobs_rejected_total\\{[^}]*reason=\"" + reason + "\"[^}]*\\} ");
        }
        assertThat(exposition).containsPattern("(?m)^jobpool_streams_cut_total\\{[^}]*reason=\"stalled\"");
    }

    @Test
    void everyMeterTheDashboardsNeedIsExposed() {
        Set<String> names = sampleNames(exposition());

        assertThat(names).contains(
                "jobpool_jobs", "jobpool_jobs_submitted_total", "jobpool_jobs_finished_total", "jobpool_jobs_rejected_total",
                "jobpool_job_duration_seconds_bucket", "jobpool_items_processed_total", "jobpool_items_retried_total",
                "jobpool_item_duration_seconds_bucket", "jobpool_item_duration_seconds_count", "jobpool_item_duration_seconds_sum",
                "jobpool_queue_items", "jobpool_queue_items_max", "jobpool_workers", "jobpool_workers_busy", "jobpool_tasks_active",
                "jobpool_tenant_items_queued", "jobpool_streams_active", "jobpool_cel_evaluations_total", "jobpool_cel_failures_total",
                "jobpool_function_states_initialized_total", "jobpool_function_states_closed_total",
                "http_server_requests_seconds_count", "http_server_requests_seconds_bucket",
                "jvm_memory_used_bytes", "jvm_memory_max_bytes", "process_cpu_usage");
    }

    @Test
    void itemDurationHistogramHasBucketsFromMicrosecondsToAMinute() {
        String exposition = exposition();

        List<String> bounds = exposition.lines()
                .filter(line -> line.startsWith("jobpool_item_duration_seconds_bucket{") && line.contains("function=\"square\""))
                .map(line -> line.replaceAll(".*le=\"([^\"]+)\".*", "$1")).toList();

        assertThat(bounds).contains("1.0E-5", "0.001", "0.1", "1.0", "60.0", "+Inf").hasSize(21);
    }

    @Test
    void jobsByStateCountsRetainedJobs() {
        String exposition = exposition();

        assertThat(value(exposition, "jobpool_jobs{", "state=\"SUCCEEDED\"")).isGreaterThanOrEqualTo(3);
        assertThat(value(exposition, "jobpool_jobs{", "state=\"FAILED\"")).isGreaterThanOrEqualTo(1);
        assertThat(value(exposition, "jobpool_jobs{", "state=\"CANCELLED\"")).isGreaterThanOrEqualTo(1);
    }

    @Test
    void tenantQueuedItemsCountsTheTenantsUnfinishedItems() {
        double before = value(exposition(), "jobpool_tenant_items_queued{", "tenant=\"anonymous\"");
        String slow = submit(Map.of("function", "sleep", "inputs", List.of(60_000, 60_000, 60_000)));

        double during = value(exposition(), "jobpool_tenant_items_queued{", "tenant=\"anonymous\"");
        http.delete("/v1/jobs/" + slow);

        assertThat(during - before).isEqualTo(3);
    }

    @Test
    void alertRulesPassPromtoolCheckRules() {
        Promtool promtool = Promtool.installed();

        Promtool.Result result = promtool.checkRules(ALERT_RULES);

        assertThat(result.ok()).as("promtool check rules:%n%s", result.output()).isTrue();
        assertThat(result.output()).contains("SUCCESS: 8 rules found");
    }

    @Test
    void alertRulesReadOnlyExportedMetrics() throws IOException {
        Set<String> exported = sampleNames(exposition());
        Set<String> used = new TreeSet<>();
        for (String expr : alertExpressions()) {
            used.addAll(PromQl.metricNames(expr));
        }

        assertThat(used).contains("up", "jobpool_queue_items", "jobpool_jobs_rejected_total");
        used.removeAll(SCRAPE_SERIES);
        assertThat(exported).containsAll(used);
    }

    @SuppressWarnings("unchecked")
    private static List<String> alertExpressions() throws IOException {
        Map<String, Object> rules = new Yaml().load(Files.readString(ALERT_RULES));
        List<String> exprs = new ArrayList<>();
        for (Map<String, Object> group : (List<Map<String, Object>>) rules.get("groups")) {
            for (Map<String, Object> rule : (List<Map<String, Object>>) group.get("rules")) {
                exprs.add(String.valueOf(rule.get("expr")));
            }
        }
        return exprs;
    }

    /** The value of the one sample line starting with {@code prefix} and containing {@code label}. */
    private static double value(String exposition, String prefix, String label) {
        List<String> lines = exposition.lines().filter(line -> line.startsWith(prefix) && line.contains(label)).toList();
        assertThat(lines).as(prefix + label).hasSize(1);
        String line = lines.get(0);
        return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
    }
}
