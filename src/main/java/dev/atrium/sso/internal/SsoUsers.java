package dev.atrium.sso.internal;

import dev.atrium.common.OrgId;
import dev.atrium.common.UserId;
import dev.atrium.identity.SsoPerson;
import dev.atrium.sso.SignInSettings;
import java.util.Set;
import org.springframework.security.oauth2.client.oidc.userinfo.OidcUserRequest;
import org.springframework.security.oauth2.client.userinfo.OAuth2UserService;
import org.springframework.security.oauth2.core.OAuth2AuthenticationException;
import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.core.oidc.OidcIdToken;
import org.springframework.security.oauth2.core.oidc.user.DefaultOidcUser;
import org.springframework.security.oauth2.core.oidc.user.OidcUser;
import org.springframework.security.oauth2.core.oidc.user.OidcUserAuthority;
import org.springframework.stereotype.Component;

/**
 * The person an organization's identity provider signed in, from the ID token alone (its signature,
 * issuer, audience, expiry and nonce checked by Spring Security before this runs): the {@code email}
 * claim must be there and {@code email_verified} true, then {@link SignInSettings#signInThroughSso}
 * decides. A refusal is an OAuth2 error whose code the console's refusal page explains.
 */
@Component
class SsoUsers implements OAuth2UserService<OidcUserRequest, OidcUser> {
    private final SignInSettings settings;

    SsoUsers(SignInSettings settings) {
        this.settings = settings;
    }

    /** An OIDC user that is also an Atrium user. Serializable like its parent (kept in the session briefly). */
    static final class Person extends DefaultOidcUser implements SsoPerson {
        private static final long serialVersionUID = 1L;
        private final UserId user;

        Person(OidcIdToken token, UserId user) {
            super(Set.of(new OidcUserAuthority(token)), token);
            this.user = user;
        }

        @Override
        public UserId atriumUser() {
            return user;
        }
    }

    @Override
    public OidcUser loadUser(OidcUserRequest request) {
        OidcIdToken token = request.getIdToken();
        OrgId org = new OrgId(request.getClientRegistration().getRegistrationId());
        String email = token.getEmail();
        if (email == null || email.isBlank()) {
            throw refused("email_missing", "The identity provider's ID token has no email claim.");
        }
        if (!Boolean.TRUE.equals(token.getEmailVerified())) {
            throw refused("email_unverified", "The identity provider has not verified this email address.");
        }
        String name = token.getFullName();
        try {
            return new Person(token, settings.signInThroughSso(org, email, name));
        } catch (SignInSettings.Refused e) {
            throw refused(e.code(), e.getMessage());
        }
    }

    private static OAuth2AuthenticationException refused(String code, String message) {
        return new OAuth2AuthenticationException(new OAuth2Error(code, message, null), message);
    }
}
