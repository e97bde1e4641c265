package dev.atrium.gateway.limits;

import dev.atrium.common.ApiException;
import dev.atrium.pricing.Pricing;
import dev.atrium.workspace.Policy;
import dev.atrium.workspace.WorkspaceAccess;
import dev.atrium.workspace.WorkspaceService;
import java.util.LinkedHashSet;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Component;

/** What a key's own model list may hold: models of the catalog that the workspace's policy allows. */
@Component
public class KeyPolicy {
    private final WorkspaceService workspaces;
    private final Pricing pricing;

    KeyPolicy(WorkspaceService workspaces, Pricing pricing) {
        this.workspaces = workspaces;
        this.pricing = pricing;
    }

    /** The list as given, cleaned, or 400 on {@code allowed_models} naming an unknown or disallowed model. */
    public @Nullable List<String> checkModels(WorkspaceAccess access, @Nullable List<String> models) {
        if (models == null) return null;
        if (models.size() > 500)
            throw ApiException.invalid("allowed_models", "allowed_models may list at most 500 models.");
        Policy policy = workspaces.policy(access);
        var clean = new LinkedHashSet<String>();
        for (String m : models) {
            if (m == null || m.isBlank() || m.length() > 200)
                throw ApiException.invalid(
                        "allowed_models", "allowed_models entries must be model names of 1 to 200 characters.");
            String id = m.strip();
            if (pricing.model(access.workspace().org(), id).isEmpty())
                throw ApiException.invalid("allowed_models", "Unknown model '" + id + "'.");
            if (!policy.allows(id))
                throw ApiException.invalid(
                        "allowed_models", "The workspace's policy does not allow the model '" + id + "'.");
            clean.add(id);
        }
        return List.copyOf(clean);
    }

    /** The models of the organization's catalog that the workspace's policy allows, in catalog order. */
    public List<String> modelsAllowed(WorkspaceAccess access) {
        Policy policy = workspaces.policy(access);
        return pricing.models(access.workspace().org()).stream()
                .map(m -> m.id())
                .filter(policy::allows)
                .toList();
    }
}
