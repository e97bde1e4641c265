package dev.atrium.gateway.limits;

import dev.atrium.common.Credits;
import dev.atrium.common.OrgId;
import dev.atrium.common.WorkspaceId;
import dev.atrium.gateway.GatewayException;
import jakarta.servlet.http.HttpServletResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The limits one gateway call is under and what it has taken of them: a request and a concurrent
 * call at admission, its estimated tokens and its maximum cost once priced. Settlement corrects the
 * tokens and credits to what the call consumed; the end of the HTTP request releases its concurrent
 * calls. Over a limit: a {@link GatewayException} 429 ({@code rate_limit_exceeded}) with {@code
 * retry-after}, or 402 ({@code key_spend_limit_reached}) for a key's spend limit.
 */
public final class CallLimits {
    /** No limit applies. */
    public static final CallLimits NONE = new CallLimits(null, null, null, null, List.of(), null, 0, null);

    private final @Nullable Quotas quotas;
    private final @Nullable Refusals refusals;
    private final @Nullable OrgId org;
    private final @Nullable WorkspaceId workspace;
    private final List<RateLimiter.Scoped> scopes;
    private final @Nullable Window spend;
    private final long spendLimit;
    private final @Nullable HttpServletResponse response;

    private final List<Window> slots = new ArrayList<>(3);
    private final List<Taken> tokens = new ArrayList<>(3);
    private long credits;
    private boolean released;

    private record Taken(Window window, long amount) {}

    CallLimits(
            @Nullable Quotas quotas,
            @Nullable Refusals refusals,
            @Nullable OrgId org,
            @Nullable WorkspaceId workspace,
            List<RateLimiter.Scoped> scopes,
            @Nullable Window spend,
            long spendLimit,
            @Nullable HttpServletResponse response) {
        this.quotas = quotas;
        this.refusals = refusals;
        this.org = org;
        this.workspace = workspace;
        this.scopes = scopes;
        this.spend = spend;
        this.spendLimit = spendLimit;
        this.response = response;
    }

    /** One request and one concurrent call of each limit; on a refusal nothing stays taken but the requests. */
    void admit() {
        Quotas q = quotas;
        if (q == null) return;
        Instant now = q.now();
        takePerMinute(q, Metric.REQUESTS, l -> l.requestsPerMinute(), 1, now, w -> {});
        for (RateLimiter.Scoped s : scopes) {
            Integer concurrent = s.limits().concurrent();
            if (concurrent == null) continue;
            Window w = Quotas.slots(org.value(), s.scope());
            if (!q.take(w, concurrent, 1)) {
                release();
                throw refused("concurrent", s, w, now);
            }
            slots.add(w);
        }
    }

    /** Takes a call's estimated tokens (input and the most output it may produce) of each tokens-per-minute limit. */
    public void takeTokens(long estimate) {
        Quotas q = quotas;
        if (q == null || estimate <= 0) return;
        takePerMinute(
                q, Metric.TOKENS, l -> l.tokensPerMinute(), estimate, q.now(), w -> tokens.add(new Taken(w, estimate)));
    }

    /**
     * Takes {@code amount} of the minute window of each scope's {@code metric} limit, and sets the
     * headers of the tightest; on a refusal gives back the tokens taken so far and answers 429.
     */
    private void takePerMinute(
            Quotas q,
            Metric metric,
            java.util.function.Function<dev.atrium.workspace.RateLimits, @Nullable Number> limitOf,
            long amount,
            Instant now,
            java.util.function.Consumer<Window> taken) {
        String kind = metric.wire();
        Window tightest = null;
        long tightestLimit = 0;
        long tightestLeft = Long.MAX_VALUE;
        for (RateLimiter.Scoped s : scopes) {
            Number limit = limitOf.apply(s.limits());
            if (limit == null) continue;
            Window w = q.minute(org.value(), s.scope(), metric, now);
            if (!q.take(w, limit.longValue(), amount)) {
                giveBackTokens();
                headers(kind, w, limit.longValue(), now);
                throw refused(kind, s, w, now);
            }
            taken.accept(w);
            long left = q.remaining(w, limit.longValue());
            if (left < tightestLeft) {
                tightest = w;
                tightestLimit = limit.longValue();
                tightestLeft = left;
            }
        }
        if (tightest != null) headers(kind, tightest, tightestLimit, now);
    }

    /** The tokens the call consumed: what it took above or below its estimate goes back or is added. */
    public void settleTokens(long consumed) {
        Quotas q = quotas;
        if (q == null) return;
        for (Taken t : tokens) {
            if (consumed < t.amount()) q.give(t.window(), t.amount() - consumed);
            else if (consumed > t.amount()) q.add(t.window(), consumed - t.amount());
        }
        tokens.clear();
    }

    private void giveBackTokens() {
        Quotas q = quotas;
        if (q == null) return;
        for (Taken t : tokens) q.give(t.window(), t.amount());
        tokens.clear();
    }

    /** Takes the call's maximum cost of the key's spend limit; 402 {@code key_spend_limit_reached} when it cannot pay it. */
    public void takeCredits(Credits maximum) {
        takeCreditsUpTo(maximum, maximum);
    }

    /**
     * Takes as much of {@code maximum} as the key's spend limit has left, at least {@code minimum};
     * returns what was taken ({@code maximum} when the key has no spend limit), or 402 {@code
     * key_spend_limit_reached}.
     */
    public Credits takeCreditsUpTo(Credits maximum, Credits minimum) {
        Quotas q = quotas;
        if (q == null || spend == null) return maximum;
        long micros = Math.max(1, maximum.micros());
        long taken = q.takeUpTo(spend, spendLimit, micros, Math.max(1, Math.min(micros, minimum.micros())));
        if (taken > 0) {
            credits += taken;
            return Credits.ofMicros(taken);
        }
        {
            if (refusals != null) refusals.count(org, workspace, "key_spend_limit");
            throw new GatewayException(
                    402,
                    "insufficient_quota",
                    "key_spend_limit_reached",
                    "This API key has reached its spend limit of " + Credits.ofMicros(spendLimit)
                            + " credits for this period (it may cost up to " + maximum
                            + "); it resets at " + spend.end() + ".");
        }
    }

    /** What the call cost: the rest of its maximum goes back to the key's spend limit. */
    public void settleCredits(Credits cost) {
        Quotas q = quotas;
        if (q == null || spend == null || credits == 0) return;
        long back = credits - Math.min(credits, cost.micros());
        if (back > 0) q.give(spend, back);
        credits = 0;
    }

    /** Nothing was consumed (the call failed before output): tokens and credits go back. */
    public void abandon() {
        settleTokens(0);
        settleCredits(Credits.ZERO);
    }

    /** Ends the call's concurrent calls; once. */
    public void release() {
        Quotas q = quotas;
        if (q == null) return;
        synchronized (this) {
            if (released) return;
            released = true;
        }
        for (Window w : slots) q.give(w, 1);
        slots.clear();
    }

    private GatewayException refused(String reason, RateLimiter.Scoped s, Window w, Instant now) {
        if (refusals != null) refusals.count(org, workspace, reason);
        long retryMs = reason.equals("concurrent")
                ? 1000
                : Math.max(1, Duration.between(now, w.end()).toMillis());
        long retry = Math.max(1, seconds(Duration.ofMillis(retryMs)));
        if (response != null && !response.isCommitted()) {
            response.setHeader("retry-after", String.valueOf(retry));
            response.setHeader("retry-after-ms", String.valueOf(retryMs));
        }
        String what = switch (reason) {
            case "requests" -> "requests per minute";
            case "tokens" -> "tokens per minute";
            default -> "concurrent calls";
        };
        Number limit = switch (reason) {
            case "requests" -> s.limits().requestsPerMinute();
            case "tokens" -> s.limits().tokensPerMinute();
            default -> s.limits().concurrent();
        };
        return new GatewayException(
                429,
                reason,
                "rate_limit_exceeded",
                "Rate limit reached: the " + s.kind() + "'s limit of " + limit + " " + what + ". Try again in " + retry
                        + "s.");
    }

    /** OpenAI's {@code x-ratelimit-{limit,remaining,reset}-{requests,tokens}} headers for the tightest limit. */
    private void headers(String kind, Window w, long limit, Instant now) {
        if (response == null || response.isCommitted() || quotas == null) return;
        response.setHeader("x-ratelimit-limit-" + kind, String.valueOf(limit));
        response.setHeader("x-ratelimit-remaining-" + kind, String.valueOf(quotas.remaining(w, limit)));
        response.setHeader("x-ratelimit-reset-" + kind, reset(Duration.between(now, w.end())));
    }

    private static long seconds(Duration d) {
        return (d.toMillis() + 999) / 1000;
    }

    /** A duration as OpenAI writes it: {@code 250ms}, {@code 12s}, {@code 1m0s}. */
    static String reset(Duration d) {
        long ms = Math.max(0, d.toMillis());
        if (ms < 1000) return ms + "ms";
        long s = (ms + 999) / 1000;
        if (s < 60) return s + "s";
        return (s / 60) + "m" + (s % 60) + "s";
    }
}
