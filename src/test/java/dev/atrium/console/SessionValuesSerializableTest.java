package dev.atrium.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.support.IntegrationTest;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.core.MethodParameter;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.web.bind.annotation.ModelAttribute;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;

/**
 * Console sessions are stored in PostgreSQL, so whatever a page keeps in the session must
 * serialize: a rejected form goes back to its page as a flash attribute (see {@link Forms}), which
 * lives in the session until the next view. Every console form is therefore checked here; a form
 * that is not {@link Serializable} would answer 500 on its first rejected input.
 */
@IntegrationTest
class SessionValuesSerializableTest {
    @Autowired
    @Qualifier("requestMappingHandlerMapping")
    RequestMappingHandlerMapping mappings;

    @Test
    void everyConsoleFormIsSerializable() {
        List<String> forms = new ArrayList<>();
        List<String> notSerializable = new ArrayList<>();
        mappings.getHandlerMethods().forEach((info, method) -> {
            if (!AnnotatedElementUtils.hasAnnotation(method.getBeanType(), ConsoleController.class)) return;
            for (MethodParameter p : method.getMethodParameters()) {
                if (!p.hasParameterAnnotation(ModelAttribute.class)) continue;
                Class<?> type = p.getParameterType();
                forms.add(type.getName());
                if (!Serializable.class.isAssignableFrom(type)) notSerializable.add(type.getName() + " in " + method);
            }
        });
        assertThat(forms).as("console forms found").hasSizeGreaterThan(3);
        assertThat(notSerializable).isEmpty();
    }

    /**
     * Single sign-on keeps its authorization request (state, nonce, PKCE verifier) in the console
     * session between the redirect to the provider and its answer; SsoTest runs the whole flow
     * through the stored sessions, this checks the value itself.
     */
    @Test
    void theSingleSignOnRequestKeptInTheSessionSerializes() throws Exception {
        var request = org.springframework.security.oauth2.core.endpoint.OAuth2AuthorizationRequest.authorizationCode()
                .authorizationUri("https://idp.example/oauth2/authorize")
                .clientId("atrium")
                .redirectUri("https://atrium.example/login/oauth2/code/org_x")
                .scopes(java.util.Set.of("openid", "email"))
                .state("state-1")
                .attributes(a -> {
                    a.put("registration_id", "org_x");
                    a.put("nonce", "nonce-1");
                    a.put("code_verifier", "verifier-1");
                })
                .build();
        var bytes = new java.io.ByteArrayOutputStream();
        try (var out = new java.io.ObjectOutputStream(bytes)) {
            out.writeObject(request);
        }
        try (var in = new java.io.ObjectInputStream(new java.io.ByteArrayInputStream(bytes.toByteArray()))) {
            var back = (org.springframework.security.oauth2.core.endpoint.OAuth2AuthorizationRequest) in.readObject();
            assertThat(back.getState()).isEqualTo("state-1");
            assertThat((String) back.getAttribute("code_verifier")).isEqualTo("verifier-1");
        }
    }
}
