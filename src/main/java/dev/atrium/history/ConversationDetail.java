package dev.atrium.history;

import com.fasterxml.jackson.annotation.JsonUnwrapped;
import java.util.List;

/** A conversation with its messages inline. */
public record ConversationDetail(@JsonUnwrapped ConversationSummary conversation, List<MessageView> messages) {}
