package dev.atrium.usage.web;

import dev.atrium.audit.AuditLog;
import dev.atrium.common.AmountFormat;
import dev.atrium.common.ApiException;
import dev.atrium.common.Credits;
import dev.atrium.common.Ids;
import dev.atrium.common.UserId;
import dev.atrium.common.WorkspaceId;
import dev.atrium.identity.Caller;
import dev.atrium.ledger.Actor;
import dev.atrium.ledger.Category;
import dev.atrium.organization.OrgAccess;
import dev.atrium.usage.UsageIngestion;
import dev.atrium.usage.UsageIngestion.ExternalEvent;
import dev.atrium.usage.UsageIngestion.Result;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

/**
 * {@code POST …/usage/events}: up to 1000 external usage events, each validated, priced, debited and
 * recorded with its own outcome (in few transactions, see {@link UsageIngestion#ingestAll}); the
 * answer says per event {@code created}, {@code duplicate} or {@code error}.
 */
@RestController
@RequestMapping("/api/v1/organizations/{org}/usage/events")
class IngestionController {
    static final int MAX_BATCH = 1000;
    private static final Duration FUTURE_SKEW = Duration.ofMinutes(5);
    private final Scope scope;
    private final UsageIngestion ingestion;
    private final AuditLog audit;
    private final Clock clock;
    private final TransactionTemplate tx;

    IngestionController(
            Scope scope,
            UsageIngestion ingestion,
            AuditLog audit,
            Clock clock,
            PlatformTransactionManager transactions) {
        this.scope = scope;
        this.ingestion = ingestion;
        this.audit = audit;
        this.clock = clock;
        this.tx = new TransactionTemplate(transactions);
    }

    /** The fields of one usage event; any other is refused, so a typo never changes what is recorded. */
    static final List<String> EVENT_FIELDS = List.of(
            "id",
            "workspace_id",
            "user_id",
            "model",
            "category",
            "credits",
            "input_units",
            "output_units",
            "occurred_at");

    record Batch(@Nullable List<JsonNode> events) {}

    @PostMapping
    Map<String, Object> ingest(
            @AuthenticationPrincipal Caller caller, @PathVariable String org, @RequestBody Batch body) {
        OrgAccess a = scope.all(caller, org);
        if (body.events() == null) throw ApiException.invalid("events", "events is required.");
        if (body.events().size() > MAX_BATCH) {
            throw ApiException.invalid("events", "At most " + MAX_BATCH + " events per request.");
        }
        Actor actor = Actor.of(caller);
        // Parse every event first; the valid ones are ingested together (UsageIngestion.ingestAll).
        int n = body.events().size();
        Result[] outcome = new Result[n];
        String[] ids = new String[n];
        List<ExternalEvent> valid = new ArrayList<>();
        List<Integer> where = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            JsonNode node = body.events().get(i);
            ids[i] =
                    node != null && node.path("id").isString() ? node.path("id").asString() : null;
            try {
                valid.add(parse(node));
                where.add(i);
            } catch (ApiException e) {
                outcome[i] = Result.error(ids[i] == null ? "" : ids[i], e);
            }
        }
        List<Result> ingested = ingestion.ingestAll(a.org(), valid, actor);
        for (int j = 0; j < ingested.size(); j++) outcome[where.get(j)] = ingested.get(j);
        List<Map<String, Object>> results = new ArrayList<>();
        int created = 0;
        Credits charged = Credits.ZERO;
        for (int i = 0; i < n; i++) {
            Result r = outcome[i];
            if (r.status().equals("created")) {
                created++;
                charged = charged.plus(r.credits() == null ? Credits.ZERO : r.credits());
            }
            results.add(view(r, ids[i]));
        }
        if (created > 0) {
            Map<String, Object> after = Map.of("created", created, "credits", charged.toDecimal());
            tx.executeWithoutResult(
                    s -> audit.record(a.org(), caller, "usage.ingested", "organization", org, null, after));
        }
        return Map.of("results", results);
    }

    private static Map<String, Object> view(Result r, @Nullable String id) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", id);
        m.put("status", r.status());
        if (r.credits() != null) m.put("credits", r.credits().toDecimal());
        ApiException e = r.error();
        if (e != null) {
            Map<String, Object> err = new LinkedHashMap<>();
            err.put("code", e.code());
            err.put("message", e.getMessage());
            if (e.field() != null) err.put("field", e.field());
            m.put("error", err);
        }
        return m;
    }

    private ExternalEvent parse(@Nullable JsonNode n) {
        if (n == null || !n.isObject()) throw ApiException.invalid("event", "Each event must be an object.");
        for (String name : n.propertyNames()) {
            if (!EVENT_FIELDS.contains(name)) {
                throw ApiException.invalid(
                        name, "Unknown field '" + name + "' in a usage event. Known fields: " + EVENT_FIELDS + ".");
            }
        }
        String id = text(n, "id", true);
        if (id == null || id.length() > 200) throw ApiException.invalid("id", "id must have 1 to 200 characters.");
        String ws = text(n, "workspace_id", true);
        if (ws == null || !Ids.isValid(ws, WorkspaceId.PREFIX)) {
            throw ApiException.invalid("workspace_id", "No such workspace.");
        }
        String user = text(n, "user_id", false);
        if (user != null && !Ids.isValid(user, UserId.PREFIX)) {
            throw ApiException.invalid("user_id", "No such member of the organization.");
        }
        String model = text(n, "model", true);
        if (model == null || model.length() > 200)
            throw ApiException.invalid("model", "model must have 1 to 200 characters.");
        Category category;
        try {
            category = Category.parse(String.valueOf(text(n, "category", true)));
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid("category", "category must be one of chat, image, speech.");
        }
        JsonNode creditsNode = n.get("credits");
        Credits credits = null;
        if (creditsNode != null && !creditsNode.isNull()) {
            if (!creditsNode.isString()) throw ApiException.invalid("credits", AmountFormat.notAString("credits"));
            credits = AmountFormat.parse(creditsNode.asString(), "credits");
        }
        String at = text(n, "occurred_at", true);
        Instant occurredAt;
        try {
            occurredAt = Instant.parse(String.valueOf(at));
        } catch (DateTimeParseException e) {
            throw ApiException.invalid("occurred_at", "occurred_at must be an ISO-8601 instant.");
        }
        if (occurredAt.isAfter(clock.instant().plus(FUTURE_SKEW))) {
            throw ApiException.invalid("occurred_at", "occurred_at must not be in the future.");
        }
        return new ExternalEvent(
                id,
                new WorkspaceId(ws),
                user == null ? null : new UserId(user),
                model,
                category,
                credits,
                units(n, "input_units"),
                units(n, "output_units"),
                occurredAt);
    }

    private static @Nullable String text(JsonNode n, String field, boolean required) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            if (required) throw ApiException.invalid(field, field + " is required.");
            return null;
        }
        if (!v.isString() || v.asString().isBlank()) throw ApiException.invalid(field, field + " must be a string.");
        return v.asString();
    }

    private static long units(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) return 0;
        if (!v.isIntegralNumber() || !v.canConvertToLong() || v.asLong() < 0) {
            throw ApiException.invalid(field, field + " must be a whole number >= 0.");
        }
        return v.asLong();
    }
}
