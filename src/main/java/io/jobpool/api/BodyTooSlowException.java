package io.jobpool.api;

import java.io.IOException;
import java.time.Duration;

/** Raised while reading a request body that is still arriving when its deadline has passed. */
final class BodyTooSlowException extends IOException {

    BodyTooSlowException(Duration deadline) {
        super("the request body did not arrive within " + deadline.toMillis() / 1000.0 + " s", null);
    }
}
