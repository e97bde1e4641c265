package dev.atrium.mail.internal;

import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/** The background sender: drains due messages every {@code atrium.mail.interval} on every node. */
@Component
@ConditionalOnProperty(name = "atrium.jobs.enabled", havingValue = "true", matchIfMissing = true)
class MailJobs {
    private static final int BATCH = 20;
    private final MailDelivery delivery;

    MailJobs(MailDelivery delivery) {
        this.delivery = delivery;
    }

    @Scheduled(fixedDelayString = "${atrium.mail.interval:PT2S}", initialDelayString = "PT5S")
    void deliver() {
        while (delivery.deliverDue(BATCH) == BATCH) {
            // keep draining while full batches come back
        }
    }
}
