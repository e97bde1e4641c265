package dev.atrium.common;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * Seals secrets stored in the database (organizations' provider keys, people's TOTP secrets) with
 * AES-256-GCM under the deployment's secret key: {@code ATRIUM_SECRET_KEY} (base64 of 32 bytes)
 * or, when unset, one generated once into {@code data/secret-key} (mode 600, created atomically).
 * Every node of a deployment must share it. The associated data ({@code context}) binds a
 * ciphertext to its row, so a sealed value copied to another row does not open.
 */
@Component
public class SecretBox {
    private static final SecureRandom RANDOM = new SecureRandom();
    private final SecretKeySpec key;

    SecretBox(@Value("${atrium.secret-key:}") String configured, DataDirectory data) {
        this.key = new SecretKeySpec(
                configured.isBlank() ? fileKey(data.resolve("secret-key")) : decode(configured), "AES");
    }

    public byte[] seal(String plaintext, String context) {
        try {
            byte[] nonce = new byte[12];
            RANDOM.nextBytes(nonce);
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(128, nonce));
            cipher.updateAAD(context.getBytes(StandardCharsets.UTF_8));
            byte[] sealed = cipher.doFinal(plaintext.getBytes(StandardCharsets.UTF_8));
            byte[] out = Arrays.copyOf(nonce, 12 + sealed.length);
            System.arraycopy(sealed, 0, out, 12, sealed.length);
            return out;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("encryption failed", e);
        }
    }

    public String open(byte[] box, String context) {
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(128, box, 0, 12));
            cipher.updateAAD(context.getBytes(StandardCharsets.UTF_8));
            return new String(cipher.doFinal(box, 12, box.length - 12), StandardCharsets.UTF_8);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(
                    "a stored secret cannot be decrypted: is ATRIUM_SECRET_KEY the one it was stored with?", e);
        }
    }

    private static byte[] decode(String base64) {
        byte[] bytes = Base64.getDecoder().decode(base64.strip());
        if (bytes.length != 32) throw new IllegalStateException("ATRIUM_SECRET_KEY must be base64 of 32 bytes");
        return bytes;
    }

    /** Reads the key file, or creates it atomically (whoever creates it first wins). */
    private static synchronized byte[] fileKey(Path file) {
        try {
            if (Files.exists(file)) return decode(Files.readString(file));
            byte[] bytes = new byte[32];
            RANDOM.nextBytes(bytes);
            Path temp = Files.createTempFile(file.getParent(), "secret-key", ".tmp");
            try {
                Files.setPosixFilePermissions(
                        temp, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException ignored) {
                // not a POSIX file system
            }
            Files.writeString(temp, Base64.getEncoder().encodeToString(bytes) + "\n");
            try {
                Files.createLink(file, temp);
            } catch (FileAlreadyExistsException e) {
                Files.deleteIfExists(temp);
                return decode(Files.readString(file));
            } catch (UnsupportedOperationException e) {
                Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE);
                return bytes;
            }
            Files.deleteIfExists(temp);
            return bytes;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or create " + file, e);
        }
    }
}
