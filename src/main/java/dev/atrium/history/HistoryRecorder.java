package dev.atrium.history;

import dev.atrium.common.ApiException;
import dev.atrium.common.Credits;
import dev.atrium.common.RequestIds;
import dev.atrium.history.internal.Activities;
import dev.atrium.history.internal.Conversations;
import dev.atrium.history.internal.Messages;
import dev.atrium.history.internal.Transcripts;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * What the gateway writes into a workspace's history: chat turns into conversations and every AI
 * operation as an activity. The gateway calls it only when the workspace records history.
 *
 * <p>A chat turn goes to the conversation named by {@code X-Atrium-Conversation-Id} (which must be
 * in the same workspace and visible to the caller: created by them or shared); else to the caller's
 * conversation whose stored transcript equals a prefix of the request's messages (OpenAI clients
 * resend the whole transcript each turn); else to a new conversation titled from the first user
 * message.
 */
@Service
public class HistoryRecorder {
    static final int TITLE_LENGTH = 80;
    private final Conversations conversations;
    private final Messages messages;
    private final Activities activities;
    private final Clock clock;

    HistoryRecorder(Conversations conversations, Messages messages, Activities activities, Clock clock) {
        this.conversations = conversations;
        this.messages = messages;
        this.activities = activities;
        this.clock = clock;
    }

    /**
     * Decides where a chat turn goes, before the provider is called. An unknown conversation id, one
     * in another workspace or organization, or another member's private one: 404 {@code conversation}.
     * One read at most (by id, or by transcript), so no transaction of its own.
     */
    public ChatTarget target(HistoryScope scope, @Nullable String conversationId, List<ChatMessage> request) {
        String[] prefixes = Transcripts.prefixes(request);
        if (conversationId != null) {
            ConversationId id = ConversationId.parse(conversationId.strip());
            var head = conversations
                    .head(scope.org(), scope.workspace(), id, false)
                    .filter(h -> h.visibility().equals("shared") || h.createdBy(scope.user(), scope.key()))
                    .orElseThrow(() -> ApiException.notFound("conversation"));
            int stored = Arrays.asList(prefixes).lastIndexOf(head.transcriptHash());
            return new ChatTarget(id, true, stored >= 0 ? stored : newTail(request));
        }
        // Prior messages only: the whole request matching would be a repeat, not a continuation.
        List<String> prior = List.of(prefixes).subList(1, request.size());
        if (!prior.isEmpty()) {
            var match = conversations.byTranscript(scope.org(), scope.workspace(), scope.user(), scope.key(), prior);
            if (!match.isEmpty()) {
                var head = match.getFirst();
                return new ChatTarget(head.id(), true, List.of(prefixes).indexOf(head.transcriptHash()));
            }
        }
        return new ChatTarget(ConversationId.next(), false, 0);
    }

    /** Stores the turn's new messages and the reply, and the activity; after settlement. */
    @Transactional
    public void recordChat(ChatTurn turn) {
        HistoryScope s = turn.scope();
        Instant now = clock.instant();
        ChatTarget t = turn.target();
        List<ChatMessage> fresh = new ArrayList<>(turn.request()
                .subList(
                        Math.min(t.stored(), turn.request().size()),
                        turn.request().size()));
        String hash = Transcripts.EMPTY;
        int count = 0;
        var head = t.existing()
                ? conversations.head(s.org(), s.workspace(), t.id(), true)
                : java.util.Optional.<Conversations.Head>empty();
        if (head.isPresent()) {
            hash = head.get().transcriptHash();
            count = head.get().count();
        } else if (t.existing()) {
            // Deleted since the turn began: the whole request starts a new conversation.
            fresh = new ArrayList<>(turn.request());
        }
        List<Messages.NewMessage> rows = new ArrayList<>();
        for (ChatMessage m : fresh) {
            rows.add(new Messages.NewMessage(m.role(), m.content(), null, 0, 0, Credits.ZERO, "ok"));
        }
        rows.add(new Messages.NewMessage(
                "assistant",
                ChatMessage.storable(turn.reply()),
                turn.model(),
                turn.inputTokens(),
                turn.outputTokens(),
                turn.credits(),
                turn.status().equals("ok") ? "ok" : "partial"));
        fresh.add(new ChatMessage("assistant", turn.reply()));
        String transcript = Transcripts.of(hash, fresh);
        if (head.isPresent()) {
            conversations.advance(s.org(), s.workspace(), t.id(), transcript, count + rows.size(), now);
        } else {
            conversations.insert(
                    s.org(),
                    s.workspace(),
                    t.id(),
                    title(turn.request()),
                    s.user(),
                    s.key(),
                    transcript,
                    rows.size(),
                    now);
        }
        messages.append(s.org(), s.workspace(), t.id(), count + 1, rows, now);
        activities.insert(
                new Activity(
                        s, "chat", turn.model(), turn.credits(), turn.status(), turn.latencyMs(), t.id(), List.of()),
                RequestIds.current(),
                now);
    }

    /**
     * The first {@code count} messages of a conversation the caller may see (theirs, or shared), as
     * a later turn resends them; empty when the conversation is not there (never recorded, deleted,
     * expired, in another workspace, another member's private one) or holds fewer messages.
     */
    public java.util.Optional<List<ChatMessage>> transcript(HistoryScope scope, ConversationId id, int count) {
        var head = conversations
                .head(scope.org(), scope.workspace(), id, false)
                .filter(h -> h.visibility().equals("shared") || h.createdBy(scope.user(), scope.key()));
        if (head.isEmpty() || head.get().count() < count) return java.util.Optional.empty();
        List<ChatMessage> out = messages.of(scope.org(), scope.workspace(), id).stream()
                .limit(count)
                .map(m -> new ChatMessage(m.role(), m.content()))
                .toList();
        return out.size() == count ? java.util.Optional.of(out) : java.util.Optional.empty();
    }

    /** Records an image, speech or transcription operation with the media it produced. */
    @Transactional
    public void recordActivity(Activity activity) {
        activities.insert(activity, RequestIds.current(), clock.instant());
    }

    /** Messages after the request's last assistant message, without system prompts: the new part of a turn. */
    private static int newTail(List<ChatMessage> request) {
        int start = 0;
        for (int i = 0; i < request.size(); i++) if (request.get(i).role().equals("assistant")) start = i + 1;
        while (start < request.size() - 1 && request.get(start).role().equals("system")) start++;
        return start;
    }

    static String title(List<ChatMessage> request) {
        String text = request.stream()
                .filter(m -> m.role().equals("user") && !m.content().isBlank())
                .map(ChatMessage::content)
                .findFirst()
                .orElse("Conversation")
                .strip()
                .replaceAll("\\s+", " ");
        return text.length() <= TITLE_LENGTH
                ? text
                : text.substring(0, TITLE_LENGTH - 1).strip() + "…";
    }
}
