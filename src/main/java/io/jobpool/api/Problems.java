package io.jobpool.api;

import io.jobpool.job.ProblemType;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;

/** Builds {@code application/problem+json} answers; shared by the advice and the body-size filter. */
final class Problems {

    static final MediaType PROBLEM_JSON = MediaType.APPLICATION_PROBLEM_JSON;

    private Problems() {
    }

    static ProblemBody body(ProblemType type, String detail, HttpServletRequest request, String field, Long retryAfter) {
        return new ProblemBody(type.uri(), type.title(), type.status(), detail, request.getRequestURI(), field, retryAfter);
    }

    static ResponseEntity<Object> response(ProblemType type, String detail, HttpServletRequest request, String field,
                                           Long retryAfter) {
        ResponseEntity.BodyBuilder builder = ResponseEntity.status(type.status()).contentType(PROBLEM_JSON);
        if (retryAfter != null) {
            builder.header(HttpHeaders.RETRY_AFTER, Long.toString(retryAfter));
        }
        return builder.body(body(type, detail, request, field, retryAfter));
    }
}
