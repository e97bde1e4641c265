package dev.atrium.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.errors.NotFoundException;
import com.openai.errors.OpenAIServiceException;
import com.openai.helpers.ResponseAccumulator;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseInputItem;
import com.openai.models.responses.ResponseStatus;
import com.openai.models.responses.ResponseStreamEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * {@code POST /v1/responses} with the official OpenAI SDK as the client: text in and out through the
 * demo provider, a local OpenAI-compatible server and a local Anthropic server, streamed and not;
 * {@code previous_response_id} continued from the workspace's history and isolated like it.
 */
class GatewayResponsesTest extends UpstreamGatewayTest {

    static String text(Response r) {
        StringBuilder sb = new StringBuilder();
        r.output()
                .forEach(item -> item.message()
                        .ifPresent(m -> m.content().forEach(c -> c.outputText().ifPresent(t -> sb.append(t.text())))));
        return sb.toString();
    }

    JsonNode conversation(Funded f, String id) {
        var r = fixtures.api().as(f.tenant().owner().token()).get(f.tenant().ws(f.ws()) + "/conversations/" + id);
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        return r.json().path("messages");
    }

    static List<String> roles(JsonNode messages) {
        List<String> out = new ArrayList<>();
        messages.forEach(m -> out.add(m.path("role").asString()));
        return out;
    }

    @Test
    void theDemoProviderAnswersAResponseChargedAndRecordedLikeChat() {
        Funded f = funded("Responses Demo Co", "100");
        String tag = tag();
        var raw = f.client()
                .responses()
                .withRawResponse()
                .create(ResponseCreateParams.builder()
                        .model("demo/chat")
                        .instructions("You are terse.")
                        .input("Tell me about lighthouses. " + tag)
                        .maxOutputTokens(40)
                        .build());
        Response r = raw.parse();
        assertThat(r.id()).startsWith("resp_");
        assertThat(r._object_().toString()).contains("response");
        assertThat(r.model().asString()).isEqualTo("demo/chat");
        assertThat(r.status()).isPresent();
        String answer = text(r);
        assertThat(answer).isNotBlank();
        var usage = r.usage().orElseThrow();
        Event e = onlyEvent(f.org());
        assertThat(e.category()).isEqualTo("chat");
        assertThat(e.model()).isEqualTo("demo/chat");
        assertThat(usage.inputTokens()).isEqualTo(e.inputUnits());
        assertThat(usage.outputTokens()).isEqualTo(e.outputUnits());
        assertThat(usage.totalTokens()).isEqualTo(e.inputUnits() + e.outputUnits());
        assertThat(raw.headers().values("x-atrium-credits-charged")).containsExactly(decimal(e.credits()));
        assertThat(raw.headers().values("x-atrium-workspace-id")).containsExactly(f.ws());
        assertThat(raw.headers().values("x-atrium-request-id")).hasSize(1);
        assertSettled(f.tenant());
        JsonNode messages =
                conversation(f, raw.headers().values("x-atrium-conversation-id").getFirst());
        assertThat(roles(messages)).containsExactly("system", "user", "assistant");
        assertThat(messages.path(2).path("content").asString()).isEqualTo(answer);
    }

    @Test
    void previousResponseIdResendsTheTranscriptWithoutTheEarlierInstructions() {
        Funded f = funded("Responses Chain Co", "100");
        String tag1 = tag();
        String tag2 = tag();
        String tag3 = tag();
        String said = String.join("", OPENAI_PIECES);
        var raw1 = f.client()
                .responses()
                .withRawResponse()
                .create(ResponseCreateParams.builder()
                        .model("gpt-4o-mini")
                        .instructions("Be brief.")
                        .input("My name is Ada. " + tag1)
                        .build());
        Response first = raw1.parse();
        assertThat(text(first)).isEqualTo(said);
        assertThat(first.status()).contains(ResponseStatus.COMPLETED);

        var raw2 = f.client()
                .responses()
                .withRawResponse()
                .create(ResponseCreateParams.builder()
                        .model("gpt-4o-mini")
                        .instructions("Be brief.")
                        .previousResponseId(first.id())
                        .inputOfResponse(List.of(ResponseInputItem.ofMessage(ResponseInputItem.Message.builder()
                                .role(ResponseInputItem.Message.Role.USER)
                                .addInputTextContent("What is my name? " + tag2)
                                .build())))
                        .build());
        Response second = raw2.parse();
        assertThat(second.previousResponseId()).contains(first.id());
        JsonNode sent = OPENAI.requestsWith(tag2).getFirst().json().path("messages");
        assertThat(roles(sent)).containsExactly("system", "user", "assistant", "user");
        assertThat(sent.path(0).path("content").asString()).isEqualTo("Be brief.");
        assertThat(sent.path(1).path("content").asString()).isEqualTo("My name is Ada. " + tag1);
        assertThat(sent.path(2).path("content").asString()).isEqualTo(said);
        assertThat(sent.path(3).toString()).contains("What is my name? " + tag2);
        // the same conversation in history
        String conversation = raw1.headers().values("x-atrium-conversation-id").getFirst();
        assertThat(raw2.headers().values("x-atrium-conversation-id")).containsExactly(conversation);
        assertThat(conversation(f, conversation)).hasSize(5);

        // without instructions this time: the earlier ones are not carried over
        f.client()
                .responses()
                .create(ResponseCreateParams.builder()
                        .model("gpt-4o-mini")
                        .previousResponseId(second.id())
                        .input("And again? " + tag3)
                        .build());
        JsonNode third = OPENAI.requestsWith(tag3).getFirst().json().path("messages");
        assertThat(roles(third)).containsExactly("user", "assistant", "user", "assistant", "user");
        assertThat(third.path(4).path("content").asString()).isEqualTo("And again? " + tag3);
        assertThat(events(f.org())).hasSize(3);
        assertSettled(f.tenant());

        // isolated: another organization, another workspace of the same one, an unknown id
        Funded other = funded("Responses Other Co", "100");
        var continuing = ResponseCreateParams.builder()
                .model("gpt-4o-mini")
                .previousResponseId(first.id())
                .input("Who am I?")
                .build();
        assertThat(catchThrowable(() -> other.client().responses().create(continuing)))
                .isInstanceOf(NotFoundException.class);
        String ws2 = fixtures.workspace(f.tenant(), "Second");
        var sibling = sdk(fixtures.workspaceKey(f.tenant(), ws2));
        Throwable foreign = catchThrowable(() -> sibling.responses().create(continuing));
        assertThat(foreign).isInstanceOf(NotFoundException.class);
        assertThat(((OpenAIServiceException) foreign).code()).contains("previous_response_not_found");
        assertThat(catchThrowable(() -> f.client()
                        .responses()
                        .create(continuing.toBuilder()
                                .previousResponseId("resp_unknown")
                                .build())))
                .isInstanceOf(NotFoundException.class);
        assertThat(events(other.org())).isEmpty();
    }

    @Test
    void aStreamFromAnthropicArrivesAsResponsesEventsAndCanBeContinued() {
        Funded f = funded("Responses Stream Co", "100");
        String tag = tag();
        List<String> pieces = List.of("Once", " upon", " a", " time", ".");
        ANTHROPIC.script(tag, Wire.anthropicStream(pieces, "end_turn", new Wire.Usage(40, 12), false));
        List<ResponseStreamEvent> events = new ArrayList<>();
        var accumulator = ResponseAccumulator.create();
        try (StreamResponse<ResponseStreamEvent> stream = f.client()
                .responses()
                .createStreaming(ResponseCreateParams.builder()
                        .model("claude-haiku-4-5")
                        .instructions("Tell stories.")
                        .input("A story. " + tag)
                        .maxOutputTokens(200)
                        .build())) {
            stream.stream().forEach(ev -> {
                events.add(ev);
                accumulator.accumulate(ev);
            });
        }
        JsonNode upstream = ANTHROPIC.requestsWith(tag).getFirst().json();
        assertThat(upstream.path("stream").asBoolean()).isTrue();
        assertThat(upstream.path("system").asString()).isEqualTo("Tell stories.");
        assertThat(upstream.path("max_tokens").asLong()).isEqualTo(200);

        assertThat(events.get(0).isCreated()).isTrue();
        assertThat(events.get(1).isInProgress()).isTrue();
        assertThat(events.get(2).isOutputItemAdded()).isTrue();
        assertThat(events.get(3).isContentPartAdded()).isTrue();
        List<String> deltas = events.stream()
                .filter(ResponseStreamEvent::isOutputTextDelta)
                .map(ev -> ev.asOutputTextDelta().delta())
                .toList();
        assertThat(deltas).containsExactlyElementsOf(pieces);
        int n = events.size();
        assertThat(events.get(n - 4).isOutputTextDone()).isTrue();
        assertThat(events.get(n - 4).asOutputTextDone().text()).isEqualTo(String.join("", pieces));
        assertThat(events.get(n - 3).isContentPartDone()).isTrue();
        assertThat(events.get(n - 2).isOutputItemDone()).isTrue();
        assertThat(events.get(n - 1).isCompleted()).isTrue();
        String id = events.getFirst().asCreated().response().id();
        Response done = accumulator.response();
        assertThat(done.id()).isEqualTo(id);
        assertThat(done.model().asString()).isEqualTo("claude-haiku-4-5");
        assertThat(text(done)).isEqualTo(String.join("", pieces));
        assertThat(done.usage().orElseThrow().inputTokens()).isEqualTo(40);
        assertThat(done.usage().orElseThrow().outputTokens()).isEqualTo(12);
        Event e = onlyEvent(f.org());
        assertThat(e.credits()).isEqualTo(haiku(40, 12));
        assertThat(e.category()).isEqualTo("chat");
        assertSettled(f.tenant());

        // the streamed response is stored as soon as it completes (streamed again: the resent
        // transcript carries the first tag, whose scripted answer is a stream)
        String next = tag();
        try (var again = f.client()
                .responses()
                .createStreaming(ResponseCreateParams.builder()
                        .model("claude-haiku-4-5")
                        .previousResponseId(id)
                        .input("Go on. " + next)
                        .build())) {
            assertThat(again.stream().filter(ResponseStreamEvent::isCompleted).count())
                    .isEqualTo(1);
        }
        JsonNode continued = ANTHROPIC.requestsWith(next).getFirst().json();
        assertThat(continued.has("system")).isFalse();
        assertThat(continued.path("messages")).hasSize(3);
        assertThat(continued.path("messages").path(1).toString()).contains(String.join("", pieces));
    }

    @Test
    void aStreamCutByTheProviderEndsWithResponseFailedAndChargesWhatWasDelivered() {
        Funded f = funded("Responses Cut Co", "100");
        String tag = tag();
        List<String> said = List.of("Il", " était", " une");
        ANTHROPIC.script(tag, Wire.anthropicStream(said, "end_turn", new Wire.Usage(30, 9), true));
        var r = fixtures.api()
                .as(f.key())
                .post(
                        "/v1/responses",
                        Map.of("model", "claude-haiku-4-5", "input", "Story please. " + tag, "stream", true));
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).contains("event: response.created", "event: response.output_text.delta");
        assertThat(r.body()).contains("event: response.failed").doesNotContain("response.completed");
        awaitNoOpenHold(f.org());
        Event e = onlyEvent(f.org());
        assertThat(e.status()).isEqualTo("partial");
        long out = said.stream().mapToLong(p -> Math.max(1, estimate(p))).sum();
        assertThat(e.outputUnits()).isEqualTo(out);
        assertThat(e.credits()).isEqualTo(haiku(e.inputUnits(), out));
        assertSettled(f.tenant());
        // a failed response cannot be continued
        String id = r.body().replaceAll("(?s).*?\"id\":\"(resp_[0-9a-f]+)\".*", "$1");
        assertThat(id).startsWith("resp_");
        var next = fixtures.api()
                .as(f.key())
                .post("/v1/responses", Map.of("model", "demo/chat", "input", "Go on", "previous_response_id", id));
        assertThat(next.status()).isEqualTo(404);
    }

    @Test
    void aResponseNotStoredCannotBeContinued() {
        Funded f = funded("Responses Store Co", "100");
        Response r = f.client()
                .responses()
                .create(ResponseCreateParams.builder()
                        .model("demo/chat")
                        .input("Once only.")
                        .maxOutputTokens(10)
                        .store(false)
                        .build());
        assertThat(r._additionalProperties().get("store")).isEqualTo(com.openai.core.JsonValue.from(false));
        Throwable refused = catchThrowable(() -> f.client()
                .responses()
                .create(ResponseCreateParams.builder()
                        .model("demo/chat")
                        .previousResponseId(r.id())
                        .input("Remember?")
                        .build()));
        assertThat(refused).isInstanceOf(NotFoundException.class);
        Response kept = f.client()
                .responses()
                .create(ResponseCreateParams.builder()
                        .model("demo/chat")
                        .input("Keep this.")
                        .maxOutputTokens(10)
                        .build());
        assertThat(kept._additionalProperties().get("store")).isEqualTo(com.openai.core.JsonValue.from(true));
        Response next = f.client()
                .responses()
                .create(ResponseCreateParams.builder()
                        .model("demo/chat")
                        .previousResponseId(kept.id())
                        .input("Remember?")
                        .maxOutputTokens(10)
                        .build());
        assertThat(next.previousResponseId()).contains(kept.id());
    }

    @Test
    void aWorkspaceWithoutHistoryStoresNothingAndRefusesPreviousResponseIds() {
        Funded f = funded("Responses No History Co", "100");
        var owner = fixtures.api().as(f.tenant().owner().token());
        assertThat(owner.put(f.tenant().ws(f.ws()) + "/policy", Map.of("record_history", false))
                        .status())
                .isEqualTo(200);
        Response r = f.client()
                .responses()
                .create(ResponseCreateParams.builder()
                        .model("demo/chat")
                        .input("Forget this.")
                        .maxOutputTokens(10)
                        .build());
        assertThat(r._additionalProperties().get("store")).isEqualTo(com.openai.core.JsonValue.from(false));
        Throwable refused = catchThrowable(() -> f.client()
                .responses()
                .create(ResponseCreateParams.builder()
                        .model("demo/chat")
                        .previousResponseId(r.id())
                        .input("Remember?")
                        .build()));
        assertThat(refused).isInstanceOf(BadRequestException.class);
        assertThat(((OpenAIServiceException) refused).code()).contains("previous_response_unavailable");
        assertThat(jdbc.sql("SELECT count(*) FROM gateway_responses WHERE org_id = :org")
                        .param("org", f.org())
                        .query(Long.class)
                        .single())
                .isZero();
        assertThat(events(f.org())).hasSize(1);
    }

    @Test
    void whatCannotBeTranslatedIsRefusedInOpenAisShape() {
        Funded f = funded("Responses Errors Co", "100");
        var api = fixtures.api().as(f.key());
        var tools = api.post(
                "/v1/responses",
                Map.of(
                        "model",
                        "demo/chat",
                        "input",
                        "hi",
                        "tools",
                        List.of(Map.of("type", "function", "name", "f", "parameters", Map.of()))));
        assertThat(tools.status()).isEqualTo(400);
        assertThat(tools.json().path("error").path("type").asString()).isEqualTo("invalid_request_error");
        var noInput = api.post("/v1/responses", Map.of("model", "demo/chat"));
        assertThat(noInput.status()).isEqualTo(400);
        assertThat(noInput.json().path("error").path("message").asString()).contains("input");
        var unknown = api.post("/v1/responses", Map.of("model", "nope", "input", "hi"));
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.json().path("error").path("code").asString()).isEqualTo("model_not_found");
        assertThat(events(f.org())).isEmpty();
    }
}
