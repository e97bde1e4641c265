package dev.atrium.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.openai.models.models.Model;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * {@code GET /v1/models}: per workspace, the models its policy lets it call, each with its kind and
 * its price in credits beside OpenAI's fields, read by the official SDK and as raw JSON.
 */
class GatewayModelsTest extends UpstreamGatewayTest {

    private static Map<String, JsonNode> byId(JsonNode list) {
        Map<String, JsonNode> models = new HashMap<>();
        for (JsonNode m : list.path("data")) models.put(m.path("id").asString(), m);
        return models;
    }

    @Test
    void everyModelHasItsKindAndPriceBesideOpenAisFields() {
        Funded f = funded("Models Prices Co", "1");
        // the organization's own price shows instead of the catalog's
        var owner = fixtures.api().as(f.tenant().owner().token());
        var override = owner.put(
                f.tenant().path() + "/pricing/models/text-embedding-3-large", Map.of("input_per_million", "12.5"));
        assertThat(override.status()).as(override.toString()).isEqualTo(200);

        var r = fixtures.api().as(f.key()).get("/v1/models");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(r.json().path("object").asString()).isEqualTo("list");
        Map<String, JsonNode> models = byId(r.json());
        for (JsonNode m : models.values()) {
            assertThat(m.path("object").asString()).isEqualTo("model");
            assertThat(m.path("created").isIntegralNumber()).isTrue();
            assertThat(m.path("owned_by").asString()).isNotBlank();
            assertThat(m.path("atrium_price").path("unit").asString()).isEqualTo("credits");
        }

        JsonNode mini = models.get("gpt-4o-mini");
        assertThat(mini.path("owned_by").asString()).isEqualTo("openai");
        assertThat(mini.path("atrium_kind").asString()).isEqualTo("chat");
        assertThat(mini.path("atrium_price").path("input_per_million").asString())
                .isEqualTo("15");
        assertThat(mini.path("atrium_price").path("output_per_million").asString())
                .isEqualTo("60");
        assertThat(mini.path("atrium_context_window").asLong()).isEqualTo(128000);
        assertThat(mini.path("atrium_max_output_tokens").asLong()).isEqualTo(16384);

        JsonNode small = models.get("text-embedding-3-small");
        assertThat(small.path("atrium_kind").asString()).isEqualTo("embedding");
        assertThat(small.path("atrium_price").path("input_per_million").asString())
                .isEqualTo("2");
        assertThat(small.path("atrium_price").has("output_per_million")).isFalse();
        assertThat(models.get("text-embedding-3-large")
                        .path("atrium_price")
                        .path("input_per_million")
                        .asString())
                .isEqualTo("12.5");
        assertThat(models.get("text-embedding-ada-002")
                        .path("atrium_price")
                        .path("input_per_million")
                        .asString())
                .isEqualTo("10");

        JsonNode embed = models.get("demo/embed");
        assertThat(embed.path("owned_by").asString()).isEqualTo("demo");
        assertThat(embed.path("atrium_kind").asString()).isEqualTo("embedding");

        JsonNode image = models.get("dall-e-3");
        assertThat(image.path("atrium_kind").asString()).isEqualTo("image");
        JsonNode first = image.path("atrium_price").path("image_prices").get(0);
        assertThat(first.propertyNames()).containsExactly("size", "quality", "price");
        assertThat(first.path("size").asString()).isEqualTo("1024x1024");
        assertThat(first.path("quality").asString()).isEqualTo("standard");
        assertThat(first.path("price").asString()).isEqualTo("4");
        assertThat(image.path("atrium_price").path("image_prices")).hasSize(6);

        assertThat(models.get("tts-1").path("atrium_kind").asString()).isEqualTo("speech");
        assertThat(models.get("tts-1")
                        .path("atrium_price")
                        .path("per_thousand_chars")
                        .asString())
                .isEqualTo("1.5");
        assertThat(models.get("whisper-1").path("atrium_kind").asString()).isEqualTo("transcription");
        assertThat(models.get("whisper-1")
                        .path("atrium_price")
                        .path("per_audio_minute")
                        .asString())
                .isEqualTo("0.6");

        // one model by id: the same object
        var one = fixtures.api().as(f.key()).get("/v1/models/text-embedding-3-large");
        assertThat(one.status()).isEqualTo(200);
        assertThat(one.json()).isEqualTo(models.get("text-embedding-3-large"));

        // the SDK parses the list, and keeps the extra fields as additional properties
        List<Model> listed = f.client().models().list().data();
        List<String> inOrder = new java.util.ArrayList<>();
        r.json().path("data").forEach(m -> inOrder.add(m.path("id").asString()));
        assertThat(listed).extracting(Model::id).containsExactlyElementsOf(inOrder);
        Model sdkSmall = listed.stream()
                .filter(m -> m.id().equals("text-embedding-3-small"))
                .findFirst()
                .orElseThrow();
        assertThat(sdkSmall.ownedBy()).isEqualTo("openai");
        assertThat(sdkSmall._additionalProperties().get("atrium_kind").convert(String.class))
                .isEqualTo("embedding");
        @SuppressWarnings("unchecked")
        Map<String, Object> price =
                sdkSmall._additionalProperties().get("atrium_price").convert(Map.class);
        assertThat(price).containsEntry("input_per_million", "2");
        assertThat(f.client()
                        .models()
                        .retrieve("text-embedding-3-large")
                        ._additionalProperties()
                        .get("atrium_kind")
                        .convert(String.class))
                .isEqualTo("embedding");
    }

    @Test
    void eachWorkspaceSeesWhatItsOwnPolicyAllows() {
        Funded f = funded("Models Policy Co", "1");
        var owner = fixtures.api().as(f.tenant().owner().token());
        String narrow = fixtures.workspace(f.tenant(), "Narrow");
        String denying = fixtures.workspace(f.tenant(), "Denying");
        var put = owner.put(
                f.tenant().ws(narrow) + "/policy",
                Map.of("allowed_models", List.of("demo/embed", "gpt-4o-mini"), "record_history", true));
        assertThat(put.status()).as(put.toString()).isEqualTo(200);
        put = owner.put(
                f.tenant().ws(denying) + "/policy",
                Map.of("denied_models", List.of("demo/embed", "text-embedding-3-small"), "record_history", true));
        assertThat(put.status()).as(put.toString()).isEqualTo(200);

        var narrowClient = sdk(fixtures.workspaceKey(f.tenant(), narrow));
        assertThat(narrowClient.models().list().data())
                .extracting(Model::id)
                .containsExactlyInAnyOrder("demo/embed", "gpt-4o-mini");
        var narrowRaw =
                fixtures.api().as(fixtures.workspaceKey(f.tenant(), narrow)).get("/v1/models");
        assertThat(byId(narrowRaw.json()).keySet()).containsExactlyInAnyOrder("demo/embed", "gpt-4o-mini");
        assertThat(fixtures.api()
                        .as(fixtures.workspaceKey(f.tenant(), narrow))
                        .get("/v1/models/gpt-4o")
                        .status())
                .isEqualTo(404);

        var denyingIds = sdk(fixtures.workspaceKey(f.tenant(), denying)).models().list().data().stream()
                .map(Model::id)
                .toList();
        assertThat(denyingIds)
                .doesNotContain("demo/embed", "text-embedding-3-small")
                .contains("text-embedding-3-large", "demo/chat", "gpt-4o-mini", "claude-haiku-4-5");

        // the primary workspace has no policy: it sees them all
        var primaryIds =
                f.client().models().list().data().stream().map(Model::id).toList();
        assertThat(primaryIds)
                .contains("demo/embed", "text-embedding-3-small", "gpt-4o", "demo/chat", "claude-haiku-4-5")
                .hasSizeGreaterThan(denyingIds.size());

        // a member's personal token picks the workspace by header
        var asMember = fixtures.api()
                .as(f.tenant().owner().token())
                .withHeader("X-Atrium-Workspace-Id", narrow)
                .get("/v1/models");
        assertThat(asMember.status()).as(asMember.toString()).isEqualTo(200);
        assertThat(byId(asMember.json()).keySet()).containsExactlyInAnyOrder("demo/embed", "gpt-4o-mini");
    }
}
