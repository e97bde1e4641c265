package dev.atrium.history.internal;

import dev.atrium.common.ExclusiveJobs;
import dev.atrium.history.HistoryRetention;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/** Runs the history retention sweep (and the media blobs it frees) periodically, on one node at a time. */
@Component
class RetentionJob {
    private static final Logger log = LoggerFactory.getLogger(RetentionJob.class);
    private final HistoryRetention retention;
    private final Clock clock;
    private final ExclusiveJobs jobs;

    RetentionJob(HistoryRetention retention, Clock clock, ExclusiveJobs jobs) {
        this.retention = retention;
        this.clock = clock;
        this.jobs = jobs;
    }

    @Scheduled(fixedDelayString = "${atrium.history.retention-interval:PT1H}", initialDelayString = "PT30S")
    void sweep() {
        jobs.run("history.retention", this::sweepNow);
    }

    private void sweepNow() {
        try {
            long erased = retention.sweep(clock.instant());
            if (erased > 0) log.info("history retention erased {} rows", erased);
        } catch (RuntimeException e) {
            log.warn("history retention sweep failed; it runs again at the next interval", e);
        }
    }
}
