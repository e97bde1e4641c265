package dev.atrium.ledger;

import dev.atrium.support.IntegrationTest;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.springframework.context.annotation.Import;

/**
 * An {@link IntegrationTest} on the ledger tests' own application ({@link LedgerTestConfiguration}:
 * a movable clock, no background jobs). Every class with this annotation shares that one context.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@IntegrationTest
@Import(LedgerTestConfiguration.class)
public @interface LedgerIntegrationTest {}
