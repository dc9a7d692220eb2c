package io.jobpool.api;

import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.DeserializationContext;
import tools.jackson.databind.ValueDeserializer;

import java.util.AbstractList;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.RandomAccess;

/**
 * Reads {@code inputs}. Most big jobs map plain integers, so while the array holds only values that
 * fit an {@code int} they go into an {@code int[]} (4 bytes an item instead of a boxed object and a
 * reference); the first other value switches to an ordinary list of JSON values.
 */
final class InputsDeserializer extends ValueDeserializer<List<Object>> {

    @Override
    public Class<?> handledType() {
        return List.class;
    }

    @Override
    public List<Object> deserialize(JsonParser parser, DeserializationContext context) throws JacksonException {
        if (!parser.isExpectedStartArrayToken()) {
            return context.reportInputMismatch(this, "inputs must be a JSON array");
        }
        int[] ints = new int[64];
        int count = 0;
        JsonToken token;
        while ((token = parser.nextToken()) == JsonToken.VALUE_NUMBER_INT
                && parser.getNumberType() == JsonParser.NumberType.INT) {
            if (count == ints.length) {
                ints = Arrays.copyOf(ints, ints.length * 2);
            }
            ints[count++] = parser.getIntValue();
        }
        if (token == JsonToken.END_ARRAY) {
            return new IntList(Arrays.copyOf(ints, count));
        }
        List<Object> values = new ArrayList<>(Math.max(16, count * 2));
        for (int i = 0; i < count; i++) {
            values.add(ints[i]);
        }
        do {
            values.add(context.readValue(parser, Object.class));
        } while (parser.nextToken() != JsonToken.END_ARRAY);
        return values;
    }

    /** An immutable list of integers backed by an {@code int[]}. */
    static final class IntList extends AbstractList<Object> implements RandomAccess {

        private final int[] values;

        IntList(int[] values) {
            this.values = values;
        }

        @Override
        public Object get(int index) {
            return values[index];
        }

        @Override
        public int size() {
            return values.length;
        }
    }
}
