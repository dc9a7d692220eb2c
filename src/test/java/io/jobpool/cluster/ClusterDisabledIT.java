package io.jobpool.cluster;

import com.hazelcast.core.HazelcastInstance;
import io.jobpool.support.ServerTest;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.ApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

/** The default, {@code jobpool.cluster.enabled=false}: no Hazelcast member, no thread of one, no cluster health. */
class ClusterDisabledIT extends ServerTest {

    @Autowired
    ApplicationContext context;

    @Test
    void noMemberStartsByDefault() {
        assertThat(context.getBeansOfType(HazelcastInstance.class)).isEmpty();
        assertThat(Thread.getAllStackTraces().keySet()).noneMatch(thread -> thread.getName().startsWith("hz."));
        assertThat(http.get("/actuator/health").json().get("components").has("cluster")).isFalse();
    }
}
