package dev.atrium.pricing.internal;

import dev.atrium.pricing.PricedModel;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.core.io.Resource;
import org.springframework.stereotype.Component;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * The default catalog, read and validated once at start-up: a missing or malformed file stops the
 * application rather than letting it charge wrong prices. The file is {@code pricing/catalog.json}
 * on the class path unless {@code atrium.pricing.catalog} names another resource (e.g. {@code
 * file:/etc/atrium/catalog.json}).
 */
@Component
public class Catalog {
    private static final Logger log = LoggerFactory.getLogger(Catalog.class);
    private final Map<String, PricedModel> models;
    private final List<PricedModel> ordered;

    Catalog(JsonMapper json, @Value("${atrium.pricing.catalog:classpath:pricing/catalog.json}") Resource file) {
        Map<String, PricedModel> read = load(json, file);
        this.models = Map.copyOf(read);
        this.ordered = List.copyOf(read.values());
        log.info("pricing catalog {}: {} models", file.getDescription(), ordered.size());
    }

    private static Map<String, PricedModel> load(JsonMapper json, Resource file) {
        try (InputStream in = file.getInputStream()) {
            return CatalogReader.read(json.readTree(in));
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the pricing catalog " + file.getDescription(), e);
        } catch (JacksonException e) {
            throw new IllegalStateException(
                    "the pricing catalog " + file.getDescription() + " is not valid JSON: " + e.getOriginalMessage(),
                    e);
        }
    }

    /** Every catalog model, in file order. */
    public List<PricedModel> models() {
        return ordered;
    }

    public Optional<PricedModel> find(String id) {
        return Optional.ofNullable(models.get(id));
    }
}
