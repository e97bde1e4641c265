package dev.atrium.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.common.Credits;
import dev.atrium.common.OrgId;
import dev.atrium.common.PageRequest;
import dev.atrium.common.WorkspaceId;
import dev.atrium.support.Fixtures;
import dev.atrium.support.IntegrationTest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/** The statement by request: every journal entry on exactly one line, requests never split across pages. */
@IntegrationTest
class RequestStatementTest {
    @Autowired
    Fixtures fixtures;

    @Autowired
    RequestStatement statement;

    @Autowired
    CreditReports reports;

    @Test
    void pagesOfOneLinePerRequestCoverTheJournalExactlyAndChargeWhatWasSpent() {
        var t = fixtures.tenant("by-request");
        String ws = fixtures.workspace(t, "Client A");
        var api = fixtures.api().as(t.owner().token());
        api.withHeader("Idempotency-Key", "g").post(t.path() + "/credits/grants", Map.of("amount", "1000"));
        api.put(t.ws(ws) + "/funding", Map.of("mode", "budget"));
        api.withHeader("Idempotency-Key", "a")
                .post(t.path() + "/credits/allocations", Map.of("workspace_id", ws, "amount", "300"));
        long charged = 0;
        for (int i = 0; i < 7; i++) {
            var hold = api.post(t.ws(ws) + "/holds", Map.of("amount", "10", "category", "chat"));
            assertThat(hold.status()).as(hold.toString()).isEqualTo(201);
            String path = t.ws(ws) + "/holds/" + hold.text("id");
            if (i % 3 == 0) {
                assertThat(api.post(path + "/void", null).status()).isEqualTo(200);
            } else if (i % 3 == 1) {
                assertThat(api.post(path + "/capture", Map.of("amount", i + ".5"))
                                .status())
                        .isEqualTo(200);
                charged += Credits.parse(i + ".5").micros();
            }
        }
        OrgId org = new OrgId(t.orgId());
        for (WorkspaceId filter : new WorkspaceId[] {null, new WorkspaceId(ws)}) {
            List<RequestStatement.Line> lines = all(org, filter);
            // A grant (org-wide only), an allocation and seven requests.
            assertThat(lines).hasSize(filter == null ? 9 : 8);
            assertThat(lines.stream().filter(l -> l.request() != null)).hasSize(7);
            assertThat(lines.stream()
                            .filter(l -> l.request() != null)
                            .mapToLong(l -> l.amount().micros())
                            .sum())
                    .isEqualTo(charged);
            // Every journal entry on exactly one line, a request's entries all on its own line.
            List<String> onLines = new ArrayList<>();
            for (var l : lines) {
                l.entries().forEach(e -> onLines.add(e.id()));
                if (l.request() != null) {
                    assertThat(l.entries()).allMatch(e -> l.request().holdId().equals(e.holdId()));
                    assertThat(l.entries().getFirst().kind()).isEqualTo("hold");
                    assertThat(l.request()
                                    .charged()
                                    .plus(l.request().returned())
                                    .micros())
                            .isLessThanOrEqualTo(l.request().held().micros());
                }
            }
            var journal =
                    reports.entries(org, filter, PageRequest.of(1000, null)).data();
            assertThat(onLines).doesNotHaveDuplicates();
            assertThat(new HashSet<>(onLines))
                    .isEqualTo(new HashSet<>(
                            journal.stream().map(CreditReports.Entry::id).toList()));
        }
    }

    /** Every line, read two at a time, so that pages cut between requests. */
    private List<RequestStatement.Line> all(OrgId org, @Nullable WorkspaceId ws) {
        List<RequestStatement.Line> out = new ArrayList<>();
        String after = null;
        do {
            var page = statement.lines(org, ws, new PageRequest(2, after));
            out.addAll(page.data());
            after = page.next();
        } while (after != null);
        return out;
    }
}
