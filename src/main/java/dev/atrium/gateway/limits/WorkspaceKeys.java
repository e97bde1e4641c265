package dev.atrium.gateway.limits;

import dev.atrium.common.ApiException;
import dev.atrium.common.Credits;
import dev.atrium.gateway.limits.ApiKeysController.KeyView;
import dev.atrium.gateway.limits.ApiKeysController.SpendLimit;
import dev.atrium.identity.KeyInfo;
import dev.atrium.identity.KeySettings;
import dev.atrium.ledger.Period;
import dev.atrium.usage.KeySpending;
import dev.atrium.workspace.KeySpendLookup;
import dev.atrium.workspace.RateLimits;
import dev.atrium.workspace.WorkspaceAccess;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Component;

/**
 * What the API and the console share about a workspace key's settings: checking them as given (a
 * positive spend limit with a period, models the workspace's policy allows, rate limits in range, an
 * expiry in the future) and showing a key with what it spent this period.
 */
@Component
class WorkspaceKeys implements KeySpendLookup {
    private final KeyPolicy keyPolicy;
    private final KeySpending spending;
    private final Clock clock;

    WorkspaceKeys(KeyPolicy keyPolicy, KeySpending spending, Clock clock) {
        this.keyPolicy = keyPolicy;
        this.spending = spending;
        this.clock = clock;
    }

    Instant now() {
        return clock.instant();
    }

    /** The start of the key's spend period now (a month when it has no limit). */
    Instant periodStart(KeySettings s) {
        Period period = s.spendPeriod() == null ? Period.MONTH : Period.parse(s.spendPeriod());
        return period.start(clock.instant());
    }

    @Override
    public Credits spentThisPeriod(WorkspaceAccess a, KeyInfo k) {
        return spending.since(a.workspace().org(), a.workspace().id(), k.id(), periodStart(k.settings()));
    }

    /** {@code revoked}, {@code expired} or {@code active}. */
    String status(KeyInfo k) {
        Instant now = clock.instant();
        return k.revokedAt() != null
                ? "revoked"
                : k.expiresAt() != null && !k.expiresAt().isAfter(now) ? "expired" : "active";
    }

    KeyView view(WorkspaceAccess a, KeyInfo k) {
        KeySettings s = k.settings();
        Instant start = periodStart(s);
        return new KeyView(
                k.id().value(),
                k.name(),
                k.prefix(),
                k.userId() == null ? null : k.userId().value(),
                k.createdBy(),
                k.createdAt(),
                k.lastUsedAt(),
                k.revokedAt(),
                k.expiresAt(),
                status(k),
                s.spendLimitMicros() == null
                        ? null
                        : new SpendLimit(Credits.ofMicros(s.spendLimitMicros()).toDecimal(), s.spendPeriod()),
                s.allowedModels(),
                new RateLimits(s.requestsPerMinute(), s.tokensPerMinute(), s.concurrent()),
                spending.since(a.workspace().org(), a.workspace().id(), k.id(), start)
                        .toDecimal(),
                start);
    }

    /** The settings as given, checked: a positive limit with a period, models the workspace's policy allows. */
    KeySettings settings(
            WorkspaceAccess a,
            @Nullable SpendLimit limit,
            @Nullable List<String> models,
            @Nullable Instant expires,
            @Nullable RateLimits rateLimits,
            boolean expiryGiven) {
        Long micros = null;
        String period = null;
        if (limit != null) {
            if (limit.amount() == null)
                throw ApiException.invalid("spend_limit.amount", "spend_limit needs an amount and a period.");
            try {
                micros = Credits.parse(limit.amount()).micros();
            } catch (IllegalArgumentException e) {
                throw ApiException.invalid(
                        "spend_limit.amount", "spend_limit.amount must be a decimal amount with at most 6 decimals.");
            }
            if (micros <= 0)
                throw ApiException.invalid("spend_limit.amount", "spend_limit.amount must be greater than 0.");
            try {
                period = Period.parse(limit.period() == null ? "" : limit.period())
                        .wire();
            } catch (IllegalArgumentException e) {
                throw ApiException.invalid("spend_limit.period", "spend_limit.period must be day, week or month.");
            }
        }
        if (expiryGiven && expires != null && !expires.isAfter(clock.instant()))
            throw ApiException.invalid("expires_at", "expires_at must be in the future.");
        List<String> allowed = keyPolicy.checkModels(a, models);
        RateLimits r = RateLimits.checked(rateLimits, "rate_limits");
        return new KeySettings(
                micros, period, allowed, r.requestsPerMinute(), r.tokensPerMinute(), r.concurrent(), expires);
    }
}
