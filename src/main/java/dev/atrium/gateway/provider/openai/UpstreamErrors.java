package dev.atrium.gateway.provider.openai;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Short human-readable details from upstream error bodies, for exception messages and logs. */
final class UpstreamErrors {
    private static final JsonMapper JSON = JsonMapper.shared();
    private static final int MAX_DETAIL = 300;

    private UpstreamErrors() {}

    /** {@code ": <error.message>"} from an OpenAI error body, else the start of the body, else empty. */
    static String detail(String body) {
        String text = body.strip();
        if (text.isEmpty()) {
            return "";
        }
        try {
            JsonNode message = JSON.readTree(text).path("error").path("message");
            if (message.isString() && !message.stringValue().isBlank()) {
                text = message.stringValue();
            }
        } catch (JacksonException e) {
            // not JSON: show it as it is
        }
        text = text.replaceAll("\\s+", " ");
        return ": " + (text.length() > MAX_DETAIL ? text.substring(0, MAX_DETAIL) + "…" : text);
    }

    /** {@code ": <message>"} of an error object found inside an event stream. */
    static String detail(JsonNode error) {
        JsonNode message = error.path("message");
        return detail(message.isString() ? message.stringValue() : error.toString());
    }
}
