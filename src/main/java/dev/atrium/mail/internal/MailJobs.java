package dev.atrium.mail.internal;

import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/** The background sender (due messages every {@code atrium.mail.interval}) and the weekly digests, on every node. */
@Component
@ConditionalOnProperty(name = "atrium.jobs.enabled", havingValue = "true", matchIfMissing = true)
class MailJobs {
    private static final int BATCH = 20;
    private final MailDelivery delivery;
    private final WeeklyDigests digests;

    MailJobs(MailDelivery delivery, WeeklyDigests digests) {
        this.delivery = delivery;
        this.digests = digests;
    }

    /** Each week's digests go out with the first run after Monday 00:00 UTC. */
    @Scheduled(fixedDelayString = "${atrium.mail.digest-interval:PT1H}", initialDelayString = "PT1M")
    void digests() {
        digests.queueDue();
    }

    @Scheduled(fixedDelayString = "${atrium.mail.interval:PT2S}", initialDelayString = "PT5S")
    void deliver() {
        while (delivery.deliverDue(BATCH) == BATCH) {
            // keep draining while full batches come back
        }
    }
}
