package dev.atrium.gateway.provider;

import dev.atrium.common.ApiException;
import java.util.Map;
import org.springframework.http.HttpStatus;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * An upstream that runs AI operations. OpenAI's wire format is the gateway's lingua franca:
 * requests arrive as OpenAI request bodies (with {@code model} already replaced by the upstream's
 * model name) and results leave as OpenAI response bodies, whatever the provider speaks.
 *
 * <p>Failures are {@link ProviderException}s; the gateway decides on retries and accounting.
 */
public interface AiProvider {

    /** The provider's id in the catalog: {@code openai}, {@code anthropic}, {@code demo}. */
    String id();

    /**
     * Whether the installation itself can run this provider's models (it has the provider's key or
     * endpoint); when not, only organizations that stored their own credentials can.
     */
    boolean configured();

    /** A non-streaming chat completion: an OpenAI {@code chat.completion} object with {@code usage}. */
    JsonNode chat(ProviderCall call, ObjectNode request);

    /**
     * A streaming chat completion: each OpenAI {@code chat.completion.chunk} object goes to
     * {@code sink} as soon as it is produced; when the upstream reports usage, the last chunk
     * carries {@code usage} (as with {@code stream_options.include_usage}). Returns when the stream
     * ends; a cut stream throws {@link ProviderException}.
     */
    void streamChat(ProviderCall call, ObjectNode request, ChunkSink sink);

    /** Image generation: an OpenAI images response whose {@code data[]} items carry {@code b64_json}. */
    JsonNode images(ProviderCall call, ObjectNode request);

    /** Text to speech: the audio bytes and their content type. */
    Audio speech(ProviderCall call, ObjectNode request);

    /** Transcription of an uploaded file: an OpenAI transcription object ({@code text}, optionally {@code duration}). */
    JsonNode transcribe(ProviderCall call, Upload file, Map<String, String> fields);

    /**
     * Embeddings of the request's {@code input} (a string, strings, token ids or arrays of token
     * ids, as the gateway checked them): an OpenAI {@code list} of {@code embedding} objects, floats
     * or base64 as {@code encoding_format} asks, with {@code usage.prompt_tokens} when the provider
     * reports it. A provider without embeddings answers 400 {@code unsupported_by_provider}.
     */
    default JsonNode embeddings(ProviderCall call, ObjectNode request) {
        throw new ApiException(
                HttpStatus.BAD_REQUEST,
                "unsupported_by_provider",
                "The provider " + id() + " does not offer embeddings.");
    }

    /** Receives streamed chunks; throws when the client has gone away. */
    @FunctionalInterface
    interface ChunkSink {
        void accept(ObjectNode chunk);
    }

    /** Audio produced by text-to-speech. */
    record Audio(byte[] bytes, String contentType) {}

    /** An uploaded file. */
    record Upload(String filename, String contentType, byte[] bytes) {}
}
