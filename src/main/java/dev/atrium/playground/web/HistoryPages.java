package dev.atrium.playground.web;

import dev.atrium.common.ApiException;
import dev.atrium.common.Page;
import dev.atrium.common.PageRequest;
import dev.atrium.console.ConsoleController;
import dev.atrium.console.Flash;
import dev.atrium.gateway.MemberGateway;
import dev.atrium.history.ActivityView;
import dev.atrium.history.ConversationDetail;
import dev.atrium.history.ConversationId;
import dev.atrium.history.ConversationSummary;
import dev.atrium.history.History;
import dev.atrium.history.HistoryExport;
import dev.atrium.history.MediaStore;
import dev.atrium.identity.Caller;
import dev.atrium.workspace.WorkspaceAccess;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.springframework.http.CacheControl;
import org.springframework.http.ContentDisposition;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;

/**
 * The history browser of a workspace, through the history module's public API and its visibility
 * rules: conversations (search, rename, share, delete), one conversation, activities with their media,
 * the export, and the media files themselves.
 */
@ConsoleController
class HistoryPages {
    private static final int PAGE = 25;
    /** Activities scanned for one filtered page: filters narrow what the history module lists. */
    private static final int SCAN = 1000;

    private final Workbench bench;
    private final History history;
    private final HistoryExport export;
    private final MemberGateway gateway;

    private final MediaStore mediaStore;

    HistoryPages(Workbench bench, History history, HistoryExport export, MemberGateway gateway, MediaStore mediaStore) {
        this.mediaStore = mediaStore;
        this.bench = bench;
        this.history = history;
        this.export = export;
        this.gateway = gateway;
    }

    @GetMapping("/orgs/{org}/workspaces/{ws}/playground/history")
    String conversations(
            @AuthenticationPrincipal Caller caller,
            @PathVariable String org,
            @PathVariable String ws,
            @RequestParam(required = false) @Nullable String q,
            @RequestParam(required = false) @Nullable String after,
            @RequestHeader(name = "HX-Request", required = false) @Nullable String htmx,
            Model model) {
        WorkspaceAccess a = bench.in(caller, org, ws);
        Page<ConversationSummary> page = history.list(a, q, PageRequest.of(PAGE, after));
        model.addAttribute("conversations", page.data());
        model.addAttribute("next", page.next());
        model.addAttribute("q", q == null ? "" : q);
        model.addAttribute("me", a.org().user() == null ? "" : a.org().user().value());
        model.addAttribute("canManage", a.canManage());
        if ("true".equals(htmx)) {
            model.addAttribute("base", base(a));
            return "playground/history :: list";
        }
        bench.describe(caller, a, "history", model);
        return "playground/history";
    }

    @GetMapping("/orgs/{org}/workspaces/{ws}/playground/history/{id}")
    String conversation(
            @AuthenticationPrincipal Caller caller,
            @PathVariable String org,
            @PathVariable String ws,
            @PathVariable String id,
            Model model) {
        WorkspaceAccess a = bench.in(caller, org, ws);
        ConversationDetail c = history.get(a, ConversationId.parse(id));
        bench.describe(caller, a, "history", model);
        model.addAttribute("conversation", c);
        var me = a.org().user();
        boolean own = me != null && me.equals(c.conversation().createdBy());
        model.addAttribute("canChange", a.canUse() && (own || a.canManage()));
        model.addAttribute("media", activitiesOf(a, c.conversation().id()));
        return "playground/conversation";
    }

    @PostMapping("/orgs/{org}/workspaces/{ws}/playground/history/{id}")
    String change(
            @AuthenticationPrincipal Caller caller,
            @PathVariable String org,
            @PathVariable String ws,
            @PathVariable String id,
            @RequestParam(required = false) @Nullable String title,
            @RequestParam(required = false) @Nullable String visibility,
            RedirectAttributes redirect) {
        WorkspaceAccess a = bench.in(caller, org, ws);
        ConversationId cid = ConversationId.parse(id);
        try {
            history.update(a, cid, blankToNull(title), blankToNull(visibility));
            Flash.success(redirect, visibility != null ? "Visibility changed to " + visibility + "." : "Renamed.");
        } catch (ApiException e) {
            if (e.status().value() == 404) throw e;
            Flash.error(redirect, e.getMessage());
        }
        return "redirect:" + base(a) + "/history/" + cid.value();
    }

    @PostMapping("/orgs/{org}/workspaces/{ws}/playground/history/{id}/delete")
    String delete(
            @AuthenticationPrincipal Caller caller,
            @PathVariable String org,
            @PathVariable String ws,
            @PathVariable String id,
            RedirectAttributes redirect) {
        WorkspaceAccess a = bench.in(caller, org, ws);
        ConversationId cid = ConversationId.parse(id);
        try {
            history.delete(a, cid);
            Flash.success(redirect, "Conversation deleted.");
            return "redirect:" + base(a) + "/history";
        } catch (ApiException e) {
            if (e.status().value() == 404) throw e;
            Flash.error(redirect, e.getMessage());
            return "redirect:" + base(a) + "/history/" + cid.value();
        }
    }

    @GetMapping("/orgs/{org}/workspaces/{ws}/playground/activities")
    String activities(
            @AuthenticationPrincipal Caller caller,
            @PathVariable String org,
            @PathVariable String ws,
            @RequestParam(required = false) @Nullable String operation,
            @RequestParam(required = false) @Nullable String model,
            @RequestParam(required = false) @Nullable String status,
            Model page) {
        WorkspaceAccess a = bench.in(caller, org, ws);
        bench.describe(caller, a, "activities", page);
        List<ActivityView> matching = new ArrayList<>();
        List<String> models = new ArrayList<>();
        String after = null;
        int scanned = 0;
        do {
            var p = history.activities(a, PageRequest.of(200, after));
            for (ActivityView v : p.data()) {
                scanned++;
                if (!models.contains(v.model())) models.add(v.model());
                if (matches(operation, v.operation())
                        && matches(model, v.model())
                        && matches(status, v.status())
                        && matching.size() < 100) {
                    matching.add(v);
                }
            }
            after = p.next();
        } while (after != null && scanned < SCAN && matching.size() < 100);
        page.addAttribute("activities", matching);
        page.addAttribute("models", models);
        page.addAttribute("operation", operation == null ? "" : operation);
        page.addAttribute("modelFilter", model == null ? "" : model);
        page.addAttribute("status", status == null ? "" : status);
        return "playground/activities";
    }

    @GetMapping("/orgs/{org}/workspaces/{ws}/playground/export")
    void export(
            @AuthenticationPrincipal Caller caller,
            @PathVariable String org,
            @PathVariable String ws,
            HttpServletResponse response)
            throws IOException {
        WorkspaceAccess a = bench.in(caller, org, ws);
        export.respond(a, response);
    }

    /** A generated image or audio file, authorized like the API's media endpoint. */
    @GetMapping("/orgs/{org}/workspaces/{ws}/playground/media/{id}")
    ResponseEntity<byte[]> media(
            @AuthenticationPrincipal Caller caller,
            @PathVariable String org,
            @PathVariable String ws,
            @PathVariable String id,
            @RequestParam(defaultValue = "false") boolean download) {
        WorkspaceAccess a = bench.in(caller, org, ws);
        byte[] bytes;
        MediaStore.MediaFile file;
        try (MediaStore.Opened opened = mediaStore.open(a, id)) {
            file = opened.file();
            bytes = opened.content().readAllBytes();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        var response = ResponseEntity.ok()
                .contentType(MediaType.parseMediaType(file.contentType()))
                .cacheControl(CacheControl.noStore())
                .header("X-Content-Type-Options", "nosniff");
        if (download) {
            String ext = file.contentType().contains("png")
                    ? ".png"
                    : file.contentType().contains("wav") ? ".wav" : "";
            response.header(
                    HttpHeaders.CONTENT_DISPOSITION,
                    ContentDisposition.attachment()
                            .filename(file.id() + ext)
                            .build()
                            .toString());
        }
        return response.body(bytes);
    }

    /** The activities of one conversation (its chat turns), newest first, from the first pages. */
    private List<ActivityView> activitiesOf(WorkspaceAccess a, ConversationId id) {
        List<ActivityView> out = new ArrayList<>();
        var p = history.activities(a, PageRequest.of(200, null));
        for (ActivityView v : p.data()) if (Objects.equals(v.conversationId(), id)) out.add(v);
        return out;
    }

    private static boolean matches(@Nullable String filter, String value) {
        return filter == null || filter.isBlank() || filter.equals(value);
    }

    private static @Nullable String blankToNull(@Nullable String s) {
        return s == null || s.isBlank() ? null : s;
    }

    private static String base(WorkspaceAccess a) {
        return "/orgs/" + a.workspace().org().value() + "/workspaces/"
                + a.workspace().id().value() + "/playground";
    }
}
