package io.jobpool.config;

import io.jobpool.function.cel.CelLimits;
import jakarta.validation.constraints.Min;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * {@code jobpool.cel.*}: the sandbox of CEL expressions. Every bound stops an evaluation with an item
 * failure ({@code CostLimitExceeded}), never the service.
 *
 * @param maxExpressionLength        characters of an expression (default 4096)
 * @param maxParseRecursionDepth     nesting the parser accepts (default 100)
 * @param maxExpressionNodes         nodes of a parsed expression (default 10,000)
 * @param comprehensionMaxIterations iterations of all comprehensions of one evaluation together (default 100,000)
 * @param maxRegexProgramSize        size of a compiled regular expression (default 1,000)
 * @param maxStringLength            characters of any string made during an evaluation (default 1,000,000)
 * @param maxCollectionSize          elements of any list or map made during an evaluation (default 100,000)
 * @param maxResultSize              JSON nodes plus characters of one result (default 1,000,000)
 */
@Validated
@ConfigurationProperties("jobpool.cel")
public record CelProperties(@Min(1) @DefaultValue("4096") int maxExpressionLength,
                            @Min(1) @DefaultValue("100") int maxParseRecursionDepth,
                            @Min(1) @DefaultValue("10000") int maxExpressionNodes,
                            @Min(1) @DefaultValue("100000") int comprehensionMaxIterations,
                            @Min(1) @DefaultValue("1000") int maxRegexProgramSize,
                            @Min(1) @DefaultValue("1000000") int maxStringLength,
                            @Min(1) @DefaultValue("100000") int maxCollectionSize,
                            @Min(1) @DefaultValue("1000000") long maxResultSize) {

    CelLimits limits() {
        return new CelLimits(maxExpressionLength, maxParseRecursionDepth, maxExpressionNodes, comprehensionMaxIterations,
                maxRegexProgramSize, maxStringLength, maxCollectionSize, maxResultSize);
    }
}
