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
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.PlatformTransactionManager;
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

    public Result ingest(OrgId org, ExternalEvent e, Actor actor) {
        if (exists(org, e.id())) return new Result(e.id(), "duplicate", null, null);
        try {
            if (!workspaces.exists(org, e.workspace()))
                throw ApiException.invalid("workspace_id", "No such workspace.");
            if (e.user() != null && !organizations.isMember(org, e.user())) {
                throw ApiException.invalid("user_id", "No such member of the organization.");
            }
            PricedModel model = pricing.model(org, e.model()).orElse(null);
            Credits credits;
            try {
                credits = e.credits() != null ? e.credits() : price(model, e);
            } catch (ArithmeticException | IllegalArgumentException unpriceable) {
                // Units beyond any price's range, or a catalog entry without the price its kind needs.
                throw ApiException.invalid("credits", "The event cannot be priced from the catalog; send credits.");
            }
            String operation = model != null && model.kind() == ModelKind.TRANSCRIPTION
                    ? "transcription"
                    : e.category().wire();
            Boolean created = tx.execute(status -> {
                String holdId = null;
                if (credits.micros() > 0) {
                    Hold hold = ledger.hold(new HoldRequest(
                            org, e.workspace(), e.user(), credits, e.category(), e.model(), null, actor));
                    ledger.capture(org, hold.id(), credits, actor);
                    holdId = hold.id().value();
                }
                UsageEvent event = new UsageEvent(
                        UsageEvent.newId(),
                        org,
                        e.workspace(),
                        e.user(),
                        null,
                        e.model(),
                        model == null ? "external" : model.provider(),
                        e.category().wire(),
                        operation,
                        e.inputUnits(),
                        e.outputUnits(),
                        credits,
                        0,
                        "ok",
                        holdId,
                        RequestIds.current(),
                        "external",
                        e.occurredAt());
                if (!recorder.recordExternal(event, e.id())) {
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
            case CHAT -> m.kind() == ModelKind.CHAT;
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
        };
    }
}
