package dev.atrium.mail.internal;

import dev.atrium.common.Credits;
import dev.atrium.common.MailSettings;
import dev.atrium.usage.UsageQuery;
import dev.atrium.usage.UsageReports;
import dev.atrium.usage.UsageRow;
import dev.atrium.workspace.Workspace;
import dev.atrium.workspace.WorkspaceService;
import java.time.Clock;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.TemporalAdjusters;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * A workspace's weekly usage digest for its admins, for the last full week (Monday to Monday, UTC):
 * credits as image &amp; speech, chatbot and total, and the top models. Each week of each workspace
 * is claimed once ({@code mail_digest_runs}) in the transaction that queues its messages, so several
 * nodes running this job send one digest.
 */
@Component
public class WeeklyDigests {
    private static final Logger log = LoggerFactory.getLogger(WeeklyDigests.class);
    static final int TOP_MODELS = 5;

    private final MailSettings settings;
    private final Digests digests;
    private final Recipients recipients;
    private final MailTemplates templates;
    private final Outbox outbox;
    private final UsageReports reports;
    private final WorkspaceService workspaces;
    private final TransactionTemplate tx;
    private final Clock clock;

    WeeklyDigests(
            MailSettings settings,
            Digests digests,
            Recipients recipients,
            MailTemplates templates,
            Outbox outbox,
            UsageReports reports,
            WorkspaceService workspaces,
            TransactionTemplate tx,
            Clock clock) {
        this.settings = settings;
        this.digests = digests;
        this.recipients = recipients;
        this.templates = templates;
        this.outbox = outbox;
        this.reports = reports;
        this.workspaces = workspaces;
        this.tx = tx;
        this.clock = clock;
    }

    /** Queues the last full week's digest of every workspace that wants one and has not had it; returns how many. */
    public int queueDue() {
        if (!settings.configured()) return 0;
        Instant now = clock.instant();
        LocalDate monday =
                LocalDate.ofInstant(now, ZoneOffset.UTC).with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY));
        Instant end = monday.atStartOfDay(ZoneOffset.UTC).toInstant();
        Instant start = end.minus(Duration.ofDays(7));
        int queued = 0;
        for (Digests.Subscribed s : digests.subscribed()) {
            try {
                Boolean done = tx.execute(status -> queue(s, start, end, now));
                if (Boolean.TRUE.equals(done)) queued++;
            } catch (RuntimeException e) {
                log.warn("weekly digest of {} {} failed; retried next run", s.org(), s.workspace(), e);
            }
        }
        return queued;
    }

    private boolean queue(Digests.Subscribed s, Instant start, Instant end, Instant now) {
        Workspace ws = workspaces.find(s.workspace()).orElse(null);
        if (ws == null || !ws.active() || !ws.org().equals(s.org())) return false;
        if (!digests.claim(s.org(), s.workspace(), start, now)) return false;
        long chat = 0;
        long imageSpeech = 0;
        Map<String, long[]> models = new HashMap<>();
        for (UsageRow r : reports.rows(new UsageQuery(
                s.org(),
                start,
                end,
                UsageQuery.Bucket.NONE,
                EnumSet.of(UsageQuery.Dimension.MODEL, UsageQuery.Dimension.CATEGORY),
                List.of(s.workspace())))) {
            long credits = r.credits().micros();
            if ("chat".equals(r.category())) chat += credits;
            else imageSpeech += credits;
            long[] m = models.computeIfAbsent(r.model() == null ? "—" : r.model(), k -> new long[2]);
            m[0] += r.count();
            m[1] += credits;
        }
        List<Map<String, Object>> top = new ArrayList<>();
        models.entrySet().stream()
                .sorted(Comparator.comparingLong((Map.Entry<String, long[]> e) -> e.getValue()[1])
                        .reversed()
                        .thenComparing(Map.Entry::getKey))
                .limit(TOP_MODELS)
                .forEach(e -> {
                    Map<String, Object> row = new LinkedHashMap<>();
                    row.put("model", e.getKey());
                    row.put("calls", e.getValue()[0]);
                    row.put("credits", Credits.ofMicros(e.getValue()[1]).toDecimal());
                    top.add(row);
                });
        for (Recipients.Person p : recipients.workspaceAdmins(s.org(), s.workspace())) {
            Map<String, Object> model = new HashMap<>();
            model.put("name", p.name());
            model.put("workspace", ws.name());
            model.put("weekStart", LocalDate.ofInstant(start, ZoneOffset.UTC).toString());
            model.put(
                    "weekEnd",
                    LocalDate.ofInstant(end.minusSeconds(1), ZoneOffset.UTC).toString());
            model.put("imageSpeech", Credits.ofMicros(imageSpeech).toDecimal());
            model.put("chatbot", Credits.ofMicros(chat).toDecimal());
            model.put("total", Credits.ofMicros(chat + imageSpeech).toDecimal());
            model.put("models", top);
            model.put(
                    "link",
                    settings.publicUrl().isEmpty()
                            ? null
                            : settings.publicUrl() + "/orgs/" + s.org().value() + "/usage");
            Rendered message;
            try {
                message = templates.render("weekly-digest", model);
            } catch (RuntimeException ex) {
                outbox.failedToPrepare(
                        s.org(),
                        "digest.weekly",
                        p.email(),
                        "Weekly usage of " + ws.name(),
                        "template weekly-digest: " + ex.getMessage(),
                        now);
                continue;
            }
            outbox.enqueue(s.org(), new Outbox.Draft("digest.weekly", p.email(), message, null), now);
        }
        return true;
    }
}
