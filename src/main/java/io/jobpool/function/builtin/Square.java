package io.jobpool.function.builtin;

import io.jobpool.function.spi.ItemFailure;
import io.jobpool.function.spi.JobFunction;
import io.jobpool.function.spi.Kind;

import java.math.BigDecimal;
import java.math.BigInteger;

/** {@code x * x}, exact: integers never overflow silently, they grow into big integers. */
public final class Square implements JobFunction<Void> {

    @Override
    public String name() {
        return "square";
    }

    @Override
    public String description() {
        return "x * x for a number x; integers stay exact however large the result.";
    }

    @Override
    public Kind kind() {
        return Kind.CPU;
    }

    @Override
    public Object apply(Object input, Void state) {
        if (input instanceof Integer i) {
            return (long) i * i;
        }
        if (input instanceof Long l) {
            long hi = Math.multiplyHigh(l, l);
            long lo = l * l;
            return (hi == 0 && lo >= 0) ? (Object) lo : BigInteger.valueOf(l).multiply(BigInteger.valueOf(l));
        }
        if (input instanceof BigInteger b) {
            return b.multiply(b);
        }
        if (input instanceof BigDecimal d) {
            return d.multiply(d);
        }
        if (input instanceof Double d) {
            double result = d * d;
            if (Double.isInfinite(result)) {
                throw new ItemFailure("Overflow", "the square of " + d + " does not fit a double");
            }
            return result;
        }
        throw ItemFailure.invalidInput("expected a number, got " + Inputs.describe(input));
    }
}
