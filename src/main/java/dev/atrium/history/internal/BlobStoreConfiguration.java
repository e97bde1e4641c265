package dev.atrium.history.internal;

import dev.atrium.common.DataDirectory;
import java.io.IOException;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * {@code atrium.media.store}: {@code local} (default; {@code atrium.media.dir}, else
 * {@code <data-dir>/media}) or {@code s3} ({@code atrium.media.s3.*}). See docs/history.md.
 */
@Configuration(proxyBeanMethods = false)
class BlobStoreConfiguration {
    private static final Logger log = LoggerFactory.getLogger(BlobStoreConfiguration.class);

    @Bean
    BlobStore blobStore(
            DataDirectory data,
            @Value("${atrium.media.store:local}") String store,
            @Value("${atrium.media.dir:}") String dir,
            @Value("${atrium.media.s3.bucket:}") String bucket,
            @Value("${atrium.media.s3.endpoint:}") String endpoint,
            @Value("${atrium.media.s3.region:us-east-1}") String region,
            @Value("${atrium.media.s3.path-style:true}") boolean pathStyle,
            @Value("${atrium.media.s3.access-key-id:}") String accessKeyId,
            @Value("${atrium.media.s3.secret-access-key:}") String secretAccessKey,
            @Value("${atrium.media.s3.prefix:}") String prefix)
            throws IOException {
        BlobStore blobs = switch (store.strip().toLowerCase(java.util.Locale.ROOT)) {
            case "local" -> new LocalBlobStore(dir.isBlank() ? data.resolve("media") : Path.of(dir));
            case "s3" ->
                new S3BlobStore(new S3BlobStore.Settings(
                        bucket, endpoint, region, pathStyle, accessKeyId, secretAccessKey, prefix));
            default ->
                throw new IllegalStateException("atrium.media.store must be 'local' or 's3', not '" + store + "'");
        };
        log.info("Media blobs in {}", blobs.describe());
        return blobs;
    }
}
