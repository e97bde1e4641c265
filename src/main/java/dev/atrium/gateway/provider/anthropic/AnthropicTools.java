package dev.atrium.gateway.provider.anthropic;

import static dev.atrium.gateway.provider.anthropic.AnthropicRequests.JSON;

import dev.atrium.common.ApiException;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** Function calling both ways: OpenAI {@code tools}/{@code tool_calls}/{@code tool} ↔ Anthropic {@code tool_use}/{@code tool_result}. */
final class AnthropicTools {

    private AnthropicTools() {}

    /** {@code tools}, {@code tool_choice} and {@code parallel_tool_calls} of an OpenAI request. */
    static void translate(ObjectNode openAi, ObjectNode out) {
        JsonNode tools = openAi.path("tools");
        if (!tools.isArray() || tools.isEmpty()) {
            return;
        }
        ArrayNode result = out.putArray("tools");
        for (JsonNode tool : tools) {
            if (!"function".equals(tool.path("type").asString(""))) {
                throw AnthropicRequests.unsupported("tools", "Only function tools can be sent to Anthropic.");
            }
            JsonNode function = tool.path("function");
            String name = function.path("name").asString("");
            if (name.isEmpty()) {
                throw ApiException.invalid("tools", "Every function tool needs a name.");
            }
            ObjectNode translated = result.addObject().put("name", name);
            if (function.path("description").isString()) {
                translated.put("description", function.path("description").asString());
            }
            JsonNode parameters = function.path("parameters");
            if (parameters.isObject()) {
                translated.set("input_schema", parameters.deepCopy());
            } else {
                translated.putObject("input_schema").put("type", "object").putObject("properties");
            }
        }
        ObjectNode choice = toolChoice(openAi.path("tool_choice"));
        if (openAi.path("parallel_tool_calls").isBoolean()
                && !openAi.path("parallel_tool_calls").asBoolean()) {
            if (choice == null) {
                choice = JSON.createObjectNode().put("type", "auto");
            }
            if (!"none".equals(choice.path("type").asString())) {
                choice.put("disable_parallel_tool_use", true);
            }
        }
        if (choice != null) {
            out.set("tool_choice", choice);
        }
    }

    private static @Nullable ObjectNode toolChoice(JsonNode choice) {
        if (choice.isString()) {
            return switch (choice.asString()) {
                case "auto" -> JSON.createObjectNode().put("type", "auto");
                case "none" -> JSON.createObjectNode().put("type", "none");
                case "required" -> JSON.createObjectNode().put("type", "any");
                default ->
                    throw ApiException.invalid("tool_choice", "Unknown tool_choice '" + choice.asString() + "'.");
            };
        }
        if (choice.isObject()) {
            String name = choice.path("function").path("name").asString("");
            if (name.isEmpty()) {
                throw ApiException.invalid("tool_choice", "tool_choice must name a function.");
            }
            return JSON.createObjectNode().put("type", "tool").put("name", name);
        }
        return null;
    }

    /** An assistant message's {@code tool_calls} as {@code tool_use} blocks appended to {@code blocks}. */
    static void toolUses(JsonNode message, ArrayNode blocks) {
        for (JsonNode call : message.path("tool_calls")) {
            JsonNode function = call.path("function");
            String arguments = function.path("arguments").asString("");
            JsonNode input = arguments.isBlank() ? JSON.createObjectNode() : AnthropicRequests.parse(arguments);
            if (input == null || !input.isObject()) {
                throw ApiException.invalid("messages", "tool_calls arguments must be a JSON object.");
            }
            blocks.addObject()
                    .put("type", "tool_use")
                    .put("id", call.path("id").asString(""))
                    .put("name", function.path("name").asString(""))
                    .set("input", input);
        }
    }

    /** A {@code tool} message as a {@code tool_result} block (Anthropic carries results in a user turn). */
    static ArrayNode toolResult(JsonNode message) {
        ArrayNode blocks = JSON.createArrayNode();
        ObjectNode result = blocks.addObject()
                .put("type", "tool_result")
                .put("tool_use_id", message.path("tool_call_id").asString(""));
        String text = AnthropicRequests.plainText(message.path("content"), "messages");
        if (!text.isEmpty()) {
            result.put("content", text);
        }
        return blocks;
    }

    /** An Anthropic {@code tool_use} block as an OpenAI tool call ({@code arguments} is a JSON string). */
    static ObjectNode toolCall(JsonNode toolUse) {
        ObjectNode call = JSON.createObjectNode()
                .put("id", toolUse.path("id").asString(""))
                .put("type", "function");
        JsonNode input = toolUse.path("input");
        call.putObject("function")
                .put("name", toolUse.path("name").asString(""))
                .put("arguments", input.isObject() ? JSON.writeValueAsString(input) : "{}");
        return call;
    }
}
