package dev.atrium.gateway.provider.anthropic;

import static dev.atrium.gateway.provider.anthropic.FakeAnthropic.JSON;
import static dev.atrium.gateway.provider.anthropic.FakeAnthropic.call;
import static dev.atrium.gateway.provider.anthropic.FakeAnthropic.json;
import static dev.atrium.gateway.provider.anthropic.FakeAnthropic.messageStart;
import static dev.atrium.gateway.provider.anthropic.FakeAnthropic.messageStop;
import static dev.atrium.gateway.provider.anthropic.FakeAnthropic.sse;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.atrium.common.ApiException;
import dev.atrium.gateway.provider.ProviderCall;
import dev.atrium.gateway.provider.ProviderException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpStatus;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** What reaches Anthropic: headers and the translated Messages body, checked field by field. */
class AnthropicRequestTranslationTest {
    private static final String OK = """
            {"id":"msg_1","type":"message","role":"assistant","model":"claude-sonnet-4-5",
             "content":[{"type":"text","text":"ok"}],"stop_reason":"end_turn","stop_sequence":null,
             "usage":{"input_tokens":1,"output_tokens":1}}""";

    private FakeAnthropic upstream;

    @BeforeEach
    void start() throws Exception {
        upstream = new FakeAnthropic();
    }

    @AfterEach
    void stop() {
        upstream.close();
    }

    private JsonNode sent(String openAiRequest) {
        upstream.reply(json(200, OK));
        upstream.provider().chat(call(), (ObjectNode) JSON.readTree(openAiRequest));
        assertThat(upstream.requests).hasSize(1);
        return upstream.requests.getFirst().body();
    }

    @Test
    void headersCarryKeyVersionAndJson() {
        sent("{\"model\":\"claude-sonnet-4-5\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");
        FakeAnthropic.Received request = upstream.requests.getFirst();
        assertThat(request.method()).isEqualTo("POST");
        assertThat(request.path()).isEqualTo("/v1/messages");
        assertThat(request.header("x-api-key")).isEqualTo("sk-ant-test");
        assertThat(request.header("anthropic-version")).isEqualTo("2023-06-01");
        assertThat(request.header("content-type")).isEqualTo("application/json");
        assertThat(request.header("accept")).isEqualTo("application/json");
        assertThat(request.header("authorization")).isNull();
    }

    @Test
    void systemMessagesLeaveTheConversationAndSameRoleMessagesMerge() {
        JsonNode body = sent("""
                {"model":"claude-sonnet-4-5","temperature":1.6,"top_p":0.9,"stop":"END","user":"u-42",
                 "messages":[
                   {"role":"system","content":"You are terse."},
                   {"role":"user","content":"Hello"},
                   {"role":"user","content":[{"type":"text","text":"Part one"},{"type":"text","text":"Part two"}]},
                   {"role":"developer","content":[{"type":"text","text":"Answer in French."}]},
                   {"role":"assistant","content":"Bonjour"},
                   {"role":"assistant","content":""},
                   {"role":"user","content":"Encore"}]}""");

        assertThat(body.path("model").asString()).isEqualTo("claude-sonnet-4-5");
        assertThat(body.path("max_tokens").asInt()).isEqualTo(4096);
        assertThat(body.path("system").asString()).isEqualTo("You are terse.\n\nAnswer in French.");
        assertThat(body.path("temperature").asDouble()).isEqualTo(1.0);
        assertThat(body.path("top_p").asDouble()).isEqualTo(0.9);
        assertThat(body.path("stop_sequences")).isEqualTo(JSON.readTree("[\"END\"]"));
        assertThat(body.path("metadata").path("user_id").asString()).isEqualTo("u-42");
        assertThat(body.has("stream")).isFalse();
        assertThat(body.path("messages")).isEqualTo(JSON.readTree("""
                [{"role":"user","content":[{"type":"text","text":"Hello"},
                                           {"type":"text","text":"Part one"},
                                           {"type":"text","text":"Part two"}]},
                 {"role":"assistant","content":[{"type":"text","text":"Bonjour"}]},
                 {"role":"user","content":[{"type":"text","text":"Encore"}]}]"""));
        List<String> fields = new ArrayList<>(body.propertyNames());
        assertThat(fields)
                .containsExactlyInAnyOrder(
                        "model",
                        "max_tokens",
                        "system",
                        "messages",
                        "temperature",
                        "top_p",
                        "stop_sequences",
                        "metadata");
    }

    @Test
    void maxCompletionTokensWinsAndStopListsPassThrough() {
        JsonNode body = sent("""
                {"model":"m","max_tokens":100,"max_completion_tokens":250,"temperature":0.3,"stop":["\\n\\n","###"],
                 "messages":[{"role":"user","content":"Hi"}]}""");
        assertThat(body.path("max_tokens").asInt()).isEqualTo(250);
        assertThat(body.path("temperature").asDouble()).isEqualTo(0.3);
        assertThat(body.path("stop_sequences")).isEqualTo(JSON.readTree("[\"\\n\\n\",\"###\"]"));
        assertThat(body.has("system")).isFalse();
        assertThat(body.has("top_p")).isFalse();
    }

    @Test
    void maxTokensAloneIsUsedAndNegativeTemperatureClampsToZero() {
        JsonNode body = sent("""
                {"model":"m","max_tokens":77,"temperature":-1,"messages":[{"role":"user","content":"Hi"}]}""");
        assertThat(body.path("max_tokens").asInt()).isEqualTo(77);
        assertThat(body.path("temperature").asDouble()).isEqualTo(0.0);
    }

    @Test
    void imagesBecomeBase64OrUrlBlocks() {
        JsonNode body = sent("""
                {"model":"m","messages":[{"role":"user","content":[
                   {"type":"text","text":"What is this?"},
                   {"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo=","detail":"low"}},
                   {"type":"image_url","image_url":{"url":"https://example.com/cat.jpg"}}]}]}""");
        assertThat(body.path("messages").get(0).path("content")).isEqualTo(JSON.readTree("""
                [{"type":"text","text":"What is this?"},
                 {"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBORw0KGgo="}},
                 {"type":"image","source":{"type":"url","url":"https://example.com/cat.jpg"}}]"""));
    }

    @Test
    void unsupportedContentIsRefusedBeforeAnyUpstreamCall() {
        var provider = upstream.provider();
        assertRefused(provider, """
                {"model":"m","messages":[{"role":"user","content":[
                   {"type":"image_url","image_url":{"url":"data:image/bmp;base64,Qk0="}}]}]}""", "image/bmp");
        assertRefused(provider, """
                {"model":"m","messages":[{"role":"user","content":[
                   {"type":"input_audio","input_audio":{"data":"AAAA","format":"wav"}}]}]}""", "input_audio");
        assertRefused(provider, """
                {"model":"m","n":2,"messages":[{"role":"user","content":"Hi"}]}""", "n must be 1");
        assertRefused(provider, """
                {"model":"m","messages":[{"role":"function","name":"f","content":"{}"}]}""", "role 'function'");
        assertRefused(provider, """
                {"model":"m","response_format":{"type":"json_schema","json_schema":{"name":"x","schema":{}}},
                 "messages":[{"role":"user","content":"Hi"}]}""", "response_format 'json_schema'");
        assertThat(upstream.requests).isEmpty();
    }

    private static void assertRefused(AnthropicProvider provider, String request, String mentions) {
        assertThatThrownBy(() -> provider.chat(call(), (ObjectNode) JSON.readTree(request)))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.status()).isEqualTo(HttpStatus.BAD_REQUEST);
                    assertThat(e.code()).isEqualTo("unsupported_by_provider");
                    assertThat(e.getMessage()).contains(mentions);
                });
    }

    @Test
    void toolsToolCallsAndToolResultsTranslate() {
        JsonNode body = sent("""
                {"model":"m","tool_choice":"required","parallel_tool_calls":false,
                 "tools":[{"type":"function","function":{"name":"weather","description":"Weather by city",
                           "parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}},
                          {"type":"function","function":{"name":"now"}}],
                 "messages":[
                   {"role":"user","content":"Weather in Paris and Rome?"},
                   {"role":"assistant","content":null,"tool_calls":[
                      {"id":"toolu_1","type":"function","function":{"name":"weather","arguments":"{\\"city\\":\\"Paris\\"}"}},
                      {"id":"toolu_2","type":"function","function":{"name":"weather","arguments":"{\\"city\\":\\"Rome\\"}"}}]},
                   {"role":"tool","tool_call_id":"toolu_1","content":"18C"},
                   {"role":"tool","tool_call_id":"toolu_2","content":[{"type":"text","text":"24C"}]}]}""");
        assertThat(body.path("tools")).isEqualTo(JSON.readTree("""
                [{"name":"weather","description":"Weather by city",
                  "input_schema":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}},
                 {"name":"now","input_schema":{"type":"object","properties":{}}}]"""));
        assertThat(body.path("tool_choice"))
                .isEqualTo(JSON.readTree("{\"type\":\"any\",\"disable_parallel_tool_use\":true}"));
        assertThat(body.path("messages")).isEqualTo(JSON.readTree("""
                [{"role":"user","content":[{"type":"text","text":"Weather in Paris and Rome?"}]},
                 {"role":"assistant","content":[
                    {"type":"tool_use","id":"toolu_1","name":"weather","input":{"city":"Paris"}},
                    {"type":"tool_use","id":"toolu_2","name":"weather","input":{"city":"Rome"}}]},
                 {"role":"user","content":[
                    {"type":"tool_result","tool_use_id":"toolu_1","content":"18C"},
                    {"type":"tool_result","tool_use_id":"toolu_2","content":"24C"}]}]"""));
    }

    @Test
    void namedToolChoiceBecomesToolType() {
        JsonNode body = sent("""
                {"model":"m","tool_choice":{"type":"function","function":{"name":"now"}},
                 "tools":[{"type":"function","function":{"name":"now"}}],
                 "messages":[{"role":"user","content":"Time?"}]}""");
        assertThat(body.path("tool_choice")).isEqualTo(JSON.readTree("{\"type\":\"tool\",\"name\":\"now\"}"));
    }

    @Test
    void streamingRequestsAskForAnEventStream() {
        upstream.reply(sse(messageStart("msg_s", 3), messageStop()));
        upstream.provider()
                .streamChat(
                        call(),
                        (ObjectNode) JSON.readTree(
                                "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}"),
                        chunk -> {});
        FakeAnthropic.Received request = upstream.requests.getFirst();
        assertThat(request.header("accept")).isEqualTo("text/event-stream");
        assertThat(request.body().path("stream").asBoolean()).isTrue();
    }

    @Test
    void theCallsOwnKeyAndBaseUrlWin() {
        upstream.reply(json(200, OK));
        var provider = new AnthropicProvider(
                new AnthropicSettings(
                        "http://127.0.0.1:1", "sk-ant-installation", "2023-06-01", 4096, 1, Duration.ZERO),
                FakeAnthropic.CLOCK);
        var call = new ProviderCall(
                FakeAnthropic.MODEL,
                "sk-ant-org",
                upstream.baseUrl() + "/v1/",
                Duration.ofSeconds(2),
                Duration.ofSeconds(5),
                Duration.ofSeconds(5));
        provider.chat(call, (ObjectNode)
                JSON.readTree("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}"));
        assertThat(upstream.requests.getFirst().path()).isEqualTo("/v1/messages");
        assertThat(upstream.requests.getFirst().header("x-api-key")).isEqualTo("sk-ant-org");
    }

    @Test
    void anOrganizationsEndpointWithoutAKeyIsNeverSentTheInstallationsKey() {
        var provider = new AnthropicProvider(
                new AnthropicSettings(upstream.baseUrl(), "sk-ant-installation", "2023-06-01", 4096, 1, Duration.ZERO),
                FakeAnthropic.CLOCK);
        assertThat(provider.configured()).isTrue();
        // what the gateway passes for an organization's endpoint stored without a key: an empty key
        var call = new ProviderCall(
                FakeAnthropic.MODEL,
                "",
                upstream.baseUrl(),
                Duration.ofSeconds(2),
                Duration.ofSeconds(5),
                Duration.ofSeconds(5));
        assertThatThrownBy(() -> provider.chat(call, (ObjectNode)
                        JSON.readTree("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}")))
                .isInstanceOfSatisfying(
                        ProviderException.class, e -> assertThat(e.status()).isEqualTo(401));
        assertThat(upstream.requests).isEmpty();
        assertThat(new AnthropicProvider(
                                new AnthropicSettings(upstream.baseUrl(), " ", "2023-06-01", 4096, 1, Duration.ZERO),
                                FakeAnthropic.CLOCK)
                        .configured())
                .isFalse();
    }

    @Test
    void withoutAnyKeyNothingIsSent() {
        var provider = new AnthropicProvider(
                new AnthropicSettings(upstream.baseUrl(), "", "2023-06-01", 4096, 3, Duration.ZERO),
                FakeAnthropic.CLOCK);
        assertThatThrownBy(() -> provider.chat(call(), (ObjectNode)
                        JSON.readTree("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}")))
                .isInstanceOfSatisfying(ProviderException.class, e -> {
                    assertThat(e.status()).isEqualTo(401);
                    assertThat(e.retryable()).isFalse();
                    assertThat(e.getMessage()).contains("atrium.providers.anthropic.api-key");
                });
        assertThat(upstream.requests).isEmpty();
    }
}
