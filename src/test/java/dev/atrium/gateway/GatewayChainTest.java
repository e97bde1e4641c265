package dev.atrium.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.support.Fixtures;
import dev.atrium.support.IntegrationTest;
import jakarta.servlet.Filter;
import java.util.List;
import java.util.Map;
import org.apache.catalina.Context;
import org.apache.catalina.Manager;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.tomcat.TomcatWebServer;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.mock.web.MockFilterChain;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.security.web.FilterChainProxy;
import org.springframework.web.servlet.resource.ResourceUrlEncodingFilter;

/**
 * A {@code /v1} call runs only what it needs of Spring Security: two headers and the bearer
 * credential. No session is created or read, no CSRF token, saved request, anonymous user or
 * authorization rules; the console keeps its own chain, and its resource URL rewriting.
 */
@IntegrationTest
class GatewayChainTest {
    @Autowired
    Fixtures fixtures;

    @Autowired
    FilterChainProxy security;

    @Autowired
    WebServerApplicationContext server;

    @Autowired
    FilterRegistrationBean<ResourceUrlEncodingFilter> resourceFilter;

    @Test
    void theGatewaysSecurityChainIsTheBearerCredentialAndNothingElse() {
        List<String> gateway = names(security.getFilters("/v1/chat/completions"));
        assertThat(gateway).containsExactly("HeaderWriterFilter", "BearerAuthentication");
        assertThat(names(security.getFilters("/v1/models"))).isEqualTo(gateway);
        // The rest of the API and the console keep theirs.
        assertThat(names(security.getFilters("/api/v1/organizations"))).contains("AuthorizationFilter");
        assertThat(names(security.getFilters("/workspaces"))).contains("CsrfFilter", "AuthorizationFilter");
    }

    @Test
    void theConsolesResourceUrlFilterLeavesGatewayCallsAlone() throws Exception {
        Filter resources = resourceFilter.getFilter();
        for (String uri : List.of("/v1/chat/completions", "/sign-in")) {
            var request = new MockHttpServletRequest("GET", uri);
            request.setRequestURI(uri);
            var response = new MockHttpServletResponse();
            var chain = new MockFilterChain();
            resources.doFilter(request, response, chain);
            boolean wrapped = chain.getResponse() != response;
            assertThat(wrapped).as(uri).isEqualTo(!uri.startsWith("/v1/"));
        }
    }

    @Test
    void gatewayCallsCreateNoSessionAndNeverUseOne() {
        Fixtures.Tenant t = fixtures.tenant("Sessionless Co");
        assertThat(fixtures.api()
                        .as(t.owner().token())
                        .post(t.path() + "/credits/grants", Map.of("amount", "10"))
                        .status())
                .isEqualTo(201);
        String key = fixtures.workspaceKey(t, t.primaryWorkspaceId());
        Manager sessions = sessionManager();
        long created = sessions.getSessionCounter();

        var models = fixtures.api().as(key).get("/v1/models");
        var chat = fixtures.api()
                .as(key)
                .post(
                        "/v1/chat/completions",
                        Map.of("model", "demo/chat", "messages", List.of(Map.of("role", "user", "content", "Hi."))));
        var refused = fixtures.api().get("/v1/models");
        assertThat(models.status()).isEqualTo(200);
        assertThat(chat.status()).as(chat.toString()).isEqualTo(200);
        assertThat(refused.status()).isEqualTo(401);
        assertThat(refused.json().path("error").path("code").asString()).isEqualTo("invalid_api_key");
        for (var r : List.of(models, chat, refused)) {
            assertThat(r.header("Set-Cookie")).isNull();
            assertThat(r.header("X-Content-Type-Options")).isEqualTo("nosniff");
        }
        assertThat(sessions.getSessionCounter()).isEqualTo(created);

        // A console session's cookie is no credential here.
        var page = fixtures.api().get("/sign-in");
        String cookie = page.header("Set-Cookie");
        assertThat(cookie).startsWith("JSESSIONID=");
        var withCookie = fixtures.api()
                .withHeader("Cookie", cookie.substring(0, cookie.indexOf(';')))
                .get("/v1/models");
        assertThat(withCookie.status()).isEqualTo(401);
    }

    private Manager sessionManager() {
        var tomcat = ((TomcatWebServer) server.getWebServer()).getTomcat();
        return ((Context) tomcat.getHost().findChildren()[0]).getManager();
    }

    private static List<String> names(List<Filter> filters) {
        return filters.stream().map(f -> f.getClass().getSimpleName()).toList();
    }
}
