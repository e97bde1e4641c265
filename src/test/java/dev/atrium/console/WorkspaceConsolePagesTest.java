package dev.atrium.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.support.Fixtures;
import dev.atrium.support.IntegrationTest;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/** Workspace pages of the console: edit, policy, funding and credit movements, members, deletion. */
@IntegrationTest
class WorkspaceConsolePagesTest {
    @Autowired
    Fixtures fixtures;

    private ConsoleClient as(Fixtures.Person p) {
        return ConsoleClient.signedIn(fixtures, p);
    }

    private static String ws(Fixtures.Tenant t, String ws) {
        return "/orgs/" + t.orgId() + "/workspaces/" + ws;
    }

    private void grant(Fixtures.Tenant t, String amount) {
        var r = fixtures.api()
                .as(t.owner().token())
                .withHeader("Idempotency-Key", java.util.UUID.randomUUID().toString())
                .post(t.path() + "/credits/grants", Map.of("amount", amount, "kind", "purchase"));
        assertThat(r.status()).as(r.toString()).isEqualTo(201);
    }

    @Test
    void editingSavesAndAnInvalidNameComesBackWithTheInputKept() {
        var t = fixtures.tenant("ws-edit");
        String id = fixtures.workspace(t, "Client Old");
        var c = as(t.owner());
        var form = c.get(ws(t, id) + "/edit");
        assertThat(form.status()).isEqualTo(200);
        assertThat(form.body()).contains("value=\"Client Old\"");

        var bad = c.post(ws(t, id), Map.of("name", " ", "kind", "campaign", "description", "keep this"));
        assertThat(bad.redirectPath()).isEqualTo(ws(t, id) + "/edit");
        assertThat(c.follow(bad).body())
                .contains("name is required.", "keep this", "value=\"campaign\" selected", "aria-invalid=\"true\"");

        fixtures.workspace(t, "Client Taken");
        var taken = c.post(ws(t, id), Map.of("name", "client taken", "kind", "campaign", "description", "keep this"));
        assertThat(taken.redirectPath()).isEqualTo(ws(t, id) + "/edit");
        assertThat(c.follow(taken).body())
                .contains("already named “client taken”", "keep this", "aria-invalid=\"true\"");

        var ok = c.post(ws(t, id), Map.of("name", "Client New", "kind", "campaign", "description", "Q3"));
        assertThat(ok.redirectPath()).isEqualTo(ws(t, id));
        assertThat(c.follow(ok).body()).contains("Workspace “Client New” saved.", "campaign");
        var audit = fixtures.api().as(t.owner().token()).get(t.path() + "/audit-events?action=workspace.updated");
        assertThat(audit.json().path("data").size()).isEqualTo(1);
    }

    @Test
    void policyFormSavesListsAndNumbersAndExplainsAnInvalidRetention() {
        var t = fixtures.tenant("ws-policy");
        String id = fixtures.workspace(t, "Governed");
        var c = as(t.owner());
        var form = new HashMap<String, String>(Map.of(
                "allowedModels", "demo/chat\ndemo/image",
                "deniedModels", "",
                "retentionDays", "0",
                "maxCreditsPerRequest", "2.5"));
        var bad = c.post(ws(t, id) + "/policy", form);
        assertThat(bad.redirectPath()).isEqualTo(ws(t, id) + "/policy");
        assertThat(c.follow(bad).body()).contains("retention_days must be between 1 and 36500.", "demo/image");

        form.put("retentionDays", "30");
        form.put("deniedModels", "demo/chat-mini\ngpt-4-o");
        var unknown = c.post(ws(t, id) + "/policy", form);
        assertThat(unknown.redirectPath()).isEqualTo(ws(t, id) + "/policy");
        assertThat(c.follow(unknown).body()).contains("denied_models names an unknown model: gpt-4-o.");

        form.put("deniedModels", "");
        var ok = c.post(ws(t, id) + "/policy", form); // no recordHistory: the box was unticked
        assertThat(c.follow(ok).body()).contains("Policy saved.");
        var policy =
                fixtures.api().as(t.owner().token()).get(t.ws(id) + "/policy").json();
        assertThat(policy.path("allowed_models").toString()).isEqualTo("[\"demo/chat\",\"demo/image\"]");
        assertThat(policy.path("record_history").asBoolean()).isFalse();
        assertThat(policy.path("retention_days").asInt()).isEqualTo(30);
        assertThat(policy.path("max_credits_per_request").asString()).isEqualTo("2.5");
    }

    @Test
    void fundingSwitchesToBudgetAllocatesReclaimsAndTransfers() {
        var t = fixtures.tenant("ws-funding");
        String alpha = fixtures.workspace(t, "Alpha");
        String beta = fixtures.workspace(t, "Beta");
        grant(t, "100");
        var c = as(t.owner());
        var page = c.get(ws(t, alpha) + "/funding");
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.body()).contains("draws from the organization pool", "switch it to a budget");

        for (String w : new String[] {alpha, beta}) {
            var saved = c.post(
                    ws(t, w) + "/funding",
                    Map.of(
                            "mode",
                            "budget",
                            "spendLimit",
                            "",
                            "memberLimit",
                            "5",
                            "memberPeriod",
                            "day",
                            "refillKind",
                            "none"));
            assertThat(c.follow(saved).body()).contains("Funding saved: own budget.");
        }
        var token = "t-" + java.util.UUID.randomUUID();
        var allocate = Map.of("op", "allocate", "amount", "40", "token", token);
        // Every post is followed, as a browser does: each one's flash message is shown once.
        c.follow(c.post(ws(t, alpha) + "/funding/move", allocate));
        // A double submit replays the first allocation, it does not allocate twice.
        c.follow(c.post(ws(t, alpha) + "/funding/move", allocate));
        c.follow(c.post(ws(t, alpha) + "/funding/move", Map.of("op", "reclaim", "amount", "5", "token", "r-" + token)));
        var moved = c.post(
                ws(t, alpha) + "/funding/move",
                Map.of("op", "transfer", "amount", "10", "target", beta, "token", "x-" + token));
        var after = c.follow(moved);
        assertThat(after.body()).contains("10 credits transferred.", "id=\"workspace-available\">25<");
        assertThat(after.body()).contains("id=\"pool-available\">65<");

        var funding = fixtures.api()
                .as(t.owner().token())
                .get(t.ws(alpha) + "/funding")
                .json();
        assertThat(funding.path("member_spend_limit").path("amount").asString()).isEqualTo("5");
        var audit = fixtures.api().as(t.owner().token()).get(t.path() + "/audit-events?action=credits.allocated");
        assertThat(audit.json().path("data").size()).isEqualTo(1);
    }

    @Test
    void fundingErrorsAreShownWithTheInputKept() {
        var t = fixtures.tenant("ws-funding-err");
        String alpha = fixtures.workspace(t, "Alpha");
        var c = as(t.owner());
        var bad = c.post(
                ws(t, alpha) + "/funding",
                Map.of("mode", "budget", "spendLimit", "abc", "spendPeriod", "week", "refillKind", "none"));
        assertThat(c.follow(bad).body())
                .contains("spend_limit.amount must be a decimal amount", "value=\"abc\"", "value=\"week\" selected");
        c.follow(c.post(ws(t, alpha) + "/funding", Map.of("mode", "budget", "refillKind", "none")));
        var poor = c.post(ws(t, alpha) + "/funding/move", Map.of("op", "allocate", "amount", "7", "token", "p1"));
        assertThat(c.follow(poor).body())
                .contains("The organization&#39;s credit pool has not enough unallocated credits.", "value=\"7\"");
    }

    @Test
    void primaryStaysOnThePool() {
        var t = fixtures.tenant("ws-primary-funding");
        var c = as(t.owner());
        var bad = c.post(ws(t, t.primaryWorkspaceId()) + "/funding", Map.of("mode", "budget", "refillKind", "none"));
        assertThat(c.follow(bad).body()).contains("The Primary Workspace is always funded from the pool.");
    }

    @Test
    void membersAreAssignedGivenARoleAndRemoved() {
        var t = fixtures.tenant("ws-team");
        String id = fixtures.workspace(t, "Team");
        var member = fixtures.addMember(t, "member", null);
        var c = as(t.owner());
        var detail = c.get(ws(t, id));
        assertThat(detail.body()).contains("Add a member of the organization", member.email());

        var added = c.post(ws(t, id) + "/members", Map.of("user_id", member.userId(), "role", "viewer"));
        assertThat(c.follow(added).body()).contains("now works in this workspace as viewer.");
        var role = c.post(ws(t, id) + "/members/" + member.userId() + "/role", Map.of("role", "admin"));
        assertThat(c.follow(role).body()).contains("is now admin here.");
        var removed = c.post(ws(t, id) + "/members/" + member.userId() + "/remove", Map.of());
        assertThat(c.follow(removed).body()).contains("Member removed from the workspace");
        var own = c.post(ws(t, t.primaryWorkspaceId()) + "/members/" + member.userId() + "/remove", Map.of());
        assertThat(c.follow(own).body()).contains("change their default workspace first");
    }

    @Test
    void deletionIsConfirmedByNameAndSaysWhatReturnsToThePool() {
        var t = fixtures.tenant("ws-delete");
        String id = fixtures.workspace(t, "Doomed");
        grant(t, "50");
        var api = fixtures.api().as(t.owner().token());
        api.put(t.ws(id) + "/funding", Map.of("mode", "budget"));
        api.withHeader("Idempotency-Key", "a1")
                .post(t.path() + "/credits/allocations", Map.of("workspace_id", id, "amount", "12.5"));
        fixtures.workspaceKey(t, id);
        var c = as(t.owner());
        var confirm = c.get(ws(t, id) + "/delete");
        assertThat(confirm.status()).isEqualTo(200);
        assertThat(confirm.body()).contains("12.5 credits", "1 active", "conversations, messages");

        var wrong = c.post(ws(t, id) + "/delete", Map.of("confirm", "doomed"));
        assertThat(wrong.redirectPath()).isEqualTo(ws(t, id) + "/delete");
        assertThat(c.follow(wrong).body()).contains("Type the workspace&#39;s name exactly", "value=\"doomed\"");

        var done = c.post(ws(t, id) + "/delete", Map.of("confirm", "Doomed"));
        assertThat(c.follow(done).body()).contains("Workspace “Doomed” deleted: 1 key revoked");
        assertThat(c.get(ws(t, id)).status()).isEqualTo(404);
        assertThat(c.get(ws(t, t.primaryWorkspaceId()) + "/delete").status()).isEqualTo(409);
    }

    @Test
    void aPlainMemberCannotReachAdminWorkspacePages() {
        var t = fixtures.tenant("ws-member");
        String assigned = fixtures.workspace(t, "Mine");
        String other = fixtures.workspace(t, "Not mine");
        var member = fixtures.addMember(t, "member", assigned);
        var c = as(member);
        assertThat(c.get(ws(t, assigned) + "/edit").status()).isEqualTo(403);
        assertThat(c.get(ws(t, assigned) + "/funding").status()).isEqualTo(403);
        assertThat(c.get(ws(t, assigned) + "/delete").status()).isEqualTo(403);
        assertThat(c.get(ws(t, assigned) + "/policy").body())
                .contains("You can read this policy")
                .doesNotContain("Save policy");
        assertThat(c.post(ws(t, assigned) + "/policy", Map.of("retentionDays", "5"))
                        .status())
                .isEqualTo(403);
        assertThat(c.post(ws(t, assigned) + "/delete", Map.of("confirm", "Mine"))
                        .status())
                .isEqualTo(403);
        assertThat(c.post(ws(t, assigned) + "/funding/move", Map.of("op", "allocate", "amount", "1"))
                        .status())
                .isEqualTo(403);
        assertThat(c.get(ws(t, other) + "/policy").status()).isEqualTo(404);
        assertThat(c.get(ws(t, other) + "/funding").status()).isEqualTo(404);
        assertThat(c.post(ws(t, other) + "/members", Map.of("user_id", member.userId()))
                        .status())
                .isEqualTo(404);
    }
}
