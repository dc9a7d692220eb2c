package io.jobpool.support.gen;

import java.util.Random;

/**
 * Strings of {@code minLength} to {@code maxLength} code points (both included, the length uniform),
 * each drawn from {@code codePoints}. A supplementary code point is two {@code char}s, so a string's
 * {@link String#length()} may exceed its number of code points.
 *
 * <p>The default alphabet ({@link Gen#strings()}) is all of Unicode, weighted so that the characters
 * that break parsers turn up often: printable ASCII most of the time, but also control characters
 * (NUL included), two- and three-byte UTF-8, lone surrogates (which no UTF-8 encoder can encode) and
 * supplementary characters. {@link #alpha} and {@link #withChars} narrow it.
 */
public record StringGen(Gen<Integer> codePoints, int minLength, int maxLength) implements Gen<String> {

    private static final Gen<Integer> UNICODE = Gen.frequencyOf(
            Pair.of(8, codePointsIn(0x20, 0x7E)),          // printable ASCII, JSON's '"' and '\' among them
            Pair.of(2, codePointsIn(0x00, 0x1F)),          // control characters
            Pair.of(2, codePointsIn(0x80, 0x7FF)),         // two bytes in UTF-8: Latin-1, Greek, Cyrillic...
            Pair.of(2, codePointsIn(0x800, 0xFFFF)),       // three bytes: the rest of the BMP, U+FFFF included
            Pair.of(1, codePointsIn(0xD800, 0xDFFF)),      // lone surrogates
            Pair.of(1, codePointsIn(0x10000, 0x10FFFF)));  // supplementary: a surrogate pair

    static final StringGen ANY = new StringGen(UNICODE, 0, 20);

    public StringGen {
        if (minLength < 0 || minLength > maxLength) {
            throw new IllegalArgumentException("lengths " + minLength + ".." + maxLength);
        }
    }

    /** ASCII letters only: a-z and A-Z. */
    public StringGen alpha() {
        return new StringGen(Gen.oneOf(codePointsIn('a', 'z'), codePointsIn('A', 'Z')), minLength, maxLength);
    }

    /** Only the characters of {@code chars}, each as likely as the others. */
    public StringGen withChars(String chars) {
        int[] alphabet = chars.codePoints().toArray();
        return new StringGen(random -> alphabet[random.nextInt(alphabet.length)], minLength, maxLength);
    }

    public StringGen ofLength(int length) {
        return new StringGen(codePoints, length, length);
    }

    public StringGen ofMinLength(int length) {
        return new StringGen(codePoints, length, Math.max(length, maxLength));
    }

    public StringGen ofMaxLength(int length) {
        return new StringGen(codePoints, Math.min(minLength, length), length);
    }

    @Override
    public String next(Random random) {
        int length = minLength + random.nextInt(maxLength - minLength + 1);
        StringBuilder text = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            text.appendCodePoint(codePoints.next(random));
        }
        return text.toString();
    }

    private static Gen<Integer> codePointsIn(int first, int last) {
        return random -> first + random.nextInt(last - first + 1);
    }
}
