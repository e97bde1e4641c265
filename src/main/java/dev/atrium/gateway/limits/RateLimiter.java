package dev.atrium.gateway.limits;

import dev.atrium.common.KeyId;
import dev.atrium.common.OrgId;
import dev.atrium.common.UserId;
import dev.atrium.common.WorkspaceId;
import dev.atrium.identity.KeySettings;
import dev.atrium.ledger.Period;
import dev.atrium.workspace.RateLimits;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Component;
import org.springframework.web.context.request.RequestContextHolder;
import org.springframework.web.context.request.ServletRequestAttributes;

/**
 * Admits a gateway call under the rate limits that apply to it — the workspace's (its policy), the
 * key's and the member's in that workspace — and a key's own spend limit: requests per minute and
 * concurrent calls when the call arrives, tokens per minute when its size is known (estimated, then
 * corrected at settlement), credits when it is priced. Every check is in this node's memory
 * ({@link Quotas}); a node reads PostgreSQL only to claim more of a limit.
 */
@Component
public class RateLimiter {
    /** The request attribute holding a call's limits, released when the request ends. */
    static final String ATTRIBUTE = RateLimiter.class.getName() + ".call";

    private final Quotas quotas;
    private final Refusals refusals;

    RateLimiter(Quotas quotas, Refusals refusals) {
        this.quotas = quotas;
        this.refusals = refusals;
    }

    /** One scope's limits: where they were set ({@code workspace}, {@code key}, {@code member}) and its id. */
    record Scoped(String kind, String scope, RateLimits limits) {}

    /**
     * Takes one request and one concurrent call of every limit that applies; 429 (with {@code
     * retry-after} and the {@code x-ratelimit-*} headers) when one has none left. The call's limits
     * are released when the HTTP request ends ({@link ReleaseFilter}).
     */
    public CallLimits admit(
            OrgId org,
            WorkspaceId workspace,
            @Nullable KeyId key,
            @Nullable UserId user,
            RateLimits workspaceLimits,
            @Nullable KeySettings keySettings,
            RateLimits memberLimits) {
        boolean keyLimited = key != null
                && keySettings != null
                && (keySettings.requestsPerMinute() != null
                        || keySettings.tokensPerMinute() != null
                        || keySettings.concurrent() != null
                        || keySettings.spendLimitMicros() != null);
        // The common case, no limit at all: nothing to allocate or take.
        if (workspaceLimits.none() && (user == null || memberLimits.none()) && !keyLimited) return CallLimits.NONE;
        List<Scoped> scopes = new ArrayList<>(3);
        if (!workspaceLimits.none()) scopes.add(new Scoped("workspace", "ws:" + workspace.value(), workspaceLimits));
        if (keySettings != null && key != null) {
            var k = new RateLimits(
                    keySettings.requestsPerMinute(), keySettings.tokensPerMinute(), keySettings.concurrent());
            if (!k.none()) scopes.add(new Scoped("key", "key:" + key.value(), k));
        }
        if (user != null && !memberLimits.none())
            scopes.add(new Scoped("member", "member:" + workspace.value() + ":" + user.value(), memberLimits));
        Window spend = null;
        long spendLimit = 0;
        if (keySettings != null && key != null && keySettings.spendLimitMicros() != null) {
            Period period = Period.parse(keySettings.spendPeriod());
            Instant now = quotas.now();
            spend = new Window(org.value(), "key:" + key.value(), Metric.CREDITS, period.start(now), period.next(now));
            spendLimit = keySettings.spendLimitMicros();
        }
        CallLimits call = new CallLimits(quotas, refusals, org, workspace, scopes, spend, spendLimit, response());
        bind(call);
        call.admit();
        return call;
    }

    private static void bind(CallLimits call) {
        if (RequestContextHolder.getRequestAttributes() instanceof ServletRequestAttributes a) {
            HttpServletRequest request = a.getRequest();
            Object earlier = request.getAttribute(ATTRIBUTE);
            if (earlier instanceof CallLimits c) c.release();
            request.setAttribute(ATTRIBUTE, call);
        }
    }

    private static @Nullable HttpServletResponse response() {
        return RequestContextHolder.getRequestAttributes() instanceof ServletRequestAttributes a
                ? a.getResponse()
                : null;
    }
}
