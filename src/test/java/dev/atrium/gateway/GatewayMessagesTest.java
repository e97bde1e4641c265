package dev.atrium.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.JsonValue;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.errors.AnthropicServiceException;
import com.anthropic.errors.BadRequestException;
import com.anthropic.errors.NotFoundException;
import com.anthropic.errors.PaymentRequiredException;
import com.anthropic.errors.UnauthorizedException;
import com.anthropic.helpers.MessageAccumulator;
import com.anthropic.models.ErrorType;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.anthropic.models.messages.StopReason;
import com.anthropic.models.messages.Tool;
import com.anthropic.models.messages.ToolUseBlock;
import dev.atrium.support.Api;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code POST /v1/messages} with Anthropic's own Java SDK as the client: against the demo provider,
 * a local server speaking Anthropic's Messages API and a local OpenAI-compatible server, streamed and
 * not; charged, recorded in usage and history like chat; errors in Anthropic's shape.
 */
class GatewayMessagesTest extends UpstreamGatewayTest {

    AnthropicClient anthropic(String key) {
        return AnthropicOkHttpClient.builder()
                .apiKey(key)
                .baseUrl(fixtures.baseUrl())
                .maxRetries(0)
                .timeout(Duration.ofSeconds(30))
                .build();
    }

    /** A conversation's messages as the history API shows them. */
    JsonNode conversation(Funded f, String id) {
        var r = fixtures.api().as(f.tenant().owner().token()).get(f.tenant().ws(f.ws()) + "/conversations/" + id);
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        return r.json().path("messages");
    }

    @Test
    void theSdkGetsAMessageFromTheDemoProviderChargedAndRecordedLikeChat() {
        Funded f = funded("Messages Demo Co", "100");
        String tag = tag();
        var raw = anthropic(f.key())
                .messages()
                .withRawResponse()
                .create(MessageCreateParams.builder()
                        .model("demo/chat")
                        .maxTokens(40)
                        .system("You are terse.")
                        .addUserMessage("Tell me about lighthouses. " + tag)
                        .build());
        Message message = raw.parse();
        assertThat(message.id()).startsWith("msg_");
        assertThat(message.model().asString()).isEqualTo("demo/chat");
        assertThat(message.content()).hasSize(1);
        String text = message.content().getFirst().text().orElseThrow().text();
        assertThat(text).isNotBlank();
        assertThat(message.stopReason()).isPresent();
        Event e = onlyEvent(f.org());
        assertThat(e.model()).isEqualTo("demo/chat");
        assertThat(e.category()).isEqualTo("chat");
        assertThat(e.status()).isEqualTo("ok");
        assertThat(message.usage().inputTokens()).isEqualTo(e.inputUnits());
        assertThat(message.usage().outputTokens()).isEqualTo(e.outputUnits());
        assertThat(raw.headers().values("x-atrium-credits-charged")).containsExactly(decimal(e.credits()));
        assertThat(e.credits()).isPositive();
        assertThat(raw.headers().values("x-atrium-workspace-id")).containsExactly(f.ws());
        assertThat(raw.headers().values("x-atrium-request-id")).hasSize(1);
        assertThat(e.requestId())
                .isEqualTo(raw.headers().values("x-atrium-request-id").getFirst());
        assertSettled(f.tenant());

        // history: the system prompt, the question and the answer, in one conversation
        String conversation = raw.headers().values("x-atrium-conversation-id").getFirst();
        JsonNode messages = conversation(f, conversation);
        assertThat(messages).hasSize(3);
        assertThat(messages.path(0).path("role").asString()).isEqualTo("system");
        assertThat(messages.path(1).path("content").asString()).isEqualTo("Tell me about lighthouses. " + tag);
        assertThat(messages.path(2).path("content").asString()).isEqualTo(text);
        assertThat(messages.path(2).path("output_tokens").asLong()).isEqualTo(e.outputUnits());
    }

    @Test
    void theSdkStreamsFromTheDemoProviderInAnthropicsEvents() {
        Funded f = funded("Messages Demo Stream Co", "100");
        String tag = tag();
        List<RawMessageStreamEvent> events = new ArrayList<>();
        var accumulator = MessageAccumulator.create();
        var raw = anthropic(f.key())
                .messages()
                .withRawResponse()
                .createStreaming(MessageCreateParams.builder()
                        .model("demo/chat")
                        .maxTokens(30)
                        .addUserMessage("Tell me a story. " + tag)
                        .build());
        try (StreamResponse<RawMessageStreamEvent> stream = raw.parse()) {
            stream.stream().forEach(ev -> {
                events.add(ev);
                accumulator.accumulate(ev);
            });
        }
        assertThat(events.getFirst().isMessageStart()).isTrue();
        assertThat(events.get(1).isContentBlockStart()).isTrue();
        assertThat(events.get(events.size() - 3).isContentBlockStop()).isTrue();
        assertThat(events.get(events.size() - 2).isMessageDelta()).isTrue();
        assertThat(events.getLast().isMessageStop()).isTrue();
        long deltas = events.stream()
                .filter(RawMessageStreamEvent::isContentBlockDelta)
                .count();
        assertThat(deltas).isPositive();
        Message message = accumulator.message();
        assertThat(message.model().asString()).isEqualTo("demo/chat");
        String text = message.content().getFirst().text().orElseThrow().text();
        assertThat(text).isNotBlank();

        Event e = onlyEvent(f.org());
        assertThat(e.status()).isEqualTo("ok");
        assertThat(message.usage().outputTokens()).isEqualTo(e.outputUnits());
        assertThat(events.get(events.size() - 2).asMessageDelta().usage().inputTokens())
                .contains(e.inputUnits());
        assertThat(raw.headers().values("x-atrium-workspace-id")).containsExactly(f.ws());
        assertSettled(f.tenant());
        JsonNode messages =
                conversation(f, raw.headers().values("x-atrium-conversation-id").getFirst());
        assertThat(messages.path(messages.size() - 1).path("content").asString())
                .isEqualTo(text);
    }

    @Test
    void aMessageGoesToAnthropicAsItWasSentAndComesBackAtAnthropicsUsage() {
        Funded f = funded("Messages Anthropic Co", "100");
        String tag = tag();
        String answer = "Bonjour! The answer was cut";
        ANTHROPIC.script(tag, Wire.anthropicMessage(answer, "max_tokens", new Wire.Usage(25, 7), 5));
        var raw = anthropic(f.key())
                .messages()
                .withRawResponse()
                .create(MessageCreateParams.builder()
                        .model("claude-haiku-4-5")
                        .maxTokens(300)
                        .system("Answer in French.")
                        .addUserMessage("Greet me. " + tag)
                        .addAssistantMessage("Bonjour.")
                        .addUserMessage("Again. " + tag)
                        .putAdditionalBodyProperty("temperature", JsonValue.from(0.5))
                        .stopSequences(List.of("END"))
                        .build());
        Message message = raw.parse();
        var upstream = ANTHROPIC.requestsWith(tag);
        assertThat(upstream).hasSize(1);
        JsonNode body = upstream.getFirst().json();
        assertThat(body.path("model").asString()).isEqualTo("claude-haiku-4-5-20251001");
        assertThat(body.path("max_tokens").asLong()).isEqualTo(300);
        assertThat(body.path("system").asString()).isEqualTo("Answer in French.");
        assertThat(body.path("temperature").asDouble()).isEqualTo(0.5);
        assertThat(body.path("stop_sequences").path(0).asString()).isEqualTo("END");
        assertThat(body.path("messages")).hasSize(3);
        assertThat(body.path("messages").path(1).path("role").asString()).isEqualTo("assistant");
        assertThat(body.path("messages").path(2).toString()).contains("Again. " + tag);

        assertThat(message.id()).isEqualTo("msg_fake01");
        assertThat(message.model().asString()).isEqualTo("claude-haiku-4-5");
        assertThat(message.content().getFirst().text().orElseThrow().text()).isEqualTo(answer);
        assertThat(message.stopReason()).contains(StopReason.MAX_TOKENS);
        assertThat(message.usage().inputTokens()).isEqualTo(30); // 25 + 5 read from the cache
        assertThat(message.usage().outputTokens()).isEqualTo(7);
        assertThat(raw.headers().values("x-atrium-credits-charged")).containsExactly(decimal(haiku(30, 7)));
        Event e = onlyEvent(f.org());
        assertThat(e.provider()).isEqualTo("anthropic");
        assertThat(e.credits()).isEqualTo(haiku(30, 7));
        assertSettled(f.tenant());
    }

    @Test
    void aStreamFromAnthropicArrivesAsAnthropicsEventsWithTheUsageCharged() {
        Funded f = funded("Messages Anthropic Stream Co", "100");
        String tag = tag();
        List<String> pieces = List.of("Once", " upon", " a", " time", ".");
        ANTHROPIC.script(tag, Wire.anthropicStream(pieces, "end_turn", new Wire.Usage(40, 12), false));
        // also by bearer token, as Anthropic's SDK sends an auth token
        var client = AnthropicOkHttpClient.builder()
                .authToken(f.key())
                .baseUrl(fixtures.baseUrl())
                .maxRetries(0)
                .build();
        List<String> deltas = new ArrayList<>();
        var accumulator = MessageAccumulator.create();
        try (StreamResponse<RawMessageStreamEvent> stream = client.messages()
                .createStreaming(MessageCreateParams.builder()
                        .model("claude-haiku-4-5")
                        .maxTokens(200)
                        .addUserMessage("Tell a story. " + tag)
                        .build())) {
            stream.stream().forEach(ev -> {
                accumulator.accumulate(ev);
                ev.contentBlockDelta().flatMap(d -> d.delta().text()).ifPresent(t -> deltas.add(t.text()));
            });
        }
        assertThat(ANTHROPIC.requestsWith(tag).getFirst().json().path("stream").asBoolean())
                .isTrue();
        assertThat(deltas).containsExactlyElementsOf(pieces);
        Message message = accumulator.message();
        assertThat(message.stopReason()).contains(StopReason.END_TURN);
        assertThat(message.usage().outputTokens()).isEqualTo(12);
        Event e = onlyEvent(f.org());
        assertThat(e.inputUnits()).isEqualTo(40);
        assertThat(e.outputUnits()).isEqualTo(12);
        assertThat(e.credits()).isEqualTo(haiku(40, 12));
        assertSettled(f.tenant());
    }

    @Test
    void aStreamCutByAnthropicEndsWithAnErrorEventAndChargesWhatWasDelivered() {
        Funded f = funded("Messages Cut Co", "100");
        String tag = tag();
        List<String> said = List.of("Il", " était", " une");
        ANTHROPIC.script(tag, Wire.anthropicStream(said, "end_turn", new Wire.Usage(30, 9), true));
        List<String> received = new ArrayList<>();
        Throwable thrown = catchThrowable(() -> {
            try (StreamResponse<RawMessageStreamEvent> stream = anthropic(f.key())
                    .messages()
                    .createStreaming(MessageCreateParams.builder()
                            .model("claude-haiku-4-5")
                            .maxTokens(200)
                            .addUserMessage("Story please. " + tag)
                            .build())) {
                stream.stream()
                        .forEach(ev -> ev.contentBlockDelta()
                                .flatMap(d -> d.delta().text())
                                .ifPresent(t -> received.add(t.text())));
            }
        });
        assertThat(thrown).as("the SDK reports the error event").isNotNull();
        assertThat(received).containsExactlyElementsOf(said);
        awaitNoOpenHold(f.org());
        Event e = onlyEvent(f.org());
        assertThat(e.status()).isEqualTo("partial");
        long out = said.stream().mapToLong(p -> Math.max(1, estimate(p))).sum();
        assertThat(e.outputUnits()).isEqualTo(out);
        assertThat(e.credits()).isEqualTo(haiku(e.inputUnits(), out));
        assertSettled(f.tenant());
    }

    @Test
    void anOpenAiModelAnswersInAnthropicsShapeAndItsToolCallsBecomeToolUseBlocks() {
        Funded f = funded("Messages OpenAI Co", "100");
        // plain text, streamed and not
        String tag = tag();
        Message plain = anthropic(f.key())
                .messages()
                .create(MessageCreateParams.builder()
                        .model("gpt-4o-mini")
                        .maxTokens(100)
                        .addUserMessage("Hello. " + tag)
                        .build());
        assertThat(plain.content().getFirst().text().orElseThrow().text()).isEqualTo(String.join("", OPENAI_PIECES));
        assertThat(plain.model().asString()).isEqualTo("gpt-4o-mini");
        assertThat(plain.stopReason()).contains(StopReason.END_TURN);
        assertThat(plain.usage().inputTokens()).isEqualTo(OPENAI_USAGE.input());
        JsonNode sent = OPENAI.requestsWith(tag).getFirst().json();
        assertThat(sent.path("max_completion_tokens").asLong()).isEqualTo(100);
        assertThat(sent.path("messages").path(0).path("role").asString()).isEqualTo("user");

        var accumulator = MessageAccumulator.create();
        try (var stream = anthropic(f.key())
                .messages()
                .createStreaming(MessageCreateParams.builder()
                        .model("gpt-4o-mini")
                        .maxTokens(100)
                        .addUserMessage("Hello again. " + tag())
                        .build())) {
            stream.stream().forEach(accumulator::accumulate);
        }
        assertThat(accumulator
                        .message()
                        .content()
                        .getFirst()
                        .text()
                        .orElseThrow()
                        .text())
                .isEqualTo(String.join("", OPENAI_PIECES));
        assertThat(accumulator.message().usage().outputTokens()).isEqualTo(OPENAI_USAGE.output());

        // a tool: defined in Anthropic's terms, called in OpenAI's, answered as a tool_use block
        String toolTag = tag();
        OPENAI.script(toolTag, (request, exchange) -> {
            ObjectNode completion = Wire.completion("gpt-4o-mini", "", "tool_calls", new Wire.Usage(20, 9));
            ObjectNode message = (ObjectNode) completion.path("choices").path(0).path("message");
            message.putNull("content");
            message.putArray("tool_calls")
                    .addObject()
                    .put("id", "call_1")
                    .put("type", "function")
                    .putObject("function")
                    .put("name", "get_weather")
                    .put("arguments", "{\"city\":\"Paris\"}");
            LocalUpstream.json(200, LocalUpstream.JSON.writeValueAsString(completion))
                    .respond(request, exchange);
        });
        Message called = anthropic(f.key())
                .messages()
                .create(MessageCreateParams.builder()
                        .model("gpt-4o-mini")
                        .maxTokens(100)
                        .addUserMessage("Weather in Paris? " + toolTag)
                        .addTool(Tool.builder()
                                .name("get_weather")
                                .description("The weather in a city")
                                .inputSchema(Tool.InputSchema.builder()
                                        .properties(Tool.InputSchema.Properties.builder()
                                                .putAdditionalProperty("city", JsonValue.from(Map.of("type", "string")))
                                                .build())
                                        .build())
                                .build())
                        .build());
        JsonNode tools = OPENAI.requestsWith(toolTag).getFirst().json().path("tools");
        assertThat(tools.path(0).path("type").asString()).isEqualTo("function");
        assertThat(tools.path(0).path("function").path("name").asString()).isEqualTo("get_weather");
        assertThat(tools.path(0)
                        .path("function")
                        .path("parameters")
                        .path("properties")
                        .has("city"))
                .isTrue();
        assertThat(called.stopReason()).contains(StopReason.TOOL_USE);
        ToolUseBlock use = called.content().getFirst().toolUse().orElseThrow();
        assertThat(use.id()).isEqualTo("call_1");
        assertThat(use.name()).isEqualTo("get_weather");
        assertThat(use._input().toString()).contains("Paris");
        assertThat(events(f.org())).hasSize(3);
        assertSettled(f.tenant());
    }

    @Test
    void aStreamedToolCallArrivesAsAToolUseBlockWithInputJsonDeltas() {
        Funded f = funded("Messages Tool Stream Co", "100");
        String tag = tag();
        OPENAI.script(tag, (request, exchange) -> {
            String model = Wire.snapshotOf(request.json().path("model").asString());
            var out = LocalUpstream.startSse(exchange);
            for (ObjectNode delta : List.of(
                    Wire.toolCallDelta("get_weather", ""),
                    Wire.toolCallDelta(null, "{\"city\":"),
                    Wire.toolCallDelta(null, "\"Paris\"}"))) {
                LocalUpstream.send(out, Wire.chunk(model, delta, null, true));
            }
            LocalUpstream.send(out, Wire.chunk(model, LocalUpstream.JSON.createObjectNode(), "tool_calls", true));
            LocalUpstream.send(out, Wire.usageChunk(model, new Wire.Usage(20, 9)));
            LocalUpstream.send(out, "data: [DONE]\n\n");
        });
        List<String> partialJson = new ArrayList<>();
        var accumulator = MessageAccumulator.create();
        try (var stream = anthropic(f.key())
                .messages()
                .createStreaming(MessageCreateParams.builder()
                        .model("gpt-4o-mini")
                        .maxTokens(100)
                        .addUserMessage("Weather in Paris? " + tag)
                        .build())) {
            stream.stream().forEach(ev -> {
                accumulator.accumulate(ev);
                ev.contentBlockDelta()
                        .flatMap(d -> d.delta().inputJson())
                        .ifPresent(j -> partialJson.add(j.partialJson()));
            });
        }
        assertThat(partialJson).containsExactly("{\"city\":", "\"Paris\"}");
        Message message = accumulator.message();
        assertThat(message.stopReason()).contains(StopReason.TOOL_USE);
        ToolUseBlock use = message.content().getFirst().toolUse().orElseThrow();
        assertThat(use.id()).isEqualTo("call_fake1");
        assertThat(use.name()).isEqualTo("get_weather");
        assertThat(use._input().toString()).contains("Paris");
        assertThat(message.usage().outputTokens()).isEqualTo(9);
        Event e = onlyEvent(f.org());
        assertThat(e.outputUnits()).isEqualTo(9);
        assertThat(e.credits()).isEqualTo(gpt4oMini(20, 9));
        assertSettled(f.tenant());
    }

    @Test
    void toolUseAndToolResultBlocksReachAnthropicAsTheyWereSent() {
        Funded f = funded("Messages Tool Result Co", "100");
        String tag = tag();
        ANTHROPIC.script(tag, Wire.anthropicMessage("It is 18C in Paris.", "end_turn", new Wire.Usage(50, 8), 0));
        var r = fixtures.api()
                .as(null)
                .withHeader("x-api-key", f.key())
                .withHeader("anthropic-version", "2023-06-01")
                .post(
                        "/v1/messages",
                        Map.of(
                                "model",
                                "claude-haiku-4-5",
                                "max_tokens",
                                100,
                                "tools",
                                List.of(Map.of(
                                        "name",
                                        "get_weather",
                                        "input_schema",
                                        Map.of(
                                                "type",
                                                "object",
                                                "properties",
                                                Map.of("city", Map.of("type", "string"))))),
                                "messages",
                                List.of(
                                        Map.of("role", "user", "content", "Weather in Paris? " + tag),
                                        Map.of(
                                                "role",
                                                "assistant",
                                                "content",
                                                List.of(
                                                        Map.of("type", "text", "text", "Let me look."),
                                                        Map.of(
                                                                "type",
                                                                "tool_use",
                                                                "id",
                                                                "toolu_1",
                                                                "name",
                                                                "get_weather",
                                                                "input",
                                                                Map.of("city", "Paris")))),
                                        Map.of(
                                                "role",
                                                "user",
                                                "content",
                                                List.of(
                                                        Map.of(
                                                                "type",
                                                                "tool_result",
                                                                "tool_use_id",
                                                                "toolu_1",
                                                                "content",
                                                                "18C"),
                                                        Map.of("type", "text", "text", "Thanks."))))));
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(r.json().path("type").asString()).isEqualTo("message");
        assertThat(r.json().path("content").path(0).path("text").asString()).isEqualTo("It is 18C in Paris.");
        JsonNode sent = ANTHROPIC.requestsWith(tag).getFirst().json();
        assertThat(sent.path("tools").path(0).path("name").asString()).isEqualTo("get_weather");
        assertThat(sent.path("tools")
                        .path(0)
                        .path("input_schema")
                        .path("properties")
                        .has("city"))
                .isTrue();
        JsonNode messages = sent.path("messages");
        assertThat(messages).hasSize(3);
        JsonNode assistant = messages.path(1);
        assertThat(assistant.path("role").asString()).isEqualTo("assistant");
        assertThat(assistant.path("content").path(0).path("text").asString()).isEqualTo("Let me look.");
        assertThat(assistant.path("content").path(1).path("type").asString()).isEqualTo("tool_use");
        assertThat(assistant.path("content").path(1).path("id").asString()).isEqualTo("toolu_1");
        assertThat(assistant.path("content").path(1).path("input").path("city").asString())
                .isEqualTo("Paris");
        JsonNode user = messages.path(2);
        assertThat(user.path("role").asString()).isEqualTo("user");
        assertThat(user.path("content").path(0).path("type").asString()).isEqualTo("tool_result");
        assertThat(user.path("content").path(0).path("tool_use_id").asString()).isEqualTo("toolu_1");
        assertThat(user.path("content").path(0).path("content").asString()).isEqualTo("18C");
        assertThat(user.path("content").path(1).path("text").asString()).isEqualTo("Thanks.");
        assertThat(onlyEvent(f.org()).credits()).isEqualTo(haiku(50, 8));
    }

    @Test
    void errorsComeInAnthropicsShapeWithAnthropicsTypes() {
        Funded f = funded("Messages Errors Co", "100");
        var params = MessageCreateParams.builder()
                .model("demo/chat")
                .maxTokens(20)
                .addUserMessage("hi")
                .build();

        Throwable unknownKey =
                catchThrowable(() -> anthropic("atr_ws_nope").messages().create(params));
        assertThat(unknownKey).isInstanceOf(UnauthorizedException.class);
        assertThat(((AnthropicServiceException) unknownKey).errorType()).contains(ErrorType.AUTHENTICATION_ERROR);

        Throwable unknownModel = catchThrowable(() -> anthropic(f.key())
                .messages()
                .create(params.toBuilder().model("no-such-model").build()));
        assertThat(unknownModel).isInstanceOf(NotFoundException.class);
        assertThat(((AnthropicServiceException) unknownModel).errorType()).contains(ErrorType.NOT_FOUND_ERROR);

        Funded broke = funded("Messages Broke Co", null);
        Throwable noCredits =
                catchThrowable(() -> anthropic(broke.key()).messages().create(params));
        assertThat(noCredits).isInstanceOf(PaymentRequiredException.class);
        assertThat(((AnthropicServiceException) noCredits).errorType()).contains(ErrorType.BILLING_ERROR);

        Api api = fixtures.api().as(null).withHeader("x-api-key", f.key());
        var missing = api.post(
                "/v1/messages",
                Map.of("model", "demo/chat", "messages", List.of(Map.of("role", "user", "content", "hi"))));
        assertThat(missing.status()).isEqualTo(400);
        assertThat(missing.json().path("type").asString()).isEqualTo("error");
        assertThat(missing.json().path("error").path("type").asString()).isEqualTo("invalid_request_error");
        assertThat(missing.json().path("error").path("message").asString()).contains("max_tokens");

        var malformed = api.raw("POST", "/v1/messages", "application/json", "{not json".getBytes());
        assertThat(malformed.status()).isEqualTo(400);
        assertThat(malformed.json().path("error").path("type").asString()).isEqualTo("invalid_request_error");

        // what the gateway does not serve under /v1/messages answers in Anthropic's shape too
        var countTokens = api.post("/v1/messages/count_tokens", Map.of("model", "demo/chat"));
        assertThat(countTokens.status()).isEqualTo(404);
        assertThat(countTokens.json().path("error").path("type").asString()).isEqualTo("not_found_error");

        var noKey = fixtures.api().as(null).post("/v1/messages", Map.of());
        assertThat(noKey.status()).isEqualTo(401);
        assertThat(noKey.json().path("type").asString()).isEqualTo("error");
        assertThat(noKey.json().path("error").path("type").asString()).isEqualTo("authentication_error");

        // x-api-key is Anthropic's: the OpenAI-compatible endpoints keep to bearer tokens and OpenAI's shape
        var chat = fixtures.api().as(null).withHeader("x-api-key", f.key()).post("/v1/chat/completions", Map.of());
        assertThat(chat.status()).isEqualTo(401);
        assertThat(chat.json().path("error").path("code").asString()).isEqualTo("invalid_api_key");

        Throwable invalid = catchThrowable(() -> anthropic(f.key())
                .messages()
                .create(params.toBuilder().maxTokens(0).build()));
        assertThat(invalid).isInstanceOf(BadRequestException.class);
        assertThat(events(f.org())).isEmpty();
    }
}
