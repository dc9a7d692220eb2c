package io.jobpool.job;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** The refusal policies and their one retry rule, without a server. */
class AdmissionPolicyTest {

    private final QueueBoundAdmission queueBound = new QueueBoundAdmission(1_000);
    private final TenantQuotaAdmission quotas = new TenantQuotaAdmission(new TenantQuotas(
            new TenantQuotas.Quota(500, 1), Map.of("big", new TenantQuotas.Quota(900, 3))));

    @Test
    void theQueueBoundAdmitsUpToTheBound() {
        assertThatCode(() -> queueBound.admit(demand("a", 400), load(600, 100, tenant(0, 0, 0)))).doesNotThrowAnyException();
    }

    @Test
    void pastTheQueueBoundTheClientIsToldWhenTheExcessWillHaveDrained() {
        JobpoolException refused = refusal(() -> queueBound.admit(demand("a", 500), load(800, 100, tenant(0, 0, 0))));
        assertThat(refused.refusal()).isEqualTo(Refusal.OVERLOADED);
        assertThat(refused.retryAfterSeconds()).isEqualTo(3); // 300 items too many at 100 items/s
        assertThat(refused.getMessage()).endsWith("Retry after 3 s");
    }

    @Test
    void aJobLargerThanTheWholeQueueIsTooLargeNotOverloaded() {
        JobpoolException refused = refusal(() -> queueBound.admit(demand("a", 1_001), load(0, 100, tenant(0, 0, 0))));
        assertThat(refused.refusal()).isEqualTo(Refusal.PAYLOAD_TOO_LARGE);
        assertThat(refused.retryAfterSeconds()).isNull();
        assertThat(refused.field()).isEqualTo("inputs");
    }

    @Test
    void aTenantOverItsQuotaWaitsForItsOwnJobsToDrain() {
        JobpoolException refused = refusal(() -> quotas.admit(demand("small", 200), load(0, 10_000, tenant(400, 50, 0))));
        assertThat(refused.refusal()).isEqualTo(Refusal.QUOTA_EXCEEDED);
        assertThat(refused.retryAfterSeconds()).isEqualTo(2); // 100 over at the tenant's 50 items/s, not the service's
    }

    @Test
    void aTenantsOwnQuotaOverridesTheDefault() {
        assertThatCode(() -> quotas.admit(demand("big", 200), load(0, 0, tenant(600, 0, 0)))).doesNotThrowAnyException();
        assertThat(refusal(() -> quotas.admit(demand("other", 200), load(0, 0, tenant(600, 0, 0)))).refusal())
                .isEqualTo(Refusal.QUOTA_EXCEEDED);
    }

    @Test
    void openJobsPastTheQuotaAreRefusedUntilOneCloses() {
        AdmissionPolicy.Demand opensJob = new AdmissionPolicy.Demand("small", 0, true);
        JobpoolException refused = refusal(() -> quotas.admit(opensJob, load(0, 0, tenant(0, 0, 1))));
        assertThat(refused.refusal()).isEqualTo(Refusal.QUOTA_EXCEEDED);
        assertThat(refused.getMessage()).contains("1 open jobs");
        assertThatCode(() -> quotas.admit(new AdmissionPolicy.Demand("small", 0, false), load(0, 0, tenant(0, 0, 1))))
                .doesNotThrowAnyException();
    }

    @Test
    void retryAfterIsTheDrainTimeBetweenOneSecondAndFiveMinutes() {
        assertThat(RetryAfter.toDrain(250, 100)).isEqualTo(3);
        assertThat(RetryAfter.toDrain(1, 1_000_000)).isEqualTo(1);
        assertThat(RetryAfter.toDrain(1_000_000, 1)).isEqualTo(RetryAfter.MAX_SECONDS);
    }

    @Test
    void retryAfterIsOneSecondWhileNoDrainRateIsKnown() {
        assertThat(RetryAfter.toDrain(1_000_000, 0)).isEqualTo(1);
    }

    private static AdmissionPolicy.Demand demand(String tenant, long items) {
        return new AdmissionPolicy.Demand(tenant, items, false);
    }

    private static AdmissionPolicy.TenantLoad tenant(long queued, double itemsPerSecond, int openJobs) {
        return new AdmissionPolicy.TenantLoad(queued, itemsPerSecond, openJobs);
    }

    private static AdmissionPolicy.Load load(long queued, double itemsPerSecond, AdmissionPolicy.TenantLoad anyTenant) {
        return new AdmissionPolicy.Load(queued, itemsPerSecond, tenant -> anyTenant);
    }

    private static JobpoolException refusal(Runnable admit) {
        JobpoolException refused = catchThrowableOfType(JobpoolException.class, admit::run);
        assertThat(refused).as("refused").isNotNull();
        return refused;
    }
}
