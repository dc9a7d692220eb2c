package io.jobpool.function.builtin;

import io.jobpool.function.spi.ItemFailure;
import io.jobpool.function.spi.JobFunction;
import io.jobpool.function.spi.Kind;

import java.math.BigInteger;
import java.util.List;

/** {@code base ** exp} over argument-list inputs {@code [base, exp]}, like {@code Pool.starmap(pow, ...)}. */
public final class Pow implements JobFunction<Void> {

    static final long MAX_EXPONENT = 100_000;

    @Override
    public String name() {
        return "pow";
    }

    @Override
    public String description() {
        return "base ** exp for inputs [base, exp] (starmap); integer bases give exact results, exp 0..100000.";
    }

    @Override
    public Kind kind() {
        return Kind.CPU;
    }

    @Override
    public int arity() {
        return 2;
    }

    @Override
    public Object apply(Object input, Void state) {
        List<?> args = (List<?>) input;
        Object base = args.get(0);
        int exp = (int) Inputs.integer(args.get(1), 0, MAX_EXPONENT);
        if (Inputs.isInteger(base)) {
            BigInteger result = new BigInteger(base.toString()).pow(exp);
            return result.bitLength() < 64 ? (Object) result.longValue() : result;
        }
        if (base instanceof Number number) {
            double result = Math.pow(number.doubleValue(), exp);
            if (Double.isInfinite(result)) {
                throw new ItemFailure("Overflow", base + " ** " + exp + " does not fit a double");
            }
            return result;
        }
        throw ItemFailure.invalidInput("expected a number as base, got " + Inputs.describe(base));
    }
}
