package io.jobpool.support;

import io.jobpool.support.gen.Gen;
import io.jobpool.support.gen.Pair;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * Generators of the requests the fuzz test sends: structured bad requests (mutated job bodies, broken
 * JSON and UTF-8, wrong content types, bad ids on every job path, bad query values, wrong methods,
 * bodies over the size limit), each of which the service must refuse with a 4xx, and a few valid
 * square jobs, which it must accept and run.
 *
 * <p>A path may hold {@code {known}}: the sender puts the id of a job that exists there. The body and
 * item limits are the ones the server under test was started with, so crossing them stays cheap.
 */
public final class FuzzRequests {

    /** The fields of a job, as the API documents them. */
    public static final List<String> FIELDS = List.of("function", "params", "inputs", "chunkSize", "onError",
            "retries", "timeout", "priority", "open", "maxPending");

    private static final int MAX_CHUNK_SIZE = 1_000_000;
    private static final String ID_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";

    private final int maxBodyBytes;
    private final int maxItems;

    /** Generators for a server started with these {@code jobpool.limits}. */
    public FuzzRequests(int maxBodyBytes, int maxItems) {
        this.maxBodyBytes = maxBodyBytes;
        this.maxItems = maxItems;
    }

    /**
     * A generated request, named by its {@code kind} (the shape a wrong answer is reported under);
     * {@code validInputs} is non-null only for a valid square job, and is what it squares.
     */
    public record Req(String kind, String method, String path, String contentType, byte[] body,
                      List<Integer> validInputs) {

        public boolean valid() {
            return validInputs != null;
        }

        @Override
        public String toString() {
            String text = body == null ? "" : new String(body, 0, Math.min(body.length, 300), StandardCharsets.ISO_8859_1);
            String shownPath = path.length() <= 200 ? path : path.substring(0, 200) + "...";
            return kind + ": " + method + " " + shownPath + " [" + contentType + "] "
                    + (body == null ? "(no body)" : body.length + " bytes " + text.replaceAll("[^\\x20-\\x7e]", "?"));
        }
    }

    /** Any request: mostly bad ones, in these proportions, and about one in thirty a valid job. */
    public Gen<Req> request() {
        return Gen.frequencyOf(
                Pair.of(300, mutatedJob()),
                Pair.of(80, brokenBytes()),
                Pair.of(40, randomBytes()),
                Pair.of(60, wrongContentType()),
                Pair.of(160, badId()),
                Pair.of(140, badQuery()),
                Pair.of(40, wrongMethod()),
                Pair.of(2, oversized()),
                Pair.of(30, validJob()));
    }

    /** A valid square job: tiny, so the queue bound is never near. */
    public Gen<Req> validJob() {
        return Gen.combine(Gen.integers().between(-1000, 1000).list().ofMaxSize(6), validExtras())
                .as((inputs, extras) -> {
                    Map<String, String> fields = new LinkedHashMap<>();
                    fields.put("function", "\"square\"");
                    fields.put("inputs", inputs.toString().replace(" ", ""));
                    fields.putAll(extras);
                    return new Req("valid job", "POST", "/v1/jobs", "application/json", json(fields), inputs);
                });
    }

    /**
     * {"function":"square","inputs":[1,1,1,... generated on the fly, never held in memory: a valid
     * prefix of a job far over any body limit, {@code size} bytes long.
     */
    public static InputStream hugeJob(long size) {
        byte[] prefix = "{\"function\":\"square\",\"inputs\":[".getBytes(StandardCharsets.US_ASCII);
        return new InputStream() {
            long position;

            @Override
            public int read() {
                if (position >= size) {
                    return -1;
                }
                long at = position++;
                return at < prefix.length ? prefix[(int) at] : ((at - prefix.length) % 2 == 0 ? '1' : ',');
            }

            @Override
            public int read(byte[] buffer, int offset, int length) {
                if (position >= size) {
                    return -1;
                }
                int n = (int) Math.min(length, size - position);
                for (int i = 0; i < n; i++) {
                    buffer[offset + i] = (byte) read();
                }
                return n;
            }
        };
    }

    /** Optional fields with valid values. */
    private Gen<Map<String, String>> validExtras() {
        Gen<Pair<String, String>> extra = Gen.oneOf(
                Gen.integers().between(1, 10).map(p -> Pair.of("priority", p.toString())),
                Gen.integers().between(1, 1_000_000).map(c -> Pair.of("chunkSize", c.toString())),
                Gen.of("\"fail\"", "\"continue\"", "\"CONTINUE\"").map(v -> Pair.of("onError", v)),
                Gen.integers().between(0, 10).map(r -> Pair.of("retries", r.toString())),
                Gen.of("\"PT30S\"", "\"PT1M\"", "\"P1D\"", "\"PT59.5S\"").map(t -> Pair.of("timeout", t)),
                Gen.of("false", "null").map(o -> Pair.of("open", o)),
                Gen.just(Pair.of("params", "{}")));
        return extra.list().ofMaxSize(3).map(list -> {
            Map<String, String> fields = new LinkedHashMap<>();
            list.forEach(field -> fields.put(field.first(), field.second()));
            return fields;
        });
    }

    /** A valid job with one to three fields made wrong, each on its own enough for a 4xx. */
    private Gen<Req> mutatedJob() {
        return Gen.combine(validExtras(), mutation().list().ofMinSize(1).ofMaxSize(3),
                        Gen.of("/v1/jobs", "/v1/map", "/v1/map?waitSeconds=5"),
                        Gen.of("application/json", "application/json;charset=UTF-8", "APPLICATION/JSON"))
                .as((extras, mutations, path, contentType) -> {
                    Map<String, String> fields = new LinkedHashMap<>();
                    fields.put("function", "\"square\"");
                    fields.put("inputs", "[1,2,3]");
                    fields.putAll(extras);
                    StringBuilder kind = new StringBuilder("mutated job");
                    for (Pair<String, String> m : mutations) {
                        if (m.second() == null) {
                            fields.remove(m.first());
                        } else {
                            fields.put(m.first(), m.second());
                        }
                        kind.append(' ').append(FIELDS.contains(m.first()) ? m.first() : "unknown-field");
                    }
                    return new Req(kind.toString(), "POST", path, contentType, json(fields), null);
                });
    }

    /** A field and a raw JSON value (null: remove the field) that makes any job invalid. */
    private Gen<Pair<String, String>> mutation() {
        Gen<String> hugeInts = Gen.oneOf(
                Gen.longs().between(Integer.MAX_VALUE + 1L, Long.MAX_VALUE).map(String::valueOf),
                Gen.longs().between(Long.MIN_VALUE, Integer.MIN_VALUE - 1L).map(String::valueOf),
                Gen.integers().between(20, 2000).map(n -> "9".repeat(n)),
                Gen.of("1e400", "-1e400", "1E3", "2.0", "-0.0", "1.5", "NaN", "Infinity", "-Infinity", "0x10",
                        "01", "+1", "--1", "1.", ".5", "1e", "-"));
        Gen<String> wrongTypes = Gen.of("true", "false", "{}", "[]", "[1]", "{\"a\":1}", "\"1\"", "\"\"",
                "1.5", "\"true\"");
        Gen<String> badStrings = Gen.oneOf(
                Gen.strings().ofMinLength(1).ofMaxLength(40).map(FuzzRequests::quote),
                Gen.of("\"\\ud800\"", "\"\\udfff\"", "\"a\\ud83d\"", "\"\\u0000\"", "\"\\uffff\"",
                        "\"\\ud83d\\ude00\"", "\"\u00e9\u6f22\u5b57\"", "\"\\x\"", "\"\\u12\"", "\"\t\"", "\"unterminated"));
        return Gen.oneOf(
                // function
                Gen.oneOf(wrongTypes, hugeInts, Gen.of("null", "\"\"", "\"   \"", "\"Square\"",
                                "\"square \"", "\"sq\\u0000uare\""),
                        badStrings.filter(s -> !s.matches("\"(square|sha256|primes|sleep|fail|pow)\"")))
                        .map(v -> Pair.of("function", v)),
                Gen.just(Pair.of("function", (String) null)),
                // params: wrong types, unknown params for square, deep nesting
                Gen.oneOf(Gen.of("[]", "\"x\"", "7", "true", "[{}]", "{\"x\":1}", "{\"rounds\":3}",
                        "{\"\\ud800\":1}"), deep('{'), deep('['), hugeInts).map(v -> Pair.of("params", v)),
                // inputs: wrong types, missing, too deep, too many, numbers too long
                Gen.oneOf(Gen.of("\"1,2,3\"", "{\"0\":1}", "3", "true", "null", "{}", "\"\\ud800\""),
                                deep('['), tooManyItems(),
                                Gen.integers().between(1001, 5000).map(n -> "[" + "7".repeat(n) + "]"),
                                Gen.integers().between(1001, 5000).map(n -> "[0." + "7".repeat(n) + "]"))
                        .map(v -> Pair.of("inputs", v)),
                Gen.just(Pair.of("inputs", (String) null)),
                // integer fields out of range, of the wrong type, or too big for an int
                Gen.combine(Gen.of("chunkSize", "retries", "priority", "maxPending"),
                        Gen.oneOf(hugeInts, wrongTypes, badStrings, Gen.integers().between(Integer.MIN_VALUE, -1) // 0 is a valid retries
                                .map(String::valueOf))).as(Pair::of),
                Gen.integers().between(MAX_CHUNK_SIZE + 1, Integer.MAX_VALUE).map(v -> Pair.of("chunkSize", v.toString())),
                Gen.integers().between(11, Integer.MAX_VALUE).map(v -> Pair.of("retries", v.toString())),
                Gen.integers().between(11, Integer.MAX_VALUE).map(v -> Pair.of("priority", v.toString())),
                Gen.integers().between(1, Integer.MAX_VALUE).map(v -> Pair.of("maxPending", v.toString())), // not open
                // onError
                Gen.oneOf(wrongTypes, hugeInts, Gen.of("\"ignore\"", "\"\"", "\"fail \"", "\"con tinue\""),
                                badStrings.filter(s -> !s.matches("(?i)\"(fail|continue)\"")))
                        .map(v -> Pair.of("onError", v)),
                // timeout: bad durations
                Gen.oneOf(badDurations(), hugeInts, wrongTypes.filter(v -> !v.equals("\"1\"")))
                        .map(v -> Pair.of("timeout", v)),
                // open: wrong types
                Gen.of("\"true\"", "1", "0", "[]", "{}", "\"yes\"", "1.0", "[true]").map(v -> Pair.of("open", v)),
                // unknown fields, with any value
                Gen.combine(unknownFieldName(), Gen.oneOf(wrongTypes, hugeInts, badStrings, Gen.just("null")))
                        .as(Pair::of));
    }

    private Gen<String> unknownFieldName() {
        return Gen.oneOf(
                Gen.of("chunksize", "Function", "INPUTS", "input", "args", "", " ", "function ", "\\u0000",
                        "\\ud800", "\\udc00x", "wait", "id", "state", "__proto__", "constructor", "on_error",
                        "\u00e9t\u00e9", "\u2028"),
                Gen.strings().alpha().ofMinLength(1).ofMaxLength(30).filter(s -> !FIELDS.contains(s)),
                Gen.strings().ofMinLength(1).ofMaxLength(20)
                        .map(FuzzRequests::quote).map(q -> q.substring(1, q.length() - 1)).filter(s -> !FIELDS.contains(s)),
                Gen.integers().between(300, 3000).map(n -> "x".repeat(n)));
    }

    private Gen<String> badDurations() {
        return Gen.oneOf(
                Gen.of("5s", "30", "PT0S", "-PT1S", "PT-1S", "P2D", "", "PT", "P", "P1DT1S", "PT86401S",
                        "PT24H0.000000001S", "PT1000000H", "PT99999999999999999999H", "P1Y", "P1M", "P1W", "pt30s x",
                        " PT30S", "PT30S ", "PT3O S", "T30S", "PT30", "PT30.S", "PT.5S", "PT1.0000000001S", "PT0.0S",
                        "-P1D", "P-1D", "PT\u0661S", "\\ud800", "PT30S\\u0000")
                        .map(FuzzRequests::quoteDuration),
                Gen.longs().between(86_401, Long.MAX_VALUE).map(seconds -> quote("PT" + seconds + "S")),
                Gen.strings().ofMinLength(0).ofMaxLength(20).map(FuzzRequests::quote)
                        .filter(q -> !q.matches("(?i)\"P.*\"")));
    }

    /** A duration already holding JSON escapes is quoted as is, so that they stay escapes. */
    private static String quoteDuration(String text) {
        return text.contains("\\u") ? "\"" + text + "\"" : quote(text);
    }

    private static Gen<String> deep(char open) {
        return Gen.integers().between(501, 5000).map(depth -> open == '['
                ? "[".repeat(depth) + "]".repeat(depth)
                : "{\"a\":".repeat(depth) + "1" + "}".repeat(depth));
    }

    private Gen<String> tooManyItems() {
        return Gen.integers().between(maxItems + 1, maxItems + 200)
                .map(n -> IntStream.range(0, n).mapToObj(Integer::toString).collect(Collectors.joining(",", "[", "]")));
    }

    /** A valid job's bytes, truncated or with ill-formed UTF-8 (including lone surrogates as raw bytes) spliced in. */
    private Gen<Req> brokenBytes() {
        byte[][] bad = {{(byte) 0xFF}, {(byte) 0xFE}, {(byte) 0xC0, (byte) 0x80}, {(byte) 0xC1, (byte) 0xBF},
                {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, {(byte) 0xED, (byte) 0xBF, (byte) 0xBF},
                {(byte) 0xED, (byte) 0xA0, (byte) 0xBD, (byte) 0xED, (byte) 0xB8, (byte) 0x80},
                {(byte) 0xE2, (byte) 0x82}, {(byte) 0x80}, {(byte) 0xBF}, {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80},
                {(byte) 0xF8, (byte) 0x88, (byte) 0x80, (byte) 0x80, (byte) 0x80}, {(byte) 0xE0, (byte) 0x80, (byte) 0xAF},
                {(byte) 0xF0, (byte) 0x9F, (byte) 0x98}, {0}, {0x1B}, {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF}};
        return Gen.combine(validJob(), Gen.integers().between(0, bad.length - 1),
                        Gen.integers().between(0, 100), Gen.of("insert", "truncate", "replace", "bom-and-bad"))
                .as((job, which, percent, how) -> {
                    byte[] body = job.body();
                    int at = Math.min(body.length - 1, body.length * percent / 100); // where, as a share of the body
                    byte[] mutated = switch (how) {
                        case "truncate" -> Arrays.copyOf(body, at);
                        case "replace" -> splice(body, at, 1, bad[which]);
                        case "bom-and-bad" -> splice(splice(body, 0, 0, new byte[]{(byte) 0xEF, (byte) 0xBB, (byte) 0xBF}),
                                at + 3, 0, bad[which == 16 ? 0 : which]);
                        default -> splice(body, at, 0, bad[which == 16 ? 0 : which]);
                    };
                    return new Req("broken bytes " + how + " " + which, "POST", "/v1/jobs", "application/json",
                            mutated, null);
                });
    }

    private static byte[] splice(byte[] body, int at, int remove, byte[] insert) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(body, 0, at);
        out.writeBytes(insert);
        out.write(body, Math.min(body.length, at + remove), Math.max(0, body.length - at - remove));
        return out.toByteArray();
    }

    private Gen<Req> randomBytes() {
        return Gen.combine(Gen.bytes(300),
                        Gen.of("/v1/jobs", "/v1/map", "/v1/jobs/{known}/inputs", "/v1/jobs/AAAAAAAAAAAAAAAAAAAAAA/inputs"),
                        Gen.of("application/json", "text/plain", null))
                .as((bytes, path, type) -> new Req("random bytes", "POST", path, type, bytes, null));
    }

    /** A valid job under a content type that is not JSON (or none): 415 and no job. */
    private Gen<Req> wrongContentType() {
        return Gen.combine(validJob(), Gen.of("text/plain", "application/xml", "text/json",
                        "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/octet-stream",
                        "application/jsonx", "application/problem+json", "application/ndjson", "text/event-stream",
                        "application/json;charset=no-such-charset", "application/json; charset=\"", "application/",
                        "json", ";;;", "*/*", "application/*", "image/png", null),
                        Gen.of("/v1/jobs", "/v1/map", "/v1/jobs/{known}/inputs"))
                .as((job, type, path) -> new Req("content type " + type, "POST", path, type,
                        path.endsWith("inputs") ? "[1,2]".getBytes(StandardCharsets.UTF_8) : job.body(), null));
    }

    /** Ids that are not ids, or name no job, on every /v1/jobs/{id}... path. */
    private Gen<Req> badId() {
        Gen<String> ids = Gen.oneOf(
                Gen.strings().withChars(ID_CHARS).ofLength(22),
                Gen.strings().withChars(ID_CHARS).ofMinLength(1).ofMaxLength(21),
                Gen.strings().withChars(ID_CHARS).ofMinLength(23).ofMaxLength(300),
                Gen.strings().ofMinLength(1).ofMaxLength(30).map(FuzzRequests::percentEncode),
                Gen.of("%ED%A0%80", "%ED%BF%BFAAAAAAAAAAAAAAAAAAAAA", "%FF", "%C0%80", "%E2%82", "%F4%90%80%80",
                        "AAAAAAAAAAAAAAAAAAAAA%2B", "AAAAAAAAAAAAAAAAAAAAA%20", "%00", "%2e", "..", ".", "%2F", "a%2Fb",
                        "AAAAAAAAAAAAAAAAAAAAA=", "A;x=1", ";", "~", "%25", "%E2%80%AE", "null", "undefined",
                        "-1", "0", "99999999999999999999", "%EF%BB%BF", "%C3%A9%C3%A9%C3%A9"));
        Gen<String[]> endpoints = Gen.of(new String[]{"GET", ""}, new String[]{"DELETE", ""},
                new String[]{"GET", "/results"}, new String[]{"GET", "/results?offset=0&limit=10"},
                new String[]{"GET", "/results/stream"}, new String[]{"GET", "/results/stream?order=completion&from=0"},
                new String[]{"GET", "/events"}, new String[]{"POST", "/inputs"}, new String[]{"POST", "/close"});
        return Gen.combine(ids, endpoints).as((id, endpoint) -> new Req("bad id " + endpoint[0] + " " + endpoint[1].replaceAll("\\?.*", ""),
                        endpoint[0], "/v1/jobs/" + id + endpoint[1], endpoint[1].equals("/inputs") ? "application/json" : null,
                        endpoint[1].equals("/inputs") ? "[1,2]".getBytes(StandardCharsets.UTF_8) : null, null))
                .filter(req -> !(req.method().equals("GET") && req.path().matches("/v1/jobs/(\\.|%2e|;)?")));
    }

    /** Query values out of range, of the wrong type, or of ill-formed UTF-8, on every endpoint that takes them. */
    private Gen<Req> badQuery() {
        Gen<String> notInts = Gen.oneOf(
                Gen.of("abc", "1.5", "1e3", "0x10", "99999999999", "-99999999999", "%ED%A0%80", "%FF", "1%00",
                        "NaN", "--1", "1-", "%E2%80%8B1", "one", "%2B%2B1", "true", "[1]", "%7B%7D"),
                Gen.strings().alpha().ofMinLength(1).ofMaxLength(20),
                Gen.longs().between(Integer.MAX_VALUE + 1L, Long.MAX_VALUE).map(String::valueOf));
        Gen<String> negatives = Gen.integers().between(Integer.MIN_VALUE, -1).map(String::valueOf);
        Gen<String> badStates = Gen.oneOf(Gen.of("bogus", "%ED%A0%80", "%FF", "SUCCEEDED%00",
                        "RUNNING,QUEUED", "queued%20", "*", "%C3%A9"),
                Gen.strings().alpha().ofMinLength(1).ofMaxLength(15)
                        .filter(s -> !List.of("QUEUED", "RUNNING", "SUCCEEDED", "FAILED", "CANCELLED", "TIMED_OUT", "OPEN")
                                .contains(s.toUpperCase(Locale.ROOT))));
        Gen<String> badOrders = Gen.oneOf(Gen.of("random", "%ED%A0%80", "%FF", "input%00",
                        "completion,input", "INPUTS"),
                Gen.strings().alpha().ofMinLength(1).ofMaxLength(15)
                        .filter(s -> !List.of("INPUT", "COMPLETION").contains(s.toUpperCase(Locale.ROOT))));
        Gen<String> badLimitsForList = Gen.oneOf(notInts, negatives, Gen.of("0", "1001", "100000"),
                Gen.integers().between(1001, Integer.MAX_VALUE).map(String::valueOf));
        Gen<String> badLimitsForResults = Gen.oneOf(notInts, negatives, Gen.of("0", "100001"),
                Gen.integers().between(100_001, Integer.MAX_VALUE).map(String::valueOf));
        Gen<String> badWaits = Gen.oneOf(notInts, negatives, Gen.of("301", "86400"),
                Gen.integers().between(301, Integer.MAX_VALUE).map(String::valueOf));
        Gen<String> badOffsets = Gen.oneOf(notInts, negatives);
        byte[] square = "{\"function\":\"square\",\"inputs\":[5]}".getBytes(StandardCharsets.UTF_8);
        return Gen.oneOf(
                        Gen.combine(Gen.of("limit", "offset", "state"), badLimitsForList, badOffsets, badStates)
                                .as((which, limit, offset, state) -> get("/v1/jobs?" + which + "="
                                        + (which.equals("limit") ? limit : which.equals("offset") ? offset : state))),
                        Gen.combine(Gen.of("limit", "offset"), badLimitsForResults, badOffsets)
                                .as((which, limit, offset) -> get("/v1/jobs/{known}/results?" + which + "="
                                        + (which.equals("limit") ? limit : offset))),
                        Gen.combine(Gen.of("order", "from"), badOrders, badOffsets)
                                .as((which, order, from) -> get("/v1/jobs/{known}/results/stream?" + which + "="
                                        + (which.equals("order") ? order : from))),
                        badWaits.map(wait -> new Req("bad waitSeconds", "POST", "/v1/map?waitSeconds=" + wait,
                                "application/json", square, null)))
                .map(req -> new Req("bad query " + req.path().replaceAll("\\?([a-zA-Z]+)=.*", " $1")
                        .replaceAll("/v1/jobs/\\{known}", "/v1/jobs/{id}"), req.method(), req.path(), req.contentType(),
                        req.body(), null));
    }

    private Gen<Req> wrongMethod() {
        return Gen.combine(Gen.of("PUT", "PATCH", "DELETE", "POST", "GET"),
                        Gen.of("/v1/jobs", "/v1/map", "/v1/pool", "/v1/functions", "/v1/functions/square",
                                "/v1/jobs/{known}/results", "/v1/jobs/{known}/inputs", "/v1/jobs/{known}/close",
                                "/v1/jobs/{known}/events", "/v1/jobs/{known}", "/v1", "/v2/jobs", "/v1/jobs/{known}/nope"))
                .as((method, path) -> new Req("wrong method " + method + " " + path, method, path, "application/json",
                        "{}".getBytes(StandardCharsets.UTF_8), null))
                .filter(req -> !allowed(req.method(), req.path()));
    }

    /** Whether the method is one the path serves (those are not generated: they could succeed). */
    private static boolean allowed(String method, String path) {
        return switch (method) {
            case "GET" -> List.of("/v1/jobs", "/v1/pool", "/v1/functions", "/v1/functions/square", "/v1/jobs/{known}",
                    "/v1/jobs/{known}/results", "/v1/jobs/{known}/events").contains(path);
            case "POST" -> List.of("/v1/jobs", "/v1/map", "/v1/jobs/{known}/inputs", "/v1/jobs/{known}/close").contains(path);
            case "DELETE" -> path.equals("/v1/jobs/{known}");
            default -> false;
        };
    }

    /** Bodies just over the limit: 413. */
    private Gen<Req> oversized() {
        return Gen.integers().between(maxBodyBytes + 1, maxBodyBytes + 4096).map(size -> {
            String prefix = "{\"function\":\"square\",\"inputs\":[1],\"params\":{},\"x\":\"";
            String body = prefix + "a".repeat(size - prefix.length() - 2) + "\"}";
            return new Req("oversized body", "POST", "/v1/jobs", "application/json",
                    body.getBytes(StandardCharsets.UTF_8), null);
        });
    }

    private static Req get(String path) {
        return new Req("get", "GET", path, null, null, null);
    }

    private static byte[] json(Map<String, String> fields) {
        return fields.entrySet().stream().map(e -> "\"" + e.getKey() + "\":" + e.getValue())
                .collect(Collectors.joining(",", "{", "}")).getBytes(StandardCharsets.UTF_8);
    }

    /** A JSON string literal; lone surrogates become \\u escapes (still lone once parsed). */
    private static String quote(String text) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : text.toCharArray()) {
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c < 0x20 || Character.isSurrogate(c)) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.append('"').toString();
    }

    private static String percentEncode(String text) {
        StringBuilder out = new StringBuilder();
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            out.append(String.format("%%%02X", b & 0xFF));
        }
        return out.toString();
    }
}
