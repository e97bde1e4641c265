package dev.atrium.gateway.provider.demo;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Writes the demo model's reply: it quotes the beginning of the last user message, then adds
 * template sentences picked by a seed taken from the model name and the whole conversation. Models
 * whose name contains {@code mini} answer in one sentence, the others in three to five.
 */
final class DemoReplies {
    private static final int TOPIC_TOKENS = 12;

    private static final List<String> OPENINGS = List.of(
            "You wrote: \u201c%s\u201d.",
            "Thanks for your message: \u201c%s\u201d.",
            "Here is a demo answer to \u201c%s\u201d.",
            "Let us think about \u201c%s\u201d for a moment.");
    private static final List<String> SUBJECTS = List.of(
            "a careful plan",
            "a small experiment",
            "the simplest approach",
            "clear documentation",
            "a second opinion",
            "a quick prototype",
            "a short checklist",
            "honest feedback");
    private static final List<String> VERBS =
            List.of("usually reveals", "often clarifies", "tends to simplify", "can highlight", "helps to uncover");
    private static final List<String> OBJECTS = List.of(
            "the important trade-offs",
            "the next question",
            "the hidden assumptions",
            "what matters most",
            "the real constraints",
            "the risky parts");
    private static final List<String> QUALIFIERS = List.of(
            "before any work begins", "within a single afternoon", "for most teams", "in practice", "at a modest cost");
    private static final List<String> ACTIONS = List.of(
            "write down the goal",
            "list the open questions",
            "try the smallest version",
            "measure the result",
            "compare two alternatives",
            "ask the people affected");

    private DemoReplies() {}

    /**
     * @param seed the model name followed by the conversation, one part per message
     * @param lastUserText the text of the last user message ("" when there is none)
     */
    static String reply(String model, List<String> seed, String lastUserText) {
        Seeded random = new Seeded(seed.toArray(String[]::new));
        String keyword = keyword(lastUserText);
        // "“Hello!”." reads badly: the quoted sentence's own stop ends the opening.
        String opening = String.format(random.pick(OPENINGS), topic(lastUserText))
                .replaceAll("([.!?\u2026])\u201d\\.$", "$1\u201d");
        StringBuilder reply = new StringBuilder(opening);
        boolean concise = model.toLowerCase(Locale.ROOT).contains("mini");
        List<Integer> templates = new ArrayList<>(List.of(0, 1, 2, 3, 4));
        int sentences = concise ? 1 : 3 + random.nextInt(3);
        for (int i = 0; i < sentences; i++) {
            int template = templates.remove(random.nextInt(templates.size())); // no template twice
            reply.append(i == 2 ? "\n\n" : " ").append(sentence(template, random, keyword));
        }
        reply.append(
                concise
                        ? " (Offline demo reply.)"
                        : "\n\n(This reply comes from Atrium's offline demo model; connect a real provider for real answers.)");
        return reply.toString();
    }

    private static String sentence(int template, Seeded r, String keyword) {
        return switch (template) {
            case 0 ->
                capitalize(r.pick(SUBJECTS)) + " " + r.pick(VERBS) + " " + r.pick(OBJECTS) + " " + r.pick(QUALIFIERS)
                        + ".";
            case 1 ->
                "When it comes to " + keyword + ", " + r.pick(SUBJECTS) + " " + r.pick(VERBS) + " " + r.pick(OBJECTS)
                        + ".";
            case 2 -> "A good next step is to " + r.pick(ACTIONS) + " " + r.pick(QUALIFIERS) + ".";
            case 3 ->
                capitalize(keyword) + " is a broad topic, and " + r.pick(SUBJECTS) + " " + r.pick(VERBS) + " "
                        + r.pick(OBJECTS) + ".";
            default -> {
                int first = r.nextInt(ACTIONS.size());
                int second = (first + 1 + r.nextInt(ACTIONS.size() - 1)) % ACTIONS.size();
                yield "In short, " + ACTIONS.get(first) + ", then " + ACTIONS.get(second) + ".";
            }
        };
    }

    /** The first tokens of the message on one line, with an ellipsis when it goes on. */
    private static String topic(String text) {
        List<String> pieces = DemoTokenizer.pieces(text);
        if (pieces.isEmpty()) return "your message";
        String topic = String.join("", pieces.subList(0, Math.min(TOPIC_TOKENS, pieces.size())))
                .replaceAll("(?U)\\s+", " ")
                .strip();
        return pieces.size() > TOPIC_TOKENS ? topic + "\u2026" : topic;
    }

    /**
     * The longest word of the message (the first of equals), or "this" when it has none of four
     * letters; lower-cased unless it has capitals after its first letter (API, PostgreSQL).
     */
    private static String keyword(String text) {
        String best = "";
        for (String piece : DemoTokenizer.pieces(text)) {
            String word = piece.strip();
            if (word.length() >= 4
                    && word.length() > best.length()
                    && word.chars().allMatch(Character::isLetter)) {
                best = word;
            }
        }
        if (best.isEmpty()) return "this";
        return best.substring(1).equals(best.substring(1).toLowerCase(Locale.ROOT))
                ? best.toLowerCase(Locale.ROOT)
                : best;
    }

    private static String capitalize(String s) {
        return s.isEmpty() ? s : s.substring(0, 1).toUpperCase(Locale.ROOT) + s.substring(1);
    }
}
