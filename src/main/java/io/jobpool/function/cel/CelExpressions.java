package io.jobpool.function.cel;

import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.CelIssue;
import dev.cel.common.CelOptions;
import dev.cel.common.CelValidationException;
import dev.cel.common.types.MapType;
import dev.cel.common.types.SimpleType;
import dev.cel.compiler.CelCompiler;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelRuntimeFactory;
import io.jobpool.function.spi.JobFunction;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Compiles CEL expressions into job functions. An expression sees two variables: {@code x}, the item
 * ({@code dyn}), and {@code params}, the job's parameters ({@code map(string, dyn)}); the standard
 * functions and the macros {@code has}, {@code map}, {@code filter}, {@code all}, {@code exists} and
 * {@code exists_one} are available, and nothing else: CEL has no I/O and no reflection, and no custom
 * function is registered.
 *
 * <p>{@link #compile} parses and type-checks once and plans the program; the returned function
 * evaluates that one program for every item, on any number of worker threads at once (CEL's
 * {@code Program} is immutable and thread-safe: each evaluation gets its own frame). Each evaluation
 * is bounded by {@link CelLimits}: the comprehension budget, the size of strings and collections, the
 * size of the result; over a bound the item fails with {@value #COST_LIMIT_EXCEEDED}. CEL errors
 * (missing key, division by zero, integer overflow, no matching overload) fail the item with
 * {@value #EVALUATION_ERROR}. The JSON mapping is {@link JsonMapping}'s.
 *
 * <p>Safe to call from any thread: the compiler and runtime are immutable and built once.
 */
public final class CelExpressions {

    /** The item failure type of an evaluation stopped by a {@link CelLimits} bound. */
    public static final String COST_LIMIT_EXCEEDED = "CostLimitExceeded";
    /** The item failure type of an error CEL reports while evaluating. */
    public static final String EVALUATION_ERROR = "EvaluationError";

    private final CelLimits limits;
    private final CelMetrics metrics;
    private final CelCompiler compiler;
    private final CelRuntime runtime;
    private final EvaluationBounds bounds;

    public CelExpressions(CelLimits limits, MeterRegistry registry) {
        this.limits = limits;
        this.metrics = new CelMetrics(registry);
        CelOptions options = CelOptions.current()
                .maxExpressionCodePointSize(limits.maxExpressionLength())
                .maxParseRecursionDepth(limits.maxParseRecursionDepth())
                .maxParseExpressionNodeCount(limits.maxExpressionNodes())
                .comprehensionMaxIterations(limits.comprehensionMaxIterations())
                .maxRegexProgramSize(limits.maxRegexProgramSize())
                .enableHeterogeneousNumericComparisons(true)
                .build();
        this.compiler = CelCompilerFactory.standardCelCompilerBuilder()
                .setOptions(options)
                .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
                .addVar("x", SimpleType.DYN)
                .addVar("params", MapType.create(SimpleType.STRING, SimpleType.DYN))
                .build();
        this.runtime = CelRuntimeFactory.standardCelRuntimeBuilder().setOptions(options).build();
        this.bounds = new EvaluationBounds(limits);
    }

    /**
     * Compiles an expression into a function named {@code cel}.
     *
     * @throws ExpressionException when the expression is too long or does not parse or type-check
     */
    public JobFunction<?> compile(String expression) {
        if (expression.length() > limits.maxExpressionLength()) {
            metrics.compileFailed();
            throw new ExpressionException("the expression has " + expression.length()
                    + " characters, more than the limit of " + limits.maxExpressionLength(), 1, 1);
        }
        CelAbstractSyntaxTree ast;
        try {
            ast = compiler.compile(expression).getAst();
        } catch (CelValidationException e) {
            metrics.compileFailed();
            throw expressionException(e);
        }
        try {
            return new CompiledExpression(expression, runtime.createProgram(ast), bounds, limits, metrics);
        } catch (CelEvaluationException e) {
            // planning fails only on references the checker accepted but the runtime lacks
            metrics.compileFailed();
            throw new ExpressionException("ERROR: " + e.getMessage(), 1, 1);
        }
    }

    private static ExpressionException expressionException(CelValidationException e) {
        int line = 1;
        int column = 1;
        if (!e.getErrors().isEmpty()) {
            CelIssue first = e.getErrors().get(0);
            // CEL counts columns from 0 and prints them from 1
            line = Math.max(1, first.getSourceLocation().getLine());
            column = Math.max(0, first.getSourceLocation().getColumn()) + 1;
        }
        return new ExpressionException(e.getMessage(), line, column);
    }
}
