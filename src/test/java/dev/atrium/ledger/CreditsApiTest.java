package dev.atrium.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.support.Fixtures;
import dev.atrium.support.IntegrationTest;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

@IntegrationTest
class CreditsApiTest {
    @Autowired
    Fixtures fixtures;

    @Test
    void grantAllocateHoldCaptureAndVoidKeepTheInvariant() {
        var t = fixtures.tenant("Credits Co");
        var api = fixtures.api().as(t.owner().token());
        String ws = fixtures.workspace(t, "Client A");

        var grant = api.post(t.path() + "/credits/grants", Map.of("amount", "1000", "kind", "purchase"));
        assertThat(grant.status()).as(grant.toString()).isEqualTo(201);
        assertThat(grant.text("amount")).isEqualTo("1000");

        var funding = api.put(t.ws(ws) + "/funding", Map.of("mode", "budget"));
        assertThat(funding.status()).as(funding.toString()).isEqualTo(200);
        var alloc = api.post(t.path() + "/credits/allocations", Map.of("workspace_id", ws, "amount", "300"));
        assertThat(alloc.status()).as(alloc.toString()).isEqualTo(201);

        var hold = api.post(t.ws(ws) + "/holds", Map.of("amount", "100", "category", "chat"));
        assertThat(hold.status()).as(hold.toString()).isEqualTo(201);
        assertThat(hold.text("status")).isEqualTo("held");
        var capture = api.post(t.ws(ws) + "/holds/" + hold.text("id") + "/capture", Map.of("amount", "12.5"));
        assertThat(capture.status()).as(capture.toString()).isEqualTo(200);
        assertThat(capture.text("status")).isEqualTo("captured");
        var again = api.post(t.ws(ws) + "/holds/" + hold.text("id") + "/capture", Map.of("amount", "1"));
        assertThat(again.status()).isEqualTo(409);
        assertThat(again.text("code")).isEqualTo("hold_resolved");

        var primaryHold =
                api.post(t.ws(t.primaryWorkspaceId()) + "/holds", Map.of("amount", "50", "category", "image"));
        assertThat(primaryHold.status()).as(primaryHold.toString()).isEqualTo(201);
        var voided = api.post(t.ws(t.primaryWorkspaceId()) + "/holds/" + primaryHold.text("id") + "/void", null);
        assertThat(voided.status()).as(voided.toString()).isEqualTo(200);
        assertThat(voided.text("status")).isEqualTo("voided");

        var tooMuch = api.post(t.ws(ws) + "/holds", Map.of("amount", "288", "category", "chat"));
        assertThat(tooMuch.status()).isEqualTo(402);
        assertThat(tooMuch.text("code")).isEqualTo("insufficient_credits");

        var overview = api.get(t.path() + "/credits").json();
        assertThat(overview.path("pool").path("available").asString()).isEqualTo("700");
        assertThat(overview.path("spent_total").asString()).isEqualTo("12.5");
        var inv = api.get(t.path() + "/credits/invariant");
        assertThat(inv.json().path("holds").asBoolean()).as(inv.toString()).isTrue();
        assertThat(inv.text("granted")).isEqualTo("1000");

        var entries = api.get(t.path() + "/credits/entries?limit=100").json();
        // grant, allocation, hold, release of the unspent 87.5, capture, hold, void
        assertThat(entries.path("data").size()).isEqualTo(7);
    }
}
