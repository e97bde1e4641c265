package dev.atrium.history;

import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.history.internal.BlobStore;
import dev.atrium.support.Api;
import dev.atrium.support.Fixtures;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * What any media blob store must do, run against each kind ({@link LocalMediaStoreTest},
 * {@link S3MediaStoreTest}): bytes under their SHA-256 in the store, metadata in PostgreSQL,
 * served only through the authorized endpoint, and erased with their last reference.
 */
abstract class MediaStorageScenarios {
    @Autowired
    Fixtures fixtures;

    @Autowired
    JdbcClient jdbc;

    @Autowired
    BlobStore blobs;

    @Autowired
    HistoryRetention retention;

    /** Whether the store holds the blob, asked of the store itself (a file, an object). */
    abstract boolean stored(String hash) throws Exception;

    record Org(Fixtures.Tenant tenant, Api owner) {}

    Org org(String name) {
        var t = fixtures.tenant(name);
        var owner = fixtures.api().as(t.owner().token());
        assertThat(owner.post(t.path() + "/credits/grants", Map.of("amount", "1000"))
                        .status())
                .isEqualTo(201);
        return new Org(t, owner);
    }

    /** Generates an image with the demo provider (deterministic: same prompt, same bytes); returns its URL path. */
    static String image(Api key, String prompt) {
        var r = key.post(
                "/v1/images/generations",
                Map.of("model", "demo/image", "prompt", prompt, "size", "256x256", "response_format", "url"));
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        String url = r.json().path("data").path(0).path("url").asString();
        return url.substring(url.indexOf("/api/v1/"));
    }

    HttpResponse<byte[]> fetch(String path, String token) throws Exception {
        return HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(fixtures.baseUrl() + path))
                                .header("Authorization", "Bearer " + token)
                                .timeout(Duration.ofSeconds(30))
                                .build(),
                        HttpResponse.BodyHandlers.ofByteArray());
    }

    Map<String, Object> row(String mediaPath) {
        String id = mediaPath.substring(mediaPath.lastIndexOf('/') + 1);
        return jdbc.sql("SELECT content_hash, size, content_type, bytes IS NULL AS moved FROM media WHERE id = :id")
                .param("id", id)
                .query()
                .singleRow();
    }

    long count(String table, String org, String ws) {
        return jdbc.sql("SELECT count(*) FROM " + table + " WHERE org_id = :org AND workspace_id = :ws")
                .param("org", org)
                .param("ws", ws)
                .query(Long.class)
                .single();
    }

    @Test
    void mediaBytesLiveInTheBlobStoreUnderTheirHashAndAreServedWithTheirContentType() throws Exception {
        var o = org("Media Co");
        var t = o.tenant();
        var key = fixtures.api().as(fixtures.workspaceKey(t, t.primaryWorkspaceId()));
        String path = image(key, "a lighthouse at dusk " + t.orgId());
        var row = row(path);
        String hash = (String) row.get("content_hash");
        assertThat(row.get("moved")).isEqualTo(true);
        assertThat(stored(hash)).isTrue();

        var served = fetch(path, t.owner().token());
        assertThat(served.statusCode()).isEqualTo(200);
        assertThat(served.headers().firstValue("content-type")).hasValue("image/png");
        assertThat(served.headers().firstValue("cache-control")).hasValue("no-store");
        assertThat(served.body()).hasSize(((Number) row.get("size")).intValue());
        assertThat(BlobStore.sha256(served.body())).isEqualTo(hash);
        assertThat(served.body()).startsWith(0x89, 'P', 'N', 'G');

        var speech = key.post(
                "/v1/audio/speech", Map.of("model", "demo/speech", "input", "Hello " + t.orgId(), "voice", "alloy"));
        assertThat(speech.status()).isEqualTo(200);
        var activity = o.owner()
                .get(t.ws(t.primaryWorkspaceId()) + "/activities")
                .json()
                .path("data")
                .path(0);
        assertThat(activity.path("operation").asString()).isEqualTo("speech");
        String audioPath = activity.path("media").path(0).path("url").asString();
        var audio = fetch(audioPath, t.owner().token());
        assertThat(audio.statusCode()).isEqualTo(200);
        assertThat(audio.headers().firstValue("content-type"))
                .hasValue((String) row(audioPath).get("content_type"));
        assertThat(BlobStore.sha256(audio.body())).isEqualTo(row(audioPath).get("content_hash"));

        // Not through another organization, nor with a malformed id.
        var outsider = org("Outsider");
        String foreign = outsider.tenant().ws(outsider.tenant().primaryWorkspaceId())
                + path.substring(path.lastIndexOf("/media/"));
        assertThat(fetch(foreign, outsider.tenant().owner().token()).statusCode())
                .isEqualTo(404);
        assertThat(fetch(path, outsider.tenant().owner().token()).statusCode()).isEqualTo(404);
        assertThat(fetch(
                                t.ws(t.primaryWorkspaceId()) + "/media/../../x",
                                t.owner().token())
                        .statusCode())
                .isIn(400, 404);
        assertThat(fetch(
                                t.ws(t.primaryWorkspaceId()) + "/media/med_nothing",
                                t.owner().token())
                        .statusCode())
                .isEqualTo(404);
    }

    @Test
    void aBlobSharedByTwoWorkspacesIsDeletedOnlyWithItsLastReference() throws Exception {
        var a = org("Agency");
        var b = org("Brand");
        String wsA = fixtures.workspace(a.tenant(), "Client A");
        String wsB = fixtures.workspace(b.tenant(), "Client B");
        var keyA = fixtures.api().as(fixtures.workspaceKey(a.tenant(), wsA));
        var keyB = fixtures.api().as(fixtures.workspaceKey(b.tenant(), wsB));
        String prompt = "the same logo " + Instant.now().toEpochMilli();
        String pathA = image(keyA, prompt);
        String pathB = image(keyB, prompt);
        String onlyA = (String) row(image(keyA, "only in A " + prompt)).get("content_hash");
        assertThat(keyA.post(
                                "/v1/chat/completions",
                                Map.of(
                                        "model",
                                        "demo/chat",
                                        "messages",
                                        List.of(Map.of("role", "user", "content", "A"))))
                        .status())
                .isEqualTo(200);
        String hash = (String) row(pathA).get("content_hash");
        assertThat(row(pathB).get("content_hash"))
                .as("the demo image is deterministic")
                .isEqualTo(hash);
        assertThat(stored(hash)).isTrue();

        // Deleting A's workspace erases A's rows; B still references the blob.
        var del = a.owner().delete(a.tenant().ws(wsA));
        assertThat(del.status()).as(del.toString()).isIn(200, 204);
        for (String table : List.of("conversations", "messages", "activities", "media")) {
            assertThat(count(table, a.tenant().orgId(), wsA)).as(table).isZero();
        }
        assertThat(stored(onlyA)).as("A's own blob").isFalse();
        assertThat(stored(hash)).as("the blob B still references").isTrue();
        assertThat(fetch(pathB, b.tenant().owner().token()).statusCode()).isEqualTo(200);
        assertThat(fetch(pathA, a.tenant().owner().token()).statusCode()).isEqualTo(404);

        // B's retention passes: its last reference goes, and the blob with it.
        assertThat(b.owner()
                        .put(b.tenant().ws(wsB) + "/policy", Map.of("retention_days", 1))
                        .status())
                .isEqualTo(200);
        retention.sweep(Instant.now().plus(Duration.ofDays(2)));
        assertThat(count("media", b.tenant().orgId(), wsB)).isZero();
        assertThat(stored(hash)).isFalse();
        assertThat(jdbc.sql("SELECT count(*) FROM media_blob_sweeps WHERE content_hash = :h")
                        .param("h", hash)
                        .query(Long.class)
                        .single())
                .isZero();
        assertThat(fetch(pathB, b.tenant().owner().token()).statusCode()).isEqualTo(404);

        // Billing records stay for both.
        for (var e :
                List.of(Map.entry(a.tenant().orgId(), wsA), Map.entry(b.tenant().orgId(), wsB))) {
            assertThat(count("usage_events", e.getKey(), e.getValue()))
                    .isEqualTo(e.getValue().equals(wsA) ? 3 : 1);
            assertThat(count("ledger_transfers", e.getKey(), e.getValue())).isPositive();
        }

        // The same bytes generated again are stored again.
        String again = image(keyB, prompt);
        assertThat(row(again).get("content_hash")).isEqualTo(hash);
        assertThat(stored(hash)).isTrue();
        assertThat(fetch(again, b.tenant().owner().token()).statusCode()).isEqualTo(200);
    }
}
