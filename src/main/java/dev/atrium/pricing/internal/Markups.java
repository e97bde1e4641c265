package dev.atrium.pricing.internal;

import dev.atrium.common.OrgId;
import java.math.BigDecimal;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** Each organization's client-billing markup, in percent; no row means 0. */
@Repository
public class Markups {
    private final JdbcClient jdbc;

    Markups(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    public Optional<BigDecimal> find(OrgId org) {
        return jdbc.sql("SELECT markup_percent FROM pricing_markups WHERE org_id = :org")
                .param("org", org.value())
                .query(BigDecimal.class)
                .optional();
    }

    /** Serializes markup changes of one organization until the transaction ends (see {@link Overrides#lock}). */
    public void lock(OrgId org) {
        jdbc.sql("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))")
                .param("key", "pricing-markup:" + org.value())
                .query(Object.class)
                .single();
    }

    public void put(OrgId org, BigDecimal percent, Instant at) {
        jdbc.sql("""
                        INSERT INTO pricing_markups (org_id, markup_percent, updated_at) VALUES (:org, :percent, :at)
                        ON CONFLICT (org_id) DO UPDATE
                          SET markup_percent = EXCLUDED.markup_percent, updated_at = EXCLUDED.updated_at
                        """)
                .param("org", org.value())
                .param("percent", percent)
                .param("at", Timestamp.from(at))
                .update();
    }
}
