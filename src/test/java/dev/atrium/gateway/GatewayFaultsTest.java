package dev.atrium.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.OpenAIServiceException;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.images.ImageGenerateParams;
import dev.atrium.support.Fixtures;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** The failure policy of docs/domain.md, end to end: what is charged when things go wrong, and what never reaches a provider. */
class GatewayFaultsTest extends UpstreamGatewayTest {

    private static ChatCompletionCreateParams chat(String model, String content) {
        return ChatCompletionCreateParams.builder()
                .model(model)
                .addUserMessage(content)
                .build();
    }

    private static ChatCompletionCreateParams streamed(String model, String content) {
        return ChatCompletionCreateParams.builder()
                .model(model)
                .addUserMessage(content)
                .streamOptions(
                        ChatCompletionStreamOptions.builder().includeUsage(true).build())
                .build();
    }

    /** The gateway's estimate of a one-user-message prompt: 3 + 4 per message + the text's tokens. */
    private static long promptOf(String content) {
        return 3 + 4 + estimate(content);
    }

    private static OpenAIServiceException serviceError(Throwable t) {
        assertThat(t).isInstanceOf(OpenAIServiceException.class);
        return (OpenAIServiceException) t;
    }

    private void assertNothingCharged(Fixtures.Tenant t, String granted) {
        assertThat(events(t.orgId())).isEmpty();
        assertThat(captured(t.orgId())).isZero();
        assertThat(holds(t.orgId())).containsOnlyKeys("voided");
        assertSettled(t);
        var credits = fixtures.api().as(t.owner().token()).get(t.path() + "/credits");
        assertThat(credits.json().path("pool").path("available").asString()).isEqualTo(granted);
        assertThat(credits.json().path("pool").path("held").asString()).isEqualTo("0");
    }

    @Test
    void anUpstreamFailureBeforeAnyOutputVoidsTheHoldAndRecordsNothing() {
        Funded f = funded("Failing Co", "100");
        String serverError = tag();
        OPENAI.script(serverError, Wire.openAiError(500, "server_error", "The server had an error"));
        var e500 = serviceError(
                catchThrowable(() -> f.client().chat().completions().create(chat("gpt-4o-mini", "Hi " + serverError))));
        assertThat(e500.statusCode()).isEqualTo(502);
        assertThat(e500.code()).contains("upstream_error");
        assertThat(OPENAI.requestsWith(serverError)).hasSize(2); // retried (max-attempts 2), nothing was out yet

        String streamError = tag();
        OPENAI.script(streamError, Wire.openAiError(503, "server_error", "Overloaded"));
        var e503 = serviceError(catchThrowable(() -> {
            try (var s = f.client().chat().completions().createStreaming(streamed("gpt-4o-mini", streamError))) {
                s.stream().forEach(c -> {});
            }
        }));
        assertThat(e503.statusCode()).isEqualTo(502);
        assertThat(OPENAI.requestsWith(streamError)).hasSize(2);

        String rejected = tag();
        OPENAI.script(rejected, Wire.openAiError(400, "invalid_request_error", "Unsupported parameter: 'seed'"));
        var e400 = serviceError(
                catchThrowable(() -> f.client().chat().completions().create(chat("gpt-4o-mini", "Hi " + rejected))));
        assertThat(e400.statusCode()).isEqualTo(400);
        assertThat(e400.code()).contains("upstream_rejected");
        assertThat(OPENAI.requestsWith(rejected)).hasSize(1); // a 400 is not retried

        String overloaded = tag();
        ANTHROPIC.script(overloaded, Wire.anthropicError(529, "overloaded_error", "Overloaded"));
        var e529 = serviceError(catchThrowable(
                () -> f.client().chat().completions().create(chat("claude-haiku-4-5", "Hi " + overloaded))));
        assertThat(e529.statusCode()).isEqualTo(502);
        assertThat(ANTHROPIC.requestsWith(overloaded)).hasSize(2);

        String noImage = tag();
        OPENAI.script(noImage, LocalUpstream.json(200, "{\"created\":1700000000,\"data\":[]}"));
        var empty = serviceError(catchThrowable(() -> f.client()
                .images()
                .generate(ImageGenerateParams.builder()
                        .model("dall-e-3")
                        .prompt("nothing " + noImage)
                        .build())));
        assertThat(empty.statusCode()).isEqualTo(502);

        // over raw HTTP: OpenAI's error shape, the upstream's message for what it rejected, no internals
        String limited = tag();
        OPENAI.script(limited, Wire.openAiError(429, "rate_limit_exceeded", "Rate limit reached"));
        GatewayErrorShapeTest.assertShape(rawChat(f, "gpt-4o-mini", limited), 429, "upstream_rate_limited");
        String failing = tag();
        OPENAI.script(failing, Wire.openAiError(500, "server_error", "The server had an error"));
        var e502 = rawChat(f, "gpt-4o-mini", failing);
        GatewayErrorShapeTest.assertShape(e502, 502, "upstream_error");
        assertThat(e502.body()).contains("The server had an error");

        // Each of the 7 calls gave back all it was admitted for: an exact hold, voided, or (once the
        // path was busy, streams counting as any call) its reservation on the credit lease.
        assertThat(holds(f.org())).containsOnlyKeys("voided");
        assertThat(holds(f.org()).get("voided")).isBetween(1L, 7L);
        creditLeases.returnAll(java.time.Duration.ofSeconds(5));
        assertNothingCharged(f.tenant(), "100");
    }

    private HttpResponse<String> rawChat(Funded f, String model, String content) {
        try {
            return HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(URI.create(fixtures.baseUrl() + "/v1/chat/completions"))
                                    .header("Authorization", "Bearer " + f.key())
                                    .header("Content-Type", "application/json")
                                    .timeout(Duration.ofSeconds(30))
                                    .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"" + model
                                            + "\",\"messages\":[{\"role\":\"user\",\"content\":\"" + content + "\"}]}"))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void aStreamCutByTheUpstreamChargesTheInputAndTheOutputDelivered() throws Exception {
        Funded f = funded("Cut Co", "100");
        String tag = tag();
        List<String> pieces = List.of("alpha ", "beta gamma ", "delta epsilon zeta ");
        OPENAI.script(tag, Wire.openAiStreamCut(pieces));
        String content = "Count slowly. " + tag;
        String body = LocalUpstream.JSON.writeValueAsString(Map.of(
                "model",
                "gpt-4o-mini",
                "stream",
                true,
                "messages",
                List.of(Map.of("role", "user", "content", content))));
        HttpResponse<String> response = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(fixtures.baseUrl() + "/v1/chat/completions"))
                                .header("Authorization", "Bearer " + f.key())
                                .header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString(body))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        List<String> data = Arrays.stream(response.body().split("\n\n"))
                .map(String::strip)
                .filter(s -> s.startsWith("data: "))
                .map(s -> s.substring(6))
                .toList();
        // the role chunk, the three pieces, then an error event and [DONE]
        assertThat(data).hasSize(1 + pieces.size() + 2);
        for (int i = 0; i < pieces.size(); i++) {
            JsonNode chunk = LocalUpstream.JSON.readTree(data.get(1 + i));
            assertThat(chunk.path("model").asString()).isEqualTo("gpt-4o-mini");
            assertThat(chunk.path("choices")
                            .get(0)
                            .path("delta")
                            .path("content")
                            .asString())
                    .isEqualTo(pieces.get(i));
            assertThat(chunk.has("usage")).isFalse(); // the client did not ask for usage
        }
        JsonNode error = LocalUpstream.JSON.readTree(data.get(data.size() - 2));
        assertThat(error.path("error").path("code").asString()).isEqualTo("upstream_interrupted");
        assertThat(data.getLast()).isEqualTo("[DONE]");
        assertThat(OPENAI.requestsWith(tag)).hasSize(1); // never retried once output was out

        awaitNoOpenHold(f.org());
        long in = promptOf(content);
        long out = pieces.stream().mapToLong(UpstreamGatewayTest::estimate).sum();
        Event e = onlyEvent(f.org());
        assertThat(e.status()).isEqualTo("partial");
        assertThat(e.inputUnits()).isEqualTo(in);
        assertThat(e.outputUnits()).isEqualTo(out);
        assertThat(e.credits()).isEqualTo(gpt4oMini(in, out));
        assertSettled(f.tenant());

        // Anthropic's stream ending before message_stop, through the SDK
        Funded g = funded("Cut Anthropic Co", "100");
        String cutTag = tag();
        List<String> said = List.of("Il", " était", " une");
        ANTHROPIC.script(cutTag, Wire.anthropicStream(said, "end_turn", new Wire.Usage(30, 9), true));
        String prompt = "Story please. " + cutTag;
        List<String> received = new ArrayList<>();
        Throwable thrown = catchThrowable(() -> {
            try (StreamResponse<ChatCompletionChunk> s =
                    g.client().chat().completions().createStreaming(streamed("claude-haiku-4-5", prompt))) {
                s.stream()
                        .forEach(c ->
                                c.choices().forEach(ch -> ch.delta().content().ifPresent(received::add)));
            }
        });
        assertThat(thrown).as("the SDK reports the error event").isNotNull();
        assertThat(String.join("", received)).isEqualTo(String.join("", said));
        assertThat(ANTHROPIC.requestsWith(cutTag)).hasSize(1);
        awaitNoOpenHold(g.org());
        long anthropicOut =
                said.stream().mapToLong(p -> Math.max(1, estimate(p))).sum();
        Event cut = onlyEvent(g.org());
        assertThat(cut.status()).isEqualTo("partial");
        assertThat(cut.outputUnits()).isEqualTo(anthropicOut);
        assertThat(cut.inputUnits()).isEqualTo(promptOf(prompt));
        assertThat(cut.credits()).isEqualTo(haiku(promptOf(prompt), anthropicOut));
        assertSettled(g.tenant());
    }

    @Test
    void aToolCallCutByTheUpstreamChargesTheArgumentsDelivered() throws Exception {
        Funded f = funded("Tool Cut Co", "100");
        String tag = tag();
        OPENAI.script(
                tag,
                Wire.openAiDeltasCut(List.of(
                        Wire.toolCallDelta("get_weather", ""),
                        Wire.toolCallDelta(null, "{\"city\":"),
                        Wire.toolCallDelta(null, "\"Paris\",\"unit\":\"celsius\"}"))));
        String content = "Weather in Paris? " + tag;
        String body = LocalUpstream.JSON.writeValueAsString(Map.of(
                "model",
                "gpt-4o-mini",
                "stream",
                true,
                "messages",
                List.of(Map.of("role", "user", "content", content)),
                "tools",
                List.of(Map.of(
                        "type",
                        "function",
                        "function",
                        Map.of("name", "get_weather", "parameters", Map.of("type", "object"))))));
        HttpResponse<String> response = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(fixtures.baseUrl() + "/v1/chat/completions"))
                                .header("Authorization", "Bearer " + f.key())
                                .header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString(body))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).contains("get_weather", "celsius", "upstream_interrupted");

        awaitNoOpenHold(f.org());
        // the tool call's name and arguments are output the client received
        long out = estimate("get_weather") + estimate("{\"city\":") + estimate("\"Paris\",\"unit\":\"celsius\"}");
        Event e = onlyEvent(f.org());
        assertThat(e.status()).isEqualTo("partial");
        assertThat(e.outputUnits()).isEqualTo(out);
        assertThat(e.credits()).isEqualTo(gpt4oMini(promptOf(content), out));
        assertSettled(f.tenant());
    }

    @Test
    void aClientThatHangsUpMidStreamIsChargedForWhatWasDeliveredAndTheUpstreamIsClosed() throws Exception {
        Funded f = funded("Hang Up Co", "100");
        var progress = new Wire.Progress();
        String tag = tag();
        OPENAI.script(tag, Wire.openAiSlowStream("word ", 40, Duration.ofMillis(100), progress, OPENAI));
        hangUpAfterThreePieces(f, "gpt-4o-mini", tag, progress, 40);
        Event e = onlyEvent(f.org());
        assertThat(e.credits()).isEqualTo(gpt4oMini(e.inputUnits(), e.outputUnits()));
        assertSettled(f.tenant());

        Funded g = funded("Hang Up Anthropic Co", "100");
        var anthropicProgress = new Wire.Progress();
        String anthropicTag = tag();
        ANTHROPIC.script(
                anthropicTag,
                Wire.anthropicSlowStream("word ", 40, Duration.ofMillis(100), anthropicProgress, ANTHROPIC));
        hangUpAfterThreePieces(g, "claude-haiku-4-5", anthropicTag, anthropicProgress, 40);
        Event a = onlyEvent(g.org());
        assertThat(a.credits()).isEqualTo(haiku(a.inputUnits(), a.outputUnits()));
        assertSettled(g.tenant());
    }

    /**
     * Streams {@code model} over a raw socket, reads three "word " pieces and hangs up while the
     * upstream is still sending; then checks that the gateway closed the upstream and settled the
     * hold within 5 s as a partial call: the input plus between the pieces read and those sent.
     */
    private void hangUpAfterThreePieces(Funded f, String model, String tag, Wire.Progress progress, int max)
            throws Exception {
        String content = "Talk for a while. " + tag;
        byte[] body = LocalUpstream.JSON.writeValueAsBytes(Map.of(
                "model", model, "stream", true, "messages", List.of(Map.of("role", "user", "content", content))));
        URI base = URI.create(fixtures.baseUrl());
        int seen = 0;
        try (Socket socket = new Socket(base.getHost(), base.getPort())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: " + base.getHost() + ":" + base.getPort()
                            + "\r\nAuthorization: Bearer " + f.key()
                            + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length
                            + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
            InputStream in = socket.getInputStream();
            StringBuilder text = new StringBuilder();
            byte[] buffer = new byte[4096];
            while (seen < 3) {
                int n = in.read(buffer);
                assertThat(n).as("the stream ended early: " + text).isPositive();
                text.append(new String(buffer, 0, n, StandardCharsets.UTF_8));
                seen = count(text.toString(), "\"content\":\"word \"");
            }
            assertThat(text.toString()).startsWith("HTTP/1.1 200");
        } // hang up, with the rest of the stream still coming

        // the gateway notices at its next write, closes the upstream and settles: all within seconds
        assertThat(progress.ended().await(5, TimeUnit.SECONDS))
                .as("the upstream connection was closed")
                .isTrue();
        int sent = progress.sent().get();
        assertThat(sent).isLessThan(max);
        awaitNoOpenHold(f.org());
        Event e = onlyEvent(f.org());
        assertThat(e.status()).isEqualTo("partial");
        assertThat(e.model()).isEqualTo(model);
        assertThat(e.inputUnits()).isEqualTo(promptOf(content));
        // "word " is two tokens; at least what the client read, at most what the upstream sent
        assertThat(e.outputUnits()).isBetween(2L * seen, 2L * sent);
    }

    /**
     * While a stream relays, what it has delivered is recorded on its hold (about once a second, off
     * the relaying thread): the cost of the input and the output so far, and what the usage event
     * needs, so the sweeper can charge it should the node crash before it settles.
     */
    @Test
    void aStreamRecordsWhatItRelayedOnItsHoldWhileItRuns() throws Exception {
        Funded f = funded("Progress Co", "100");
        var progress = new Wire.Progress();
        String tag = tag();
        String content = "Talk for a while. " + tag;
        OPENAI.script(tag, Wire.openAiSlowStream("word ", 30, Duration.ofMillis(100), progress, OPENAI));
        int read = 0;
        try (StreamResponse<ChatCompletionChunk> stream =
                f.client().chat().completions().createStreaming(streamed("gpt-4o-mini", content))) {
            var chunks = stream.stream().iterator();
            while (read < 15 && chunks.hasNext()) {
                if (!chunks.next().choices().isEmpty()) read++;
            }
            assertThat(read).isEqualTo(15);
            // 1.5 s into the stream: written at its first chunk and again a second later
            long input = promptOf(content);
            await().atMost(Duration.ofSeconds(3))
                    .pollInterval(Duration.ofMillis(50))
                    .untilAsserted(() -> assertThat(relayed(f.org())).isGreaterThan(gpt4oMini(input, 2)));
            var row = jdbc.sql("SELECT amount, relayed_micros, relayed_detail FROM holds"
                            + " WHERE org_id = :org AND status = 'held'")
                    .param("org", f.org())
                    .query()
                    .singleRow();
            JsonNode detail = LocalUpstream.JSON.readTree((String) row.get("relayed_detail"));
            long out = detail.path("output_units").asLong();
            assertThat(detail.path("model").asString()).isEqualTo("gpt-4o-mini");
            assertThat(detail.path("provider").asString()).isEqualTo("openai");
            assertThat(detail.path("input_units").asLong()).isEqualTo(input);
            assertThat(out).isBetween(2L, 2L * 15);
            assertThat(((Number) row.get("relayed_micros")).longValue())
                    .isEqualTo(gpt4oMini(input, out))
                    .isLessThanOrEqualTo(((Number) row.get("amount")).longValue());
            chunks.forEachRemaining(c -> {});
        }
        awaitNoOpenHold(f.org());
        Event e = onlyEvent(f.org());
        assertThat(e.status()).isEqualTo("ok");
        assertThat(e.credits()).isEqualTo(captured(f.org()));
        assertThat(e.outputUnits()).isEqualTo(2L * 30);
        assertSettled(f.tenant());
    }

    private long relayed(String org) {
        return jdbc.sql("SELECT coalesce(max(relayed_micros), 0) FROM holds WHERE org_id = :org AND status = 'held'")
                .param("org", org)
                .query(Long.class)
                .single();
    }

    private static int count(String text, String needle) {
        int n = 0;
        for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) n++;
        return n;
    }

    @Test
    void noAnswerWithinTheFirstByteTimeoutIsA504AndChargesNothing() {
        Funded f = funded("Slow Co", "100");
        String silent = tag();
        OPENAI.script(silent, Wire.silent(Duration.ofSeconds(10), OPENAI));
        long started = System.nanoTime();
        var timeout = serviceError(
                catchThrowable(() -> f.client().chat().completions().create(chat("gpt-4o-mini", "Hello? " + silent))));
        long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        assertThat(timeout.statusCode()).isEqualTo(504);
        assertThat(timeout.code()).contains("upstream_timeout");
        assertThat(OPENAI.requestsWith(silent)).hasSize(2); // the first byte never came: retried once
        assertThat(elapsedMs).isBetween(3_500L, 9_000L); // two attempts of 2 s each

        // Anthropic: the headers come, then no event at all
        String headersOnly = tag();
        ANTHROPIC.script(headersOnly, (request, exchange) -> {
            LocalUpstream.startSse(exchange);
            ANTHROPIC.pause(Duration.ofSeconds(10));
        });
        var streamTimeout = serviceError(catchThrowable(() -> {
            try (var s = f.client()
                    .chat()
                    .completions()
                    .createStreaming(streamed("claude-haiku-4-5", "Hello? " + headersOnly))) {
                s.stream().forEach(c -> {});
            }
        }));
        assertThat(streamTimeout.statusCode()).isEqualTo(504);
        assertThat(ANTHROPIC.requestsWith(headersOnly)).hasSize(2);
        assertNothingCharged(f.tenant(), "100");
    }

    @Test
    void insufficientCreditsAre402AndTheUpstreamNeverHearsOfIt() {
        // a hundredth of a credit: short of gpt-4o-mini's hold for its 16,384-token output cap
        Funded f = funded("Poor Co", "0.01");
        String tag = tag();
        var refused = serviceError(
                catchThrowable(() -> f.client().chat().completions().create(chat("gpt-4o-mini", "Hi " + tag))));
        assertThat(refused.statusCode()).isEqualTo(402);
        assertThat(refused.code()).contains("insufficient_credits");
        var streamRefused = serviceError(catchThrowable(() -> {
            try (var s = f.client().chat().completions().createStreaming(streamed("claude-haiku-4-5", "Hi " + tag))) {
                s.stream().forEach(c -> {});
            }
        }));
        assertThat(streamRefused.statusCode()).isEqualTo(402);
        assertThat(OPENAI.requestsWith(tag)).isEmpty();
        assertThat(ANTHROPIC.requestsWith(tag)).isEmpty();
        assertThat(holds(f.org())).isEmpty();
        assertThat(events(f.org())).isEmpty();
        assertSettled(f.tenant());
    }

    @Test
    void aRequestThatMayCostMoreThanThePolicysCapIsClampedToItAnd403BelowTheMinimum() {
        Funded f = funded("Capped Co", "100");
        var owner = fixtures.api().as(f.tenant().owner().token());
        var policy = owner.put(f.tenant().ws(f.ws()) + "/policy", Map.of("max_credits_per_request", "0.5"));
        assertThat(policy.status()).as(policy.toString()).isEqualTo(200);
        String tag = tag();
        // gpt-4o-mini may write 16,384 tokens: about 0.98 credits at most; 0.5 pays for fewer
        var raw = f.client().chat().completions().withRawResponse().create(chat("gpt-4o-mini", "Hi " + tag));
        raw.parse();
        long fits = (500_000 - gpt4oMini(promptOf("Hi " + tag), 0)) / 60;
        assertThat(raw.headers().values("x-atrium-max-tokens-clamped")).containsExactly(String.valueOf(fits));
        assertThat(OPENAI.requestsWith(tag)).hasSize(1);
        assertThat(OPENAI.requestsWith(tag)
                        .getFirst()
                        .json()
                        .path("max_completion_tokens")
                        .asLong())
                .isEqualTo(fits);
        assertThat(onlyEvent(f.org()).credits()).isEqualTo(gpt4oMini(11, 6));

        // a cap that does not pay for the prompt and 256 output tokens is still refused
        assertThat(owner.put(f.tenant().ws(f.ws()) + "/policy", Map.of("max_credits_per_request", "0.01"))
                        .status())
                .isEqualTo(200);
        String refusedTag = tag();
        var capped = serviceError(
                catchThrowable(() -> f.client().chat().completions().create(chat("gpt-4o-mini", "Hi " + refusedTag))));
        assertThat(capped.statusCode()).isEqualTo(403);
        assertThat(capped.code()).contains("max_credits_per_request_exceeded");
        assertThat(OPENAI.requestsWith(refusedTag)).isEmpty();
        assertThat(holds(f.org())).containsOnlyKeys("captured");
        assertSettled(f.tenant());
    }

    @Test
    void anArchivedWorkspaceIs403() {
        Funded f = funded("Archive Co", "100");
        String ws = fixtures.workspace(f.tenant(), "Old Project");
        String key = fixtures.workspaceKey(f.tenant(), ws);
        var archived =
                fixtures.api().as(f.tenant().owner().token()).post(f.tenant().ws(ws) + "/archive", null);
        assertThat(archived.status()).as(archived.toString()).isEqualTo(200);
        String tag = tag();
        var refused = serviceError(
                catchThrowable(() -> sdk(key).chat().completions().create(chat("gpt-4o-mini", "Hi " + tag))));
        assertThat(refused.statusCode()).isEqualTo(403);
        assertThat(refused.code()).contains("workspace_archived");
        assertThat(OPENAI.requestsWith(tag)).isEmpty();
        assertThat(holds(f.org())).isEmpty();
    }

    @Test
    void personalTokensRunInTheMembersWorkspacesOnly() {
        Funded f = funded("People Co", "100");
        Fixtures.Tenant t = f.tenant();
        String second = fixtures.workspace(t, "Second"); // the owner administers it
        String elsewhere = fixtures.workspace(t, "Elsewhere");
        Fixtures.Person member = fixtures.addMember(t, "member", null);
        Fixtures.Person viewer = fixtures.addMember(t, "member", null);
        fixtures.assign(t, second, viewer, "viewer");
        Funded other = funded("Other People Co", "100");

        // the owner's token: the default workspace, or the one the header names
        String tag = tag();
        var inDefault =
                sdk(t.owner().token()).chat().completions().withRawResponse().create(chat("gpt-4o-mini", "Hi " + tag));
        assertThat(inDefault.headers().values("x-atrium-workspace-id")).containsExactly(f.ws());
        var inSecond = withWorkspace(t.owner().token(), second)
                .chat()
                .completions()
                .withRawResponse()
                .create(chat("gpt-4o-mini", "Hi " + tag));
        assertThat(inSecond.headers().values("x-atrium-workspace-id")).containsExactly(second);
        List<Event> events = events(f.org());
        assertThat(events).extracting(Event::workspaceId).containsExactlyInAnyOrder(f.ws(), second);
        assertThat(events).extracting(Event::userId).containsOnly(t.owner().userId());

        // a member in a workspace they do not belong to, or in another organization's: 404
        for (String ws : List.of(elsewhere, other.ws())) {
            var notFound = serviceError(catchThrowable(() ->
                    withWorkspace(member.token(), ws).chat().completions().create(chat("gpt-4o-mini", "Hi " + tag))));
            assertThat(notFound.statusCode()).isEqualTo(404);
            assertThat(notFound.code()).contains("workspace_not_found");
        }
        // a viewer may read the workspace, not run models
        var viewerRefused = serviceError(catchThrowable(() ->
                withWorkspace(viewer.token(), second).chat().completions().create(chat("gpt-4o-mini", "Hi " + tag))));
        assertThat(viewerRefused.statusCode()).isEqualTo(403);
        // an admin key administers, it does not run models
        var adminRefused = serviceError(catchThrowable(
                () -> sdk(fixtures.adminKey(t)).chat().completions().create(chat("gpt-4o-mini", "Hi " + tag))));
        assertThat(adminRefused.statusCode()).isEqualTo(403);
        // a workspace key naming another workspace: 404
        assertThatThrownBy(() ->
                        withWorkspace(f.key(), second).chat().completions().create(chat("gpt-4o-mini", "Hi " + tag)))
                .isInstanceOf(OpenAIServiceException.class)
                .satisfies(e ->
                        assertThat(((OpenAIServiceException) e).statusCode()).isEqualTo(404));

        assertThat(OPENAI.requestsWith(tag)).hasSize(2); // only the owner's two calls got through
        assertThat(events(f.org())).hasSize(2);
        assertSettled(t);
    }

    private OpenAIClient withWorkspace(String bearer, String workspace) {
        return OpenAIOkHttpClient.builder()
                .apiKey(bearer)
                .baseUrl(fixtures.baseUrl() + "/v1")
                .maxRetries(0)
                .putHeader("X-Atrium-Workspace-Id", workspace)
                .build();
    }
}
