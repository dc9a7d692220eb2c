package io.jobpool.api;

import java.io.IOException;

/** Raised while reading a request body that grows past the configured limit. */
final class BodyTooLargeException extends IOException {

    BodyTooLargeException(long limit) {
        super("the request body is larger than " + limit + " bytes", null);
    }
}
