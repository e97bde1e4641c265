package dev.atrium.gateway.internal;

import dev.atrium.common.ApiException;
import dev.atrium.common.Credits;
import dev.atrium.common.KeyId;
import dev.atrium.common.OrgId;
import dev.atrium.common.RequestIds;
import dev.atrium.gateway.GatewayException;
import dev.atrium.gateway.settle.SettlementWriter;
import dev.atrium.gateway.settle.StreamProgress;
import dev.atrium.history.ChatTurn;
import dev.atrium.ledger.Actor;
import dev.atrium.ledger.Admission;
import dev.atrium.ledger.Category;
import dev.atrium.ledger.Companion;
import dev.atrium.ledger.CreditLeases;
import dev.atrium.ledger.ExpiryCharges;
import dev.atrium.ledger.Headroom;
import dev.atrium.ledger.Hold;
import dev.atrium.ledger.HoldRequest;
import dev.atrium.ledger.InsufficientCredits;
import dev.atrium.ledger.LeaseCharge;
import dev.atrium.ledger.Ledger;
import dev.atrium.pricing.PricedModel;
import dev.atrium.pricing.Pricing;
import dev.atrium.usage.UsageEvent;
import dev.atrium.usage.UsageRecorder;
import jakarta.annotation.PreDestroy;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The gateway's accounting: reserve before the provider is called, then settle exactly once — the
 * capture and the usage event in one transaction, or a void when nothing billable was produced.
 */
@Component
public class Settlement implements ExpiryCharges {
    private static final Logger log = LoggerFactory.getLogger(Settlement.class);
    private final Ledger ledger;
    private final Headroom headroom;
    private final Pricing pricing;
    /** The fewest output tokens a clamped chat hold may pay for: below, the call is refused. */
    private final long minimumOutputTokens;

    private final Clock clock;
    private final UsageRecorder usage;
    private final JsonMapper json;
    /** How long a failed settlement waits before it is tried again. */
    private final Duration retryInterval;

    private final ScheduledExecutorService retries = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("settle-retry").factory());
    /** Progress writes: off the relaying threads, one at a time per stream (see ChatService). */
    private final ExecutorService progressWriter = Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual().name("hold-progress-", 0).factory());
    /** Usage events, written with their captures: one insert for a combined batch of them. */
    private final Companion.Writer<UsageEvent> events;

    private final CreditLeases leases;
    private final SettlementWriter writer;

    Settlement(
            CreditLeases leases,
            SettlementWriter writer,
            Ledger ledger,
            Headroom headroom,
            Pricing pricing,
            UsageRecorder usage,
            Clock clock,
            JsonMapper json,
            @Value("${atrium.gateway.min-clamped-output-tokens:256}") long minimumOutputTokens,
            @Value("${atrium.gateway.settle-retry-interval:PT5S}") Duration retryInterval) {
        if (minimumOutputTokens < 1)
            throw new IllegalArgumentException("atrium.gateway.min-clamped-output-tokens must be at least 1");
        this.leases = leases;
        this.writer = writer;
        this.ledger = ledger;
        this.headroom = headroom;
        this.pricing = pricing;
        this.minimumOutputTokens = minimumOutputTokens;
        this.clock = clock;
        this.usage = usage;
        this.json = json;
        this.retryInterval = retryInterval;
        this.events = list -> usage.recordAll(list, null);
    }

    /** Reserves {@code amount}; 402 {@code insufficient_credits} (OpenAI shape) when refused. */
    public Hold reserve(GatewayContext ctx, Credits amount, Category category, String model) {
        if (overPerRequestCap(ctx, amount)) throw perRequestCapExceeded(ctx, amount);
        ctx.limits().takeCredits(amount);
        try {
            return hold(ctx, amount, category, model);
        } catch (InsufficientCredits e) {
            ctx.limits().abandon();
            throw GatewayException.insufficientCredits(e.getMessage());
        } catch (RuntimeException e) {
            ctx.limits().abandon();
            throw e;
        }
    }

    /** A chat call's admission and the output it pays for: {@code clamped} when below what the request asked. */
    public record ChatHold(Admission admission, long outputTokens, boolean clamped) {}

    /**
     * Admits a chat call's maximum cost: the prompt plus {@code outputCap} output tokens. When the
     * credits left after every limit (the funding source, the workspace's and the member's spend
     * limits, the workspace's per-request cap) cannot pay for that but can pay for the prompt and at
     * least {@link #minimumOutputTokens} (or {@code outputCap}, if smaller) output tokens, admits
     * the prompt and as many output tokens as they pay for; otherwise refuses as {@link #reserve}
     * does. Streamed or not, the call is admitted from the node's credit lease where it can be
     * ({@link CreditLeases}), else with an exact hold; a stream records its progress while it runs
     * ({@link #recordProgress}).
     */
    public ChatHold reserveChat(GatewayContext ctx, PricedModel model, long promptTokens, long outputCap) {
        // Rate limits first (in memory): the call's tokens at most, and its cost at most for a key's
        // spend limit; when what the key has left pays for less output, the call is clamped to it.
        long capped = outputCap;
        Credits ceiling = ctx.policy().maxCreditsPerRequest();
        if (ceiling != null && overPerRequestCap(ctx, pricing.chatCost(model, promptTokens, outputCap)))
            capped = Math.max(0, Math.min(outputCap, pricing.outputTokensWithin(model, promptTokens, ceiling)));
        ctx.limits().takeTokens(promptTokens + capped);
        long floor = Math.min(minimumOutputTokens, capped);
        Credits most = pricing.chatCost(model, promptTokens, capped);
        Credits taken = ctx.limits().takeCreditsUpTo(most, pricing.chatCost(model, promptTokens, floor));
        long within = taken.compareTo(most) >= 0
                ? outputCap
                : Math.max(floor, Math.min(capped, pricing.outputTokensWithin(model, promptTokens, taken)));
        try {
            ChatHold held = reserveChatWithin(ctx, model, promptTokens, within);
            return within < outputCap ? new ChatHold(held.admission(), held.outputTokens(), true) : held;
        } catch (RuntimeException e) {
            ctx.limits().abandon();
            throw e;
        }
    }

    private ChatHold reserveChatWithin(GatewayContext ctx, PricedModel model, long promptTokens, long outputCap) {
        long floor = Math.min(minimumOutputTokens, outputCap);
        long output = outputCap;
        Credits cap = ctx.policy().maxCreditsPerRequest();
        Credits maximum = pricing.chatCost(model, promptTokens, output);
        if (overPerRequestCap(ctx, maximum)) {
            long fits = pricing.outputTokensWithin(model, promptTokens, cap);
            if (fits < floor) throw perRequestCapExceeded(ctx, maximum);
            output = fits;
        }
        try {
            return new ChatHold(
                    admit(ctx, pricing.chatCost(model, promptTokens, output), model.id()), output, output < outputCap);
        } catch (InsufficientCredits refused) {
            // Only now (a refusal is rare) read what is left, and try once with what it pays for.
            Credits left = headroom.forHold(ctx.org(), ctx.workspace().id(), ctx.user());
            if (cap != null && cap.compareTo(left) < 0) left = cap;
            long fits = pricing.outputTokensWithin(model, promptTokens, left);
            if (fits < floor || fits >= output) throw GatewayException.insufficientCredits(refused.getMessage());
            try {
                return new ChatHold(admit(ctx, pricing.chatCost(model, promptTokens, fits), model.id()), fits, true);
            } catch (InsufficientCredits again) {
                throw GatewayException.insufficientCredits(again.getMessage());
            }
        }
    }

    /**
     * Admits a non-streaming operation of at most {@code amount} (an embedding request): from the
     * node's credit lease where it can be, else with an exact hold; refused as {@link #reserve}
     * refuses (402, or 403 above the workspace's per-request cap). Settle it with {@link
     * #settleAdmitted}, or give it back with {@link #abandon(GatewayContext, Admission)}.
     */
    public Admission admitOperation(GatewayContext ctx, Credits amount, Category category, String model) {
        return admitOperation(ctx, amount, category, model, 0);
    }

    /** As {@link #admitOperation}, for an operation of at most {@code tokens} tokens (tokens-per-minute limits). */
    public Admission admitOperation(GatewayContext ctx, Credits amount, Category category, String model, long tokens) {
        if (overPerRequestCap(ctx, amount)) throw perRequestCapExceeded(ctx, amount);
        ctx.limits().takeTokens(tokens);
        ctx.limits().takeCredits(amount);
        try {
            return leases.admit(request(ctx, amount, category, model));
        } catch (InsufficientCredits e) {
            ctx.limits().abandon();
            throw GatewayException.insufficientCredits(e.getMessage());
        } catch (RuntimeException e) {
            ctx.limits().abandon();
            throw e;
        }
    }

    /**
     * Settles an operation admitted by {@link #admitOperation}: through the settlement writer when
     * it was leased (no history turn: the caller records its activity itself), else the hold's
     * capture and the usage event in one transaction. Returns the amount charged.
     */
    public Credits settleAdmitted(GatewayContext ctx, Admission a, Outcome o) {
        return switch (a) {
            case Admission.Leased l -> settleLeased(ctx, l, o, null);
            case Admission.Held h -> settle(ctx, h.hold(), o);
        };
    }

    private Admission admit(GatewayContext ctx, Credits amount, String model) {
        return leases.admit(request(ctx, amount, Category.CHAT, model));
    }

    private Hold hold(GatewayContext ctx, Credits amount, Category category, String model) {
        return ledger.hold(request(ctx, amount, category, model));
    }

    private static HoldRequest request(GatewayContext ctx, Credits amount, Category category, String model) {
        return new HoldRequest(
                ctx.org(),
                ctx.workspace().id(),
                ctx.user(),
                amount.micros() == 0 ? Credits.ofMicros(1) : amount,
                category,
                model,
                null,
                actor(ctx));
    }

    private static boolean overPerRequestCap(GatewayContext ctx, Credits amount) {
        return ctx.policy().maxCreditsPerRequest() != null
                && amount.compareTo(ctx.policy().maxCreditsPerRequest()) > 0;
    }

    private static GatewayException perRequestCapExceeded(GatewayContext ctx, Credits amount) {
        return new GatewayException(
                403,
                "permission_error",
                "max_credits_per_request_exceeded",
                "This request may cost up to " + amount + " credits; the workspace allows at most "
                        + ctx.policy().maxCreditsPerRequest()
                        + " per request. Lower max_tokens or the number of outputs.");
    }

    /** What an operation consumed. */
    public record Outcome(
            String model,
            String provider,
            String category,
            String operation,
            long inputUnits,
            long outputUnits,
            Credits cost,
            String status,
            Instant startedAt) {}

    /**
     * Captures the cost (never above the hold) and records the usage event, atomically: the event
     * is written in the capture's transaction (combined with other settlements when called outside
     * a transaction), so a refused capture (resolved, expired) writes no event. Returns the amount
     * charged.
     */
    public Credits settle(GatewayContext ctx, Hold hold, Outcome o) {
        Credits charged = chargeable(hold, o.cost());
        settleLimits(ctx, o, charged);
        UsageEvent event = event(ctx, hold, o, charged);
        ledger.capture(ctx.org(), hold.id(), charged, actor(ctx), new Companion<>(events, event));
        return charged;
    }

    /**
     * Settles as {@link #settle}, for an operation whose output already reached the client (a
     * stream): when the capture fails for another reason than the hold's own state (the database is
     * unavailable), it is retried in the background until the hold expires, so the output is
     * charged once the database is back; after that the sweeper captures the progress recorded on
     * the hold. A hold resolves once, so the retries and the sweeper never charge twice. Returns
     * the amount charged, or to be charged.
     */
    public Credits settleDelivered(GatewayContext ctx, Hold hold, Outcome o) {
        Credits charged = chargeable(hold, o.cost());
        settleLimits(ctx, o, charged);
        UsageEvent event = event(ctx, hold, o, charged);
        try {
            ledger.capture(ctx.org(), hold.id(), charged, actor(ctx), new Companion<>(events, event));
        } catch (ApiException refused) {
            throw refused;
        } catch (RuntimeException e) {
            log.warn(
                    "could not settle hold {} ({}); retrying in the background until it expires",
                    hold.id(),
                    e.toString());
            retryLater(ctx, hold, charged, event);
        }
        return charged;
    }

    private void retryLater(GatewayContext ctx, Hold hold, Credits charged, UsageEvent event) {
        retries.schedule(
                () -> {
                    if (!clock.instant().isBefore(hold.expiresAt())) {
                        log.warn("hold {} expired before it could be settled; the sweeper settles it", hold.id());
                        return;
                    }
                    try {
                        ledger.capture(ctx.org(), hold.id(), charged, actor(ctx), new Companion<>(events, event));
                        log.info("settled hold {} after an earlier failure: {} credits", hold.id(), charged);
                    } catch (ApiException refused) {
                        log.warn("hold {} was settled otherwise: {}", hold.id(), refused.getMessage());
                    } catch (RuntimeException e) {
                        retryLater(ctx, hold, charged, event);
                    }
                },
                retryInterval.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    /**
     * Records, on the hold, what an operation has consumed so far, so a crash before it settles
     * still charges it (the sweeper captures it at expiry, with a {@code partial} usage event). On a
     * background thread; a failure (the database may be down) is only logged.
     */
    public void recordProgress(GatewayContext ctx, Hold hold, Outcome o, Runnable done) {
        Credits consumed = chargeable(hold, o.cost());
        String detail = progressDetail(ctx, o);
        progressWriter.execute(() -> {
            try {
                ledger.recordProgress(ctx.org(), hold.id(), consumed, detail);
            } catch (RuntimeException e) {
                log.debug("could not record the progress of hold {}", hold.id(), e);
            } finally {
                done.run();
            }
        });
    }

    /**
     * Records what a stream admitted from a lease has consumed so far (its charge and a {@code
     * partial} usage event), in the settlement journal: no database write. Should the process be
     * killed before the stream settles, the next start charges that much, once. On the relaying
     * thread (an append to the journal's mapped file); a failure (the writer is stopping) is only
     * logged.
     */
    public void recordProgress(GatewayContext ctx, Admission.Leased a, Outcome o) {
        Credits consumed = chargeable(a, o.cost());
        try {
            writer.progress(new StreamProgress(
                    leases.chargeSoFar(a, consumed, actor(ctx)),
                    event(ctx, a.reservation(), o, consumed),
                    a.amount().micros()));
        } catch (RuntimeException e) {
            log.debug("could not journal the progress of stream {}", a.reservation(), e);
        }
    }

    /**
     * A stream ended (settled, or given back): its progress no longer needs keeping. For a leased
     * one whose settlement never reached the journal (nothing was charged, or it was committed in
     * the request).
     */
    public void streamEnded(Admission a) {
        if (a instanceof Admission.Leased l) writer.streamEnded(l.reservation());
    }

    private String progressDetail(GatewayContext ctx, Outcome o) {
        var detail = new LinkedHashMap<String, Object>();
        detail.put("key", ctx.credential() == null ? null : ctx.credential().value());
        detail.put("model", o.model());
        detail.put("provider", o.provider());
        detail.put("category", o.category());
        detail.put("operation", o.operation());
        detail.put("input_units", o.inputUnits());
        detail.put("output_units", o.outputUnits());
        detail.put("latency_ms", Math.max(0, clock.millis() - o.startedAt().toEpochMilli()));
        detail.put("request_id", RequestIds.current());
        return json.writeValueAsString(detail);
    }

    /**
     * The usage event of a hold the sweeper captured for its recorded progress (its caller crashed
     * or never came back): status {@code partial}, written in the sweeper's transaction.
     */
    @Override
    public void charged(OrgId org, Hold hold, Credits charged, String detail) {
        JsonNode d = json.readTree(detail);
        String key = d.path("key").isString() ? d.path("key").asString() : null;
        String request = d.path("request_id").isString() ? d.path("request_id").asString() : null;
        usage.record(new UsageEvent(
                UsageEvent.newId(),
                org,
                hold.workspaceId(),
                hold.userId(),
                key == null ? null : new KeyId(key),
                d.path("model").asString(hold.model() == null ? "" : hold.model()),
                d.path("provider").asString(""),
                d.path("category").asString(hold.category().wire()),
                d.path("operation").asString(hold.category().wire()),
                d.path("input_units").asLong(0),
                d.path("output_units").asLong(0),
                charged,
                d.path("latency_ms").asLong(0),
                "partial",
                hold.id().value(),
                request,
                "gateway",
                clock.instant()));
    }

    @PreDestroy
    void stop() {
        retries.shutdownNow();
        progressWriter.shutdown();
    }

    private UsageEvent event(GatewayContext ctx, Hold hold, Outcome o, Credits charged) {
        return event(ctx, hold.id().value(), o, charged);
    }

    private UsageEvent event(GatewayContext ctx, String reservation, Outcome o, Credits charged) {
        Instant now = clock.instant();
        // Built here: the request id belongs to this thread, and the capture may run on another.
        return new UsageEvent(
                UsageEvent.newId(),
                ctx.org(),
                ctx.workspace().id(),
                ctx.user(),
                ctx.credential(),
                o.model(),
                o.provider(),
                o.category(),
                o.operation(),
                o.inputUnits(),
                o.outputUnits(),
                charged,
                Math.max(0, now.toEpochMilli() - o.startedAt().toEpochMilli()),
                o.status(),
                reservation,
                RequestIds.current(),
                "gateway",
                now);
    }

    /** What an operation costing {@code cost} is charged: its cost, never more than was held. */
    public static Credits chargeable(Hold hold, Credits cost) {
        return cost.compareTo(hold.amount()) > 0 ? hold.amount() : cost;
    }

    /**
     * Settles a call admitted from a lease: what it did not consume goes back to the lease at once,
     * and its charge, usage event and history {@code turn} go to the settlement writer, which
     * journals them and commits them shortly after; the answer does not wait. Should the writer not
     * take it (it is stopping), the settlement is committed here. Returns the amount charged.
     */
    public Credits settleLeased(GatewayContext ctx, Admission.Leased a, Outcome o, @Nullable ChatTurn turn) {
        Credits charged = chargeable(a, o.cost());
        settleLimits(ctx, o, charged);
        LeaseCharge charge = leases.charge(a, charged, actor(ctx));
        UsageEvent event = event(ctx, a.reservation(), o, charged);
        var settlement = new dev.atrium.gateway.settle.Settlement(charge, event, turn);
        try {
            writer.submit(settlement);
        } catch (RuntimeException e) {
            log.warn("settlement writer unavailable ({}); committing the settlement in the request", e.toString());
            writer.applyNow(settlement);
        }
        return charged;
    }

    /** The rate and spend limits learn what the call consumed: tokens (of text models) and credits. */
    private static void settleLimits(GatewayContext ctx, Outcome o, Credits charged) {
        ctx.limits().settleTokens("chat".equals(o.category()) ? o.inputUnits() + o.outputUnits() : 0);
        ctx.limits().settleCredits(charged);
    }

    /** Gives back everything an admission reserved: the operation produced nothing billable. */
    public void abandon(GatewayContext ctx, Admission a) {
        ctx.limits().abandon();
        switch (a) {
            case Admission.Held h -> abandon(ctx, h.hold());
            case Admission.Leased l -> leases.release(l);
        }
    }

    /** What an admission may be charged at most. */
    public static Credits chargeable(Admission a, Credits cost) {
        return cost.compareTo(a.amount()) > 0 ? a.amount() : cost;
    }

    /** Returns the whole hold: the operation failed before producing anything billable. */
    public void abandon(GatewayContext ctx, Hold hold) {
        ctx.limits().abandon();
        try {
            ledger.release(ctx.org(), hold.id(), actor(ctx));
        } catch (RuntimeException e) {
            // The sweeper releases it at expiry if this fails (for example, the database is briefly gone).
            log.warn("could not void hold {}; it will expire", hold.id(), e);
        }
    }

    private static Actor actor(GatewayContext ctx) {
        return new Actor(
                ctx.actorType(),
                ctx.user() != null ? ctx.user().value() : ctx.credential().value());
    }
}
