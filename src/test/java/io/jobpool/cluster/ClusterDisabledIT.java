package io.jobpool.cluster;

import com.hazelcast.core.HazelcastInstance;
import io.jobpool.support.ServerTest;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.ApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The default, {@code jobpool.cluster.enabled=false}: this service has no Hazelcast member and no cluster
 * health. (Other test servers in the same JVM may run one, so threads are not a sign of this one's.)
 */
class ClusterDisabledIT extends ServerTest {

    @Autowired
    ApplicationContext context;

    @Test
    void noMemberStartsByDefault() {
        assertThat(context.getBeansOfType(HazelcastInstance.class)).isEmpty();
        assertThat(http.get("/actuator/health").json().get("components").has("cluster")).isFalse();
    }
}
