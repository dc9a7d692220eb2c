package io.jobpool.function;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ParamsSchemaTest {

    private static final Map<String, Object> SCHEMA = Map.of("type", "object", "additionalProperties", false,
            "properties", Map.of(
                    "rounds", Map.of("type", "integer", "minimum", 1, "maximum", 10),
                    "on", Map.of("type", "array", "maxItems", 2, "items", Map.of("type", "string"))));

    @Test
    void validParamsPass() {
        assertThatCode(() -> ParamsSchema.validate(SCHEMA, Map.of("rounds", 3, "on", List.of("a")))).doesNotThrowAnyException();
    }

    @Test
    void unknownParameterIsNamed() {
        assertThatThrownBy(() -> ParamsSchema.validate(SCHEMA, Map.of("round", 3)))
                .isInstanceOf(InvalidParamsException.class)
                .satisfies(e -> assertThat(((InvalidParamsException) e).field()).isEqualTo("params.round"));
    }

    @Test
    void outOfRangeAndWrongTypeAreNamed() {
        assertThatThrownBy(() -> ParamsSchema.validate(SCHEMA, Map.of("rounds", 11))).hasMessageContaining("params.rounds must be at most 10");
        assertThatThrownBy(() -> ParamsSchema.validate(SCHEMA, Map.of("rounds", 1.5))).hasMessageContaining("must be an integer");
        assertThatThrownBy(() -> ParamsSchema.validate(SCHEMA, Map.of("on", List.of("a", 2))))
                .satisfies(e -> assertThat(((InvalidParamsException) e).field()).isEqualTo("params.on[1]"));
        assertThatThrownBy(() -> ParamsSchema.validate(SCHEMA, Map.of("on", List.of("a", "b", "c")))).hasMessageContaining("at most 2 items");
    }

    /** An operator's schema must not promise a check that never happens: unchecked keywords are named by path. */
    @Test
    void keywordsThatAreNotCheckedAreNamed() {
        Map<String, Object> schema = Map.of("type", "object", "description", "greeting options",
                "properties", Map.of("name", Map.of("type", "string", "pattern", "^[a-z]+$"),
                        "tags", Map.of("type", "array", "items", Map.of("type", "string", "minLength", 1))),
                "additionalProperties", Map.of("type", "string"));

        assertThat(ParamsSchema.uncheckedKeywords(schema)).containsExactlyInAnyOrder("properties.name.pattern",
                "properties.tags.items.minLength", "additionalProperties (only true or false is checked)");
        assertThat(ParamsSchema.uncheckedKeywords(Map.of("type", "object", "properties", Map.of("n",
                Map.of("type", "integer", "minimum", 1, "maximum", 9)), "required", List.of("n")))).isEmpty();
    }
}
