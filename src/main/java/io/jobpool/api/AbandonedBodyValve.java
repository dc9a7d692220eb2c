package io.jobpool.api;

import jakarta.servlet.ServletException;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ValveBase;
import org.apache.coyote.ActionCode;

import java.io.IOException;

/**
 * Closes, instead of draining, a connection whose request body the service gave up on because it missed
 * {@code jobpool.limits.body-timeout}: the 408 is still sent, then the connection is closed.
 * <p>
 * Why: after a response Tomcat reads and discards ("swallows") the unread rest of the body so the connection
 * can serve the next request, and {@code server.tomcat.max-swallow-size: -1} lets it swallow any amount, so
 * that a client sending too large a body still reads its 413 rather than a reset. For a client trickling its
 * body that would hold the request thread for as long as the trickle lasts. {@code BodySizeLimitFilter} marks
 * such a request with {@link #ABANDONED}; this valve, which alone sees Tomcat's request, then asks Tomcat not
 * to swallow ({@link ActionCode#DISABLE_SWALLOW_INPUT}, the action Tomcat takes itself for an aborted upload),
 * which also marks the connection to be closed once the response is sent.
 * <p>
 * Called on the request thread, after the filters and the servlet have returned; stateless.
 */
public final class AbandonedBodyValve extends ValveBase {

    /** Request attribute set when the rest of the body is not worth reading. */
    static final String ABANDONED = AbandonedBodyValve.class.getName() + ".abandoned";

    public AbandonedBodyValve() {
        super(true);
    }

    @Override
    public void invoke(Request request, Response response) throws IOException, ServletException {
        try {
            getNext().invoke(request, response);
        } finally {
            if (request.getAttribute(ABANDONED) != null) {
                request.getCoyoteRequest().action(ActionCode.DISABLE_SWALLOW_INPUT, null);
                // The action flags the response as an error; the 408 problem already written is its report, so
                // the host must not append an error page to it.
                response.setErrorReported();
            }
        }
    }
}
