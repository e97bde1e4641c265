package dev.atrium.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.openai.errors.BadRequestException;
import com.openai.errors.PermissionDeniedException;
import com.openai.errors.UnexpectedStatusCodeException;
import com.openai.models.embeddings.CreateEmbeddingResponse;
import com.openai.models.embeddings.EmbeddingCreateParams;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code POST /v1/embeddings} with the official OpenAI SDK as the client: the demo provider's
 * offline vectors, a local OpenAI-compatible upstream, the charge (input tokens at the catalog's
 * price per 1M), the usage event, the activity in history, and the refusals.
 */
class GatewayEmbeddingsTest extends UpstreamGatewayTest {
    /** demo/embed and text-embedding-3-small: 2 credits per 1M input tokens, 2 micro-credits a token. */
    static final long MICROS_PER_TOKEN = 2;

    private static List<Float> vector(CreateEmbeddingResponse r, int index) {
        return r.data().get(index).embedding();
    }

    private static double norm(List<Float> v) {
        double sum = 0;
        for (float f : v) sum += (double) f * f;
        return Math.sqrt(sum);
    }

    private static double cosine(List<Float> a, List<Float> b) {
        double dot = 0;
        for (int i = 0; i < a.size(); i++) dot += (double) a.get(i) * b.get(i);
        return dot / (norm(a) * norm(b));
    }

    @Test
    void demoEmbedGivesDeterministicUnitVectorsAndChargesItsInputTokens() {
        Funded f = funded("Embed Demo Co", "10");
        var params = EmbeddingCreateParams.builder()
                .model("demo/embed")
                .inputOfArrayOfStrings(List.of("The quick brown fox", "the QUICK brown dog!", "Tax invoices"))
                .build();
        var raw = f.client().embeddings().withRawResponse().create(params);
        CreateEmbeddingResponse first = raw.parse();
        CreateEmbeddingResponse again = f.client().embeddings().create(params);

        assertThat(first.model()).isEqualTo("demo/embed");
        assertThat(first.data()).hasSize(3);
        for (int i = 0; i < 3; i++) {
            assertThat(first.data().get(i).index()).isEqualTo(i);
            assertThat(vector(first, i)).hasSize(256);
            assertThat(norm(vector(first, i))).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-5));
            // deterministic: the same text, the same vector, call after call
            assertThat(vector(again, i)).isEqualTo(vector(first, i));
        }
        // texts that share words point in similar directions; unrelated ones do not
        assertThat(cosine(vector(first, 0), vector(first, 1))).isGreaterThan(0.5);
        assertThat(Math.abs(cosine(vector(first, 0), vector(first, 2)))).isLessThan(0.4);

        // 4 + 5 + 2 tokens (the demo's tokenizer: words and punctuation)
        assertThat(first.usage().promptTokens()).isEqualTo(11);
        assertThat(first.usage().totalTokens()).isEqualTo(11);
        long cost = 11 * MICROS_PER_TOKEN;
        assertThat(raw.headers().values("x-atrium-credits-charged")).containsExactly(decimal(cost));
        assertThat(raw.headers().values("x-atrium-workspace-id")).containsExactly(f.ws());

        List<Event> events = events(f.org());
        assertThat(events).hasSize(2);
        Event e = events.getFirst();
        assertThat(e.model()).isEqualTo("demo/embed");
        assertThat(e.provider()).isEqualTo("demo");
        assertThat(e.category()).isEqualTo("chat");
        assertThat(e.operation()).isEqualTo("embedding");
        assertThat(e.inputUnits()).isEqualTo(11);
        assertThat(e.outputUnits()).isZero();
        assertThat(e.credits()).isEqualTo(cost);
        assertThat(e.status()).isEqualTo("ok");
        assertThat(e.requestId())
                .isEqualTo(raw.headers().values("x-atrium-request-id").getFirst());
        assertThat(captured(f.org())).isEqualTo(2 * cost);
        assertSettled(f.tenant());

        // recorded as activities of the workspace, not as conversations
        var owner = fixtures.api().as(f.tenant().owner().token());
        JsonNode activities =
                owner.get(f.tenant().ws(f.ws()) + "/activities").json().path("data");
        assertThat(activities).hasSize(2);
        for (JsonNode a : activities) {
            assertThat(a.path("operation").asString()).isEqualTo("embedding");
            assertThat(a.path("model").asString()).isEqualTo("demo/embed");
            assertThat(a.path("credits").asString()).isEqualTo(decimal(cost));
            assertThat(a.path("status").asString()).isEqualTo("ok");
        }
        assertThat(owner.get(f.tenant().ws(f.ws()) + "/conversations").json().path("data"))
                .isEmpty();

        // the chatbot column of the usage summary holds it, and the total still adds up
        var today = java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.DAYS);
        JsonNode summary = owner.get(
                        f.tenant().path() + "/usage/summary?start=" + today.minus(java.time.Duration.ofDays(1))
                                + "&end=" + today.plus(java.time.Duration.ofDays(2)))
                .json()
                .path("data")
                .get(0);
        assertThat(summary.path("chatbot_credits").asString()).isEqualTo(decimal(2 * cost));
        assertThat(summary.path("image_speech_credits").asString()).isEqualTo("0");
        assertThat(summary.path("total_credits").asString()).isEqualTo(decimal(2 * cost));
    }

    @Test
    void demoEmbedHonoursDimensionsTokenIdsAndBase64() {
        Funded f = funded("Embed Options Co", "10");
        var full = f.client()
                .embeddings()
                .create(EmbeddingCreateParams.builder()
                        .model("demo/embed")
                        .input("lighthouse keepers at dusk")
                        .build());
        var shortened = f.client()
                .embeddings()
                .create(EmbeddingCreateParams.builder()
                        .model("demo/embed")
                        .input("lighthouse keepers at dusk")
                        .dimensions(64)
                        .encodingFormat(EmbeddingCreateParams.EncodingFormat.BASE64)
                        .build());
        // fewer dimensions are the first ones of the full vector, normalized again (as text-embedding-3 does)
        List<Float> prefix = vector(full, 0).subList(0, 64);
        List<Float> short64 = vector(shortened, 0);
        assertThat(short64).hasSize(64);
        assertThat(norm(short64)).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-5));
        assertThat(cosine(prefix, short64)).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-6));

        // token ids, one list or several: one token each
        var ids = f.client()
                .embeddings()
                .create(EmbeddingCreateParams.builder()
                        .model("demo/embed")
                        .inputOfArrayOfTokens(List.of(9906L, 1917L, 0L))
                        .build());
        assertThat(ids.data()).hasSize(1);
        assertThat(ids.usage().promptTokens()).isEqualTo(3);
        var lists = f.client()
                .embeddings()
                .create(EmbeddingCreateParams.builder()
                        .model("demo/embed")
                        .inputOfArrayOfTokenArrays(List.of(List.of(9906L, 1917L, 0L), List.of(42L)))
                        .build());
        assertThat(lists.data()).hasSize(2);
        assertThat(vector(lists, 0)).isEqualTo(vector(ids, 0));
        assertThat(lists.usage().promptTokens()).isEqualTo(4);

        // raw JSON: base64 is the little-endian float32 bytes of the same vector
        var api = fixtures.api().as(f.key());
        JsonNode asFloats = api.post(
                        "/v1/embeddings",
                        Map.of("model", "demo/embed", "input", "salt and pepper", "encoding_format", "float"))
                .json();
        JsonNode asBase64 = api.post(
                        "/v1/embeddings",
                        Map.of("model", "demo/embed", "input", "salt and pepper", "encoding_format", "base64"))
                .json();
        assertThat(asFloats.path("object").asString()).isEqualTo("list");
        assertThat(asFloats.path("data").get(0).path("object").asString()).isEqualTo("embedding");
        assertThat(decodeBase64(asBase64.path("data").get(0).path("embedding").asString()))
                .isEqualTo(floats(asFloats.path("data").get(0).path("embedding")));
        // 4 + 4 + 3 + 4 + 3 + 3 tokens, each charged
        assertThat(events(f.org()).stream().mapToLong(Event::inputUnits).sum()).isEqualTo(4 + 4 + 3 + 4 + 3 + 3);
        assertSettled(f.tenant());
    }

    static List<Float> decodeBase64(String text) {
        ByteBuffer bytes = ByteBuffer.wrap(Base64.getDecoder().decode(text)).order(ByteOrder.LITTLE_ENDIAN);
        List<Float> out = new ArrayList<>();
        while (bytes.hasRemaining()) out.add(bytes.getFloat());
        return out;
    }

    static List<Float> floats(JsonNode array) {
        List<Float> out = new ArrayList<>();
        for (JsonNode v : array) out.add(v.floatValue());
        return out;
    }

    /** An OpenAI embeddings answer: one vector per input, with the given usage (none when negative). */
    static LocalUpstream.Responder openAiEmbeddings(List<List<Float>> vectors, boolean asBase64, long promptTokens) {
        return (request, exchange) -> {
            ObjectNode body = LocalUpstream.JSON.createObjectNode();
            body.put("object", "list");
            ArrayNode data = body.putArray("data");
            for (int i = 0; i < vectors.size(); i++) {
                ObjectNode item = data.addObject();
                item.put("object", "embedding");
                item.put("index", i);
                if (asBase64) {
                    ByteBuffer bytes =
                            ByteBuffer.allocate(vectors.get(i).size() * 4).order(ByteOrder.LITTLE_ENDIAN);
                    vectors.get(i).forEach(bytes::putFloat);
                    item.put("embedding", Base64.getEncoder().encodeToString(bytes.array()));
                } else {
                    ArrayNode values = item.putArray("embedding");
                    vectors.get(i).forEach(values::add);
                }
            }
            body.put("model", request.json().path("model").asString());
            if (promptTokens >= 0) {
                body.putObject("usage").put("prompt_tokens", promptTokens).put("total_tokens", promptTokens);
            }
            LocalUpstream.json(200, body.toString()).respond(request, exchange);
        };
    }

    @Test
    void openAiModelsAreForwardedAndChargedAtTheUpstreamsReportedTokens() {
        Funded f = funded("Embed Upstream Co", "10");
        String tag = tag();
        List<List<Float>> vectors = List.of(List.of(0.6f, 0.8f, 0f), List.of(0f, 0.28f, 0.96f));
        OPENAI.script(tag, openAiEmbeddings(vectors, true, 7));
        var raw = f.client()
                .embeddings()
                .withRawResponse()
                .create(EmbeddingCreateParams.builder()
                        .model("text-embedding-3-small")
                        .inputOfArrayOfStrings(List.of("first " + tag, "second"))
                        .dimensions(3)
                        .user("end-user-1")
                        .build());
        CreateEmbeddingResponse response = raw.parse();

        // what the upstream saw: its model name, the inputs and options as the client sent them, our key
        var seen = OPENAI.requestsWith(tag);
        assertThat(seen).hasSize(1);
        assertThat(seen.getFirst().path()).isEqualTo("/v1/embeddings");
        assertThat(seen.getFirst().header("Authorization")).isEqualTo("Bearer sk-local-openai");
        JsonNode sent = seen.getFirst().json();
        assertThat(sent.path("model").asString()).isEqualTo("text-embedding-3-small");
        assertThat(sent.path("input").get(1).asString()).isEqualTo("second");
        assertThat(sent.path("dimensions").asInt()).isEqualTo(3);
        assertThat(sent.path("user").asString()).isEqualTo("end-user-1");
        assertThat(seen.getFirst().text()).doesNotContain(f.key());

        assertThat(response.model()).isEqualTo("text-embedding-3-small");
        assertThat(vector(response, 0)).containsExactly(0.6f, 0.8f, 0f);
        assertThat(vector(response, 1)).containsExactly(0f, 0.28f, 0.96f);
        assertThat(response.usage().promptTokens()).isEqualTo(7);
        long cost = 7 * MICROS_PER_TOKEN;
        assertThat(raw.headers().values("x-atrium-credits-charged")).containsExactly(decimal(cost));

        Event e = onlyEvent(f.org());
        assertThat(e.model()).isEqualTo("text-embedding-3-small");
        assertThat(e.provider()).isEqualTo("openai");
        assertThat(e.category()).isEqualTo("chat");
        assertThat(e.operation()).isEqualTo("embedding");
        assertThat(e.inputUnits()).isEqualTo(7);
        assertThat(e.credits()).isEqualTo(cost);
        assertSettled(f.tenant());
    }

    @Test
    void anOrganizationsOwnEmbeddingModelIsPricedAndRoutedUpstream() {
        Funded f = funded("Own Embeddings Co", "10");
        var owner = fixtures.api().as(f.tenant().owner().token());
        String path = f.tenant().path() + "/pricing/models/team-embed";
        var refused = owner.put(
                path,
                Map.of(
                        "kind", "embedding",
                        "upstream_model", "nomic-embed-text",
                        "input_per_million", "1",
                        "output_per_million", "1"));
        assertThat(refused.status()).as(refused.toString()).isEqualTo(422);
        assertThat(refused.text("detail")).contains("output_per_million does not apply to a embedding model");
        assertThat(owner.put(path, Map.of("kind", "embedding", "upstream_model", "nomic-embed-text"))
                        .status())
                .isEqualTo(422);
        var put = owner.put(
                path, Map.of("kind", "embedding", "upstream_model", "nomic-embed-text", "input_per_million", "1.5"));
        assertThat(put.status()).as(put.toString()).isEqualTo(200);
        assertThat(put.json().path("kind").asString()).isEqualTo("embedding");

        String tag = tag();
        OPENAI.script(tag, openAiEmbeddings(List.of(List.of(1f, 0f)), false, 1000));
        var response = f.client()
                .embeddings()
                .create(EmbeddingCreateParams.builder()
                        .model("team-embed")
                        .input("own model " + tag)
                        .build());
        assertThat(response.model()).isEqualTo("team-embed");
        assertThat(OPENAI.requestsWith(tag).getFirst().json().path("model").asString())
                .isEqualTo("nomic-embed-text");
        Event e = onlyEvent(f.org());
        assertThat(e.model()).isEqualTo("team-embed");
        // 1,000 tokens reported, but the input ("own model tag-<uuid>", 50 bytes, + 8) bounds the charge
        long bound = ("own model " + tag).length() + 8;
        assertThat(e.inputUnits()).isEqualTo(1000);
        assertThat(e.credits()).isEqualTo(Math.min(1000, bound) * 3 / 2);
        assertSettled(f.tenant());
    }

    @Test
    void withoutReportedUsageTheEstimateIsChargedAndTheClientsEncodingIsKept() {
        Funded f = funded("Embed Estimate Co", "10");
        String tag = tag();
        String text = "estimate me " + tag;
        // an OpenAI-compatible server that ignores encoding_format and reports no usage
        OPENAI.script(tag, openAiEmbeddings(List.of(List.of(0.5f, -0.25f)), false, -1));
        var r = fixtures.api()
                .as(f.key())
                .post(
                        "/v1/embeddings",
                        Map.of("model", "text-embedding-3-large", "input", text, "encoding_format", "base64"));
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(decodeBase64(r.json().path("data").get(0).path("embedding").asString()))
                .containsExactly(0.5f, -0.25f);
        long tokens = estimate(text);
        assertThat(r.json().path("usage").path("prompt_tokens").asLong()).isEqualTo(tokens);
        Event e = onlyEvent(f.org());
        assertThat(e.inputUnits()).isEqualTo(tokens);
        // text-embedding-3-large: 13 credits per 1M input tokens
        assertThat(e.credits()).isEqualTo(13 * tokens);
        assertThat(r.header("x-atrium-credits-charged")).isEqualTo(decimal(13 * tokens));
        assertSettled(f.tenant());
    }

    @Test
    void anUpstreamFailureChargesNothing() {
        Funded f = funded("Embed Failure Co", "10");
        String tag = tag();
        OPENAI.script(tag, Wire.openAiError(400, "invalid_request_error", "This model does not support dimensions."));
        assertThatThrownBy(() -> f.client()
                        .embeddings()
                        .create(EmbeddingCreateParams.builder()
                                .model("text-embedding-ada-002")
                                .input("ada " + tag)
                                .dimensions(8)
                                .build()))
                .isInstanceOf(BadRequestException.class)
                .hasMessageContaining("does not support dimensions");
        // one vector for two inputs: not what was asked for
        String other = tag();
        OPENAI.script(other, openAiEmbeddings(List.of(List.of(1f)), false, 3));
        var r = fixtures.api()
                .as(f.key())
                .post("/v1/embeddings", Map.of("model", "text-embedding-3-small", "input", List.of("a " + other, "b")));
        assertThat(r.status()).as(r.toString()).isEqualTo(502);
        assertThat(r.json().path("error").path("code").asString()).isEqualTo("upstream_error");
        awaitNoOpenHold(f.org());
        assertThat(events(f.org())).isEmpty();
        assertThat(captured(f.org())).isZero();
        assertSettled(f.tenant());
    }

    @Test
    void aBusyPathIsAdmittedFromTheCreditLeaseAndEachCallIsChargedOnce() {
        Funded f = funded("Embed Lease Co", "10");
        long tokens = 0;
        for (int i = 0; i < 20; i++) {
            var r = f.client()
                    .embeddings()
                    .create(EmbeddingCreateParams.builder()
                            .model("demo/embed")
                            .input("lease call number " + i)
                            .build());
            tokens += r.usage().promptTokens();
        }
        List<Event> events = events(f.org());
        assertThat(events).hasSize(20);
        assertThat(events).extracting(Event::holdId).doesNotHaveDuplicates();
        assertThat(events.stream().mapToLong(Event::inputUnits).sum()).isEqualTo(tokens);
        assertThat(captured(f.org())).isEqualTo(tokens * MICROS_PER_TOKEN);
        // the first calls took exact holds; once the path was busy, calls came from the lease
        long held = holds(f.org()).values().stream().mapToLong(Long::longValue).sum();
        assertThat(leaseCaptures(f.org())).isPositive().isEqualTo(20 - held);
        assertThat(creditLeases.returnAll(java.time.Duration.ofSeconds(5))).isPositive();
        assertSettled(f.tenant());
    }

    @Test
    void aModelTheWorkspacePolicyDoesNotAllowIs403() {
        Funded f = funded("Embed Policy Co", "10");
        var owner = fixtures.api().as(f.tenant().owner().token());
        var put = owner.put(
                f.tenant().ws(f.ws()) + "/policy",
                Map.of("allowed_models", List.of("demo/chat", "text-embedding-3-small"), "record_history", true));
        assertThat(put.status()).as(put.toString()).isEqualTo(200);
        assertThatThrownBy(() -> f.client()
                        .embeddings()
                        .create(EmbeddingCreateParams.builder()
                                .model("demo/embed")
                                .input("not allowed")
                                .build()))
                .isInstanceOf(PermissionDeniedException.class)
                .satisfies(
                        e -> assertThat(((PermissionDeniedException) e).code()).contains("model_not_allowed"));
        assertThat(events(f.org())).isEmpty();
        assertThat(holds(f.org())).isEmpty();

        // the per-request cap holds against the most the input can cost (its bound on tokens)
        put = owner.put(
                f.tenant().ws(f.ws()) + "/policy",
                Map.of("max_credits_per_request", "0.00002", "record_history", false)); // 10 tokens
        assertThat(put.status()).as(put.toString()).isEqualTo(200);
        assertThatThrownBy(() -> f.client()
                        .embeddings()
                        .create(EmbeddingCreateParams.builder()
                                .model("demo/embed")
                                .input("far too long for the cap")
                                .build()))
                .isInstanceOf(PermissionDeniedException.class)
                .satisfies(e -> assertThat(((PermissionDeniedException) e).code())
                        .contains("max_credits_per_request_exceeded"));
        assertThat(events(f.org())).isEmpty();
        // a short one fits: "ok" is 2 bytes, + 8
        var fits = f.client()
                .embeddings()
                .create(EmbeddingCreateParams.builder()
                        .model("demo/embed")
                        .input("ok")
                        .build());
        assertThat(fits.usage().promptTokens()).isEqualTo(1);
        assertThat(events(f.org())).hasSize(1);
        // charged, but not recorded: the workspace records no history now
        assertThat(owner.get(f.tenant().ws(f.ws()) + "/activities").json().path("data"))
                .isEmpty();
        assertSettled(f.tenant());
    }

    @Test
    void withoutCreditsIs402() {
        Funded f = funded("Embed Broke Co", null);
        assertThatThrownBy(() -> f.client()
                        .embeddings()
                        .create(EmbeddingCreateParams.builder()
                                .model("demo/embed")
                                .input("no credits")
                                .build()))
                .isInstanceOf(UnexpectedStatusCodeException.class)
                .satisfies(e -> {
                    var u = (UnexpectedStatusCodeException) e;
                    assertThat(u.statusCode()).isEqualTo(402);
                    assertThat(u.code()).contains("insufficient_credits");
                });
        assertThat(events(f.org())).isEmpty();
    }

    @Test
    void badInputIs400InOpenAisShapeAndReservesNothing() {
        Funded f = funded("Embed Bad Input Co", "10");
        var api = fixtures.api().as(f.key());
        List<String> bodies = List.of(
                "{\"model\": \"demo/embed\"}",
                "{\"input\": \"no model\"}",
                "{\"model\": \"demo/embed\", \"input\": \"\"}",
                "{\"model\": \"demo/embed\", \"input\": []}",
                "{\"model\": \"demo/embed\", \"input\": [\"\"]}",
                "{\"model\": \"demo/embed\", \"input\": [\"text\", 12]}",
                "{\"model\": \"demo/embed\", \"input\": [12, \"text\"]}",
                "{\"model\": \"demo/embed\", \"input\": [[1, 2], []]}",
                "{\"model\": \"demo/embed\", \"input\": [-1]}",
                "{\"model\": \"demo/embed\", \"input\": [1.5]}",
                "{\"model\": \"demo/embed\", \"input\": [99999999999]}",
                "{\"model\": \"demo/embed\", \"input\": [{\"text\": \"x\"}]}",
                "{\"model\": \"demo/embed\", \"input\": 42}",
                "{\"model\": \"demo/embed\", \"input\": null}",
                "{\"model\": \"demo/embed\", \"input\": \"x\", \"encoding_format\": \"hex\"}",
                "{\"model\": \"demo/embed\", \"input\": \"x\", \"dimensions\": 0}",
                "{\"model\": \"demo/embed\", \"input\": \"x\", \"dimensions\": \"64\"}",
                "{\"model\": \"demo/embed\", \"input\": \"x\", \"dimensions\": 2.5}",
                "{\"model\": \"demo/embed\", \"input\": \"x\", \"dimensions\": 5000}",
                "{\"model\": \"demo/embed\", \"input\": \"x\", \"user\": 7}",
                "{\"model\": \"demo/chat\", \"input\": \"a chat model\"}",
                "{\"model\": \"claude-haiku-4-5\", \"input\": \"an Anthropic model\"}",
                "[\"not an object\"]",
                "{\"model\": \"demo/embed\", \"input\": ");
        for (String body : bodies) {
            var r = api.raw("POST", "/v1/embeddings", "application/json", body.getBytes());
            assertThat(r.status()).as(body + " -> " + r).isEqualTo(400);
            JsonNode error = r.json().path("error");
            assertThat(error.path("message").asString()).as(body).isNotBlank();
            assertThat(error.path("type").asString()).as(body).isEqualTo("invalid_request_error");
            assertThat(error.has("code")).as(body).isTrue();
        }
        var tooMany = new ArrayList<String>();
        for (int i = 0; i < 2049; i++) tooMany.add("x");
        var r = api.post("/v1/embeddings", Map.of("model", "demo/embed", "input", tooMany));
        assertThat(r.status()).as(r.toString()).isEqualTo(400);
        assertThat(r.json().path("error").path("message").asString()).contains("2048");

        // the dimensions demo/embed refuses come from the provider, after the admission: given back
        awaitNoOpenHold(f.org());
        assertThat(events(f.org())).isEmpty();
        assertSettled(f.tenant());
    }
}
