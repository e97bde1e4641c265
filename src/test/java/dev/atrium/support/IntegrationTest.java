package dev.atrium.support;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Import;

/**
 * A full Atrium over HTTP on a random port, on its own throw-away embedded PostgreSQL. Test classes
 * with the same configuration share one application (Spring's context cache).
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "atrium.data-dir=target/test-data",
            "atrium.database.embedded.ephemeral=true",
            "atrium.database.url=",
            "atrium.setup-token=" + IntegrationTest.SETUP_TOKEN,
            "atrium.login.free-failures-per-address=100000",
            // Test upstreams and webhook receivers listen on 127.0.0.1; other local names stay refused.
            "atrium.outbound.allowed-hosts=127.0.0.1"
        })
@Import(Fixtures.class)
public @interface IntegrationTest {
    String SETUP_TOKEN = "atr_setup_test-token";
}
