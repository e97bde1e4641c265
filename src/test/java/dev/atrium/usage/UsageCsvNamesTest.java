package dev.atrium.usage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.support.Api;
import dev.atrium.support.Fixtures;
import dev.atrium.support.IntegrationTest;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/** The usage CSV names what its ids stand for: workspace names and, grouped by user, member emails. */
@IntegrationTest
class UsageCsvNamesTest {
    @Autowired
    Fixtures fixtures;

    private static final Instant AT = Instant.now().truncatedTo(ChronoUnit.HOURS);

    private void usage(Fixtures.Tenant t, String ws, @Nullable String user, String model, String credits) {
        Api api = fixtures.api().as(t.owner().token());
        var grant = api.withHeader("Idempotency-Key", UUID.randomUUID().toString())
                .post(t.path() + "/credits/grants", Map.of("amount", "100", "kind", "purchase"));
        assertThat(grant.status()).isEqualTo(201);
        Map<String, Object> event = new HashMap<>(Map.of(
                "id",
                "evt-" + UUID.randomUUID(),
                "workspace_id",
                ws,
                "model",
                model,
                "category",
                "chat",
                "credits",
                credits,
                "occurred_at",
                AT.plusSeconds(60).toString()));
        if (user != null) event.put("user_id", user);
        var r = api.post(t.path() + "/usage/events", Map.of("events", List.of(event)));
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
    }

    private List<String> csv(Fixtures.Person who, Fixtures.Tenant t, String groupBy) {
        var r = fixtures.api()
                .as(who.token())
                .get(t.path() + "/usage?start=" + AT.minus(1, ChronoUnit.DAYS) + "&end=" + AT.plus(1, ChronoUnit.DAYS)
                        + "&bucket=none&group_by=" + groupBy + "&format=csv");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        return r.body().lines().toList();
    }

    @Test
    void workspaceNamesAndMemberEmailsStandBesideTheirIds() {
        var t = fixtures.tenant("csv-names");
        String alpha = fixtures.workspace(t, "Client, \"Alpha\"");
        var ada = fixtures.addMember(t, "member", alpha);
        usage(t, alpha, ada.userId(), "demo/chat", "2");
        usage(t, t.primaryWorkspaceId(), t.owner().userId(), "demo/chat", "1");
        usage(t, alpha, null, "demo/chat", "0.5");

        List<String> lines = csv(t.owner(), t, "workspace,user,model");
        assertThat(lines.getFirst())
                .isEqualTo("bucket_start,workspace_id,workspace_name,user_id,member_email,model,"
                        + "count,input_units,output_units,credits,error_count,latency_ms_sum");
        assertThat(lines)
                .anySatisfy(l -> assertThat(l)
                        .contains("," + alpha + ",\"Client, \"\"Alpha\"\"\"," + ada.userId() + "," + ada.email()
                                + ",demo/chat,1,"))
                .anySatisfy(l -> assertThat(l).contains("," + alpha + ",\"Client, \"\"Alpha\"\"\",,,demo/chat,1,"))
                .anySatisfy(l -> assertThat(l)
                        .contains("," + t.primaryWorkspaceId() + ",Primary Workspace,"
                                + t.owner().userId() + "," + t.owner().email() + ",demo/chat,1,"));

        // Only the columns of the dimensions grouped by.
        assertThat(csv(t.owner(), t, "workspace").getFirst())
                .startsWith("bucket_start,workspace_id,workspace_name,count,");
        assertThat(csv(t.owner(), t, "user").getFirst()).startsWith("bucket_start,user_id,member_email,count,");
        assertThat(csv(t.owner(), t, "model").getFirst()).startsWith("bucket_start,model,count,");

        // A plain member does not read the member list: their own email only.
        List<String> own = csv(ada, t, "user");
        assertThat(own).anySatisfy(l -> assertThat(l).contains("," + ada.userId() + "," + ada.email() + ",1,"));
        assertThat(String.join("\n", own)).doesNotContain(t.owner().email());
    }
}
