package dev.atrium.gateway.web;

import dev.atrium.gateway.GatewayException;
import dev.atrium.gateway.internal.ContextResolver;
import dev.atrium.gateway.internal.GatewayContext;
import dev.atrium.gateway.internal.MediaOperations;
import dev.atrium.gateway.provider.AiProvider;
import dev.atrium.identity.Caller;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.Part;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.support.ServletUriComponentsBuilder;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** {@code /v1/images/generations}, {@code /v1/audio/speech}, {@code /v1/audio/transcriptions}. */
@RestController
class MediaOperationsController {
    private final ContextResolver contexts;
    private final MediaOperations operations;

    MediaOperationsController(ContextResolver contexts, MediaOperations operations) {
        this.contexts = contexts;
        this.operations = operations;
    }

    @PostMapping(path = "/v1/images/generations", consumes = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<JsonNode> images(
            @AuthenticationPrincipal Caller caller,
            @RequestHeader(name = "X-Atrium-Workspace-Id", required = false) @Nullable String workspace,
            @RequestBody ObjectNode body,
            HttpServletRequest request) {
        GatewayContext ctx = contexts.resolve(caller, workspace);
        String base =
                ServletUriComponentsBuilder.fromContextPath(request).build().toUriString();
        var result = operations.images(ctx, body, base);
        return ResponseEntity.ok()
                .header("x-atrium-workspace-id", ctx.workspace().id().value())
                .header("x-atrium-credits-charged", result.charged().toDecimal())
                .body(result.body());
    }

    @PostMapping(path = "/v1/audio/speech", consumes = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<byte[]> speech(
            @AuthenticationPrincipal Caller caller,
            @RequestHeader(name = "X-Atrium-Workspace-Id", required = false) @Nullable String workspace,
            @RequestBody ObjectNode body) {
        GatewayContext ctx = contexts.resolve(caller, workspace);
        var result = operations.speech(ctx, body);
        AiProvider.Audio audio = result.body();
        return ResponseEntity.ok()
                .contentType(MediaType.parseMediaType(audio.contentType()))
                .header("x-atrium-workspace-id", ctx.workspace().id().value())
                .header("x-atrium-credits-charged", result.charged().toDecimal())
                .body(audio.bytes());
    }

    @PostMapping(path = "/v1/audio/transcriptions", consumes = MediaType.MULTIPART_FORM_DATA_VALUE)
    ResponseEntity<?> transcriptions(
            @AuthenticationPrincipal Caller caller,
            @RequestHeader(name = "X-Atrium-Workspace-Id", required = false) @Nullable String workspace,
            HttpServletRequest request)
            throws IOException, ServletException {
        GatewayContext ctx = contexts.resolve(caller, workspace);
        // Read parts directly: clients send the file with or without a filename.
        AiProvider.Upload upload = null;
        Map<String, String> fields = new LinkedHashMap<>();
        for (Part part : request.getParts()) {
            if (part.getName().equals("file")) {
                byte[] bytes = part.getInputStream().readAllBytes();
                upload = new AiProvider.Upload(
                        part.getSubmittedFileName() == null ? "audio" : part.getSubmittedFileName(),
                        part.getContentType() == null ? "application/octet-stream" : part.getContentType(),
                        bytes);
            } else if (part.getSize() <= 64 * 1024) {
                fields.put(part.getName(), new String(part.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            }
        }
        if (upload == null || upload.bytes().length == 0) throw GatewayException.invalid("'file' is required.");
        String model = fields.remove("model");
        if (model == null || model.isBlank()) throw GatewayException.invalid("'model' is required.");
        var result = operations.transcribe(ctx, model, upload, fields);
        String format = fields.getOrDefault("response_format", "json");
        var builder = ResponseEntity.ok()
                .header("x-atrium-workspace-id", ctx.workspace().id().value())
                .header("x-atrium-credits-charged", result.charged().toDecimal());
        if (format.equals("text")) {
            return builder.contentType(MediaType.TEXT_PLAIN)
                    .body(result.body().path("text").asString(""));
        }
        if (format.equals("json")) {
            // The plain transcription object; duration and segments belong to verbose_json.
            var plain = new LinkedHashMap<String, Object>();
            plain.put("text", result.body().path("text").asString(""));
            if (result.body().has("usage")) plain.put("usage", result.body().get("usage"));
            return builder.contentType(MediaType.APPLICATION_JSON).body(plain);
        }
        return builder.contentType(MediaType.APPLICATION_JSON).body(result.body());
    }
}
