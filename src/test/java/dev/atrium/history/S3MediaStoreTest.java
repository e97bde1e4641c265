package dev.atrium.history;

import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.history.internal.BlobStore;
import dev.atrium.support.IntegrationTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestPropertySource;

/**
 * {@code atrium.media.store=s3} with the real AWS SDK client against a small S3-compatible server
 * (path-style, endpoint override, static credentials, a key prefix).
 */
@IntegrationTest
@TestPropertySource(properties = "atrium.providers.demo.token-delay=PT0S")
class S3MediaStoreTest extends MediaStorageScenarios {
    static final FakeS3 S3;

    static {
        try {
            S3 = new FakeS3("atrium-media", "test-access-key");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @DynamicPropertySource
    static void s3(DynamicPropertyRegistry r) {
        r.add("atrium.media.store", () -> "s3");
        r.add("atrium.media.s3.endpoint", S3::endpoint);
        r.add("atrium.media.s3.bucket", () -> "atrium-media");
        r.add("atrium.media.s3.region", () -> "eu-central-1");
        r.add("atrium.media.s3.access-key-id", () -> "test-access-key");
        r.add("atrium.media.s3.secret-access-key", () -> "test-secret");
        r.add("atrium.media.s3.prefix", () -> "atrium");
    }

    @Override
    boolean stored(String hash) {
        return S3.objects.containsKey("atrium/" + BlobStore.key(hash));
    }

    @Test
    void everyRequestIsPathStyleAndSignedWithTheConfiguredCredentials() {
        var t = org("Signed").tenant();
        image(fixtures.api().as(fixtures.workspaceKey(t, t.primaryWorkspaceId())), "signed " + t.orgId());
        assertThat(S3.requests).isNotEmpty();
        assertThat(S3.requests).allSatisfy(r -> {
            assertThat(r.path()).startsWith("/atrium-media/atrium/sha256/");
            assertThat(r.authorization()).contains("Credential=test-access-key/", "/eu-central-1/s3/");
        });
        assertThat(S3.requests).anyMatch(r -> r.method().equals("PUT"));
    }
}
