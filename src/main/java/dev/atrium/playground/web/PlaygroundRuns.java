package dev.atrium.playground.web;

import dev.atrium.common.ApiException;
import dev.atrium.console.ConsoleController;
import dev.atrium.gateway.ChatOutcome;
import dev.atrium.gateway.GatewayException;
import dev.atrium.gateway.MemberGateway;
import dev.atrium.identity.Caller;
import dev.atrium.workspace.WorkspaceAccess;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.http.MediaType;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.multipart.MultipartFile;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The playground's runs, each through {@link MemberGateway} (the gateway's own holds, captures,
 * usage events and history): a chat turn streamed as Server-Sent Events, and images, speech and
 * transcription answered as page fragments. A viewer gets 403 and another workspace 404 before
 * anything runs; the gateway's refusals (402 out of credits, 403 model not allowed) keep their status.
 */
@ConsoleController
class PlaygroundRuns {
    private static final int MAX_MESSAGES = 200;
    private final Workbench bench;
    private final MemberGateway gateway;
    private final JsonMapper json;

    PlaygroundRuns(Workbench bench, MemberGateway gateway, JsonMapper json) {
        this.bench = bench;
        this.gateway = gateway;
        this.json = json;
    }

    /**
     * A chat turn: {@code {model, messages, system?, temperature?, max_tokens?, conversation_id?}}.
     * Answers the gateway's chunks as they are generated, then an {@code atrium} event with the
     * credits the ledger captured, the tokens, the latency and the conversation.
     */
    @PostMapping(path = "/orgs/{org}/workspaces/{ws}/playground/chat", consumes = MediaType.APPLICATION_JSON_VALUE)
    void chat(
            @AuthenticationPrincipal Caller caller,
            @PathVariable String org,
            @PathVariable String ws,
            @RequestBody JsonNode body,
            HttpServletResponse response)
            throws IOException {
        WorkspaceAccess a = bench.running(caller, org, ws);
        MemberGateway.ChatRun run;
        try {
            run = gateway.prepareChat(caller, a.workspace().id(), request(body), conversation(body));
        } catch (GatewayException e) {
            error(response, e.status(), e.code(), message(e));
            return;
        } catch (ApiException e) {
            error(response, e.status().value(), e.code(), e.getMessage());
            return;
        }
        ChatOutcome outcome;
        try {
            outcome = gateway.stream(run, response);
        } catch (GatewayException e) {
            // Failed before the first chunk: nothing was sent, the hold was voided.
            error(response, e.status(), e.code(), message(e));
            return;
        }
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("credits", outcome.charged().toDecimal());
        summary.put("input_tokens", outcome.inputTokens());
        summary.put("output_tokens", outcome.outputTokens());
        summary.put("latency_ms", outcome.latencyMs());
        summary.put("status", outcome.status());
        summary.put("conversation_id", run.conversationId());
        try {
            var out = response.getOutputStream();
            out.write(("event: atrium\ndata: " + json.writeValueAsString(summary) + "\n\n")
                    .getBytes(StandardCharsets.UTF_8));
            out.flush();
        } catch (IOException e) {
            // The reader left after the reply: it was charged and recorded all the same.
        }
    }

    @PostMapping("/orgs/{org}/workspaces/{ws}/playground/image")
    String image(
            @AuthenticationPrincipal Caller caller,
            @PathVariable String org,
            @PathVariable String ws,
            @RequestParam String model,
            @RequestParam String prompt,
            @RequestParam(required = false) @Nullable String size,
            HttpServletResponse response,
            Model page) {
        WorkspaceAccess a = bench.running(caller, org, ws);
        return result(
                a,
                "image",
                model,
                prompt,
                page,
                response,
                () -> gateway.image(caller, a.workspace().id(), model, prompt, size));
    }

    @PostMapping("/orgs/{org}/workspaces/{ws}/playground/speech")
    String speech(
            @AuthenticationPrincipal Caller caller,
            @PathVariable String org,
            @PathVariable String ws,
            @RequestParam String model,
            @RequestParam String input,
            @RequestParam(required = false) @Nullable String voice,
            HttpServletResponse response,
            Model page) {
        WorkspaceAccess a = bench.running(caller, org, ws);
        return result(
                a,
                "speech",
                model,
                input,
                page,
                response,
                () -> gateway.speech(caller, a.workspace().id(), model, input, voice));
    }

    @PostMapping("/orgs/{org}/workspaces/{ws}/playground/transcription")
    String transcription(
            @AuthenticationPrincipal Caller caller,
            @PathVariable String org,
            @PathVariable String ws,
            @RequestParam String model,
            @RequestParam("file") MultipartFile file,
            HttpServletResponse response,
            Model page)
            throws IOException {
        WorkspaceAccess a = bench.running(caller, org, ws);
        String name = file.getOriginalFilename() == null ? "audio" : file.getOriginalFilename();
        String type = file.getContentType() == null ? "application/octet-stream" : file.getContentType();
        byte[] bytes = file.getBytes();
        return result(
                a,
                "transcription",
                model,
                name,
                page,
                response,
                () -> gateway.transcribe(caller, a.workspace().id(), model, name, type, bytes));
    }

    /**
     * Runs one image, speech or transcription call and renders its result fragment, or the
     * gateway's refusal (402, 403, …) with its status and a plain message.
     */
    private String result(
            WorkspaceAccess a,
            String kind,
            String model,
            String prompt,
            Model page,
            HttpServletResponse response,
            java.util.function.Supplier<MemberGateway.MediaRun> call) {
        page.addAttribute("base", base(a));
        try {
            page.addAttribute("run", call.get());
            page.addAttribute("kind", kind);
            page.addAttribute("prompt", prompt);
            page.addAttribute("model", model);
        } catch (GatewayException e) {
            return failed(response, page, e.status(), message(e));
        } catch (ApiException e) {
            return failed(response, page, e.status().value(), e.getMessage());
        }
        return "playground/results :: result";
    }

    /** The chat completions request the playground's form describes. */
    private ObjectNode request(JsonNode body) {
        ObjectNode out = json.createObjectNode();
        out.put("model", body.path("model").asString(""));
        ArrayNode messages = out.putArray("messages");
        String system = body.path("system").asString("");
        JsonNode given = body.path("messages");
        boolean hasSystem = false;
        for (JsonNode m : given) if ("system".equals(m.path("role").asString(""))) hasSystem = true;
        if (!system.isBlank() && !hasSystem)
            messages.addObject().put("role", "system").put("content", system);
        int count = 0;
        for (JsonNode m : given) {
            String role = m.path("role").asString("");
            if (!List.of("system", "user", "assistant").contains(role)) continue;
            if (++count > MAX_MESSAGES) break;
            messages.addObject()
                    .put("role", role)
                    .put("content", m.path("content").asString(""));
        }
        JsonNode temperature = body.path("temperature");
        if (temperature.isNumber()) out.put("temperature", temperature.asDouble());
        else if (temperature.isString() && !temperature.asString().isBlank()) {
            try {
                out.put("temperature", Double.parseDouble(temperature.asString()));
            } catch (NumberFormatException e) {
                throw ApiException.invalid("temperature", "temperature must be a number.");
            }
        }
        JsonNode max = body.path("max_tokens");
        long maxTokens = max.isNumber() ? max.asLong() : parseLong(max.asString(""));
        if (maxTokens > 0) out.put("max_tokens", maxTokens);
        return out;
    }

    private static long parseLong(String s) {
        if (s.isBlank()) return 0;
        try {
            return Long.parseLong(s.strip());
        } catch (NumberFormatException e) {
            throw ApiException.invalid("max_tokens", "max_tokens must be a whole number.");
        }
    }

    private static @Nullable String conversation(JsonNode body) {
        String id = body.path("conversation_id").asString("");
        return id.isBlank() ? null : id;
    }

    private static String base(WorkspaceAccess a) {
        return "/orgs/" + a.workspace().org().value() + "/workspaces/"
                + a.workspace().id().value() + "/playground";
    }

    /** The gateway's refusals in the words a member needs. */
    static String message(GatewayException e) {
        return switch (e.code()) {
            case "insufficient_credits" ->
                "This workspace is out of credits: nothing was run or charged. Ask an admin to add credits.";
            case "model_not_allowed" -> "This model is not allowed in this workspace: " + e.getMessage();
            case "workspace_archived" -> "This workspace is archived: it is read-only.";
            default -> e.getMessage() == null ? "The run failed." : e.getMessage();
        };
    }

    private void error(HttpServletResponse response, int status, String code, @Nullable String message)
            throws IOException {
        response.setStatus(status);
        response.setContentType(MediaType.APPLICATION_JSON_VALUE);
        json.writeValue(
                response.getOutputStream(),
                Map.of("error", Map.of("status", status, "code", code, "message", message == null ? "" : message)));
    }

    private static String failed(HttpServletResponse response, Model page, int status, @Nullable String message) {
        response.setStatus(status);
        page.addAttribute("error", message == null ? "The run failed." : message);
        page.addAttribute("status", status);
        return "playground/results :: failure";
    }
}
