package dev.atrium.gateway.provider.demo;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The demo provider's one tokenizer, used for prompt and completion counts alike so that
 * {@code usage} adds up: a token is a run of letters, digits and combining marks of at most
 * {@value #MAX_WORD} code points (a longer run is several tokens), or any other single
 * non-whitespace character. Whitespace is never a token; when text is split into pieces for
 * streaming it travels with the token that follows it.
 *
 * <p>So {@code "Hello, world!"} is four tokens: {@code Hello}, {@code ,}, {@code world}, {@code !}.
 */
final class DemoTokenizer {
    static final int MAX_WORD = 16;

    private static final Pattern PIECE = Pattern.compile("(?U)\\s*(?:[\\p{L}\\p{M}\\p{N}]{1," + MAX_WORD + "}|\\S)");

    private DemoTokenizer() {}

    static int count(String text) {
        Matcher m = PIECE.matcher(text);
        int n = 0;
        while (m.find()) n++;
        return n;
    }

    /**
     * The text cut into one piece per token, each with the whitespace before it; trailing whitespace
     * joins the last piece, so the pieces concatenate to the text (whitespace-only text has none).
     */
    static List<String> pieces(String text) {
        List<String> pieces = new ArrayList<>();
        Matcher m = PIECE.matcher(text);
        int end = 0;
        while (m.find()) {
            pieces.add(m.group());
            end = m.end();
        }
        if (!pieces.isEmpty() && end < text.length()) {
            int last = pieces.size() - 1;
            pieces.set(last, pieces.get(last) + text.substring(end));
        }
        return pieces;
    }
}
