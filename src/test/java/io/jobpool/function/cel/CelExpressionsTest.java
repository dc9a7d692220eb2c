package io.jobpool.function.cel;

import io.jobpool.function.spi.ItemFailure;
import io.jobpool.function.spi.JobFunction;
import io.jobpool.function.spi.Kind;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CelExpressionsTest {

    private static final String TEN = "[1,2,3,4,5,6,7,8,9,10]";

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final CelExpressions cel = new CelExpressions(CelLimits.DEFAULTS, registry);

    /** Compiles, creates one worker's state and applies the function to one input. */
    @SuppressWarnings("unchecked")
    private Object eval(String expression, Map<String, Object> params, Object input) throws InterruptedException {
        JobFunction<Object> function = (JobFunction<Object>) cel.compile(expression);
        return function.apply(input, function.createState(params));
    }

    private Object eval(String expression, Object input) throws InterruptedException {
        return eval(expression, Map.of(), input);
    }

    private static ItemFailure itemFailure(Callable<?> call) {
        try {
            call.call();
        } catch (ItemFailure e) {
            return e;
        } catch (Exception e) {
            throw new AssertionError("expected an ItemFailure, got " + e, e);
        }
        throw new AssertionError("expected an ItemFailure, got a result");
    }

    private double counter(String name, String tag, String value) {
        return registry.get(name).tag(tag, value).counter().count();
    }

    @Test
    void describesItselfAsACpuBoundFunctionOfOneArgument() {
        JobFunction<?> function = cel.compile("x * 2");

        assertThat(function.name()).isEqualTo("cel");
        assertThat(function.description()).isEqualTo("x * 2");
        assertThat(function.kind()).isEqualTo(Kind.CPU);
        assertThat(function.arity()).isEqualTo(1);
    }

    @Test
    void integerArithmeticStaysExactLong() throws Exception {
        assertThat(eval("x * x + params.k", Map.of("k", 1), 3_000_000_000L)).isEqualTo(9_000_000_000_000_000_001L);
        assertThat(eval("x * x + params.k", Map.of("k", 2), 7)).isEqualTo(51L);
        assertThat(eval("x / 2", 7)).isEqualTo(3L);
    }

    @Test
    void doublesStayDoubles() throws Exception {
        assertThat(eval("x * 2.0", 1.25)).isEqualTo(2.5);
        assertThat(eval("x + params.k", Map.of("k", 0.5), 1.0)).isEqualTo(1.5);
        assertThat(eval("double(x) / 4.0", 1)).isEqualTo(0.25);
    }

    @Test
    void stringsConcatenateAndMeasure() throws Exception {
        assertThat(eval("x + '!'", "hi")).isEqualTo("hi!");
        assertThat(eval("size(x)", "héllo")).isEqualTo(5L);
        assertThat(eval("x.startsWith('a') && x.matches('^a+b$')", "aab")).isEqualTo(true);
    }

    @Test
    void objectsExposeFieldsAndPresence() throws Exception {
        Map<String, Object> ada = Map.of("name", "Ada", "age", 36);
        Map<String, Object> bob = Map.of("name", "Bob");

        assertThat(eval("x.name", ada)).isEqualTo("Ada");
        assertThat(eval("has(x.age)", ada)).isEqualTo(true);
        assertThat(eval("has(x.age)", bob)).isEqualTo(false);
        assertThat(eval("x.age > 30", ada)).isEqualTo(true);
    }

    @Test
    void listsMapAndFilter() throws Exception {
        List<Object> xs = List.of(1, 2, 3, 4);

        assertThat(eval("x.map(v, v * 2)", xs)).isEqualTo(List.of(2L, 4L, 6L, 8L));
        assertThat(eval("x.filter(v, v % 2 == 0)", xs)).isEqualTo(List.of(2L, 4L));
        assertThat(eval("x.all(v, v > 0) && x.exists_one(v, v == 3)", xs)).isEqualTo(true);
    }

    @Test
    void nullAndNestedJsonRoundTrip() throws Exception {
        List<Object> withNull = new ArrayList<>(List.of(1, "a"));
        withNull.add(null);

        assertThat(eval("x", withNull)).isEqualTo(withNull.stream().map(v -> v instanceof Integer i ? (Object) i.longValue() : v)
                .collect(Collectors.toList()));
        assertThat(eval("x == null", null)).isEqualTo(true);
        assertThat(eval("x", Map.of("a", List.of(Map.of("b", true))))).isEqualTo(Map.of("a", List.of(Map.of("b", true))));
    }

    @Test
    void resultsCanBeMapsAndLists() throws Exception {
        assertThat(eval("{'n': x, 'sq': x * x}", 3)).isEqualTo(Map.of("n", 3L, "sq", 9L));
        assertThat(eval("[x, [x + 1]]", 3)).isEqualTo(List.of(3L, List.of(4L)));
        assertThat(eval("{1: 'one', true: 'yes'}", 0)).isEqualTo(Map.of("1", "one", "true", "yes"));
    }

    @Test
    void unsignedBytesTimestampsAndDurationsBecomeJson() throws Exception {
        assertThat(eval("18446744073709551615u", 0)).isEqualTo(new BigInteger("18446744073709551615"));
        assertThat(eval("uint(x)", 5)).isEqualTo(5L);
        assertThat(eval("b'hi'", 0)).isEqualTo("aGk=");
        assertThat(eval("timestamp('2024-01-02T03:04:05Z')", 0)).isEqualTo("2024-01-02T03:04:05Z");
        assertThat(eval("duration('1.5s')", 0)).isEqualTo("PT1.5S");
    }

    @Test
    void compileErrorNamesLineAndColumn() {
        assertThatThrownBy(() -> cel.compile("x + y"))
                .isInstanceOfSatisfying(ExpressionException.class, e -> {
                    assertThat(e.getMessage()).contains("ERROR: <input>:1:5: undeclared reference to 'y'");
                    assertThat(e.line()).isEqualTo(1);
                    assertThat(e.column()).isEqualTo(5);
                });
        assertThatThrownBy(() -> cel.compile("x +\n  * 2"))
                .isInstanceOfSatisfying(ExpressionException.class, e -> {
                    assertThat(e.getMessage()).contains("<input>:2:");
                    assertThat(e.line()).isEqualTo(2);
                });
        assertThat(counter("jobpool.cel.failures", "kind", "compile")).isEqualTo(2);
    }

    @Test
    void typeErrorIsACompileError() {
        assertThatThrownBy(() -> cel.compile("params.k + 'a' - 1 && true"))
                .isInstanceOf(ExpressionException.class)
                .hasMessageContaining("found no matching overload");
    }

    @Test
    void expressionOverTheLengthLimitIsRejected() {
        String tooLong = "x" + " + 1".repeat(CelLimits.DEFAULTS.maxExpressionLength() / 4);

        assertThatThrownBy(() -> cel.compile(tooLong))
                .isInstanceOf(ExpressionException.class)
                .hasMessageContaining("more than the limit of 4096");
    }

    @Test
    @SuppressWarnings("unchecked")
    void nestedComprehensionBombStopsQuicklyAsCostLimitExceeded() throws Exception {
        JobFunction<?> bomb = cel.compile(TEN + ".map(a, " + TEN + ".map(b, " + TEN + ".map(c, " + TEN + ".map(d, "
                + TEN + ".map(e, a+b+c+d+e)))))");
        Object state = bomb.createState(Map.of());
        ItemFailure failure = null;
        long millis = 0;
        for (int run = 1; run <= 3; run++) { // the first run includes the JIT warming up
            long start = System.nanoTime();
            failure = itemFailure(() -> ((JobFunction<Object>) bomb).apply(0, state));
            millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            System.out.printf("nested comprehension bomb, run %d, stopped after %d ms: %s%n", run, millis,
                    failure.getMessage());
        }
        assertThat(failure.type()).isEqualTo("CostLimitExceeded");
        assertThat(failure.getMessage()).contains("Iteration budget exceeded: 100000");
        assertThat(millis).isLessThan(5_000);
        assertThat(eval("x + 1", 1)).isEqualTo(2L); // the thread is still usable
        assertThat(counter("jobpool.cel.failures", "kind", "cost-limit")).isEqualTo(3);
    }

    @Test
    void stringDoublingStopsAsCostLimitExceeded() {
        StringBuilder expression = new StringBuilder("x");
        for (int level = 0; level < 30; level++) {
            expression = new StringBuilder("[" + expression + "].map(s" + level + ", s" + level + " + s" + level + ")[0]");
        }
        String doubling = expression.toString();

        long start = System.nanoTime();
        ItemFailure failure = itemFailure(() -> eval(doubling, "ab"));
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

        System.out.printf("string doubling stopped after %d ms: %s%n", millis, failure.getMessage());
        assertThat(failure.type()).isEqualTo("CostLimitExceeded");
        assertThat(failure.getMessage()).contains("over the limit of 1000000");
    }

    @Test
    void sharedSublistsThatExplodeAsJsonStopAsCostLimitExceeded() {
        StringBuilder expression = new StringBuilder("x");
        for (int level = 0; level < 30; level++) {
            expression = new StringBuilder("[" + expression + "].map(l" + level + ", [l" + level + ", l" + level + "])[0]");
        }
        String sharing = expression.toString();

        ItemFailure failure = itemFailure(() -> eval(sharing, 1));

        assertThat(failure.type()).isEqualTo("CostLimitExceeded");
        assertThat(failure.getMessage()).contains("result is larger than");
    }

    @Test
    void integerOverflowIsAnItemError() {
        ItemFailure failure = itemFailure(() -> eval("x + 1", Long.MAX_VALUE));

        assertThat(failure.type()).isEqualTo("EvaluationError");
        assertThat(failure.getMessage()).containsIgnoringCase("overflow");
        assertThat(itemFailure(() -> eval("9223372036854775807 + x", 1)).type()).isEqualTo("EvaluationError");
        assertThat(itemFailure(() -> eval("-x - 2", Long.MAX_VALUE)).type()).isEqualTo("EvaluationError");
    }

    @Test
    void runtimeErrorsAreEvaluationErrorsWithCelsMessage() {
        ItemFailure noKey = itemFailure(() -> eval("x.missing", Map.of("a", 1)));
        ItemFailure byZero = itemFailure(() -> eval("10 / x", 0));
        ItemFailure mismatch = itemFailure(() -> eval("x + 1", "a"));

        assertThat(noKey.type()).isEqualTo("EvaluationError");
        assertThat(noKey.getMessage()).contains("missing");
        assertThat(byZero.type()).isEqualTo("EvaluationError");
        assertThat(byZero.getMessage()).contains("by zero");
        assertThat(mismatch.type()).isEqualTo("EvaluationError");
        assertThat(mismatch.getMessage()).contains("No matching overload");
        System.out.printf("CEL runtime messages:%n  %s%n  %s%n  %s%n", noKey.getMessage(), byZero.getMessage(),
                mismatch.getMessage());
        assertThat(counter("jobpool.cel.failures", "kind", "runtime")).isEqualTo(3);
        assertThat(counter("jobpool.cel.evaluations", "outcome", "failure")).isEqualTo(3);
    }

    @Test
    void evaluationErrorsNameTheLineAndColumnOfTheExpressionNotACharacterOffset() {
        ItemFailure byZero = itemFailure(() -> eval("10 / x", 0));
        ItemFailure onSecondLine = itemFailure(() -> eval("1 +\n  x.a / x.b", Map.of("a", 1, "b", 0)));

        assertThat(byZero.getMessage()).isEqualTo("/ by zero (line 1, column 4 of the expression)");
        assertThat(onSecondLine.getMessage()).isEqualTo("/ by zero (line 2, column 7 of the expression)")
                .doesNotContain("<input>");
    }

    @Test
    void integersBeyondInt64AreInvalidInput() {
        ItemFailure failure = itemFailure(() -> eval("x", new BigInteger("9223372036854775808")));

        assertThat(failure.type()).isEqualTo("InvalidInput");
        assertThat(failure.getMessage()).contains("int64");
    }

    @Test
    void nanAndInfinityAreNotJson() {
        assertThat(itemFailure(() -> eval("0.0 / 0.0", 0)).type()).isEqualTo("NotJson");
        assertThat(itemFailure(() -> eval("x / 0.0", 1.0)).type()).isEqualTo("NotJson");
        assertThat(itemFailure(() -> eval("type(x)", 1)).type()).isEqualTo("NotJson");
    }

    @Test
    void successesAreCounted() throws Exception {
        eval("x", 1);
        eval("x", 2);

        assertThat(counter("jobpool.cel.evaluations", "outcome", "success")).isEqualTo(2);
    }

    @Test
    void interruptedThreadStopsTheEvaluation() {
        Thread.currentThread().interrupt();
        try {
            assertThatThrownBy(() -> eval(TEN + ".map(a, a * x)", 2)).isInstanceOf(InterruptedException.class);
            assertThat(Thread.currentThread().isInterrupted()).isFalse();
        } finally {
            Thread.interrupted();
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void oneCompiledFunctionServesManyThreadsAtOnce() throws Exception {
        JobFunction<Object> function = (JobFunction<Object>) cel.compile("{'n': x, 'v': x * x + params.k, "
                + "'l': [x, x + 1].map(v, v * params.k)}");
        int threads = 4;
        int perThread = 20_000;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Integer>> checked = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                long k = t + 1;
                checked.add(pool.submit(() -> {
                    Object state = function.createState(Map.of("k", k));
                    for (long n = 0; n < perThread; n++) {
                        Object result = function.apply(n, state);
                        assertThat(result).isEqualTo(Map.of("n", n, "v", n * n + k, "l", List.of(n * k, (n + 1) * k)));
                    }
                    return perThread;
                }));
            }
            int total = 0;
            for (Future<Integer> f : checked) {
                total += f.get(60, TimeUnit.SECONDS);
            }
            assertThat(total).isEqualTo(threads * perThread);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void evaluationsPerSecondOnOneThread() throws Exception {
        JobFunction<Object> function = (JobFunction<Object>) cel.compile("x * x + params.k");
        Object state = function.createState(Map.of("k", 1));
        List<Object> inputs = IntStream.range(0, 1024).mapToObj(i -> (Object) (long) i).toList();
        long sink = 0;
        for (int i = 0; i < 500_000; i++) {
            sink += (Long) function.apply(inputs.get(i & 1023), state);
        }
        int n = 2_000_000;
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) {
            sink += (Long) function.apply(inputs.get(i & 1023), state);
        }
        double seconds = (System.nanoTime() - start) / 1e9;

        System.out.printf("x * x + params.k: %,.0f evaluations/s on one thread (%d in %.2f s, sink %d)%n",
                n / seconds, n, seconds, sink);
        assertThat(sink).isPositive();
    }
}
