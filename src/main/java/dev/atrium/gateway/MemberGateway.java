package dev.atrium.gateway;

import dev.atrium.common.Credits;
import dev.atrium.common.WorkspaceId;
import dev.atrium.gateway.internal.ChatService;
import dev.atrium.gateway.internal.ContextResolver;
import dev.atrium.gateway.internal.GatewayContext;
import dev.atrium.gateway.internal.MediaOperations;
import dev.atrium.gateway.internal.Models;
import dev.atrium.gateway.provider.AiProvider;
import dev.atrium.history.History;
import dev.atrium.identity.Caller;
import dev.atrium.pricing.PricedModel;
import jakarta.servlet.http.HttpServletResponse;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Service;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The gateway for a person working in a workspace outside the {@code /v1} API (the console's
 * playground): the same context resolution (a viewer may not run models, a workspace the person is
 * not assigned to is a 404), the same model policy, holds, captures, usage events and history as
 * {@code /v1/chat/completions}, {@code /v1/images/generations}, {@code /v1/audio/speech} and
 * {@code /v1/audio/transcriptions}: there is no second accounting path.
 */
@Service
public class MemberGateway {
    private final ContextResolver contexts;
    private final Models models;
    private final ChatService chat;
    private final MediaOperations operations;
    private final History history;
    private final JsonMapper json;
    private final Clock clock;

    MemberGateway(
            ContextResolver contexts,
            Models models,
            ChatService chat,
            MediaOperations operations,
            History history,
            JsonMapper json,
            Clock clock) {
        this.contexts = contexts;
        this.models = models;
        this.chat = chat;
        this.operations = operations;
        this.history = history;
        this.json = json;
        this.clock = clock;
    }

    /** The models the workspace may use, as {@code GET /v1/models} lists them for this caller. */
    public List<PricedModel> models(Caller caller, WorkspaceId workspace) {
        return models.allowed(contexts.resolve(caller, workspace.value()));
    }

    /** A chat turn priced and held, ready to stream. */
    public static final class ChatRun {
        private final ChatService.Prepared prepared;

        private ChatRun(ChatService.Prepared prepared) {
            this.prepared = prepared;
        }

        /** The conversation the turn is recorded in; null when the workspace records no history. */
        public @Nullable String conversationId() {
            return prepared.conversationId();
        }
    }

    /**
     * Prices and holds a streamed chat turn: {@code body} is a chat completions request; the turn
     * appends to {@code conversationId} when given. Throws {@link GatewayException} (402, 403, 404)
     * before anything is reserved or sent.
     */
    public ChatRun prepareChat(Caller caller, WorkspaceId workspace, ObjectNode body, @Nullable String conversationId) {
        GatewayContext ctx = contexts.resolve(caller, workspace.value());
        ObjectNode request = body.deepCopy();
        request.put("stream", true);
        return new ChatRun(chat.prepare(ctx, request, conversationId));
    }

    /** Streams the turn as OpenAI's chunks (Server-Sent Events) and settles it. */
    public ChatOutcome stream(ChatRun run, HttpServletResponse response) {
        return chat.stream(run.prepared, response);
    }

    /** What an image, speech or transcription run produced and cost. */
    public record MediaRun(List<String> media, @Nullable String text, Credits charged, long latencyMs) {}

    /** Generates images, stored as the workspace's media (whether or not it records history). */
    public MediaRun image(Caller caller, WorkspaceId workspace, String model, String prompt, @Nullable String size) {
        GatewayContext ctx = contexts.resolve(caller, workspace.value());
        ObjectNode body = json.createObjectNode();
        body.put("model", model);
        body.put("prompt", prompt);
        if (size != null && !size.isBlank()) body.put("size", size);
        body.put("response_format", "url");
        long started = clock.millis();
        var result = operations.images(ctx, body, "");
        return new MediaRun(result.media(), null, result.charged(), clock.millis() - started);
    }

    /** Text to speech; the audio is stored as the workspace's media so it can be played back. */
    public MediaRun speech(Caller caller, WorkspaceId workspace, String model, String input, @Nullable String voice) {
        GatewayContext ctx = contexts.resolve(caller, workspace.value());
        ObjectNode body = json.createObjectNode();
        body.put("model", model);
        body.put("input", input);
        body.put("voice", voice == null || voice.isBlank() ? "alloy" : voice);
        body.put("response_format", "wav");
        long started = clock.millis();
        var result = operations.speech(ctx, body, true);
        return new MediaRun(result.media(), null, result.charged(), clock.millis() - started);
    }

    /** Transcribes an uploaded audio file. */
    public MediaRun transcribe(
            Caller caller, WorkspaceId workspace, String model, String filename, String contentType, byte[] bytes) {
        GatewayContext ctx = contexts.resolve(caller, workspace.value());
        if (bytes.length == 0) throw GatewayException.invalid("'file' is required.");
        long started = clock.millis();
        var result = operations.transcribe(ctx, model, new AiProvider.Upload(filename, contentType, bytes), Map.of());
        return new MediaRun(
                List.of(), result.body().path("text").asString(""), result.charged(), clock.millis() - started);
    }
}
