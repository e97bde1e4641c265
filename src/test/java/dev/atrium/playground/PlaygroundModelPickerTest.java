package dev.atrium.playground;

import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.support.Fixtures;
import dev.atrium.support.IntegrationTest;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.TestPropertySource;

/**
 * The playground's pickers offer only models that can run: a provider without the installation's
 * or the organization's credentials offers none; storing the organization's key makes them appear.
 */
@IntegrationTest
@TestPropertySource(properties = """
                atrium.providers.demo.token-delay=PT0S
                atrium.providers.openai.api-key=
                atrium.providers.openai.base-url=https://api.openai.com/v1
                atrium.providers.anthropic.api-key=
                """)
class PlaygroundModelPickerTest {
    @Autowired
    Fixtures fixtures;

    @Test
    void thePickersOfferAProvidersModelsOnlyOnceItIsConfigured() {
        var t = fixtures.tenant("Picker Co");
        var owner = fixtures.api().as(t.owner().token());
        var session = Session.signIn(fixtures.baseUrl(), t.owner().email(), Fixtures.PASSWORD);
        String base = "/orgs/" + t.orgId() + "/workspaces/" + t.primaryWorkspaceId() + "/playground";

        for (String page : new String[] {"", "/compare", "/media"}) {
            var r = session.get(base + page);
            assertThat(r.status()).as(page).isEqualTo(200);
            assertThat(r.body())
                    .as(page)
                    .doesNotContain("value=\"gpt-4o\"", "value=\"claude-haiku-4-5\"", "value=\"dall-e-3\"")
                    .doesNotContain("value=\"tts-1\"", "value=\"whisper-1\"");
        }
        assertThat(session.get(base).body()).contains("value=\"demo/chat\"");
        assertThat(session.get(base + "/media").body()).contains("value=\"demo/image\"");

        assertThat(owner.put(t.path() + "/providers/openai", Map.of("api_key", "sk-org-picker"))
                        .status())
                .isEqualTo(200);
        assertThat(session.get(base).body()).contains("value=\"gpt-4o\"").doesNotContain("value=\"claude-haiku-4-5\"");
        assertThat(session.get(base + "/media").body()).contains("value=\"dall-e-3\"", "value=\"tts-1\"");
    }
}
