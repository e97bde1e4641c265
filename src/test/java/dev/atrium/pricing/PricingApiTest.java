package dev.atrium.pricing;

import static dev.atrium.common.Problems.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.common.Credits;
import dev.atrium.common.OrgId;
import dev.atrium.support.Api;
import dev.atrium.support.Fixtures;
import dev.atrium.support.Fixtures.Tenant;
import dev.atrium.support.IntegrationTest;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

/** The pricing endpoints over HTTP, and the facade the gateway calls, against a real database. */
@IntegrationTest
class PricingApiTest {
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
    void everyMemberSeesTheDefaultCatalog() {
        Tenant t = fixtures.tenant("Catalog Readers");
        var member = fixtures.addMember(t, "member", null);
        var catalog = fixtures.api().as(member.token()).get(t.path() + "/pricing");
        assertThat(catalog.status()).as(catalog.toString()).isEqualTo(200);

        JsonNode chat = model(catalog, "demo/chat");
        assertThat(chat).isNotNull();
        assertThat(chat.path("provider").asString()).isEqualTo("demo");
        assertThat(chat.path("kind").asString()).isEqualTo("chat");
        assertThat(chat.path("input_per_million").asString()).isEqualTo("100");
        assertThat(chat.path("max_output_tokens").asInt()).isEqualTo(4096);
        assertThat(chat.path("origin").asString()).isEqualTo("catalog");
        JsonNode mini = model(catalog, "gpt-4o-mini");
        assertThat(mini.path("input_per_million").asString()).isEqualTo("15");
        assertThat(mini.path("upstream_model").asString()).isEqualTo("gpt-4o-mini");
        JsonNode dalle = model(catalog, "dall-e-3");
        assertThat(dalle.path("image_prices").get(0).path("size").asString()).isEqualTo("1024x1024");
        assertThat(dalle.path("image_prices").get(0).path("price").asString()).isEqualTo("4");
        assertThat(model(catalog, "claude-haiku-4-5").path("provider").asString())
                .isEqualTo("anthropic");

        var one = fixtures.api().as(member.token()).get(t.path() + "/pricing/models/demo/chat");
        assertThat(one.status()).as(one.toString()).isEqualTo(200);
        assertThat(one.text("id")).isEqualTo("demo/chat");
        assertProblem(fixtures.api().as(member.token()).get(t.path() + "/pricing/models/demo/nope"), 404, "not_found");
        assertProblem(fixtures.api().as(member.token()).get(t.path() + "/pricing/models/demo/CHAT"), 404, "not_found");
    }

    @Test
    void anOverrideAppliesToItsOrganizationOnlyAndIsAudited() {
        Tenant a = fixtures.tenant("Overrider");
        Tenant b = fixtures.tenant("Bystander");
        var api = fixtures.api().as(a.owner().token());

        var put = api.put(
                a.path() + "/pricing/models/demo/chat", Map.of("input_per_million", "1.5", "output_per_million", "2"));
        assertThat(put.status()).as(put.toString()).isEqualTo(200);
        assertThat(put.text("input_per_million")).isEqualTo("1.5");
        assertThat(put.text("output_per_million")).isEqualTo("2");
        assertThat(put.text("origin")).isEqualTo("override");
        assertThat(put.text("provider")).isEqualTo("demo");
        assertThat(put.json().path("max_output_tokens").asInt()).isEqualTo(4096);

        assertThat(model(api.get(a.path() + "/pricing"), "demo/chat")
                        .path("input_per_million")
                        .asString())
                .isEqualTo("1.5");
        var other = fixtures.api().as(b.owner().token()).get(b.path() + "/pricing");
        assertThat(model(other, "demo/chat").path("input_per_million").asString())
                .isEqualTo("100");
        assertThat(model(other, "demo/chat").path("origin").asString()).isEqualTo("catalog");

        // the facade the gateway uses sees the same, per organization
        PricedModel seenByA = pricing.model(new OrgId(a.orgId()), "demo/chat").orElseThrow();
        PricedModel seenByB = pricing.model(new OrgId(b.orgId()), "demo/chat").orElseThrow();
        assertThat(pricing.chatCost(seenByA, 1_000_000, 1_000_000)).isEqualTo(Credits.parse("3.5"));
        assertThat(pricing.chatCost(seenByB, 1_000_000, 1_000_000)).isEqualTo(Credits.parse("500"));

        // a second PUT replaces the first: the output price is back to the catalog's
        var again = api.put(a.path() + "/pricing/models/demo/chat", Map.of("input_per_million", "3"));
        assertThat(again.text("output_per_million")).isEqualTo("400");

        var events = api.get(a.path() + "/audit-events?action=pricing.model_updated")
                .json()
                .path("data");
        assertThat(events).hasSize(2);
        JsonNode first = events.get(1);
        assertThat(first.path("target_type").asString()).isEqualTo("model");
        assertThat(first.path("target_id").asString()).isEqualTo("demo/chat");
        assertThat(first.path("actor_id").asString()).isEqualTo(a.owner().userId());
        assertThat(first.path("before").path("input_per_million").asString()).isEqualTo("100");
        assertThat(first.path("before").path("origin").asString()).isEqualTo("catalog");
        assertThat(first.path("after").path("input_per_million").asString()).isEqualTo("1.5");
        assertThat(events.get(0).path("before").path("input_per_million").asString())
                .isEqualTo("1.5");

        var reset = api.delete(a.path() + "/pricing/models/demo/chat");
        assertThat(reset.status()).as(reset.toString()).isEqualTo(204);
        assertThat(api.get(a.path() + "/pricing/models/demo/chat").text("input_per_million"))
                .isEqualTo("100");
        assertProblem(api.delete(a.path() + "/pricing/models/demo/chat"), 404, "not_found");
        var resets = api.get(a.path() + "/audit-events?action=pricing.model_reset")
                .json()
                .path("data");
        assertThat(resets).hasSize(1);
        assertThat(resets.get(0).path("before").path("input_per_million").asString())
                .isEqualTo("3");
        assertThat(resets.get(0).path("after").path("origin").asString()).isEqualTo("catalog");
        assertThat(b.path()).isNotEqualTo(a.path());
        assertThat(fixtures.api()
                        .as(b.owner().token())
                        .get(b.path() + "/audit-events?action=pricing.model_updated")
                        .json()
                        .path("data"))
                .isEmpty();
    }

    @Test
    void imagePricesAreOverriddenBySizeAndQuality() {
        Tenant t = fixtures.tenant("Image Pricer");
        var api = fixtures.api().as(t.owner().token());
        var put = api.put(
                t.path() + "/pricing/models/dall-e-3",
                Map.of(
                        "image_prices",
                        List.of(
                                Map.of("size", "1024x1024", "quality", "hd", "price", "10"),
                                Map.of("size", "512x512", "quality", "standard", "price", "1"))));
        assertThat(put.status()).as(put.toString()).isEqualTo(200);
        PricedModel m = pricing.model(new OrgId(t.orgId()), "dall-e-3").orElseThrow();
        assertThat(pricing.imageCost(m, "1024x1024", "hd", 2)).isEqualTo(Credits.parse("20"));
        assertThat(pricing.imageCost(m, "1024x1024", "standard", 1)).isEqualTo(Credits.parse("4"));
        assertThat(pricing.imageCost(m, "512x512", "standard", 1)).isEqualTo(Credits.parse("1"));
        assertThat(m.imagePrices()).hasSize(7);
        assertThat(m.imagePrices().getFirst()).isEqualTo(new ImagePrice("1024x1024", "standard", Credits.parse("4")));
    }

    @Test
    void aCustomModelIsRoutedToOpenAiAndSeenOnlyByItsOrganization() {
        Tenant t = fixtures.tenant("Self Hoster");
        Tenant other = fixtures.tenant("Other");
        var api = fixtures.api().as(t.owner().token());
        var body = Map.of(
                "upstream_model", "llama3.1:8b",
                "kind", "chat",
                "input_per_million", "0.5",
                "output_per_million", "1",
                "max_output_tokens", 8192,
                "context_window", 131072);
        var put = api.put(t.path() + "/pricing/models/ollama/llama3.1:8b", body);
        assertThat(put.status()).as(put.toString()).isEqualTo(200);
        assertThat(put.text("id")).isEqualTo("ollama/llama3.1:8b");
        assertThat(put.text("provider")).isEqualTo("openai");
        assertThat(put.text("upstream_model")).isEqualTo("llama3.1:8b");
        assertThat(put.text("origin")).isEqualTo("custom");

        var catalog = api.get(t.path() + "/pricing");
        assertThat(model(catalog, "ollama/llama3.1:8b")).isNotNull();
        List<PricedModel> models = pricing.models(new OrgId(t.orgId()));
        assertThat(models.getLast().id()).isEqualTo("ollama/llama3.1:8b");
        assertThat(models.getFirst().id()).isEqualTo("demo/chat");
        assertThat(model(fixtures.api().as(other.owner().token()).get(other.path() + "/pricing"), "ollama/llama3.1:8b"))
                .isNull();
        assertThat(pricing.model(new OrgId(other.orgId()), "ollama/llama3.1:8b"))
                .isEmpty();

        // a custom model of another kind
        var tts = api.put(
                t.path() + "/pricing/models/piper",
                Map.of(
                        "upstream_model",
                        "piper-en",
                        "kind",
                        "speech",
                        "provider",
                        "openai",
                        "per_thousand_chars",
                        "0.1"));
        assertThat(tts.status()).as(tts.toString()).isEqualTo(200);
        PricedModel piper = pricing.model(new OrgId(t.orgId()), "piper").orElseThrow();
        assertThat(pricing.speechCost(piper, 2_500)).isEqualTo(Credits.parse("0.25"));

        assertThat(api.delete(t.path() + "/pricing/models/ollama/llama3.1:8b").status())
                .isEqualTo(204);
        assertProblem(api.get(t.path() + "/pricing/models/ollama/llama3.1:8b"), 404, "not_found");
        var removed = api.get(t.path() + "/audit-events?action=pricing.model_reset")
                .json()
                .path("data");
        assertThat(removed.get(0).path("before").path("origin").asString()).isEqualTo("custom");
        assertThat(removed.get(0).path("after").isNull()).isTrue();
    }

    @Test
    void whatGetReturnsCanBePutBack() {
        Tenant t = fixtures.tenant("Round Tripper");
        var api = fixtures.api().as(t.owner().token());
        for (String id : List.of("gpt-4o", "dall-e-3", "tts-1", "whisper-1")) {
            var got = api.get(t.path() + "/pricing/models/" + id);
            var put = api.put(t.path() + "/pricing/models/" + id, got.body());
            assertThat(put.status()).as(id + ": " + put).isEqualTo(200);
            assertThat(put.text("origin")).isEqualTo("override");
            var again = api.get(t.path() + "/pricing/models/" + id).json();
            assertThat(again.path("image_prices")).isEqualTo(got.json().path("image_prices"));
            assertThat(again.path("input_per_million")).isEqualTo(got.json().path("input_per_million"));
        }
    }

    @Test
    void modelIdsAreWrittenWithPlainSlashesAndAnEncodedSlashIsRefusedByTheServer() {
        Tenant t = fixtures.tenant("Encoder");
        var api = fixtures.api().as(t.owner().token());
        assertThat(api.get(t.path() + "/pricing/models/demo/chat").status()).isEqualTo(200);
        // Tomcat refuses %2F in a path before the application sees it (a path-traversal guard)
        assertThat(api.get(t.path() + "/pricing/models/demo%2Fchat").status()).isEqualTo(400);
        assertThat(api.put(t.path() + "/pricing/models/demo%2Fchat", Map.of("input_per_million", "1"))
                        .status())
                .isEqualTo(400);
        assertThat(pricing.model(new OrgId(t.orgId()), "demo/chat")
                        .orElseThrow()
                        .origin())
                .isEqualTo(PricedModel.Origin.CATALOG);
    }
}
