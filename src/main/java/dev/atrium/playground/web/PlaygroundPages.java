package dev.atrium.playground.web;

import dev.atrium.common.ApiException;
import dev.atrium.console.ConsoleController;
import dev.atrium.gateway.GatewayException;
import dev.atrium.gateway.MemberGateway;
import dev.atrium.history.ConversationDetail;
import dev.atrium.history.ConversationId;
import dev.atrium.history.History;
import dev.atrium.identity.Caller;
import dev.atrium.pricing.ModelKind;
import dev.atrium.pricing.PricedModel;
import dev.atrium.workspace.Workspace;
import dev.atrium.workspace.WorkspaceAccess;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;

/** The playground's run pages: chat, compare, images and speech; and the workspace switcher. */
@ConsoleController
class PlaygroundPages {
    private final Workbench bench;
    private final MemberGateway gateway;
    private final History history;

    PlaygroundPages(Workbench bench, MemberGateway gateway, History history) {
        this.bench = bench;
        this.gateway = gateway;
        this.history = history;
    }

    /** The playground of the organization: the person's default workspace (or the first they are in). */
    @GetMapping("/orgs/{org}/playground")
    String start(@AuthenticationPrincipal Caller caller, @PathVariable String org) {
        List<Workspace> mine = bench.assigned(caller, org);
        if (mine.isEmpty()) throw ApiException.notFound("workspace");
        return "redirect:/orgs/" + org + "/workspaces/" + mine.getFirst().id().value() + "/playground";
    }

    /** The switcher's target: the same section of another workspace. */
    @GetMapping("/orgs/{org}/playground/switch")
    String switchTo(
            @AuthenticationPrincipal Caller caller,
            @PathVariable String org,
            @RequestParam String ws,
            @RequestParam(defaultValue = "chat") String section) {
        WorkspaceAccess a = bench.in(caller, org, ws);
        String path = switch (section) {
            case "compare", "media", "history", "activities" -> "/" + section;
            default -> "";
        };
        return "redirect:/orgs/" + org + "/workspaces/" + a.workspace().id().value() + "/playground" + path;
    }

    @GetMapping("/orgs/{org}/workspaces/{ws}/playground")
    String chat(
            @AuthenticationPrincipal Caller caller,
            @PathVariable String org,
            @PathVariable String ws,
            @RequestParam(required = false) @Nullable String conversation,
            Model model) {
        WorkspaceAccess a = bench.in(caller, org, ws);
        bench.describe(caller, a, "chat", model);
        models(caller, a, model);
        if (conversation != null && !conversation.isBlank()) {
            ConversationDetail c = history.get(a, ConversationId.parse(conversation));
            model.addAttribute("conversation", c);
        }
        return "playground/chat";
    }

    @GetMapping("/orgs/{org}/workspaces/{ws}/playground/compare")
    String compare(
            @AuthenticationPrincipal Caller caller, @PathVariable String org, @PathVariable String ws, Model model) {
        WorkspaceAccess a = bench.in(caller, org, ws);
        bench.describe(caller, a, "compare", model);
        models(caller, a, model);
        return "playground/compare";
    }

    @GetMapping("/orgs/{org}/workspaces/{ws}/playground/media")
    String media(
            @AuthenticationPrincipal Caller caller, @PathVariable String org, @PathVariable String ws, Model model) {
        WorkspaceAccess a = bench.in(caller, org, ws);
        bench.describe(caller, a, "media", model);
        models(caller, a, model);
        return "playground/media";
    }

    /** The models the member may run here, by kind; none for a viewer (who sees no run forms). */
    void models(Caller caller, WorkspaceAccess a, Model model) {
        List<PricedModel> allowed = List.of();
        if (a.canUse() && a.workspace().active()) {
            try {
                allowed = gateway.models(caller, a.workspace().id());
            } catch (GatewayException e) {
                allowed = List.of();
            }
        }
        model.addAttribute("chatModels", ofKind(allowed, ModelKind.CHAT));
        model.addAttribute("imageModels", ofKind(allowed, ModelKind.IMAGE));
        model.addAttribute("speechModels", ofKind(allowed, ModelKind.SPEECH));
        model.addAttribute("transcriptionModels", ofKind(allowed, ModelKind.TRANSCRIPTION));
        model.addAttribute(
                "imageSizes",
                ofKind(allowed, ModelKind.IMAGE).stream()
                        .flatMap(m -> m.imageSizes().stream())
                        .distinct()
                        .toList());
    }

    private static List<PricedModel> ofKind(List<PricedModel> models, ModelKind kind) {
        return models.stream().filter(m -> m.kind() == kind).toList();
    }
}
