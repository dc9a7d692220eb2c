package io.jobpool.config;

import io.jobpool.api.AbandonedBodyValve;
import io.jobpool.api.BodySizeLimitFilter;
import io.jobpool.api.HeaderDeadlineProtocol;
import io.jobpool.api.ProblemErrorReportValve;
import io.jobpool.api.StreamHub;
import io.jobpool.execution.Engine;
import io.jobpool.execution.EngineSettings;
import io.jobpool.function.FunctionCatalog;
import io.jobpool.function.ParamsSchema;
import io.jobpool.function.PluginLoader;
import io.jobpool.function.cel.CelExpressions;
import io.jobpool.function.process.ProcessFunctionSpec;
import io.jobpool.function.process.ProcessFunctions;
import io.jobpool.function.spi.JobFunction;
import io.jobpool.function.builtin.Fail;
import io.jobpool.function.builtin.Pow;
import io.jobpool.function.builtin.Primes;
import io.jobpool.function.builtin.Sha256;
import io.jobpool.function.builtin.Sleep;
import io.jobpool.function.builtin.Square;
import io.jobpool.job.InMemoryJobRegistry;
import io.jobpool.job.JobFunctions;
import io.jobpool.job.JobReplication;
import io.jobpool.job.JobService;
import io.jobpool.job.JobSettings;
import io.jobpool.job.QueueBoundAdmission;
import io.jobpool.job.SharedJobs;
import io.jobpool.job.TenantQuotaAdmission;
import io.jobpool.job.TenantQuotas;
import io.jobpool.security.AnonymousAccessGuard;
import io.jobpool.security.ApiKeyFilter;
import io.jobpool.security.ApiKeys;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.config.MeterFilter;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.jackson.autoconfigure.JsonMapperBuilderCustomizer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.env.Environment;
import tools.jackson.databind.cfg.CoercionAction;
import tools.jackson.databind.cfg.CoercionInputShape;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.type.LogicalType;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/** Wires the single-node service: catalog, engine, registry, admission, job service, filters. */
@Configuration(proxyBeanMethods = false)
class JobpoolConfiguration {

    private static final Logger log = LoggerFactory.getLogger(JobpoolConfiguration.class);

    /** The built-ins, then every plugin of {@code jobpool.plugins.dir}; a clash of names stops the start-up. */
    @Bean
    FunctionCatalog functionCatalog(PluginProperties plugins, ProcessFunctions processFunctions) {
        List<JobFunction<?>> functions = new ArrayList<>(List.of(new Square(), new Sha256(), new Primes(), new Sleep(),
                new Fail(), new Pow()));
        functions.addAll(processFunctions.all());
        if (plugins.dir() != null) {
            for (PluginLoader.Plugin plugin : PluginLoader.load(plugins.dir())) {
                log.info("Plugin function '{}' loaded from {}", plugin.function().name(), plugin.jar().getFileName());
                functions.add(plugin.function());
            }
        }
        return new FunctionCatalog(functions);
    }

    /**
     * The operator's process functions, their processes started in the background now (as Pool starts
     * its processes when it is made) and ended when the service stops, after the engine.
     */
    @Bean(destroyMethod = "close")
    ProcessFunctions processFunctions(ProcessFunctionProperties properties, PoolProperties pool, JsonMapper mapper,
                                      MeterRegistry meters) {
        List<ProcessFunctionSpec> specs = new ArrayList<>();
        properties.processFunctions().forEach((name, entry) -> specs.add(processFunctionSpec(name, entry, pool, mapper)));
        ProcessFunctions functions = new ProcessFunctions(specs, mapper, meters);
        for (ProcessFunctionSpec spec : specs) {
            log.info("Process function '{}': {} process(es) of {} on the {} pool", spec.name(), spec.processes(),
                    spec.command(), spec.kind().name().toLowerCase(java.util.Locale.ROOT));
        }
        functions.warmAll();
        return functions;
    }

    @SuppressWarnings("unchecked")
    private static ProcessFunctionSpec processFunctionSpec(String name, ProcessFunctionProperties.Entry entry,
                                                           PoolProperties pool, JsonMapper mapper) {
        Map<String, Object> schema = Map.of("type", "object");
        if (entry.paramsSchema() != null && !entry.paramsSchema().isBlank()) {
            try {
                schema = mapper.readValue(entry.paramsSchema(), Map.class);
            } catch (tools.jackson.core.JacksonException e) {
                throw new IllegalStateException("jobpool.process-functions." + name + ".params-schema is not a JSON object: "
                        + e.getOriginalMessage(), e);
            }
            List<String> unchecked = ParamsSchema.uncheckedKeywords(schema);
            if (!unchecked.isEmpty()) {
                throw new IllegalStateException("jobpool.process-functions." + name + ".params-schema uses keywords jobpool "
                        + "does not check: " + unchecked + ". It checks type, properties, required, additionalProperties "
                        + "(true or false), minimum, maximum, items, maxItems and enum; check the rest in the function itself");
            }
        }
        int processes = entry.processes() > 0 ? entry.processes() : pool.effectiveWorkers();
        String description = entry.description() != null ? entry.description() : "Runs " + entry.command() + " in worker processes";
        return new ProcessFunctionSpec(name, entry.command(), processes, entry.kind(), description, schema,
                entry.maxItemsPerProcess(), entry.startupTimeout(), entry.idleTimeout(), entry.environment(),
                entry.workingDirectory(), entry.memoryLimit() == null ? 0 : entry.memoryLimit().toBytes(),
                (int) Math.min(Integer.MAX_VALUE - 16, entry.maxMessageSize().toBytes()));
    }

    @Bean
    ProcessFunctionsHealth processFunctionsHealthIndicator(ProcessFunctions functions) {
        return new ProcessFunctionsHealth(functions);
    }

    @Bean(destroyMethod = "")
    Engine engine(PoolProperties pool, ChunkProperties chunk, MeterRegistry meters) {
        return new Engine(new EngineSettings(pool.effectiveWorkers(), pool.ioWorkers(), chunk.targetDuration()), meters);
    }

    @Bean
    CelExpressions celExpressions(CelProperties cel, MeterRegistry meters) {
        return new CelExpressions(cel.limits(), meters);
    }

    /** Admission: the queue bound first (the whole service), then each tenant's quota. */
    @Bean
    JobService jobService(FunctionCatalog catalog, CelExpressions expressions, Engine engine, PoolProperties pool, LimitsProperties limits,
                          ResultsProperties results, OpenJobProperties open, QuotaProperties quotas, MeterRegistry meters,
                          JsonMapper mapper, ClusterProperties cluster, ObjectProvider<SharedJobs> shared) {
        return new JobService(new JobFunctions(catalog, expressions), engine, new InMemoryJobRegistry(),
                List.of(new QueueBoundAdmission(limits.maxQueuedItems()), new TenantQuotaAdmission(tenantQuotas(quotas, limits))),
                new JobSettings(limits.maxItemsPerJob(), limits.maxQueuedItems(), pool.retention(), results.maxBytes(),
                        open.maxPending(), open.idleTimeout()),
                meters, mapper, Clock.systemUTC(), shared.getIfAvailable(), cluster.chunkTargetDuration());
    }

    private static TenantQuotas tenantQuotas(QuotaProperties quotas, LimitsProperties limits) {
        long defaultItems = quotas.maxQueuedItems() > 0 ? quotas.maxQueuedItems() : limits.maxQueuedItems();
        TenantQuotas.Quota defaults = new TenantQuotas.Quota(defaultItems, quotas.maxOpenJobs());
        Map<String, TenantQuotas.Quota> byTenant = new HashMap<>();
        quotas.tenants().forEach((tenant, override) -> byTenant.put(tenant, new TenantQuotas.Quota(
                override.maxQueuedItems() != null ? override.maxQueuedItems() : defaults.maxQueuedItems(),
                override.maxOpenJobs() != null ? override.maxOpenJobs() : defaults.maxOpenJobs())));
        return new TenantQuotas(defaults, byTenant);
    }

    /** The configured keys; with none, the service refuses to start unless it is only reachable locally. */
    @Bean
    ApiKeys apiKeys(SecurityProperties security, Environment environment) throws IOException {
        List<String> pairs = new ArrayList<>(security.apiKeys());
        if (security.apiKeysFile() != null) {
            pairs.addAll(Files.readAllLines(security.apiKeysFile()));
        }
        ApiKeys keys = ApiKeys.parse(pairs);
        AnonymousAccessGuard.check(keys, security.allowAnonymous(), environment.getProperty("server.address"));
        log.info(keys.isEmpty() ? "No API keys: every caller is the tenant 'anonymous'" : "{} API key(s) configured", keys.size());
        return keys;
    }

    /** Runs first: no request body is read before the caller is known. */
    @Bean
    FilterRegistrationBean<ApiKeyFilter> apiKeyFilter(ApiKeys keys, SecurityProperties security, JsonMapper mapper) {
        FilterRegistrationBean<ApiKeyFilter> registration =
                new FilterRegistrationBean<>(new ApiKeyFilter(keys, security.metricsOpen(), mapper));
        registration.addUrlPatterns("/*");
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE);
        return registration;
    }

    @Bean
    GracefulShutdown gracefulShutdown(JobService jobs, StreamHub streams, Engine engine, PoolProperties pool,
                                      ObjectProvider<JobReplication> replication) {
        return new GracefulShutdown(jobs, streams, engine, replication.getIfAvailable(), pool.shutdownGrace());
    }

    /** Sweeps expired jobs every tenth of the retention or quarter of the idle timeout, at least once a minute. */
    @Bean(destroyMethod = "shutdownNow")
    ScheduledExecutorService retentionSweeper(JobService jobs, PoolProperties pool, OpenJobProperties open) {
        ScheduledExecutorService sweeper = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "jobpool-retention");
            thread.setDaemon(true);
            return thread;
        });
        long period = Math.max(1, Math.min(60_000, Math.min(pool.retention().dividedBy(10).toMillis(),
                open.idleTimeout().dividedBy(4).toMillis())));
        sweeper.scheduleWithFixedDelay(jobs::evictExpired, period, period, TimeUnit.MILLISECONDS);
        return sweeper;
    }

    /**
     * A JSON number or boolean is not a string: {@code "function": 5} is a wrong type (400), not the
     * function named "5". {@code spring.jackson.mapper.allow-coercion-of-scalars=false} only covers
     * numeric and boolean targets, so textual targets are made strict here.
     */
    @Bean
    JsonMapperBuilderCustomizer strictTextCoercion() {
        return builder -> builder.withCoercionConfig(LogicalType.Textual, config -> config
                .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
                // "" or "  " is not a missing number or flag: {"chunkSize": " "} is a wrong type, not the default
                .withCoercionConfigDefaults(config -> config.setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail)
                        .setAcceptBlankAsEmpty(false));
    }

    @Bean(destroyMethod = "close")
    StreamHub streamHub(StreamProperties streams, MeterRegistry meters) {
        return new StreamHub(new StreamHub.Settings(streams.pumpThreads(), streams.heartbeat(), streams.minEventInterval(),
                (int) streams.writeBudget().toBytes(), streams.stallTimeout(), streams.maxOpen()), meters);
    }

    /** Help text for the framework meters that have none (see {@link FrameworkMeterDescriptions}). */
    @Bean
    MeterFilter frameworkMeterDescriptions() {
        return new FrameworkMeterDescriptions();
    }

    /** Requests Tomcat refuses before the API sees them are answered as problems too, not HTML pages. */
    @Bean
    WebServerFactoryCustomizer<TomcatServletWebServerFactory> problemErrorReports() {
        return factory -> factory.addContextCustomizers(ProblemErrorReportValve::install);
    }

    /**
     * A slow client is cut: one trickling its request headers after {@code jobpool.limits.header-timeout}
     * (Tomcat's own timeout only bounds each read, see {@link HeaderDeadlineProtocol}); one trickling its
     * body gets a 408 from {@link BodySizeLimitFilter} and its connection is closed, not drained.
     */
    @Bean
    WebServerFactoryCustomizer<TomcatServletWebServerFactory> slowClientDeadlines(LimitsProperties limits) {
        return factory -> {
            factory.addContextValves(new AbandonedBodyValve());
            factory.setProtocol(HeaderDeadlineProtocol.class.getName());
            factory.addConnectorCustomizers(connector -> {
                if (connector.getProtocolHandler() instanceof HeaderDeadlineProtocol protocol) {
                    protocol.setHeaderTimeout(limits.headerTimeout());
                }
            });
        };
    }

    @Bean
    FilterRegistrationBean<BodySizeLimitFilter> bodySizeLimitFilter(LimitsProperties limits, JsonMapper mapper) {
        FilterRegistrationBean<BodySizeLimitFilter> registration =
                new FilterRegistrationBean<>(new BodySizeLimitFilter(limits.maxBodyBytes(), limits.bodyTimeout(), mapper));
        registration.addUrlPatterns("/v1/*");
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 10);
        return registration;
    }
}
