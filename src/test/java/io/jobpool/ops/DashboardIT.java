package io.jobpool.ops;

import io.jobpool.support.Http;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code dashboards/jobpool.json} is a Grafana dashboard whose every query reads only metrics the
 * running service really exports: each metric name in each {@code expr} (and in the template
 * variables' {@code label_values}) must be a sample name of the live {@code /actuator/prometheus}.
 */
class DashboardIT extends MetricsServerTest {

    static final Path DASHBOARD = Path.of("dashboards/jobpool.json");

    @Test
    void dashboardIsAGrafanaDashboardWithADataSourceAndATenantVariable() throws IOException {
        JsonNode dashboard = dashboard();

        assertThat(dashboard.get("schemaVersion").asInt()).isBetween(36, 41);
        assertThat(dashboard.get("uid").asString()).isEqualTo("jobpool");
        assertThat(variables(dashboard)).containsKeys("DS_PROMETHEUS", "tenant");
        assertThat(variables(dashboard).get("DS_PROMETHEUS").get("type").asString()).isEqualTo("datasource");
        assertThat(variables(dashboard).get("tenant").get("definition").asString()).startsWith("label_values(");
        for (JsonNode panel : dashboard.get("panels")) {
            if (!panel.get("type").asString().equals("row")) {
                assertThat(panel.get("datasource").get("uid").asString()).as(panel.get("title").asString())
                        .isEqualTo("${DS_PROMETHEUS}");
                assertThat(panel.get("targets")).as(panel.get("title").asString()).isNotEmpty();
            }
        }
    }

    @Test
    void dashboardHasThePanelsOperatorsNeed() throws IOException {
        List<String> exprs = expressions(dashboard());

        assertThat(String.join("\n", exprs)).contains("jobpool_items_processed_total", "jobpool_queue_items",
                "jobpool_workers_busy", "jobpool_item_duration_seconds_bucket", "jobpool_jobs_finished_total",
                "jobpool_jobs_rejected_total", "jobpool_tenant_items_queued", "jobpool_streams_active",
                "jobpool_cel_failures_total", "jobpool_process_alive", "jobpool_process_crashes_total", "jobpool_cluster_members", "jobpool_cluster_membership_total", "jobpool_cluster_chunks_total",
                "jobpool_cluster_partitions_migrating", "jvm_memory_used_bytes", "http_server_requests_seconds_count");
    }

    @Test
    void everyQueryReadsOnlyExportedMetrics() throws IOException {
        Set<String> exported = sampleNames(exposition());

        Map<String, Set<String>> unknown = unknownMetrics(expressions(dashboard()), exported);

        assertThat(unknown).as("queries reading metrics the service does not export").isEmpty();
    }

    @Test
    void aMisspelledMetricIsCaught() {
        Set<String> exported = sampleNames(exposition());
        String wrong = "sum by (function) (rate(jobpool_items_procesed_total{application=\"jobpool\"}[$__rate_interval]))";

        Map<String, Set<String>> unknown = unknownMetrics(List.of(wrong), exported);

        assertThat(unknown).containsEntry(wrong, Set.of("jobpool_items_procesed_total"));
    }

    @Test
    void metricNamesAreFoundAmongFunctionsLabelsAndVariables() {
        assertThat(PromQl.metricNames("histogram_quantile(0.99, sum by (le, function) (rate("
                + "jobpool_item_duration_seconds_bucket{tenant=~\"${tenant}\", le!=\"1e3\"}[$__rate_interval])))"))
                .containsExactly("jobpool_item_duration_seconds_bucket");
        assertThat(PromQl.metricNames("sum(a_total offset 1h) / on (instance) group_left(pool) b + 2e3 * c[5m:1m]"))
                .containsExactly("a_total", "b", "c");
    }

    /** Each expression with the metric names it reads that are not exported; expressions without any are left out. */
    private static Map<String, Set<String>> unknownMetrics(List<String> exprs, Set<String> exported) {
        Map<String, Set<String>> unknown = new TreeMap<>();
        for (String expr : exprs) {
            Set<String> missing = new TreeSet<>(PromQl.metricNames(expr));
            missing.removeAll(exported);
            if (!missing.isEmpty()) {
                unknown.put(expr, missing);
            }
        }
        return unknown;
    }

    private static JsonNode dashboard() throws IOException {
        return Http.JSON.readTree(Files.readString(DASHBOARD));
    }

    private static Map<String, JsonNode> variables(JsonNode dashboard) {
        Map<String, JsonNode> byName = new TreeMap<>();
        for (JsonNode variable : dashboard.get("templating").get("list")) {
            byName.put(variable.get("name").asString(), variable);
        }
        return byName;
    }

    /** Every panel target's expr, and the metric selector of every label_values variable. */
    private static List<String> expressions(JsonNode dashboard) {
        List<String> exprs = new ArrayList<>();
        for (JsonNode panel : dashboard.get("panels")) {
            for (JsonNode target : panel.path("targets")) {
                exprs.add(target.get("expr").asString());
            }
        }
        for (JsonNode variable : variables(dashboard).values()) {
            String definition = variable.path("definition").asString("");
            if (definition.startsWith("label_values(")) {
                // label_values(selector, label): only the selector is PromQL
                exprs.add(definition.substring("label_values(".length(), definition.lastIndexOf(',')));
            }
        }
        assertThat(exprs).isNotEmpty();
        return exprs;
    }
}
