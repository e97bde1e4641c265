package dev.atrium.history.internal;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Blobs as objects of one bucket of any S3-compatible store (AWS S3, MinIO, Ceph, R2, …) through
 * the AWS SDK v2. Checksums are sent only where the API requires them, which every S3-compatible
 * server understands. Objects are private: media is only ever served through Atrium's endpoint.
 */
public final class S3BlobStore implements BlobStore, AutoCloseable {
    private final S3Client s3;
    private final String bucket;
    private final String prefix;

    /** The connection settings; blank {@code accessKeyId} uses the SDK's default credential chain. */
    public record Settings(
            String bucket,
            @Nullable String endpoint,
            String region,
            boolean pathStyle,
            @Nullable String accessKeyId,
            @Nullable String secretAccessKey,
            String prefix) {}

    public S3BlobStore(Settings s) {
        if (s.bucket().isBlank()) throw new IllegalStateException("atrium.media.s3.bucket is required with store=s3");
        AwsCredentialsProvider credentials =
                s.accessKeyId() == null || s.accessKeyId().isBlank()
                        ? DefaultCredentialsProvider.builder().build()
                        : StaticCredentialsProvider.create(AwsBasicCredentials.create(
                                s.accessKeyId(), s.secretAccessKey() == null ? "" : s.secretAccessKey()));
        var builder = S3Client.builder()
                .region(Region.of(s.region()))
                .credentialsProvider(credentials)
                .forcePathStyle(s.pathStyle())
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
        if (s.endpoint() != null && !s.endpoint().isBlank()) builder.endpointOverride(URI.create(s.endpoint()));
        this.s3 = builder.build();
        this.bucket = s.bucket();
        this.prefix = s.prefix().isEmpty() || s.prefix().endsWith("/") ? s.prefix() : s.prefix() + "/";
    }

    private String key(String hash) {
        return prefix + BlobStore.key(hash);
    }

    @Override
    public void put(String hash, byte[] bytes) throws IOException {
        if (exists(hash)) return;
        try {
            s3.putObject(
                    b -> b.bucket(bucket)
                            .key(key(hash))
                            .contentType("application/octet-stream")
                            .contentLength((long) bytes.length),
                    RequestBody.fromBytes(bytes));
        } catch (SdkException e) {
            throw new IOException("cannot store blob " + hash + " in bucket " + bucket, e);
        }
    }

    @Override
    public Optional<InputStream> open(String hash) throws IOException {
        try {
            return Optional.of(s3.getObject(b -> b.bucket(bucket).key(key(hash))));
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        } catch (S3Exception e) {
            if (e.statusCode() == 404) return Optional.empty();
            throw new IOException("cannot read blob " + hash + " from bucket " + bucket, e);
        } catch (SdkException e) {
            throw new IOException("cannot read blob " + hash + " from bucket " + bucket, e);
        }
    }

    @Override
    public boolean exists(String hash) throws IOException {
        try {
            s3.headObject(b -> b.bucket(bucket).key(key(hash)));
            return true;
        } catch (NoSuchKeyException e) {
            return false;
        } catch (S3Exception e) {
            if (e.statusCode() == 404) return false;
            throw new IOException("cannot look up blob " + hash + " in bucket " + bucket, e);
        } catch (SdkException e) {
            throw new IOException("cannot look up blob " + hash + " in bucket " + bucket, e);
        }
    }

    @Override
    public void delete(String hash) throws IOException {
        try {
            s3.deleteObject(b -> b.bucket(bucket).key(key(hash)));
        } catch (S3Exception e) {
            if (e.statusCode() != 404) throw new IOException("cannot delete blob " + hash, e);
        } catch (SdkException e) {
            throw new IOException("cannot delete blob " + hash, e);
        }
    }

    @Override
    public String describe() {
        return "S3 bucket " + bucket + (prefix.isEmpty() ? "" : " under " + prefix);
    }

    @Override
    public void close() {
        s3.close();
    }
}
