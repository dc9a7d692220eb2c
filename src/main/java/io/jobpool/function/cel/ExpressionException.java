package io.jobpool.function.cel;

/**
 * A CEL expression that cannot be compiled: a syntax error, a type error (such as an undeclared
 * reference) or an expression over the length limit. The message carries CEL's own report, e.g.
 * {@code ERROR: <input>:1:5: undeclared reference to 'y'}; {@link #line()} and {@link #column()}
 * point at the first error, both counted from 1.
 */
public class ExpressionException extends IllegalArgumentException {

    private final int line;
    private final int column;

    public ExpressionException(String message, int line, int column) {
        super(message);
        this.line = line;
        this.column = column;
    }

    /** The line of the first error, from 1. */
    public int line() {
        return line;
    }

    /** The column of the first error on its line, from 1 (in code points, as CEL counts). */
    public int column() {
        return column;
    }
}
