package io.jobpool.api;

import io.jobpool.job.JobpoolException;
import io.jobpool.execution.InvalidOptionException;
import jakarta.servlet.http.HttpServletRequest;
import org.apache.catalina.connector.ClientAbortException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.ErrorResponse;
import org.springframework.web.HttpMediaTypeNotAcceptableException;
import org.springframework.web.HttpMediaTypeNotSupportedException;
import org.springframework.web.HttpRequestMethodNotSupportedException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.async.AsyncRequestNotUsableException;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;
import org.springframework.web.servlet.resource.NoResourceFoundException;
import tools.jackson.core.JacksonException;
import tools.jackson.core.exc.InputCoercionException;
import tools.jackson.core.exc.StreamConstraintsException;
import tools.jackson.core.exc.StreamReadException;
import tools.jackson.databind.exc.MismatchedInputException;
import tools.jackson.databind.exc.UnrecognizedPropertyException;

import java.util.stream.Collectors;

/**
 * Turns every refusal, ours and the framework's, into an RFC 9457 problem with a stable type, the
 * right status and a detail a person can act on. Anything unexpected is logged with its cause and
 * answered as a 500 problem; it is never bad input.
 */
@RestControllerAdvice
class ProblemAdvice {

    private static final Logger log = LoggerFactory.getLogger(ProblemAdvice.class);

    /**
     * Integer query parameters are plain decimal numbers. Spring's default editor also reads hex and
     * octal ({@code offset=0x10} would be 16, {@code 010} 8) and is the fallback when a converter fails,
     * so a strict editor is registered: anything else is a 400 naming the parameter.
     */
    @org.springframework.web.bind.annotation.InitBinder
    void decimalIntegers(org.springframework.web.bind.WebDataBinder binder) {
        binder.registerCustomEditor(Integer.class, new java.beans.PropertyEditorSupport() {
            @Override
            public void setAsText(String text) {
                String value = text == null ? "" : text.strip();
                setValue(value.isEmpty() ? null : Integer.valueOf(value));
            }
        });
    }

    @ExceptionHandler(JobpoolException.class)
    ResponseEntity<Object> refused(JobpoolException e, HttpServletRequest request) {
        return Problems.response(ProblemType.of(e.refusal()), e.getMessage(), request, e.field(), e.retryAfterSeconds());
    }

    @ExceptionHandler(InvalidOptionException.class)
    ResponseEntity<Object> invalidOption(InvalidOptionException e, HttpServletRequest request) {
        return Problems.response(ProblemType.INVALID_REQUEST, e.getMessage(), request, e.option(), null);
    }

    @ExceptionHandler(HttpMessageNotReadableException.class)
    ResponseEntity<Object> unreadable(HttpMessageNotReadableException e, HttpServletRequest request) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof BodyTooLargeException tooLarge) {
                return Problems.response(ProblemType.PAYLOAD_TOO_LARGE, tooLarge.getMessage()
                        + " (jobpool.limits.max-body-bytes); split the inputs into several jobs", request, null, null);
            }
            if (cause instanceof BodyTooSlowException tooSlow) {
                return Problems.response(ProblemType.REQUEST_TIMEOUT, tooSlow.getMessage()
                        + " (jobpool.limits.body-timeout); send the body faster or split the inputs into several jobs",
                        request, null, null);
            }
            if (cause instanceof BodySizeLimitFilter.InvalidUtf8Exception invalid) {
                return Problems.response(ProblemType.MALFORMED_REQUEST, invalid.getMessage(), request, null, null);
            }
            if (cause instanceof UnrecognizedPropertyException unknown) {
                String known = unknown.getKnownPropertyIds() == null ? "" : "; known fields: "
                        + unknown.getKnownPropertyIds().stream().map(String::valueOf).sorted().collect(Collectors.joining(", "));
                return Problems.response(ProblemType.INVALID_REQUEST, "unknown field '" + unknown.getPropertyName() + "'" + known,
                        request, unknown.getPropertyName(), null);
            }
            if (cause instanceof MismatchedInputException mismatch) {
                String field = mismatch.getPathReference() == null || mismatch.getPath().isEmpty() ? null : path(mismatch);
                String expected = mismatch.getTargetType() == null ? "another JSON type" : describe(mismatch.getTargetType());
                return Problems.response(ProblemType.MALFORMED_REQUEST, (field == null ? "the body" : "field '" + field + "'")
                        + " has the wrong JSON type: expected " + expected, request, field, null);
            }
            if (cause instanceof InputCoercionException outOfRange) {
                String field = outOfRange.getPath().isEmpty() ? null : path(outOfRange);
                return Problems.response(ProblemType.MALFORMED_REQUEST, (field == null ? "a number" : "field '" + field + "'")
                        + " is out of range: " + outOfRange.getOriginalMessage() + location(outOfRange), request, field, null);
            }
            if (cause instanceof StreamConstraintsException limit) {
                return Problems.response(ProblemType.MALFORMED_REQUEST, "the JSON body breaks a parsing limit: "
                        + limit.getOriginalMessage(), request, null, null);
            }
            if (cause instanceof StreamReadException syntax) {
                return Problems.response(ProblemType.MALFORMED_REQUEST, "the body is not valid JSON: " + syntax.getOriginalMessage().replaceAll(" \\(start marker at \\[Source: [^]]*\\]\\)", "")
                        + location(syntax), request, null, null);
            }
        }
        return Problems.response(ProblemType.MALFORMED_REQUEST, "the request body is missing or unreadable: a JSON object is expected",
                request, null, null);
    }

    @ExceptionHandler(MethodArgumentTypeMismatchException.class)
    ResponseEntity<Object> badParameter(MethodArgumentTypeMismatchException e, HttpServletRequest request) {
        return Problems.response(ProblemType.INVALID_REQUEST, "parameter '" + e.getName() + "' must be "
                + (e.getRequiredType() == null ? "valid" : describe(e.getRequiredType())) + ", got \"" + e.getValue() + "\"",
                request, e.getName(), null);
    }

    /** Tomcat refuses to decode a query parameter whose percent-encoded bytes are not UTF-8 (e.g. {@code %FF}). */
    @ExceptionHandler(org.apache.tomcat.util.http.InvalidParameterException.class)
    ResponseEntity<Object> undecodableParameter(RuntimeException e, HttpServletRequest request) {
        return Problems.response(ProblemType.MALFORMED_REQUEST, "a query parameter cannot be decoded: percent-encoded"
                + " bytes must be UTF-8", request, null, null);
    }

    @ExceptionHandler(HttpMediaTypeNotSupportedException.class)
    ResponseEntity<Object> unsupportedMediaType(HttpMediaTypeNotSupportedException e, HttpServletRequest request) {
        return Problems.response(ProblemType.UNSUPPORTED_MEDIA_TYPE, "Content-Type " + e.getContentType()
                + " is not supported; send the body as application/json", request, null, null);
    }

    @ExceptionHandler(HttpMediaTypeNotAcceptableException.class)
    ResponseEntity<Object> notAcceptable(HttpMediaTypeNotAcceptableException e, HttpServletRequest request) {
        return Problems.response(ProblemType.NOT_ACCEPTABLE, "this resource is only available as "
                + e.getSupportedMediaTypes() + "; adjust the Accept header", request, null, null);
    }

    @ExceptionHandler(HttpRequestMethodNotSupportedException.class)
    ResponseEntity<Object> methodNotAllowed(HttpRequestMethodNotSupportedException e, HttpServletRequest request) {
        ResponseEntity<Object> problem = Problems.response(ProblemType.METHOD_NOT_ALLOWED, "method " + e.getMethod()
                + " is not allowed here; allowed: " + e.getSupportedHttpMethods(), request, null, null);
        return ResponseEntity.status(problem.getStatusCode()).headers(problem.getHeaders())
                .allow(e.getSupportedHttpMethods() == null ? new org.springframework.http.HttpMethod[0]
                        : e.getSupportedHttpMethods().toArray(new org.springframework.http.HttpMethod[0]))
                .body(problem.getBody());
    }

    @ExceptionHandler(NoResourceFoundException.class)
    ResponseEntity<Object> noSuchPath(NoResourceFoundException e, HttpServletRequest request) {
        return Problems.response(ProblemType.NOT_FOUND, "there is no resource at " + request.getRequestURI()
                + "; the API lives under /v1 (see openapi.yaml)", request, null, null);
    }

    /** The client went away while its answer was being written: nothing to answer, nothing wrong here. */
    @ExceptionHandler({AsyncRequestNotUsableException.class, ClientAbortException.class})
    void clientGone(Exception e) {
        log.debug("Client went away: {}", e.getMessage());
    }

    /**
     * Other framework refusals carry their own status: keep it, with our problem shape. Anything else
     * is unexpected: logged with its cause and answered as a 500 problem.
     */
    @ExceptionHandler(Exception.class)
    ResponseEntity<Object> other(Exception e, HttpServletRequest request) {
        int status = e instanceof ErrorResponse framework ? framework.getStatusCode().value() : 500;
        if (status >= 500 && status != 503) {
            log.error("Unexpected error on {} {}", request.getMethod(), request.getRequestURI(), e);
            return Problems.response(ProblemType.INTERNAL_ERROR, "the service failed unexpectedly; the error is logged",
                    request, null, null);
        }
        ProblemType type = status == 404 ? ProblemType.NOT_FOUND : status == 503 ? ProblemType.SHUTTING_DOWN
                : ProblemType.INVALID_REQUEST;
        String detail = ((ErrorResponse) e).getBody().getDetail();
        return Problems.response(Problems.body(type, status, detail == null ? e.getMessage() : detail, request, null, null));
    }

    private static String path(JacksonException e) {
        StringBuilder path = new StringBuilder();
        for (JacksonException.Reference reference : e.getPath()) {
            if (reference.getPropertyName() != null) {
                path.append(path.length() == 0 ? "" : ".").append(reference.getPropertyName());
            } else if (reference.getIndex() >= 0) {
                path.append('[').append(reference.getIndex()).append(']');
            }
        }
        return path.toString();
    }

    private static String location(StreamReadException e) {
        return e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")";
    }

    private static String describe(Class<?> type) {
        if (Number.class.isAssignableFrom(type) || type.isPrimitive()) {
            return "an integer";
        }
        if (type == String.class) {
            return "a string";
        }
        if (java.util.Map.class.isAssignableFrom(type)) {
            return "an object";
        }
        if (java.util.Collection.class.isAssignableFrom(type)) {
            return "an array";
        }
        return "a JSON object";
    }
}
