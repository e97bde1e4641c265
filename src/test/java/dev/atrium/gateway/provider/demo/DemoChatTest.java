package dev.atrium.gateway.provider.demo;

import static dev.atrium.gateway.provider.demo.DemoFixtures.body;
import static dev.atrium.gateway.provider.demo.DemoFixtures.call;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.atrium.common.ApiException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

class DemoChatTest {
    private static final String CONVERSATION = """
            {"model": "chat", "messages": [
              {"role": "system", "content": "You are helpful."},
              {"role": "user", "content": "How should we plan the migration of our billing database?"}
            ]}""";

    private final DemoProvider demo = DemoFixtures.provider();

    private static String content(JsonNode completion) {
        return completion.path("choices").get(0).path("message").path("content").stringValue();
    }

    private List<ObjectNode> stream(String model, ObjectNode request) {
        List<ObjectNode> chunks = new ArrayList<>();
        demo.streamChat(call(model), request, chunks::add);
        return chunks;
    }

    @Test
    void aCompletionHasOpenAisShape() {
        JsonNode c = demo.chat(call("chat"), body(CONVERSATION));
        assertThat(c.path("id").stringValue()).startsWith("chatcmpl-");
        assertThat(c.path("object").stringValue()).isEqualTo("chat.completion");
        assertThat(c.path("created").asLong()).isEqualTo(DemoFixtures.NOW.getEpochSecond());
        assertThat(c.path("model").stringValue()).isEqualTo("chat");
        JsonNode choice = c.path("choices").get(0);
        assertThat(c.path("choices")).hasSize(1);
        assertThat(choice.path("index").asInt()).isZero();
        assertThat(choice.path("message").path("role").stringValue()).isEqualTo("assistant");
        assertThat(choice.path("finish_reason").stringValue()).isEqualTo("stop");
        assertThat(content(c)).contains("How should we plan the migration of our billing database?");
        assertThat(content(c)).contains("demo");
    }

    @Test
    void theSameConversationGetsTheSameReplyAndAnotherConversationAnother() {
        String first = content(demo.chat(call("chat"), body(CONVERSATION)));
        assertThat(content(demo.chat(call("chat"), body(CONVERSATION)))).isEqualTo(first);
        assertThat(content(DemoFixtures.provider().chat(call("chat"), body(CONVERSATION))))
                .isEqualTo(first);
        String other = content(demo.chat(call("chat"), body(CONVERSATION.replace("billing", "payroll"))));
        assertThat(other).isNotEqualTo(first);
    }

    @Test
    void chatMiniAnswersDifferentlyAndMoreBriefly() {
        String full = content(demo.chat(call("chat"), body(CONVERSATION)));
        String mini = content(demo.chat(call("chat-mini"), body(CONVERSATION)));
        assertThat(mini).isNotEqualTo(full);
        assertThat(DemoTokenizer.count(mini)).isLessThan(DemoTokenizer.count(full));
    }

    @Test
    void usageCountsRolesAndTextWithTheDocumentedTokenizer() {
        JsonNode c = demo.chat(call("chat"), body(CONVERSATION));
        JsonNode usage = c.path("usage");
        int prompt = 1
                + DemoTokenizer.count("You are helpful.")
                + 1
                + DemoTokenizer.count("How should we plan the migration of our billing database?");
        assertThat(usage.path("prompt_tokens").asInt()).isEqualTo(prompt).isEqualTo(1 + 4 + 1 + 11);
        assertThat(usage.path("completion_tokens").asInt()).isEqualTo(DemoTokenizer.count(content(c)));
        assertThat(usage.path("total_tokens").asInt())
                .isEqualTo(usage.path("prompt_tokens").asInt()
                        + usage.path("completion_tokens").asInt());
    }

    @Test
    void arrayContentCountsItsTextParts() {
        JsonNode c = demo.chat(call("chat"), body("""
                        {"messages": [{"role": "user", "content": [
                          {"type": "text", "text": "Describe this"},
                          {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}}]}]}"""));
        assertThat(c.path("usage").path("prompt_tokens").asInt()).isEqualTo(3);
        assertThat(content(c)).contains("Describe this");
    }

    @Test
    void maxTokensCutsTheReplyWithFinishReasonLength() {
        for (String field : List.of("max_tokens", "max_completion_tokens")) {
            ObjectNode request = body(CONVERSATION).put(field, 7);
            JsonNode c = demo.chat(call("chat"), request);
            assertThat(c.path("choices").get(0).path("finish_reason").stringValue())
                    .isEqualTo("length");
            assertThat(c.path("usage").path("completion_tokens").asInt()).isEqualTo(7);
            assertThat(DemoTokenizer.count(content(c))).isEqualTo(7);
            assertThat(content(demo.chat(call("chat"), body(CONVERSATION)))).startsWith(content(c));
        }
        JsonNode roomy = demo.chat(call("chat"), body(CONVERSATION).put("max_tokens", 10_000));
        assertThat(roomy.path("choices").get(0).path("finish_reason").stringValue())
                .isEqualTo("stop");
    }

    @Test
    void invalidRequestsAreRefusedWithTheField() {
        assertThatThrownBy(() -> demo.chat(call("chat"), body("{\"messages\": []}")))
                .isInstanceOfSatisfying(
                        ApiException.class, e -> assertThat(e.field()).isEqualTo("messages"));
        assertThatThrownBy(() -> demo.chat(call("chat"), body(CONVERSATION).put("max_tokens", 0)))
                .isInstanceOfSatisfying(
                        ApiException.class, e -> assertThat(e.field()).isEqualTo("max_tokens"));
    }

    @Test
    void streamedChunksConcatenateToTheCompletionOneTokenEach() {
        String expected = content(demo.chat(call("chat"), body(CONVERSATION)));
        List<ObjectNode> chunks = stream("chat", body(CONVERSATION));

        assertThat(chunks).allSatisfy(c -> {
            assertThat(c.path("object").stringValue()).isEqualTo("chat.completion.chunk");
            assertThat(c.path("id").stringValue())
                    .isEqualTo(chunks.get(0).path("id").stringValue());
            assertThat(c.path("choices")).hasSize(1);
            assertThat(c.has("usage")).isFalse();
        });
        assertThat(chunks.get(0)
                        .path("choices")
                        .get(0)
                        .path("delta")
                        .path("role")
                        .stringValue())
                .isEqualTo("assistant");
        StringBuilder text = new StringBuilder();
        for (ObjectNode c : chunks.subList(1, chunks.size() - 1)) {
            JsonNode choice = c.path("choices").get(0);
            assertThat(choice.path("finish_reason").isNull()).isTrue();
            assertThat(choice.path("delta").has("role")).isFalse();
            String piece = choice.path("delta").path("content").stringValue();
            assertThat(DemoTokenizer.count(piece)).isEqualTo(1);
            text.append(piece);
        }
        assertThat(text.toString()).isEqualTo(expected);
        JsonNode last = chunks.get(chunks.size() - 1).path("choices").get(0);
        assertThat(last.path("finish_reason").stringValue()).isEqualTo("stop");
        assertThat(last.path("delta").isEmpty()).isTrue();
    }

    @Test
    void includeUsageAddsAFinalChunkWithEmptyChoicesAndTheCompletionsUsage() {
        ObjectNode request = body(CONVERSATION).put("max_tokens", 5);
        request.putObject("stream_options").put("include_usage", true);
        List<ObjectNode> chunks = stream("chat", request);

        ObjectNode usageChunk = chunks.get(chunks.size() - 1);
        assertThat(usageChunk.path("choices").isArray()).isTrue();
        assertThat(usageChunk.path("choices")).isEmpty();
        assertThat(usageChunk.path("usage"))
                .isEqualTo(demo.chat(call("chat"), request).path("usage"));
        assertThat(usageChunk.path("usage").path("completion_tokens").asInt()).isEqualTo(5);
        assertThat(chunks.get(chunks.size() - 2)
                        .path("choices")
                        .get(0)
                        .path("finish_reason")
                        .stringValue())
                .isEqualTo("length");
        assertThat(chunks.subList(0, chunks.size() - 1))
                .allSatisfy(c -> assertThat(c.path("usage").isNull()).isTrue());
        assertThat(chunks).hasSize(1 + 5 + 1 + 1);
    }

    @Test
    void aThrowingSinkStopsTheStreamAtOnce() {
        List<ObjectNode> delivered = new ArrayList<>();
        RuntimeException gone = new IllegalStateException("client gone");
        assertThatThrownBy(() -> demo.streamChat(call("chat"), body(CONVERSATION), chunk -> {
                    delivered.add(chunk);
                    if (delivered.size() == 3) throw gone;
                }))
                .isSameAs(gone);
        assertThat(delivered).hasSize(3);
    }

    @Test
    void tokensAreSpacedByTheConfiguredDelay() {
        var slow = new DemoProvider(java.time.Clock.systemUTC(), java.time.Duration.ofMillis(10));
        long start = System.nanoTime();
        slow.streamChat(call("chat"), body(CONVERSATION).put("max_tokens", 6), chunk -> {});
        assertThat((System.nanoTime() - start) / 1_000_000).isGreaterThanOrEqualTo(50);
    }
}
