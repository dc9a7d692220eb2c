package io.jobpool.job;

import io.jobpool.function.FunctionCatalog;
import io.jobpool.function.InvalidParamsException;
import io.jobpool.function.cel.CelExpressions;
import io.jobpool.function.cel.ExpressionException;
import io.jobpool.function.spi.JobFunction;

/** What a submission maps: a catalog function with valid parameters, or a compiled CEL expression. */
public final class JobFunctions {

    private final FunctionCatalog catalog;
    private final CelExpressions expressions;

    public JobFunctions(FunctionCatalog catalog, CelExpressions expressions) {
        this.catalog = catalog;
        this.expressions = expressions;
    }

    /** The spec's function; refused when the name is unknown, the params invalid or the expression does not compile. */
    JobFunction<?> resolve(JobSpec spec) {
        return spec.expression() != null ? compile(spec.expression()) : find(spec);
    }

    private JobFunction<?> find(JobSpec spec) {
        JobFunction<?> function = catalog.find(spec.function()).orElseThrow(() -> new JobpoolException(
                Refusal.UNKNOWN_FUNCTION, "no function is named '" + spec.function() + "'; GET /v1/functions lists them",
                "function", null));
        try {
            FunctionCatalog.validateParams(function, spec.params());
        } catch (InvalidParamsException e) {
            throw new JobpoolException(Refusal.INVALID_PARAMS, e.getMessage(), e.field(), null);
        }
        return function;
    }

    private JobFunction<?> compile(String expression) {
        try {
            return expressions.compile(expression);
        } catch (ExpressionException e) {
            throw new JobpoolException(Refusal.INVALID_EXPRESSION, "the expression does not compile at line "
                    + e.line() + ", column " + e.column() + ": " + e.getMessage(), "expression", null);
        }
    }
}
