package dev.atrium.pricing.internal;

import dev.atrium.common.ChangeFeed;
import dev.atrium.common.Credits;
import dev.atrium.common.OrgId;
import dev.atrium.pricing.ImagePrice;
import dev.atrium.pricing.ModelKind;
import dev.atrium.pricing.Pricing;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * The organizations' model overrides and custom models, with their image prices. Prices are stored in
 * micro-credits. A change publishes {@link Pricing#PRICES_TOPIC}.
 */
@Repository
public class Overrides {
    private static final String COLUMNS = """
            model_id, custom, provider, upstream_model, kind, input_per_million, output_per_million,
            max_output_tokens, context_window, per_thousand_chars, per_audio_minute
            """;
    private final JdbcClient jdbc;
    private final ChangeFeed changes;

    Overrides(JdbcClient jdbc, ChangeFeed changes) {
        this.jdbc = jdbc;
        this.changes = changes;
    }

    public Optional<ModelOverride> find(OrgId org, String modelId) {
        // Most organizations override nothing: one query answers them; image prices only when there is a row.
        return jdbc.sql("SELECT " + COLUMNS + " FROM pricing_model_overrides WHERE org_id = :org AND model_id = :model")
                .param("org", org.value())
                .param("model", modelId)
                .query((rs, n) -> map(rs, List.of()))
                .optional()
                .map(o -> o.withImagePrices(images(org, modelId).getOrDefault(modelId, List.of())));
    }

    public List<ModelOverride> all(OrgId org) {
        var images = images(org, null);
        return jdbc.sql("SELECT " + COLUMNS + " FROM pricing_model_overrides WHERE org_id = :org ORDER BY model_id")
                .param("org", org.value())
                .query((rs, n) -> map(rs, images.getOrDefault(rs.getString("model_id"), List.of())))
                .list();
    }

    /**
     * Serializes the changes of one organization's model until the transaction ends, so that the
     * state an audit record calls "before" is the state the change replaced. Readers do not wait.
     */
    public void lock(OrgId org, String modelId) {
        jdbc.sql("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))")
                .param("key", "pricing:" + org.value() + ":" + modelId)
                .query(Object.class)
                .single();
    }

    /** Replaces the organization's override of the model, image prices included. */
    public void put(OrgId org, ModelOverride o, Instant at) {
        jdbc.sql("""
                        INSERT INTO pricing_model_overrides (org_id, model_id, custom, provider, upstream_model, kind,
                            input_per_million, output_per_million, max_output_tokens, context_window,
                            per_thousand_chars, per_audio_minute, updated_at)
                        VALUES (:org, :model, :custom, :provider, :upstream, :kind, :input, :output, :maxOutput,
                            :context, :perK, :perMinute, :at)
                        ON CONFLICT (org_id, model_id) DO UPDATE SET custom = EXCLUDED.custom,
                            provider = EXCLUDED.provider, upstream_model = EXCLUDED.upstream_model,
                            kind = EXCLUDED.kind, input_per_million = EXCLUDED.input_per_million,
                            output_per_million = EXCLUDED.output_per_million,
                            max_output_tokens = EXCLUDED.max_output_tokens, context_window = EXCLUDED.context_window,
                            per_thousand_chars = EXCLUDED.per_thousand_chars,
                            per_audio_minute = EXCLUDED.per_audio_minute, updated_at = EXCLUDED.updated_at
                        """)
                .param("org", org.value())
                .param("model", o.modelId())
                .param("custom", o.custom())
                .param("provider", o.provider())
                .param("upstream", o.upstreamModel())
                .param("kind", o.kind() == null ? null : o.kind().wire())
                .param("input", micros(o.inputPerMillion()))
                .param("output", micros(o.outputPerMillion()))
                .param("maxOutput", o.maxOutputTokens())
                .param("context", o.contextWindow())
                .param("perK", micros(o.perThousandChars()))
                .param("perMinute", micros(o.perAudioMinute()))
                .param("at", Timestamp.from(at))
                .update();
        jdbc.sql("DELETE FROM pricing_model_image_prices WHERE org_id = :org AND model_id = :model")
                .param("org", org.value())
                .param("model", o.modelId())
                .update();
        int position = 0;
        for (ImagePrice p : o.imagePrices()) {
            jdbc.sql("""
                            INSERT INTO pricing_model_image_prices (org_id, model_id, size, quality, price, position)
                            VALUES (:org, :model, :size, :quality, :price, :position)
                            """)
                    .param("org", org.value())
                    .param("model", o.modelId())
                    .param("size", p.size())
                    .param("quality", p.quality())
                    .param("price", p.price().micros())
                    .param("position", position++)
                    .update();
        }
        changes.publish(Pricing.PRICES_TOPIC, org.value());
    }

    /** Removes the override (its image prices go with it); false when there was none. */
    public boolean delete(OrgId org, String modelId) {
        var result = jdbc.sql("DELETE FROM pricing_model_overrides WHERE org_id = :org AND model_id = :model")
                        .param("org", org.value())
                        .param("model", modelId)
                        .update()
                == 1;
        changes.publish(Pricing.PRICES_TOPIC, org.value());
        return result;
    }

    private Map<String, List<ImagePrice>> images(OrgId org, @Nullable String modelId) {
        Map<String, List<ImagePrice>> byModel = new HashMap<>();
        jdbc.sql("""
                        SELECT model_id, size, quality, price FROM pricing_model_image_prices
                        WHERE org_id = :org AND (CAST(:model AS text) IS NULL OR model_id = :model)
                        ORDER BY model_id, position
                        """).param("org", org.value()).param("model", modelId).query(rs -> {
            byModel.computeIfAbsent(rs.getString(1), k -> new ArrayList<>())
                    .add(new ImagePrice(rs.getString(2), rs.getString(3), Credits.ofMicros(rs.getLong(4))));
        });
        return byModel;
    }

    private static ModelOverride map(ResultSet rs, List<ImagePrice> images) throws SQLException {
        String kind = rs.getString("kind");
        return new ModelOverride(
                rs.getString("model_id"),
                rs.getBoolean("custom"),
                rs.getString("provider"),
                rs.getString("upstream_model"),
                kind == null ? null : ModelKind.parse(kind).orElseThrow(),
                credits(rs, "input_per_million"),
                credits(rs, "output_per_million"),
                integer(rs, "max_output_tokens"),
                integer(rs, "context_window"),
                images,
                credits(rs, "per_thousand_chars"),
                credits(rs, "per_audio_minute"));
    }

    private static @Nullable Long micros(@Nullable Credits c) {
        return c == null ? null : c.micros();
    }

    private static @Nullable Credits credits(ResultSet rs, String column) throws SQLException {
        long value = rs.getLong(column);
        return rs.wasNull() ? null : Credits.ofMicros(value);
    }

    private static @Nullable Integer integer(ResultSet rs, String column) throws SQLException {
        int value = rs.getInt(column);
        return rs.wasNull() ? null : value;
    }
}
