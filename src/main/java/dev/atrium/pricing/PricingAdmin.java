package dev.atrium.pricing;

import dev.atrium.audit.AuditLog;
import dev.atrium.common.ApiException;
import dev.atrium.common.OrgId;
import dev.atrium.organization.OrgAccess;
import dev.atrium.pricing.internal.Catalog;
import dev.atrium.pricing.internal.Markups;
import dev.atrium.pricing.internal.ModelOverride;
import dev.atrium.pricing.internal.OverrideBuilder;
import dev.atrium.pricing.internal.Overrides;
import dev.atrium.pricing.internal.Rules;
import java.math.BigDecimal;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * Changes to an organization's prices: overrides of catalog models, custom models, the markup. Owners,
 * admins and billing members (and admin keys) make them; each is audited with the model as the
 * organization saw it before and after, in the same transaction.
 */
@Service
public class PricingAdmin {
    private static final BigDecimal MAX_MARKUP = BigDecimal.valueOf(1000);
    private static final int MARKUP_DECIMALS = 4;

    private final Catalog catalog;
    private final Overrides overrides;
    private final Markups markups;
    private final Pricing pricing;
    private final AuditLog audit;
    private final Clock clock;

    PricingAdmin(Catalog catalog, Overrides overrides, Markups markups, Pricing pricing, AuditLog audit, Clock clock) {
        this.catalog = catalog;
        this.overrides = overrides;
        this.markups = markups;
        this.pricing = pricing;
        this.audit = audit;
        this.clock = clock;
    }

    /**
     * Sets the organization's prices of a catalog model, or defines (or redefines) a model of its own
     * under an id the catalog does not have. Replaces whatever the organization set for that id before.
     */
    @Transactional
    public PricedModel setModel(OrgAccess access, String modelId, PriceChange change) {
        access.requireSeesAll();
        if (!Rules.isModelId(modelId)) {
            throw ApiException.invalid(
                    "model",
                    "A model id is at most " + Rules.MAX_MODEL_ID
                            + " letters, digits and . _ : - in segments separated by single slashes.");
        }
        OrgId org = access.org();
        overrides.lock(org, modelId);
        Optional<PricedModel> base = catalog.find(modelId);
        Optional<ModelOverride> existing = overrides.find(org, modelId);
        Optional<PricedModel> before = ModelOverride.resolve(base, existing);
        // An id that is the organization's own stays its own, even should a later catalog add it.
        boolean custom = base.isEmpty() || existing.map(ModelOverride::custom).orElse(false);
        ModelOverride next =
                custom ? OverrideBuilder.custom(modelId, change) : OverrideBuilder.override(base.orElseThrow(), change);
        overrides.put(org, next, clock.instant());
        PricedModel after = ModelOverride.resolve(base, Optional.of(next)).orElseThrow();
        audit.record(org, access.caller(), "pricing.model_updated", "model", modelId, before.orElse(null), after);
        return after;
    }

    /**
     * Removes what the organization set for a model: a catalog model is back at the catalog's prices
     * (returned), a custom model is gone (empty). 404 when the organization set nothing for it.
     */
    @Transactional
    public Optional<PricedModel> resetModel(OrgAccess access, String modelId) {
        access.requireSeesAll();
        OrgId org = access.org();
        if (!Rules.isModelId(modelId)) throw ApiException.notFound("pricing override");
        overrides.lock(org, modelId);
        Optional<ModelOverride> existing = overrides.find(org, modelId);
        if (existing.isEmpty() || !overrides.delete(org, modelId)) throw ApiException.notFound("pricing override");
        Optional<PricedModel> base = catalog.find(modelId);
        Optional<PricedModel> before = ModelOverride.resolve(base, existing);
        Optional<PricedModel> after = existing.get().custom() ? Optional.empty() : base;
        audit.record(
                org, access.caller(), "pricing.model_reset", "model", modelId, before.orElse(null), after.orElse(null));
        return after;
    }

    /**
     * Sets the markup for client billing: a decimal string of percent from 0 to 1000 with at most 4
     * decimal places ({@code "20"} is +20%). Returns the markup now in force.
     */
    @Transactional
    public BigDecimal setMarkup(OrgAccess access, @Nullable String percent) {
        access.requireSeesAll();
        BigDecimal next = parseMarkup(percent);
        OrgId org = access.org();
        markups.lock(org);
        BigDecimal before = pricing.markupPercent(org);
        markups.put(org, next, clock.instant());
        audit.record(
                org,
                access.caller(),
                "pricing.markup_updated",
                "organization",
                org.value(),
                Map.of("markup_percent", before.toPlainString()),
                Map.of("markup_percent", next.toPlainString()));
        return next;
    }

    static BigDecimal parseMarkup(@Nullable String percent) {
        String field = "markup_percent";
        if (percent == null || percent.isBlank()) throw ApiException.invalid(field, field + " is required.");
        BigDecimal raw;
        try {
            raw = new BigDecimal(percent.strip());
        } catch (NumberFormatException e) {
            throw ApiException.invalid(field, field + " must be a decimal number of percent, e.g. \"20\".");
        }
        if (raw.signum() < 0 || raw.compareTo(MAX_MARKUP) > 0) {
            throw ApiException.invalid(field, field + " must be between 0 and 1000.");
        }
        BigDecimal value = Pricing.plain(raw); // only once in range: "1E+999999999" must not expand
        if (value.scale() > MARKUP_DECIMALS) {
            throw ApiException.invalid(field, field + " has more than " + MARKUP_DECIMALS + " decimal places.");
        }
        return value;
    }
}
