package dev.atrium.gateway.internal;

import dev.atrium.gateway.GatewayException;
import dev.atrium.pricing.PricedModel;
import dev.atrium.pricing.Pricing;
import java.util.List;
import org.springframework.stereotype.Component;

/** The priced models a workspace may use: the catalog (with the organization's overrides) filtered by policy. */
@Component
public class Models {
    private final Pricing pricing;

    Models(Pricing pricing) {
        this.pricing = pricing;
    }

    /** The model, or 404 when unknown, 403 when the policy denies it, 400 when it is not of {@code kind}. */
    public PricedModel require(GatewayContext ctx, String id, String kind) {
        PricedModel model = pricing.model(ctx.org(), id).orElseThrow(() -> GatewayException.modelNotFound(id));
        if (!ctx.policy().allows(model.id())) throw GatewayException.modelNotAllowed(id);
        if (!model.kind().wire().equals(kind)) {
            throw GatewayException.invalid(
                    "The model '" + id + "' is a " + model.kind().wire() + " model, not a " + kind + " model.");
        }
        return model;
    }

    public List<PricedModel> allowed(GatewayContext ctx) {
        return pricing.models(ctx.org()).stream()
                .filter(m -> ctx.policy().allows(m.id()))
                .toList();
    }

    public Pricing pricing() {
        return pricing;
    }
}
