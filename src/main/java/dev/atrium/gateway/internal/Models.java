package dev.atrium.gateway.internal;

import dev.atrium.gateway.GatewayException;
import dev.atrium.pricing.PricedModel;
import dev.atrium.pricing.Pricing;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.springframework.stereotype.Component;

/**
 * The priced models a workspace may use: the catalog (with the organization's overrides) filtered
 * by policy, and by whether their provider can run at all — configured for the installation (its
 * key or endpoint) or with the organization's own credentials. The demo provider always can.
 */
@Component
public class Models {
    private final Pricing pricing;
    private final Providers providers;

    Models(Pricing pricing, Providers providers) {
        this.pricing = pricing;
        this.providers = providers;
    }

    /**
     * The model, or 404 when unknown, 403 when the policy denies it, 400 when it is not of {@code
     * kind} or when its provider is configured neither for the installation nor for the organization.
     */
    public PricedModel require(GatewayContext ctx, String id, String kind) {
        if (dev.atrium.common.Names.hasControl(id) || id.length() > 200) {
            throw new GatewayException(
                    400,
                    "invalid_request_error",
                    "invalid_model",
                    "'model' must be a model id of at most 200 characters without control characters.");
        }
        PricedModel model = pricing.model(ctx.org(), id).orElseThrow(() -> GatewayException.modelNotFound(id));
        if (!ctx.policy().allows(model.id())) throw GatewayException.modelNotAllowed(id);
        if (!model.kind().wire().equals(kind)) {
            throw GatewayException.invalid(
                    "The model '" + id + "' is a " + model.kind().wire() + " model, not a " + kind + " model.");
        }
        if (providers.ready(ctx.org(), Set.of(model.provider())).isEmpty()) {
            throw GatewayException.providerNotConfigured(id, model.provider());
        }
        return model;
    }

    /** The models the workspace may use and that can run: what {@code /v1/models} and the console offer. */
    public List<PricedModel> allowed(GatewayContext ctx) {
        List<PricedModel> permitted = pricing.models(ctx.org()).stream()
                .filter(m -> ctx.policy().allows(m.id()))
                .toList();
        Set<String> ready = providers.ready(
                ctx.org(), permitted.stream().map(PricedModel::provider).collect(Collectors.toSet()));
        return permitted.stream().filter(m -> ready.contains(m.provider())).toList();
    }

    public Pricing pricing() {
        return pricing;
    }
}
