package io.jobpool.api;

import org.apache.catalina.Context;
import org.apache.catalina.Host;
import org.apache.catalina.Lifecycle;
import org.apache.catalina.Valve;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ErrorReportValve;
import org.apache.coyote.ActionCode;
import org.springframework.http.ProblemDetail;
import org.springframework.http.converter.json.ProblemDetailJacksonMixin;
import tools.jackson.databind.json.JsonMapper;

import java.io.Writer;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Tomcat's own error page, for what it refuses before the application sees the request (a request
 * target with an encoded slash or characters it does not allow, a malformed percent-encoding): the
 * same {@code application/problem+json} shape as every other refusal instead of an HTML page.
 */
public final class ProblemErrorReportValve extends ErrorReportValve {

    /** Outside Spring MVC, so the mix-in that writes a problem's extra properties at the top level is added here. */
    private static final JsonMapper JSON = JsonMapper.builder().addMixIn(ProblemDetail.class, ProblemDetailJacksonMixin.class).build();

    /** Replaces the host's HTML error report valve with this one once the context has started. */
    public static void install(Context context) {
        context.addLifecycleListener(event -> {
            if (Lifecycle.AFTER_START_EVENT.equals(event.getType()) && context.getParent() instanceof Host host) {
                for (Valve valve : host.getPipeline().getValves()) {
                    if (valve instanceof ErrorReportValve && !(valve instanceof ProblemErrorReportValve)) {
                        host.getPipeline().removeValve(valve);
                        host.getPipeline().addValve(new ProblemErrorReportValve());
                    }
                }
            }
        });
    }

    @Override
    protected void report(Request request, Response response, Throwable throwable) {
        int status = response.getStatus();
        if (status < 400 || response.getContentWritten() > 0 || !response.setErrorReported()) {
            return;
        }
        AtomicBoolean ioAllowed = new AtomicBoolean(false);
        response.getCoyoteResponse().action(ActionCode.IS_IO_ALLOWED, ioAllowed);
        if (!ioAllowed.get()) {
            return;
        }
        ProblemType type = switch (status) {
            case 404 -> ProblemType.NOT_FOUND;
            case 405 -> ProblemType.METHOD_NOT_ALLOWED;
            case 413 -> ProblemType.PAYLOAD_TOO_LARGE;
            default -> status >= 500 ? ProblemType.INTERNAL_ERROR : ProblemType.MALFORMED_REQUEST;
        };
        ProblemDetail body = Problems.body(type, status, status >= 500 ? "the service failed unexpectedly; the error is logged"
                : "the HTTP request was refused before it reached the API: check the request target's percent-encoding"
                + " (UTF-8, no encoded '/') and characters", request, null, null);
        try {
            response.setContentType(Problems.PROBLEM_JSON.toString());
            response.setCharacterEncoding("UTF-8");
            Writer writer = response.getReporter();
            if (writer != null) {
                writer.write(JSON.writeValueAsString(body));
                response.finishResponse();
            }
        } catch (Exception e) {
            container.getLogger().debug("Could not write the problem for status " + status, e);
        }
    }
}
