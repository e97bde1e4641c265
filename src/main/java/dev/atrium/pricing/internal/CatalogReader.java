package dev.atrium.pricing.internal;

import dev.atrium.common.Credits;
import dev.atrium.pricing.ImagePrice;
import dev.atrium.pricing.ModelKind;
import dev.atrium.pricing.PricedModel;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

/**
 * Reads and validates the catalog file. Every problem is collected and reported at once, so that a
 * malformed catalog fails start-up with a message that says what to fix. Prices are decimal strings
 * ({@code "0.15"}), never JSON numbers, so that what the file says is exactly what is charged.
 */
public final class CatalogReader {
    private static final Set<String> TOP_LEVEL = Set.of("about", "credit_usd", "prices_as_of", "models");
    private static final Set<String> COMMON = Set.of("id", "provider", "upstream_model", "kind");
    private static final Map<ModelKind, Set<String>> PRICED = Map.of(
            ModelKind.CHAT, Set.of("input_per_million", "output_per_million", "max_output_tokens", "context_window"),
            ModelKind.IMAGE, Set.of("image_prices"),
            ModelKind.SPEECH, Set.of("per_thousand_chars"),
            ModelKind.TRANSCRIPTION, Set.of("per_audio_minute"),
            ModelKind.EMBEDDING, Set.of("input_per_million"));

    private final List<String> problems = new ArrayList<>();

    private CatalogReader() {}

    /** The catalog's models in file order, keyed by id; throws {@link IllegalStateException} listing every problem. */
    public static Map<String, PricedModel> read(JsonNode root) {
        return new CatalogReader().models(root);
    }

    private Map<String, PricedModel> models(JsonNode root) {
        Map<String, PricedModel> models = new LinkedHashMap<>();
        if (!root.isObject()) {
            problems.add("the catalog must be a JSON object with a \"models\" array");
        } else {
            for (String name : root.propertyNames()) {
                if (!TOP_LEVEL.contains(name)) problems.add("unknown top-level field \"" + name + "\"");
            }
            JsonNode list = root.path("models");
            if (!list.isArray() || list.isEmpty()) problems.add("\"models\" must be a non-empty array");
            int i = 0;
            for (JsonNode node : list.isArray() ? list.values() : List.<JsonNode>of()) {
                PricedModel m = model(node, "models[" + i++ + "]");
                if (m != null && models.putIfAbsent(m.id(), m) != null) {
                    problems.add("model id \"" + m.id() + "\" appears more than once");
                }
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalStateException("invalid pricing catalog: " + String.join("; ", problems));
        }
        return models;
    }

    private @Nullable PricedModel model(JsonNode node, String at) {
        if (!node.isObject()) {
            problems.add(at + " is not an object");
            return null;
        }
        int before = problems.size();
        String id = text(node, "id", at);
        if (id != null) {
            at = at + " (" + id + ")";
            if (!Rules.isModelId(id)) problems.add(at + ": id is not a valid model id");
        }
        String provider = text(node, "provider", at);
        if (provider != null && !Rules.PROVIDERS.contains(provider)) {
            problems.add(at + ": provider must be one of " + Rules.PROVIDERS);
        }
        String upstream = text(node, "upstream_model", at);
        if (upstream != null && !Rules.isUpstreamModel(upstream)) {
            problems.add(at + ": upstream_model must be printable ASCII without spaces");
        }
        String kindName = text(node, "kind", at);
        ModelKind kind = kindName == null ? null : ModelKind.parse(kindName).orElse(null);
        if (kindName != null && kind == null) {
            problems.add(at + ": kind must be one of chat, image, speech, transcription, embedding");
        }
        if (kind == null) return null;
        for (String name : node.propertyNames()) {
            if (!COMMON.contains(name) && !PRICED.get(kind).contains(name)) {
                problems.add(at + ": field \"" + name + "\" does not belong to a " + kind.wire() + " model");
            }
        }
        Credits input = null, output = null, perK = null, perMinute = null;
        Integer maxOutput = null, context = null;
        List<ImagePrice> images = List.of();
        switch (kind) {
            case CHAT -> {
                input = price(node, "input_per_million", at);
                output = price(node, "output_per_million", at);
                maxOutput = tokens(node, "max_output_tokens", at);
                context = tokens(node, "context_window", at);
                if (maxOutput != null && context != null && maxOutput > context) {
                    problems.add(at + ": max_output_tokens exceeds context_window");
                }
            }
            case IMAGE -> images = images(node.path("image_prices"), at);
            case SPEECH -> perK = price(node, "per_thousand_chars", at);
            case TRANSCRIPTION -> perMinute = price(node, "per_audio_minute", at);
            case EMBEDDING -> input = price(node, "input_per_million", at);
        }
        if (problems.size() > before || id == null || provider == null || upstream == null) return null;
        return new PricedModel(
                id,
                provider,
                upstream,
                kind,
                input,
                output,
                maxOutput,
                context,
                images,
                perK,
                perMinute,
                PricedModel.Origin.CATALOG);
    }

    private List<ImagePrice> images(JsonNode list, String at) {
        if (!list.isArray() || list.isEmpty()) {
            problems.add(at + ": image_prices must be a non-empty array");
            return List.of();
        }
        List<ImagePrice> prices = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        int i = 0;
        for (JsonNode entry : list.values()) {
            String where = at + ".image_prices[" + i++ + "]";
            if (!entry.isObject()) {
                problems.add(where + " is not an object");
                continue;
            }
            for (String name : entry.propertyNames()) {
                if (!Set.of("size", "quality", "price").contains(name)) {
                    problems.add(where + ": unknown field \"" + name + "\"");
                }
            }
            String size = text(entry, "size", where);
            String quality = text(entry, "quality", where);
            Credits price = price(entry, "price", where);
            if (size != null && !Rules.isImageSize(size)) problems.add(where + ": size must look like 1024x1024");
            if (quality != null && !Rules.isImageQuality(quality)) {
                problems.add(where + ": quality must be a lower-case word such as standard or hd");
            }
            if (size == null || quality == null || price == null) continue;
            if (!seen.add(size + " " + quality)) problems.add(where + ": " + size + " " + quality + " is listed twice");
            prices.add(new ImagePrice(size, quality, price));
        }
        return prices;
    }

    private @Nullable String text(JsonNode node, String field, String at) {
        JsonNode value = node.path(field);
        if (!value.isString() || value.stringValue().isBlank()) {
            problems.add(at + ": " + field + " must be a non-blank string");
            return null;
        }
        return value.stringValue();
    }

    private @Nullable Credits price(JsonNode node, String field, String at) {
        JsonNode value = node.path(field);
        if (!value.isString()) {
            problems.add(at + ": " + field + " must be a decimal string such as \"0.15\"");
            return null;
        }
        try {
            Credits price = Credits.parse(value.stringValue());
            if (Rules.isPrice(price)) return price;
            problems.add(at + ": " + field + " must be between 0 and " + Rules.MAX_PRICE + " credits");
        } catch (IllegalArgumentException e) {
            problems.add(at + ": " + field + " must be a decimal with at most 6 decimal places");
        }
        return null;
    }

    private @Nullable Integer tokens(JsonNode node, String field, String at) {
        JsonNode value = node.path(field);
        if (!value.isIntegralNumber()
                || !value.canConvertToInt()
                || value.intValue() < 1
                || value.intValue() > Rules.MAX_TOKENS) {
            problems.add(at + ": " + field + " must be a whole number between 1 and " + Rules.MAX_TOKENS);
            return null;
        }
        return value.intValue();
    }
}
