package io.jobpool.security;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ApiKeysTest {

    @Test
    void keysMapToTheirTenants() {
        ApiKeys keys = ApiKeys.parse(List.of("first-key-0123456789:alpha", "# a comment", "", "second-key-012345678:beta"));

        assertThat(keys.tenantOf("first-key-0123456789")).contains("alpha");
        assertThat(keys.tenantOf("second-key-012345678")).contains("beta");
        assertThat(keys.tenantOf("first-key-012345678")).isEmpty();
        assertThat(keys.size()).isEqualTo(2);
    }

    @Test
    void badEntriesAreRefusedWithoutShowingTheKey() {
        assertThatThrownBy(() -> ApiKeys.parse(List.of("short:alpha"))).hasMessageContaining("shorter than 16")
                .hasMessageNotContaining("short:");
        assertThatThrownBy(() -> ApiKeys.parse(List.of("no-tenant-separator-here"))).hasMessageContaining("key:tenant");
        assertThatThrownBy(() -> ApiKeys.parse(List.of("first-key-0123456789:bad tenant"))).hasMessageContaining("tenants are");
        assertThatThrownBy(() -> ApiKeys.parse(List.of("first-key-0123456789:a", "first-key-0123456789:b")))
                .hasMessageContaining("repeats").hasMessageNotContaining("first-key");
    }
}
