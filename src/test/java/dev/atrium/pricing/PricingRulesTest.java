package dev.atrium.pricing;

import static dev.atrium.common.Problems.assertInvalid;
import static dev.atrium.common.Problems.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.common.Credits;
import dev.atrium.common.OrgId;
import dev.atrium.support.Api;
import dev.atrium.support.Fixtures;
import dev.atrium.support.Fixtures.Tenant;
import dev.atrium.support.IntegrationTest;
import java.math.BigDecimal;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

/** Pricing changes over HTTP: validation errors name the field, roles decide who may change prices and markup. */
@IntegrationTest
class PricingRulesTest {
    @Autowired
    Fixtures fixtures;

    @Autowired
    Pricing pricing;

    private static JsonNode model(Api.Response catalog, String id) {
        for (JsonNode m : catalog.json().path("data")) {
            if (m.path("id").asString().equals(id)) return m;
        }
        return null;
    }

    @Test
    void invalidPricesAreRefusedNamingTheField() {
        Tenant t = fixtures.tenant("Validator");
        var api = fixtures.api().as(t.owner().token());
        String chat = t.path() + "/pricing/models/demo/chat";
        assertInvalid(api.put(chat, Map.of("input_per_million", "-1")), "input_per_million");
        assertInvalid(api.put(chat, Map.of("input_per_million", "0.0000001")), "input_per_million");
        assertInvalid(api.put(chat, Map.of("output_per_million", "ten")), "output_per_million");
        assertInvalid(api.put(chat, Map.of("output_per_million", "1000000.000001")), "output_per_million");
        assertInvalid(api.put(chat, Map.of("per_audio_minute", "1")), "per_audio_minute");
        assertInvalid(
                api.put(chat, Map.of("image_prices", List.of(Map.of("size", "1x1", "quality", "hd", "price", "1")))),
                "image_prices");
        assertInvalid(api.put(chat, Map.of("provider", "openai")), "provider");
        assertInvalid(api.put(chat, Map.of("upstream_model", "gpt-4o")), "upstream_model");
        assertInvalid(api.put(chat, Map.of("kind", "image")), "kind");
        assertInvalid(api.put(chat, Map.of("max_output_tokens", 100_000)), "max_output_tokens");
        // A JSON number for an amount is refused like any malformed amount, saying amounts are strings.
        assertProblem(api.put(chat, Map.of("input_per_million", 1.5)), 422, "validation_failed");

        String image = t.path() + "/pricing/models/dall-e-3";
        assertInvalid(
                api.put(image, Map.of("image_prices", List.of(Map.of("size", "huge", "quality", "hd", "price", "1")))),
                "image_prices.0.size");
        assertInvalid(
                api.put(image, Map.of("image_prices", List.of(Map.of("size", "1x1", "quality", "HD!", "price", "1")))),
                "image_prices.0.quality");
        assertInvalid(
                api.put(image, Map.of("image_prices", List.of(Map.of("size", "1x1", "quality", "hd")))),
                "image_prices.0.price");

        String custom = t.path() + "/pricing/models/my/model";
        assertInvalid(api.put(custom, Map.of("kind", "chat")), "upstream_model");
        assertInvalid(api.put(custom, Map.of("upstream_model", "m")), "kind");
        assertInvalid(api.put(custom, Map.of("upstream_model", "m", "kind", "video")), "kind");
        assertInvalid(api.put(custom, Map.of("upstream_model", "has space", "kind", "chat")), "upstream_model");
        assertInvalid(
                api.put(custom, Map.of("provider", "anthropic", "upstream_model", "m", "kind", "speech")), "provider");
        assertInvalid(
                api.put(
                        custom,
                        Map.of(
                                "upstream_model", "m",
                                "kind", "chat",
                                "input_per_million", "1",
                                "output_per_million", "1",
                                "max_output_tokens", 1000)),
                "context_window");
        assertInvalid(
                api.put(
                        custom,
                        Map.of(
                                "upstream_model", "m",
                                "kind", "chat",
                                "input_per_million", "1",
                                "output_per_million", "1",
                                "max_output_tokens", 1000,
                                "context_window", 999)),
                "max_output_tokens");
        assertInvalid(api.put(custom, Map.of("upstream_model", "m", "kind", "image")), "image_prices");
        assertInvalid(
                api.put(custom, Map.of("upstream_model", "m", "kind", "speech", "per_audio_minute", "1")),
                "per_audio_minute");
        assertInvalid(api.put(t.path() + "/pricing/models/-dash/first", Map.of()), "model");
        assertInvalid(api.put(t.path() + "/pricing/models/bad%20id", Map.of()), "model");
        assertInvalid(api.put(t.path() + "/pricing/models/" + "x".repeat(129), Map.of()), "model");

        // nothing of the above was stored or audited
        var catalog = api.get(t.path() + "/pricing");
        assertThat(catalog.json().path("data").size())
                .isEqualTo(pricing.defaults().size());
        assertThat(model(catalog, "demo/chat").path("origin").asString()).isEqualTo("catalog");
        assertThat(api.get(t.path() + "/audit-events?action=pricing.model_updated")
                        .json()
                        .path("data"))
                .isEmpty();
    }

    @Test
    void markupIsSetPerOrganizationAndAudited() {
        Tenant a = fixtures.tenant("Marker");
        Tenant b = fixtures.tenant("Unmarked");
        var api = fixtures.api().as(a.owner().token());
        assertThat(api.get(a.path() + "/pricing/markup").text("markup_percent")).isEqualTo("0");

        var put = api.put(a.path() + "/pricing/markup", Map.of("markup_percent", "20"));
        assertThat(put.status()).as(put.toString()).isEqualTo(200);
        assertThat(put.text("markup_percent")).isEqualTo("20");
        assertThat(api.get(a.path() + "/pricing/markup").text("markup_percent")).isEqualTo("20");
        var fraction = api.put(a.path() + "/pricing/markup", Map.of("markup_percent", "12.50"));
        assertThat(fraction.text("markup_percent")).isEqualTo("12.5");

        OrgId orgA = new OrgId(a.orgId());
        assertThat(pricing.markupPercent(orgA)).isEqualByComparingTo("12.5");
        assertThat(pricing.withMarkup(orgA, Credits.parse("100"))).isEqualTo(Credits.parse("112.5"));
        assertThat(pricing.withMarkup(new OrgId(b.orgId()), Credits.parse("100")))
                .isEqualTo(Credits.parse("100"));
        assertThat(pricing.markupPercent(new OrgId(b.orgId()))).isEqualTo(BigDecimal.ZERO);
        assertThat(fixtures.api()
                        .as(b.owner().token())
                        .get(b.path() + "/pricing/markup")
                        .text("markup_percent"))
                .isEqualTo("0");

        var events = api.get(a.path() + "/audit-events?action=pricing.markup_updated")
                .json()
                .path("data");
        assertThat(events).hasSize(2);
        assertThat(events.get(1).path("before").path("markup_percent").asString())
                .isEqualTo("0");
        assertThat(events.get(1).path("after").path("markup_percent").asString())
                .isEqualTo("20");
        assertThat(events.get(0).path("before").path("markup_percent").asString())
                .isEqualTo("20");
        assertThat(events.get(0).path("target_id").asString()).isEqualTo(a.orgId());

        for (String bad : List.of("-1", "1000.01", "abc", "0.00001", "")) {
            assertInvalid(api.put(a.path() + "/pricing/markup", Map.of("markup_percent", bad)), "markup_percent");
        }
        assertInvalid(api.put(a.path() + "/pricing/markup", Map.of()), "markup_percent");
        var nothing = new HashMap<String, Object>();
        nothing.put("markup_percent", null);
        assertInvalid(api.put(a.path() + "/pricing/markup", nothing), "markup_percent");
        assertProblem(api.put(a.path() + "/pricing/markup", Map.of("markup_percent", 20)), 400, "malformed_request");
        assertThat(api.put(a.path() + "/pricing/markup", Map.of("markup_percent", "1000"))
                        .status())
                .isEqualTo(200);
        assertThat(pricing.markupPercent(orgA)).isEqualByComparingTo("1000");
    }

    @Test
    void ownersAdminsBillingAndAdminKeysChangePricesOthersMayNot() {
        Tenant t = fixtures.tenant("Guarded Prices");
        Tenant foreign = fixtures.tenant("Foreign");
        var admin = fixtures.addMember(t, "admin", null);
        var billing = fixtures.addMember(t, "billing", null);
        var member = fixtures.addMember(t, "member", null);
        String adminKey = fixtures.adminKey(t);
        String wsKey = fixtures.workspaceKey(t, t.primaryWorkspaceId());
        String foreignAdminKey = fixtures.adminKey(foreign);
        var outsider = fixtures.person("outsider");
        String model = t.path() + "/pricing/models/gpt-4o";
        String markup = t.path() + "/pricing/markup";
        var price = Map.of("input_per_million", "1");
        var pct = Map.of("markup_percent", "5");

        for (String token : List.of(t.owner().token(), admin.token(), billing.token(), adminKey)) {
            var api = fixtures.api().as(token);
            assertThat(api.put(model, price).status()).isEqualTo(200);
            assertThat(api.delete(model).status()).isEqualTo(204);
            assertThat(api.put(markup, pct).status()).isEqualTo(200);
            assertThat(api.get(markup).status()).isEqualTo(200);
            assertThat(api.get(t.path() + "/pricing").status()).isEqualTo(200);
        }

        var plain = fixtures.api().as(member.token());
        assertThat(plain.get(t.path() + "/pricing").status()).isEqualTo(200);
        assertThat(plain.get(model).status()).isEqualTo(200);
        assertProblem(plain.put(model, price), 403, "forbidden");
        assertProblem(plain.delete(model), 403, "forbidden");
        assertProblem(plain.get(markup), 403, "forbidden");
        assertProblem(plain.put(markup, pct), 403, "forbidden");

        var key = fixtures.api().as(wsKey);
        assertProblem(key.get(t.path() + "/pricing"), 403, "forbidden");
        assertProblem(key.put(model, price), 403, "forbidden");
        assertProblem(key.put(markup, pct), 403, "forbidden");

        for (String token : List.of(foreign.owner().token(), foreignAdminKey, outsider.token())) {
            var api = fixtures.api().as(token);
            assertProblem(api.get(t.path() + "/pricing"), 404, "not_found");
            assertProblem(api.get(model), 404, "not_found");
            assertProblem(api.put(model, price), 404, "not_found");
            assertProblem(api.delete(model), 404, "not_found");
            assertProblem(api.get(markup), 404, "not_found");
            assertProblem(api.put(markup, pct), 404, "not_found");
        }
        assertProblem(fixtures.api().get(t.path() + "/pricing"), 401, "unauthorized");
        assertProblem(fixtures.api().put(model, price), 401, "unauthorized");

        // refusals changed nothing: the last successful markup stands and gpt-4o is at the catalog price
        assertThat(pricing.markupPercent(new OrgId(t.orgId()))).isEqualByComparingTo("5");
        assertThat(pricing.model(new OrgId(t.orgId()), "gpt-4o").orElseThrow().origin())
                .isEqualTo(PricedModel.Origin.CATALOG);
        assertThat(pricing.markupPercent(new OrgId(foreign.orgId()))).isEqualByComparingTo("0");
    }
}
