package dev.atrium.pricing;

import dev.atrium.common.Credits;
import dev.atrium.common.NodeCache;
import dev.atrium.common.NodeCaches;
import dev.atrium.common.OrgId;
import dev.atrium.pricing.internal.Catalog;
import dev.atrium.pricing.internal.Markups;
import dev.atrium.pricing.internal.ModelOverride;
import dev.atrium.pricing.internal.Overrides;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Service;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * What models cost, per organization: the default catalog with the organization's overrides and
 * custom models applied, the exact cost of an operation, and the organization's client-billing
 * markup.
 *
 * <p>Prices are in credits; the shipped catalog assumes <b>1 credit = US$0.01</b> and converts
 * providers' public list prices that way ($0.15 per 1M tokens = 15 credits per 1M tokens). Costs
 * are exact: computed in micro-credits and rounded up to the next micro-credit (see {@link Costs}).
 *
 * <p>The catalog file is read once at start-up. An organization's overrides and custom models are
 * read once and kept on the node ({@link NodeCache}); every change publishes {@link #PRICES_TOPIC},
 * which drops them on every node when it commits. The markup is read on every call. Callers must
 * check the caller's access to the organization first: these methods do not.
 *
 * <p>The ledger is charged at cost ({@code chatCost} and friends); {@link #withMarkup} is for the
 * statements an organization sends its own clients.
 */
@Service
public class Pricing {
    /**
     * {@link dev.atrium.common.ChangeFeed} topic of changes to an organization's models and prices
     * (overrides, custom models); the key is the organization's id.
     */
    public static final String PRICES_TOPIC = "pricing.models";

    private final Catalog catalog;
    private final Overrides overrides;
    private final Markups markups;
    private final NodeCache<OrgId, Map<String, ModelOverride>> overridesByOrg;
    private final TransactionTemplate readOnly;

    Pricing(
            Catalog catalog,
            Overrides overrides,
            Markups markups,
            NodeCaches caches,
            PlatformTransactionManager transactions) {
        this.catalog = catalog;
        this.overrides = overrides;
        this.markups = markups;
        this.overridesByOrg = caches.create("pricing-overrides");
        this.readOnly = new TransactionTemplate(transactions);
        this.readOnly.setReadOnly(true);
        caches.feed().subscribeAtCommit(PRICES_TOPIC, org -> overridesByOrg.invalidate(new OrgId(org)));
    }

    /** The organization's overrides and custom models by id, from the node's cache. */
    private Map<String, ModelOverride> overrides(OrgId org) {
        // One snapshot for the overrides and their image prices.
        Map<String, ModelOverride> own = overridesByOrg.get(
                org,
                o -> readOnly.execute(s -> overrides.all(o).stream()
                        .collect(Collectors.toUnmodifiableMap(ModelOverride::modelId, Function.identity()))));
        return own == null ? Map.of() : own;
    }

    /**
     * The model as the organization sees it; empty when it has no such model. Ids are case-sensitive.
     * From the node's cache once the organization's overrides were read: the gateway calls this on
     * every request.
     */
    public Optional<PricedModel> model(OrgId org, String id) {
        return ModelOverride.resolve(
                catalog.find(id), Optional.ofNullable(overrides(org).get(id)));
    }

    /** Every model of the organization: the catalog's in catalog order, then its own models by id. */
    public List<PricedModel> models(OrgId org) {
        Map<String, ModelOverride> own = new java.util.HashMap<>(overrides(org));
        List<PricedModel> result = new ArrayList<>();
        for (PricedModel m : catalog.models()) {
            ModelOverride.resolve(Optional.of(m), Optional.ofNullable(own.remove(m.id())))
                    .ifPresent(result::add);
        }
        // What is left are custom models, and overrides of models the catalog no longer has (not shown).
        own.values().stream()
                .sorted((a, b) -> a.modelId().compareTo(b.modelId()))
                .forEach(o ->
                        ModelOverride.resolve(Optional.empty(), Optional.of(o)).ifPresent(result::add));
        return List.copyOf(result);
    }

    /** The default catalog, without any organization's changes. */
    public List<PricedModel> defaults() {
        return catalog.models();
    }

    /** Input and output tokens of a chat model; rounded up to the micro-credit. */
    public Credits chatCost(PricedModel m, long inputTokens, long outputTokens) {
        return Costs.chat(m, inputTokens, outputTokens);
    }

    /** Input tokens of an embedding model; rounded up to the micro-credit. */
    public Credits embeddingCost(PricedModel m, long inputTokens) {
        return Costs.embedding(m, inputTokens);
    }

    /** The most output tokens {@code budget} pays for after the input (see {@link Costs#outputTokensWithin}). */
    public long outputTokensWithin(PricedModel m, long inputTokens, Credits budget) {
        return Costs.outputTokensWithin(m, inputTokens, budget);
    }

    /**
     * {@code n} images of an image model. A null size or quality is the model's default (its first
     * listed); an unknown one is a 422 naming {@code size} or {@code quality}, as is {@code n < 1}.
     */
    public Credits imageCost(PricedModel m, @Nullable String size, @Nullable String quality, int n) {
        return Costs.image(m, size, quality, n);
    }

    /** Text to speech of {@code characters} characters; rounded up to the micro-credit. */
    public Credits speechCost(PricedModel m, long characters) {
        return Costs.speech(m, characters);
    }

    /** Transcription of {@code seconds} of audio; rounded up to the micro-credit. */
    public Credits transcriptionCost(PricedModel m, double seconds) {
        return Costs.transcription(m, seconds);
    }

    /** The organization's markup in percent ({@code 0} unless set), e.g. {@code 20} for +20%. */
    @Transactional(readOnly = true)
    public BigDecimal markupPercent(OrgId org) {
        return markups.find(org).map(Pricing::plain).orElse(BigDecimal.ZERO);
    }

    /**
     * A cost as the organization bills it to its clients: with its markup, rounded away from zero to
     * the micro-credit. For many amounts, read {@link #markupPercent} once and use {@link
     * Costs#withMarkup}.
     */
    @Transactional(readOnly = true)
    public Credits withMarkup(OrgId org, Credits cost) {
        return Costs.withMarkup(cost, markupPercent(org));
    }

    static BigDecimal plain(BigDecimal percent) {
        BigDecimal stripped = percent.stripTrailingZeros();
        return stripped.scale() < 0 ? stripped.setScale(0) : stripped;
    }
}
