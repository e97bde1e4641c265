package dev.atrium.pricing.web;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import dev.atrium.common.Amount;
import dev.atrium.common.ApiException;
import dev.atrium.common.OrgId;
import dev.atrium.identity.Caller;
import dev.atrium.organization.Access;
import dev.atrium.organization.OrgAccess;
import dev.atrium.pricing.PriceChange;
import dev.atrium.pricing.PricedModel;
import dev.atrium.pricing.Pricing;
import dev.atrium.pricing.PricingAdmin;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * An organization's prices: the effective catalog (any member), overrides and custom models, and the
 * client-billing markup (owner, admin, billing). Model ids contain slashes ({@code demo/chat}) and are
 * written as they are: {@code /pricing/models/demo/chat}.
 */
@RestController
@RequestMapping("/api/v1/organizations/{org}/pricing")
class PricingController {
    private final Access access;
    private final Pricing pricing;
    private final PricingAdmin admin;

    PricingController(Access access, Pricing pricing, PricingAdmin admin) {
        this.access = access;
        this.pricing = pricing;
        this.admin = admin;
    }

    /** A price change; {@code id} and {@code origin}, as GET answers them, may be sent back and are ignored. */
    @JsonIgnoreProperties(value = {"id", "origin"})
    record ModelRequest(
            @Nullable String provider,
            @Nullable String upstreamModel,
            @Nullable String kind,
            @Amount @Nullable String inputPerMillion,
            @Amount @Nullable String outputPerMillion,
            @Nullable Integer maxOutputTokens,
            @Nullable Integer contextWindow,
            @Nullable List<PriceChange.@Nullable Image> imagePrices,
            @Amount @Nullable String perThousandChars,
            @Amount @Nullable String perAudioMinute) {
        PriceChange change() {
            return new PriceChange(
                    provider,
                    upstreamModel,
                    kind,
                    inputPerMillion,
                    outputPerMillion,
                    maxOutputTokens,
                    contextWindow,
                    imagePrices,
                    perThousandChars,
                    perAudioMinute);
        }
    }

    record MarkupBody(@Nullable String markupPercent) {}

    @GetMapping
    Map<String, List<PricedModel>> catalog(@AuthenticationPrincipal Caller caller, @PathVariable String org) {
        OrgAccess a = access.to(caller, OrgId.parse(org)).requireMember();
        return Map.of("data", pricing.models(a.org()));
    }

    @GetMapping("/models/{*model}")
    PricedModel model(@AuthenticationPrincipal Caller caller, @PathVariable String org, @PathVariable String model) {
        OrgAccess a = access.to(caller, OrgId.parse(org)).requireMember();
        return pricing.model(a.org(), id(model)).orElseThrow(() -> ApiException.notFound("model"));
    }

    @PutMapping("/models/{*model}")
    PricedModel put(
            @AuthenticationPrincipal Caller caller,
            @PathVariable String org,
            @PathVariable String model,
            @RequestBody ModelRequest body) {
        return admin.setModel(access.to(caller, OrgId.parse(org)), id(model), body.change());
    }

    @ApiResponse(responseCode = "204", description = "The override is removed; the catalog price applies again.")
    @DeleteMapping("/models/{*model}")
    ResponseEntity<Void> reset(
            @AuthenticationPrincipal Caller caller, @PathVariable String org, @PathVariable String model) {
        admin.resetModel(access.to(caller, OrgId.parse(org)), id(model));
        return ResponseEntity.noContent().build();
    }

    @GetMapping("/markup")
    MarkupBody markup(@AuthenticationPrincipal Caller caller, @PathVariable String org) {
        OrgAccess a = access.to(caller, OrgId.parse(org)).requireSeesAll();
        return new MarkupBody(pricing.markupPercent(a.org()).toPlainString());
    }

    @PutMapping("/markup")
    MarkupBody setMarkup(
            @AuthenticationPrincipal Caller caller, @PathVariable String org, @RequestBody MarkupBody body) {
        return new MarkupBody(admin.setMarkup(access.to(caller, OrgId.parse(org)), body.markupPercent())
                .toPlainString());
    }

    /** {@code {*model}} captures the rest of the path with its leading slash. */
    private static String id(String captured) {
        return captured.startsWith("/") ? captured.substring(1) : captured;
    }
}
