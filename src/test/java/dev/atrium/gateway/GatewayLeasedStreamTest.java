package dev.atrium.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A streamed call on a busy funding path is admitted from the node's credit lease like any other:
 * no hold is taken for it, its charge is captured from the lease once, and a stream the client
 * cuts is charged what was delivered.
 */
class GatewayLeasedStreamTest extends UpstreamGatewayTest {
    private static final long MAX_TOKENS = 100;

    private static ChatCompletionCreateParams call(String tag, int n) {
        return ChatCompletionCreateParams.builder()
                .model("gpt-4o-mini")
                .addUserMessage(String.format("Leased stream %03d %s", n, tag))
                .maxCompletionTokens(MAX_TOKENS)
                .build();
    }

    /** Makes the path busy with plain calls until it has its lease; returns the lease's id. */
    private String warmLease(Funded f) {
        String tag = tag();
        for (int i = 0; i < 10; i++) f.client().chat().completions().create(call(tag, i));
        await().atMost(Duration.ofSeconds(2)).until(() -> openLease(f.org()) != null);
        awaitSettlements();
        return openLease(f.org());
    }

    private String openLease(String org) {
        return jdbc.sql("SELECT id FROM credit_leases WHERE org_id = :org AND status = 'open'")
                .param("org", org)
                .query(String.class)
                .optional()
                .orElse(null);
    }

    private long leaseCaptured(String lease) {
        return jdbc.sql("SELECT captured FROM credit_leases WHERE id = :id")
                .param("id", lease)
                .query(Long.class)
                .single();
    }

    private long holdRows(String org) {
        return jdbc.sql("SELECT count(*) FROM holds WHERE org_id = :org")
                .param("org", org)
                .query(Long.class)
                .single();
    }

    private long capturesOf(String org, String reservation) {
        return jdbc.sql("SELECT count(*) FROM ledger_transfers WHERE org_id = :org AND kind = 'capture'"
                        + " AND hold_id = :id")
                .param("org", org)
                .param("id", reservation)
                .query(Long.class)
                .single();
    }

    @Test
    void aStreamOnABusyPathIsAdmittedFromTheLeaseWithoutAHoldAndChargedOnce() {
        Funded f = funded("Leased Streams Co", "1000");
        String lease = warmLease(f);
        long holdsBefore = holdRows(f.org());
        long capturedBefore = leaseCaptured(lease);
        int eventsBefore = events(f.org()).size();

        String tag = tag();
        for (int i = 0; i < 5; i++) {
            StringBuilder text = new StringBuilder();
            try (StreamResponse<ChatCompletionChunk> stream =
                    f.client().chat().completions().createStreaming(call(tag, i))) {
                stream.stream().forEach(chunk -> {
                    assertThat(chunk.model()).isEqualTo("gpt-4o-mini");
                    chunk.choices().forEach(c -> c.delta().content().ifPresent(text::append));
                });
            }
            assertThat(text).hasToString(String.join("", OPENAI_PIECES));
        }

        List<Event> streams = events(f.org()).subList(eventsBefore, eventsBefore + 5);
        assertThat(events(f.org())).hasSize(eventsBefore + 5);
        assertThat(holdRows(f.org())).as("no hold taken for a leased stream").isEqualTo(holdsBefore);
        long charged = 0;
        for (Event e : streams) {
            assertThat(e.holdId()).startsWith("rsv_");
            assertThat(e.status()).isEqualTo("ok");
            assertThat(e.credits()).isEqualTo(gpt4oMini(OPENAI_USAGE.input(), OPENAI_USAGE.output()));
            assertThat(capturesOf(f.org(), e.holdId())).as("captured once").isEqualTo(1);
            charged += e.credits();
        }
        assertThat(leaseCaptured(lease)).isEqualTo(capturedBefore + charged);

        creditLeases.returnAll(Duration.ofSeconds(5));
        assertSettled(f.tenant());
    }

    @Test
    void aLeasedStreamCutByTheClientIsChargedWhatWasDelivered() throws Exception {
        Funded f = funded("Leased Cut Co", "1000");
        String lease = warmLease(f);
        long holdsBefore = holdRows(f.org());
        long capturedBefore = leaseCaptured(lease);
        int eventsBefore = events(f.org()).size();

        var progress = new Wire.Progress();
        String tag = tag();
        OPENAI.script(tag, Wire.openAiSlowStream("word ", 40, Duration.ofMillis(100), progress, OPENAI));
        String content = "Talk for a while. " + tag;
        byte[] body = LocalUpstream.JSON.writeValueAsBytes(Map.of(
                "model",
                "gpt-4o-mini",
                "stream",
                true,
                "max_completion_tokens",
                MAX_TOKENS,
                "messages",
                List.of(Map.of("role", "user", "content", content))));
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
        } // hang up with the rest still coming

        assertThat(progress.ended().await(5, TimeUnit.SECONDS))
                .as("the upstream connection was closed")
                .isTrue();
        int sent = progress.sent().get();
        await().atMost(Duration.ofSeconds(5)).until(() -> events(f.org()).size() == eventsBefore + 1);
        Event e = events(f.org()).getLast();
        assertThat(e.status()).isEqualTo("partial");
        assertThat(e.holdId()).startsWith("rsv_");
        // "word " is two tokens: at least what the client read, at most what the upstream sent
        assertThat(e.outputUnits()).isBetween(2L * seen, 2L * sent);
        assertThat(e.credits()).isEqualTo(gpt4oMini(e.inputUnits(), e.outputUnits()));
        assertThat(capturesOf(f.org(), e.holdId())).isEqualTo(1);
        assertThat(holdRows(f.org())).as("no hold taken for a leased stream").isEqualTo(holdsBefore);
        assertThat(leaseCaptured(lease)).isEqualTo(capturedBefore + e.credits());

        creditLeases.returnAll(Duration.ofSeconds(5));
        assertSettled(f.tenant());
    }

    private static int count(String text, String needle) {
        int n = 0;
        for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) n++;
        return n;
    }
}
