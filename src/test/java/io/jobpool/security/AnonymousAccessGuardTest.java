package io.jobpool.security;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AnonymousAccessGuardTest {

    private static final ApiKeys NONE = ApiKeys.parse(List.of());

    @Test
    void openServiceOnLoopbackStarts() {
        assertThatCode(() -> AnonymousAccessGuard.check(NONE, false, "127.0.0.1")).doesNotThrowAnyException();
        assertThatCode(() -> AnonymousAccessGuard.check(NONE, false, "::1")).doesNotThrowAnyException();
    }

    @Test
    void openServiceOnAllInterfacesIsRefused() {
        assertThatThrownBy(() -> AnonymousAccessGuard.check(NONE, false, null)).hasMessageContaining("all interfaces");
        assertThatThrownBy(() -> AnonymousAccessGuard.check(NONE, false, "0.0.0.0")).hasMessageContaining("allow-anonymous");
    }

    @Test
    void keysOrAnExplicitOptInAllowAnyAddress() {
        ApiKeys keys = ApiKeys.parse(List.of("a-long-enough-key-123:team"));
        assertThatCode(() -> AnonymousAccessGuard.check(keys, false, "0.0.0.0")).doesNotThrowAnyException();
        assertThatCode(() -> AnonymousAccessGuard.check(NONE, true, "0.0.0.0")).doesNotThrowAnyException();
    }
}
