package io.jobpool.function;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Validates {@code params} against the subset of JSON Schema the catalog uses: {@code type},
 * {@code properties}, {@code required}, {@code additionalProperties: false}, {@code minimum},
 * {@code maximum}, {@code items}, {@code maxItems}, {@code enum}. Stateless and thread-safe.
 */
public final class ParamsSchema {

    private ParamsSchema() {
    }

    private static final Set<String> CHECKED = Set.of("type", "properties", "required", "additionalProperties",
            "minimum", "maximum", "items", "maxItems", "enum");
    /** Keywords that only describe: allowed, never checked. */
    private static final Set<String> ANNOTATIONS = Set.of("description", "title", "default", "examples", "$schema", "$comment");

    /**
     * The keywords of {@code schema} (and its nested schemas) that this class would not check, as paths
     * such as {@code properties.name.pattern}: a schema written by an operator must not promise a check
     * that never happens.
     */
    public static List<String> uncheckedKeywords(Map<String, Object> schema) {
        List<String> unchecked = new ArrayList<>();
        collectUnchecked(schema, "", unchecked);
        return unchecked;
    }

    @SuppressWarnings("unchecked")
    private static void collectUnchecked(Map<String, Object> schema, String path, List<String> unchecked) {
        for (Map.Entry<String, Object> entry : schema.entrySet()) {
            String keyword = entry.getKey();
            if (!CHECKED.contains(keyword) && !ANNOTATIONS.contains(keyword)) {
                unchecked.add(path + keyword);
            } else if (keyword.equals("additionalProperties") && !(entry.getValue() instanceof Boolean)) {
                unchecked.add(path + keyword + " (only true or false is checked)");
            } else if (keyword.equals("items") && entry.getValue() instanceof Map<?, ?> items) {
                collectUnchecked((Map<String, Object>) items, path + "items.", unchecked);
            } else if (keyword.equals("properties") && entry.getValue() instanceof Map<?, ?> properties) {
                properties.forEach((name, property) -> {
                    if (property instanceof Map<?, ?> nested) {
                        collectUnchecked((Map<String, Object>) nested, path + "properties." + name + ".", unchecked);
                    }
                });
            }
        }
    }

    /** Throws {@link InvalidParamsException} naming the first field that breaks {@code schema}. */
    public static void validate(Map<String, Object> schema, Object value) {
        check(schema, value, "params");
    }

    @SuppressWarnings("unchecked")
    private static void check(Map<String, Object> schema, Object value, String path) {
        Object type = schema.get("type");
        if (type != null && !hasType(value, (String) type)) {
            throw new InvalidParamsException(path, path + " must be " + article((String) type) + " " + type);
        }
        Object allowed = schema.get("enum");
        if (allowed instanceof List<?> values && !values.contains(value)) {
            throw new InvalidParamsException(path, path + " must be one of " + values);
        }
        if (value instanceof Number number) {
            checkRange(schema, number, path);
        }
        if (value instanceof Map<?, ?> map) {
            checkObject(schema, (Map<String, Object>) map, path);
        }
        if (value instanceof List<?> list) {
            Object maxItems = schema.get("maxItems");
            if (maxItems instanceof Number max && list.size() > max.longValue()) {
                throw new InvalidParamsException(path, path + " must have at most " + max + " items");
            }
            Object items = schema.get("items");
            if (items instanceof Map<?, ?> itemSchema) {
                for (int i = 0; i < list.size(); i++) {
                    check((Map<String, Object>) itemSchema, list.get(i), path + "[" + i + "]");
                }
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static void checkObject(Map<String, Object> schema, Map<String, Object> map, String path) {
        Map<String, Object> properties = (Map<String, Object>) schema.getOrDefault("properties", Map.of());
        Object required = schema.get("required");
        if (required instanceof List<?> names) {
            for (Object name : names) {
                if (!map.containsKey(name)) {
                    throw new InvalidParamsException(path + "." + name, path + "." + name + " is required");
                }
            }
        }
        boolean closed = Boolean.FALSE.equals(schema.get("additionalProperties"));
        for (Map.Entry<String, Object> entry : map.entrySet()) {
            String fieldPath = path + "." + entry.getKey();
            Object propertySchema = properties.get(entry.getKey());
            if (propertySchema == null) {
                if (closed) {
                    throw new InvalidParamsException(fieldPath, fieldPath + " is not a parameter of this function"
                            + (properties.isEmpty() ? " (it takes none)" : "; known: " + properties.keySet()));
                }
                continue;
            }
            check((Map<String, Object>) propertySchema, entry.getValue(), fieldPath);
        }
    }

    private static void checkRange(Map<String, Object> schema, Number number, String path) {
        BigDecimal value = decimal(number);
        if (schema.get("minimum") instanceof Number min && value.compareTo(decimal(min)) < 0) {
            throw new InvalidParamsException(path, path + " must be at least " + min);
        }
        if (schema.get("maximum") instanceof Number max && value.compareTo(decimal(max)) > 0) {
            throw new InvalidParamsException(path, path + " must be at most " + max);
        }
    }

    private static boolean hasType(Object value, String type) {
        return switch (type) {
            case "object" -> value instanceof Map;
            case "array" -> value instanceof List;
            case "string" -> value instanceof String;
            case "boolean" -> value instanceof Boolean;
            case "integer" -> value instanceof Integer || value instanceof Long || value instanceof BigInteger;
            case "number" -> value instanceof Number;
            case "null" -> value == null;
            default -> true;
        };
    }

    private static BigDecimal decimal(Number number) {
        if (number instanceof BigDecimal d) {
            return d;
        }
        if (number instanceof BigInteger i) {
            return new BigDecimal(i);
        }
        if (number instanceof Double || number instanceof Float) {
            return BigDecimal.valueOf(number.doubleValue());
        }
        return BigDecimal.valueOf(number.longValue());
    }

    private static String article(String type) {
        return type.startsWith("a") || type.startsWith("o") || type.startsWith("i") ? "an" : "a";
    }
}
