package dev.atrium.gateway.internal;

import dev.atrium.common.Credits;
import dev.atrium.common.RequestIds;
import dev.atrium.gateway.GatewayException;
import dev.atrium.ledger.Actor;
import dev.atrium.ledger.Category;
import dev.atrium.ledger.Companion;
import dev.atrium.ledger.Headroom;
import dev.atrium.ledger.Hold;
import dev.atrium.ledger.HoldRequest;
import dev.atrium.ledger.InsufficientCredits;
import dev.atrium.ledger.Ledger;
import dev.atrium.pricing.PricedModel;
import dev.atrium.pricing.Pricing;
import dev.atrium.usage.UsageEvent;
import dev.atrium.usage.UsageRecorder;
import java.time.Clock;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * The gateway's accounting: reserve before the provider is called, then settle exactly once — the
 * capture and the usage event in one transaction, or a void when nothing billable was produced.
 */
@Component
public class Settlement {
    private static final Logger log = LoggerFactory.getLogger(Settlement.class);
    private final Ledger ledger;
    private final Headroom headroom;
    private final Pricing pricing;
    /** The fewest output tokens a clamped chat hold may pay for: below, the call is refused. */
    private final long minimumOutputTokens;

    private final Clock clock;
    /** Usage events, written with their captures: one insert for a combined batch of them. */
    private final Companion.Writer<UsageEvent> events;

    Settlement(
            Ledger ledger,
            Headroom headroom,
            Pricing pricing,
            UsageRecorder usage,
            Clock clock,
            @Value("${atrium.gateway.min-clamped-output-tokens:256}") long minimumOutputTokens) {
        if (minimumOutputTokens < 1)
            throw new IllegalArgumentException("atrium.gateway.min-clamped-output-tokens must be at least 1");
        this.ledger = ledger;
        this.headroom = headroom;
        this.pricing = pricing;
        this.minimumOutputTokens = minimumOutputTokens;
        this.clock = clock;
        this.events = list -> usage.recordAll(list, null);
    }

    /** Reserves {@code amount}; 402 {@code insufficient_credits} (OpenAI shape) when refused. */
    public Hold reserve(GatewayContext ctx, Credits amount, Category category, String model) {
        if (overPerRequestCap(ctx, amount)) throw perRequestCapExceeded(ctx, amount);
        try {
            return hold(ctx, amount, category, model);
        } catch (InsufficientCredits e) {
            throw GatewayException.insufficientCredits(e.getMessage());
        }
    }

    /** A chat hold and the output it pays for: {@code clamped} when below what the request asked. */
    public record ChatHold(Hold hold, long outputTokens, boolean clamped) {}

    /**
     * Reserves a chat call's maximum cost: the prompt plus {@code outputCap} output tokens. When the
     * credits left after every limit (the funding source, the workspace's and the member's spend
     * limits, the workspace's per-request cap) cannot pay for that but can pay for the prompt and at
     * least {@link #minimumOutputTokens} (or {@code outputCap}, if smaller) output tokens, holds the
     * prompt and as many output tokens as they pay for; otherwise refuses as {@link #reserve} does.
     */
    public ChatHold reserveChat(GatewayContext ctx, PricedModel model, long promptTokens, long outputCap) {
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
                    hold(ctx, pricing.chatCost(model, promptTokens, output), Category.CHAT, model.id()),
                    output,
                    output < outputCap);
        } catch (InsufficientCredits refused) {
            // Only now (a refusal is rare) read what is left, and try once with what it pays for.
            Credits left = headroom.forHold(ctx.org(), ctx.workspace().id(), ctx.user());
            if (cap != null && cap.compareTo(left) < 0) left = cap;
            long fits = pricing.outputTokensWithin(model, promptTokens, left);
            if (fits < floor || fits >= output) throw GatewayException.insufficientCredits(refused.getMessage());
            try {
                return new ChatHold(
                        hold(ctx, pricing.chatCost(model, promptTokens, fits), Category.CHAT, model.id()), fits, true);
            } catch (InsufficientCredits again) {
                throw GatewayException.insufficientCredits(again.getMessage());
            }
        }
    }

    private Hold hold(GatewayContext ctx, Credits amount, Category category, String model) {
        return ledger.hold(new HoldRequest(
                ctx.org(),
                ctx.workspace().id(),
                ctx.user(),
                amount.micros() == 0 ? Credits.ofMicros(1) : amount,
                category,
                model,
                null,
                actor(ctx)));
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
        Instant now = clock.instant();
        // Built here: the request id belongs to this thread, and the capture may run on another.
        UsageEvent event = new UsageEvent(
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
                hold.id().value(),
                RequestIds.current(),
                "gateway",
                now);
        ledger.capture(ctx.org(), hold.id(), charged, actor(ctx), new Companion<>(events, event));
        return charged;
    }

    /** What an operation costing {@code cost} is charged: its cost, never more than was held. */
    public static Credits chargeable(Hold hold, Credits cost) {
        return cost.compareTo(hold.amount()) > 0 ? hold.amount() : cost;
    }

    /** Returns the whole hold: the operation failed before producing anything billable. */
    public void abandon(GatewayContext ctx, Hold hold) {
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
