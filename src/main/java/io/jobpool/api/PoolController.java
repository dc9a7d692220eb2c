package io.jobpool.api;

import io.jobpool.function.FunctionCatalog;
import io.jobpool.job.JobService;
import io.jobpool.job.JobpoolException;
import io.jobpool.job.Refusal;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/** The pool ({@code cpu_count()} and load) and the function catalog. */
@RestController
@RequestMapping(path = "/v1", produces = MediaType.APPLICATION_JSON_VALUE)
class PoolController {

    private final JobService jobs;
    private final FunctionCatalog catalog;

    PoolController(JobService jobs, FunctionCatalog catalog) {
        this.jobs = jobs;
        this.catalog = catalog;
    }

    @GetMapping("/pool")
    PoolBody pool() {
        return PoolBody.of(jobs.pool());
    }

    @GetMapping("/functions")
    FunctionBody.Catalog functions() {
        return new FunctionBody.Catalog(catalog.all().stream().map(FunctionBody::of).toList());
    }

    @GetMapping("/functions/{name}")
    FunctionBody function(@PathVariable String name) {
        return catalog.find(name).map(FunctionBody::of).orElseThrow(() -> new JobpoolException(
                Refusal.FUNCTION_NOT_FOUND, "no function is named '" + name + "'; GET /v1/functions lists them"));
    }
}
