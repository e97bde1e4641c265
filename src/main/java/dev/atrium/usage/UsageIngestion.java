package dev.atrium.usage;

import dev.atrium.common.ApiException;
import dev.atrium.common.Credits;
import dev.atrium.common.OrgId;
import dev.atrium.common.RequestIds;
import dev.atrium.common.UserId;
import dev.atrium.common.WorkspaceId;
import dev.atrium.ledger.Actor;
import dev.atrium.ledger.Category;
import dev.atrium.ledger.Hold;
import dev.atrium.ledger.HoldRequest;
import dev.atrium.ledger.Ledger;
import dev.atrium.organization.OrganizationService;
import dev.atrium.organization.WorkspaceDirectory;
import dev.atrium.pricing.ModelKind;
import dev.atrium.pricing.PricedModel;
import dev.atrium.pricing.Pricing;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;
import org.springframework.dao.TransientDataAccessException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.TransactionStatus;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Usage that happened outside the gateway. Each event is its own transaction: the ledger is debited
 * like a gateway operation (a hold, which checks the pool or budget and every spend limit, then an
 * immediate capture) and the event is written with the client's id, or nothing happens at all. A
 * replayed id is a duplicate and changes nothing, even when the replay races the original.
 */
@Service
public class UsageIngestion {
    private final UsageRecorder recorder;
    private final Ledger ledger;
    private final Pricing pricing;
    private final WorkspaceDirectory workspaces;
    private final OrganizationService organizations;
    private final JdbcClient jdbc;
    private final TransactionTemplate tx;
    private final TransactionTemplate savepoint;

    UsageIngestion(
            UsageRecorder recorder,
            Ledger ledger,
            Pricing pricing,
            WorkspaceDirectory workspaces,
            OrganizationService organizations,
            JdbcClient jdbc,
            PlatformTransactionManager transactions) {
        this.recorder = recorder;
        this.ledger = ledger;
        this.pricing = pricing;
        this.workspaces = workspaces;
        this.organizations = organizations;
        this.jdbc = jdbc;
        this.tx = new TransactionTemplate(transactions);
        this.savepoint = new TransactionTemplate(transactions);
        this.savepoint.setPropagationBehavior(TransactionDefinition.PROPAGATION_NESTED);
    }

    /** A validated external event; {@code credits} null means "price it from the catalog". */
    public record ExternalEvent(
            String id,
            WorkspaceId workspace,
            @Nullable UserId user,
            String model,
            Category category,
            @Nullable Credits credits,
            long inputUnits,
            long outputUnits,
            Instant occurredAt) {}

    /** How one event went: {@code created} (with the credits charged), {@code duplicate} or {@code error}. */
    public record Result(
            String id,
            String status,
            @Nullable Credits credits,
            @Nullable ApiException error) {
        public static Result error(String id, ApiException e) {
            return new Result(id, "error", null, e);
        }
    }

    /** An event that passed validation, with what it costs and how it is recorded. */
    private record Prepared(int index, ExternalEvent e, Credits credits, String provider, String operation) {}

    /** Caches of one request: the same workspace, member or model is looked up once. */
    private final class Lookups {
        final Map<WorkspaceId, Boolean> workspaces = new HashMap<>();
        final Map<UserId, Boolean> members = new HashMap<>();
        final Map<String, Optional<PricedModel>> models = new HashMap<>();
        final OrgId org;

        Lookups(OrgId org) {
            this.org = org;
        }

        Prepared prepare(int index, ExternalEvent e) {
            if (!workspaces.computeIfAbsent(e.workspace(), w -> UsageIngestion.this.workspaces.exists(org, w)))
                throw ApiException.invalid("workspace_id", "No such workspace.");
            if (e.user() != null && !members.computeIfAbsent(e.user(), u -> organizations.isMember(org, u))) {
                throw ApiException.invalid("user_id", "No such member of the organization.");
            }
            PricedModel model = models.computeIfAbsent(e.model(), m -> pricing.model(org, m))
                    .orElse(null);
            Credits credits;
            try {
                credits = e.credits() != null ? e.credits() : price(model, e);
            } catch (ArithmeticException | IllegalArgumentException unpriceable) {
                // Units beyond any price's range, or a catalog entry without the price its kind needs.
                throw ApiException.invalid("credits", "The event cannot be priced from the catalog; send credits.");
            }
            String operation =
                    model != null && (model.kind() == ModelKind.TRANSCRIPTION || model.kind() == ModelKind.EMBEDDING)
                            ? model.kind().wire()
                            : e.category().wire();
            return new Prepared(index, e, credits, model == null ? "external" : model.provider(), operation);
        }
    }

    public Result ingest(OrgId org, ExternalEvent e, Actor actor) {
        if (exists(org, e.id())) return new Result(e.id(), "duplicate", null, null);
        try {
            return one(org, new Lookups(org).prepare(0, e), actor);
        } catch (ApiException ex) {
            return Result.error(e.id(), ex);
        }
    }

    /** One event in its own transaction: hold, capture, record; or nothing. */
    private Result one(OrgId org, Prepared p, Actor actor) {
        ExternalEvent e = p.e();
        Credits credits = p.credits();
        try {
            Boolean created = tx.execute(status -> {
                String holdId = null;
                if (credits.micros() > 0) {
                    Hold hold = ledger.holdInTransaction(new HoldRequest(
                            org, e.workspace(), e.user(), credits, e.category(), e.model(), null, actor));
                    ledger.captureInTransaction(org, hold.id(), credits, actor);
                    holdId = hold.id().value();
                }
                if (!recorder.recordExternal(event(org, p, holdId), e.id())) {
                    // The same id committed concurrently: undo this debit.
                    status.setRollbackOnly();
                    return false;
                }
                return true;
            });
            return Boolean.TRUE.equals(created)
                    ? new Result(e.id(), "created", credits, null)
                    : new Result(e.id(), "duplicate", null, null);
        } catch (ApiException ex) {
            return Result.error(e.id(), ex);
        }
    }

    private static UsageEvent event(OrgId org, Prepared p, @Nullable String holdId) {
        ExternalEvent e = p.e();
        return new UsageEvent(
                UsageEvent.newId(),
                org,
                e.workspace(),
                e.user(),
                null,
                e.model(),
                p.provider(),
                e.category().wire(),
                p.operation(),
                e.inputUnits(),
                e.outputUnits(),
                p.credits(),
                0,
                "ok",
                holdId,
                RequestIds.current(),
                "external",
                e.occurredAt());
    }

    /** The events of one debit: same workspace, member, category and model. */
    private record Group(String workspace, String user, String category, String model) implements Comparable<Group> {
        static Group of(ExternalEvent e) {
            return new Group(
                    e.workspace().value(),
                    e.user() == null ? "" : e.user().value(),
                    e.category().wire(),
                    e.model());
        }

        @Override
        public int compareTo(Group o) {
            return Comparator.comparing(Group::workspace)
                    .thenComparing(Group::user)
                    .thenComparing(Group::category)
                    .thenComparing(Group::model)
                    .compare(this, o);
        }
    }

    /**
     * A request's events, with the same outcome per event as {@link #ingest} one by one, in far fewer
     * transactions. Known ids answer {@code duplicate} and invalid events {@code error} before any
     * write. The others are written in <b>one</b> transaction: the events of each (workspace, member,
     * category, model) group are debited by one hold and capture of their sum (it passes exactly the
     * checks their holds one by one would pass, since every limit caps a sum), then all are inserted
     * by one multi-row statement. A group the ledger refuses is rolled back to its savepoint and its
     * events are then tried one by one, as is an id repeated within the request and, if the batch
     * transaction fails as a whole (an id written concurrently, a lock conflict), every event of it.
     */
    public List<Result> ingestAll(OrgId org, List<ExternalEvent> events, Actor actor) {
        Result[] out = new Result[events.size()];
        Set<String> stored =
                existing(org, events.stream().map(ExternalEvent::id).toList());
        Set<String> seen = new HashSet<>();
        Lookups lookups = new Lookups(org);
        List<Prepared> batch = new ArrayList<>();
        List<Prepared> later = new ArrayList<>();
        List<Integer> repeated = new ArrayList<>();
        for (int i = 0; i < events.size(); i++) {
            ExternalEvent e = events.get(i);
            if (stored.contains(e.id())) {
                out[i] = new Result(e.id(), "duplicate", null, null);
            } else if (!seen.add(e.id())) {
                repeated.add(i); // after the first of its id is settled
            } else {
                try {
                    batch.add(lookups.prepare(i, e));
                } catch (ApiException ex) {
                    out[i] = Result.error(e.id(), ex);
                }
            }
        }
        if (!batch.isEmpty()) {
            List<Prepared> refused = new ArrayList<>();
            boolean committed = false;
            try {
                committed = Boolean.TRUE.equals(tx.execute(status -> batch(org, batch, actor, refused, status)));
            } catch (TransientDataAccessException conflict) {
                // A deadlock or lock timeout between batches: each event then goes on its own.
                committed = false;
            }
            if (committed) {
                Set<Prepared> retry = new HashSet<>(refused);
                for (Prepared p : batch) {
                    if (retry.contains(p)) later.add(p);
                    else out[p.index()] = new Result(p.e().id(), "created", p.credits(), null);
                }
            } else {
                later.addAll(batch);
            }
        }
        later.sort(Comparator.comparingInt(Prepared::index));
        for (Prepared p : later) out[p.index()] = exists(org, p.e().id()) ? duplicate(p.e()) : one(org, p, actor);
        for (int i : repeated) out[i] = ingest(org, events.get(i), actor);
        return Arrays.asList(out);
    }

    private static Result duplicate(ExternalEvent e) {
        return new Result(e.id(), "duplicate", null, null);
    }

    /** Inside the batch transaction; false (and rolled back) when an id was written concurrently. */
    private boolean batch(
            OrgId org, List<Prepared> batch, Actor actor, List<Prepared> refused, TransactionStatus status) {
        TreeMap<Group, List<Prepared>> groups = new TreeMap<>();
        for (Prepared p : batch)
            groups.computeIfAbsent(Group.of(p.e()), g -> new ArrayList<>()).add(p);
        List<UsageEvent> rows = new ArrayList<>();
        List<@Nullable String> ids = new ArrayList<>();
        for (List<Prepared> group : groups.values()) {
            long sum = 0;
            for (Prepared p : group) sum = Math.addExact(sum, p.credits().micros());
            String holdId = null;
            if (sum > 0) {
                ExternalEvent first = group.getFirst().e();
                Credits amount = Credits.ofMicros(sum);
                try {
                    holdId = savepoint.execute(s -> {
                        Hold hold = ledger.holdInTransaction(new HoldRequest(
                                org,
                                first.workspace(),
                                first.user(),
                                amount,
                                first.category(),
                                first.model(),
                                null,
                                actor));
                        ledger.captureInTransaction(org, hold.id(), amount, actor);
                        return hold.id().value();
                    });
                } catch (ApiException refusedByLedger) {
                    refused.addAll(group);
                    continue;
                }
            }
            // The group's capture is linked from its first event (one event per hold).
            for (Prepared p : group) {
                rows.add(event(org, p, holdId));
                ids.add(p.e().id());
                holdId = null;
            }
        }
        Set<String> written = recorder.recordAll(rows, ids);
        if (written.size() != rows.size()) {
            status.setRollbackOnly();
            return false;
        }
        return true;
    }

    private Set<String> existing(OrgId org, List<String> ids) {
        if (ids.isEmpty()) return Set.of();
        return new HashSet<>(
                jdbc.sql("SELECT external_id FROM usage_events WHERE org_id = :org AND external_id IN (:ids)")
                        .param("org", org.value())
                        .param("ids", ids)
                        .query(String.class)
                        .list());
    }

    private boolean exists(OrgId org, String externalId) {
        return jdbc.sql("SELECT count(*) FROM usage_events WHERE org_id = :org AND external_id = :id")
                        .param("org", org.value())
                        .param("id", externalId)
                        .query(Long.class)
                        .single()
                > 0;
    }

    private Credits price(@Nullable PricedModel m, ExternalEvent e) {
        if (m == null) {
            throw new ApiException(
                    org.springframework.http.HttpStatus.UNPROCESSABLE_CONTENT,
                    "unknown_model",
                    "The model '" + e.model() + "' is not in the organization's catalog; send credits to ingest it.",
                    "model");
        }
        boolean fits = switch (e.category()) {
            case CHAT -> m.kind() == ModelKind.CHAT || m.kind() == ModelKind.EMBEDDING;
            case IMAGE -> m.kind() == ModelKind.IMAGE;
            case SPEECH -> m.kind() == ModelKind.SPEECH || m.kind() == ModelKind.TRANSCRIPTION;
        };
        if (!fits) {
            throw ApiException.invalid(
                    "category",
                    "The model " + m.id() + " is a " + m.kind().wire() + " model, not "
                            + e.category().wire() + ".");
        }
        return switch (m.kind()) {
            case CHAT -> pricing.chatCost(m, e.inputUnits(), e.outputUnits());
            case IMAGE -> {
                if (e.outputUnits() < 1 || e.outputUnits() > 1000) {
                    throw ApiException.invalid("output_units", "output_units (images) must be between 1 and 1000.");
                }
                yield pricing.imageCost(m, null, null, (int) e.outputUnits());
            }
            case SPEECH -> pricing.speechCost(m, e.inputUnits());
            case TRANSCRIPTION -> pricing.transcriptionCost(m, e.inputUnits());
            case EMBEDDING -> pricing.embeddingCost(m, e.inputUnits());
        };
    }
}
