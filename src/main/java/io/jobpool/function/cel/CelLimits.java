package io.jobpool.function.cel;

/**
 * The bounds every CEL expression is compiled and evaluated within. CEL itself has no I/O, no
 * reflection and no unbounded loops (its only loops are the comprehension macros over finite lists),
 * so what is left to bound is the size of the expression and how much work and memory one
 * evaluation may take.
 *
 * @param maxExpressionLength        longest accepted expression text, in characters (default 4096);
 *                                   longer ones are rejected before parsing
 * @param maxParseRecursionDepth     deepest nesting of the expression the parser accepts (default
 *                                   100; CEL's own default is 250); keeps the parser and the
 *                                   recursive interpreter far from a {@link StackOverflowError}
 * @param maxExpressionNodes         most AST nodes after macro expansion (default 10_000)
 * @param comprehensionMaxIterations most comprehension iterations (map, filter, all, exists,
 *                                   exists_one) in one evaluation, counted across all nested
 *                                   comprehensions together (default 100_000); beyond it the item
 *                                   fails with {@code CostLimitExceeded}
 * @param maxRegexProgramSize        largest RE2J program a {@code matches} pattern may compile to
 *                                   (default 1_000, about a few hundred pattern characters); RE2J
 *                                   matches in linear time, so this bounds only its size
 * @param maxStringLength            longest string (or byte string) any step of an evaluation may
 *                                   produce or read, in chars (default 1_000_000); stops string
 *                                   doubling, which needs few iterations
 * @param maxCollectionSize          most elements of a list or entries of a map any step may produce
 *                                   or read (default 100_000)
 * @param maxResultSize              largest result, counted as JSON nodes plus string characters
 *                                   (default 1_000_000); stops results that share one sub-list many
 *                                   times, which are small in memory but not as JSON
 */
public record CelLimits(
        int maxExpressionLength,
        int maxParseRecursionDepth,
        int maxExpressionNodes,
        int comprehensionMaxIterations,
        int maxRegexProgramSize,
        int maxStringLength,
        int maxCollectionSize,
        long maxResultSize) {

    /** The defaults documented on the components. */
    public static final CelLimits DEFAULTS =
            new CelLimits(4096, 100, 10_000, 100_000, 1_000, 1_000_000, 100_000, 1_000_000);

    public CelLimits {
        requirePositive("maxExpressionLength", maxExpressionLength);
        requirePositive("maxParseRecursionDepth", maxParseRecursionDepth);
        requirePositive("maxExpressionNodes", maxExpressionNodes);
        requirePositive("comprehensionMaxIterations", comprehensionMaxIterations);
        requirePositive("maxRegexProgramSize", maxRegexProgramSize);
        requirePositive("maxStringLength", maxStringLength);
        requirePositive("maxCollectionSize", maxCollectionSize);
        requirePositive("maxResultSize", maxResultSize);
    }

    /** These limits with another comprehension budget. */
    public CelLimits withComprehensionMaxIterations(int iterations) {
        return new CelLimits(maxExpressionLength, maxParseRecursionDepth, maxExpressionNodes, iterations,
                maxRegexProgramSize, maxStringLength, maxCollectionSize, maxResultSize);
    }

    private static void requirePositive(String name, long value) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " must be positive, got " + value);
        }
    }
}
