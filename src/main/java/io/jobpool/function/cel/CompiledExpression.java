package io.jobpool.function.cel;

import dev.cel.common.CelErrorCode;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelVariableResolver;
import io.jobpool.function.spi.ItemFailure;
import io.jobpool.function.spi.JobFunction;
import io.jobpool.function.spi.Kind;

import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One compiled CEL expression as a job function. The program is shared by every worker (it is
 * immutable); a worker's state is the job's {@code params} already converted to CEL values, so each
 * item costs only its own conversion, the evaluation and the conversion of the result.
 */
final class CompiledExpression implements JobFunction<CompiledExpression.Params> {

    private static final int DESCRIPTION_LENGTH = 200;
    /** CEL's evaluation errors: "evaluation error at &lt;input&gt;:OFFSET: MESSAGE", the offset in code points from 0. */
    private static final Pattern EVALUATION_AT = Pattern.compile("evaluation error at <input>:(\\d{1,9}): (.*)", Pattern.DOTALL);

    private final String expression;
    private final CelRuntime.Program program;
    private final EvaluationBounds bounds;
    private final CelLimits limits;
    private final CelMetrics metrics;

    /** The per-worker state: the job parameters as an immutable CEL {@code map(string, dyn)}. */
    record Params(Object celValue) {
    }

    CompiledExpression(String expression, CelRuntime.Program program, EvaluationBounds bounds, CelLimits limits,
            CelMetrics metrics) {
        this.expression = expression;
        this.program = program;
        this.bounds = bounds;
        this.limits = limits;
        this.metrics = metrics;
    }

    @Override
    public String name() {
        return "cel";
    }

    @Override
    public String description() {
        return expression.length() <= DESCRIPTION_LENGTH ? expression
                : expression.substring(0, DESCRIPTION_LENGTH - 1) + "…";
    }

    @Override
    public Kind kind() {
        return Kind.CPU;
    }

    @Override
    public Map<String, Object> paramsSchema() {
        return Map.of("type", "object", "description", "any JSON object; the expression reads it as 'params'");
    }

    @Override
    public Params createState(Map<String, Object> params) {
        return new Params(JsonMapping.toCel(params == null ? Map.of() : params));
    }

    @Override
    public Object apply(Object input, Params state) throws InterruptedException {
        Object x = JsonMapping.toCel(input);
        Object params = state.celValue();
        CelVariableResolver variables = name -> switch (name) {
            case "x" -> Optional.of(x);
            case "params" -> Optional.of(params);
            default -> Optional.empty();
        };
        Object result;
        try {
            result = program.trace(variables, bounds);
        } catch (CelEvaluationException e) {
            throw failure(e);
        }
        Object json;
        try {
            json = JsonMapping.toJson(result, limits.maxResultSize());
        } catch (ItemFailure e) {
            if (CelExpressions.COST_LIMIT_EXCEEDED.equals(e.type())) {
                metrics.costLimitExceeded();
            } else {
                metrics.evaluationFailed();
            }
            throw e;
        }
        metrics.evaluated();
        return json;
    }

    private RuntimeException failure(CelEvaluationException e) throws InterruptedException {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof EvaluationBounds.Stop stop) {
                if (!stop.costLimit()) {
                    Thread.interrupted();
                    throw new InterruptedException("CEL evaluation interrupted");
                }
                metrics.costLimitExceeded();
                return new ItemFailure(CelExpressions.COST_LIMIT_EXCEEDED, stop.getMessage());
            }
        }
        if (e.getErrorCode() == CelErrorCode.ITERATION_BUDGET_EXCEEDED) {
            metrics.costLimitExceeded();
            return new ItemFailure(CelExpressions.COST_LIMIT_EXCEEDED, e.getMessage()
                    + " comprehension iterations in one evaluation");
        }
        metrics.evaluationFailed();
        return new ItemFailure(CelExpressions.EVALUATION_ERROR, readable(e.getMessage()));
    }

    /**
     * CEL names the place of an evaluation error by a character offset ({@code evaluation error at
     * <input>:9: / by zero}); a user finds a line and a column, counted from 1 as the compile errors are:
     * {@code / by zero (line 2, column 6 of the expression)}. A message of another shape is kept as it is.
     */
    String readable(String message) {
        Matcher at = EVALUATION_AT.matcher(message == null ? "" : message);
        if (!at.matches()) {
            return message;
        }
        int offset = Integer.parseInt(at.group(1));
        int line = 1;
        int column = 1;
        int[] codePoints = expression.codePoints().toArray();
        for (int i = 0; i < Math.min(offset, codePoints.length); i++) {
            if (codePoints[i] == '\n') {
                line++;
                column = 1;
            } else {
                column++;
            }
        }
        return at.group(2) + " (line " + line + ", column " + column + " of the expression)";
    }
}
