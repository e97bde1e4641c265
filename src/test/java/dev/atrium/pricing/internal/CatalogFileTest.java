package dev.atrium.pricing.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.springframework.core.io.ByteArrayResource;
import org.springframework.core.io.ClassPathResource;
import tools.jackson.databind.json.JsonMapper;

/** Start-up fails on a missing or malformed catalog file: the bean cannot be built. */
class CatalogFileTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Test
    void theDefaultFileIsReadInFileOrder() {
        Catalog catalog = new Catalog(JSON, new ClassPathResource("pricing/catalog.json"));
        assertThat(catalog.models().getFirst().id()).isEqualTo("demo/chat");
        assertThat(catalog.find("gpt-4o")).isPresent();
        assertThat(catalog.find("GPT-4O")).isEmpty();
    }

    @Test
    void aMissingFileStopsStartUp() {
        assertThatThrownBy(() -> new Catalog(JSON, new ClassPathResource("pricing/nope.json")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("cannot read the pricing catalog");
    }

    @Test
    void aFileThatIsNotJsonStopsStartUp() {
        var file = new ByteArrayResource("{\"models\": [".getBytes(StandardCharsets.UTF_8), "broken catalog");
        assertThatThrownBy(() -> new Catalog(JSON, file))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("is not valid JSON");
    }

    @Test
    void anInvalidCatalogStopsStartUp() {
        var file = new ByteArrayResource("{\"models\": [{\"id\": \"a\"}]}".getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> new Catalog(JSON, file))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("invalid pricing catalog");
    }
}
