package dev.atrium.history.internal;

import dev.atrium.history.ChatMessage;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * A hash chain over a transcript: each message's hash covers every message before it, so one
 * stored value identifies a whole conversation and a request's prior messages can be matched to it
 * with one indexed lookup per prefix, without reading any message.
 */
public final class Transcripts {
    /** The hash of the empty transcript. */
    public static final String EMPTY = "0".repeat(64);

    private Transcripts() {}

    public static String next(String previous, ChatMessage m) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(previous.getBytes(StandardCharsets.US_ASCII));
            sha.update((byte) 0);
            sha.update(m.role().getBytes(StandardCharsets.UTF_8));
            sha.update((byte) 0);
            sha.update(m.content().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code result[k]} is the hash of the first {@code k} messages ({@code result[0]} is {@link #EMPTY}). */
    public static String[] prefixes(List<ChatMessage> messages) {
        String[] out = new String[messages.size() + 1];
        out[0] = EMPTY;
        for (int i = 0; i < messages.size(); i++) out[i + 1] = next(out[i], messages.get(i));
        return out;
    }

    public static String of(String start, List<ChatMessage> messages) {
        String h = start;
        for (ChatMessage m : messages) h = next(h, m);
        return h;
    }
}
