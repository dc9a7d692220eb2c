package io.jobpool.api;

import jakarta.servlet.http.HttpServletRequest;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;

import java.net.URI;
import java.net.URISyntaxException;

/**
 * Builds {@code application/problem+json} answers as Spring {@link ProblemDetail}s: the type URI, title
 * and status of a {@link ProblemType}, the detail, the request path as {@code instance}, and two extra
 * properties: the request {@code field} at fault and, for 429, {@code retryAfterSeconds} (also sent as
 * {@code Retry-After}). Shared by the advice, the filters and the error-report valve.
 */
final class Problems {

    static final MediaType PROBLEM_JSON = MediaType.APPLICATION_PROBLEM_JSON;

    private Problems() {
    }

    static ProblemDetail body(ProblemType type, String detail, HttpServletRequest request, String field, Long retryAfter) {
        return body(type, type.status(), detail, request, field, retryAfter);
    }

    /** A problem of {@code type} with another status of its class (for framework and container refusals). */
    static ProblemDetail body(ProblemType type, int status, String detail, HttpServletRequest request, String field,
                              Long retryAfter) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatusCode.valueOf(status), detail);
        problem.setType(URI.create(type.uri()));
        problem.setTitle(type.title());
        problem.setInstance(instance(request));
        if (field != null) {
            problem.setProperty("field", field);
        }
        if (retryAfter != null) {
            problem.setProperty("retryAfterSeconds", retryAfter);
        }
        return problem;
    }

    static ResponseEntity<Object> response(ProblemType type, String detail, HttpServletRequest request, String field,
                                           Long retryAfter) {
        return response(body(type, detail, request, field, retryAfter));
    }

    static ResponseEntity<Object> response(ProblemDetail problem) {
        ResponseEntity.BodyBuilder builder = ResponseEntity.status(problem.getStatus()).contentType(PROBLEM_JSON);
        Object retryAfter = problem.getProperties() == null ? null : problem.getProperties().get("retryAfterSeconds");
        if (retryAfter != null) {
            builder.header(HttpHeaders.RETRY_AFTER, retryAfter.toString());
        }
        return builder.body(problem);
    }

    /** The request path; one that is not a valid URI reference (Tomcat lets a few through) with those characters quoted. */
    private static URI instance(HttpServletRequest request) {
        String path = request.getRequestURI() == null ? "/" : request.getRequestURI();
        try {
            return URI.create(path);
        } catch (IllegalArgumentException notAUri) {
            try {
                return new URI(null, null, path, null);
            } catch (URISyntaxException e) {
                return URI.create("/");
            }
        }
    }
}
