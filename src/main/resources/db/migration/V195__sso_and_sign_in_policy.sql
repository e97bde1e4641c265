-- An organization's sign-in settings: OIDC single sign-on (issuer, client, the client secret sealed
-- with ATRIUM_SECRET_KEY and bound to the organization id), whether new people need an invitation,
-- whether passwords are refused for its members (except one break-glass owner), and whether its
-- password users must have two-factor sign-in.
CREATE TABLE org_sign_in_settings (
    org_id               text PRIMARY KEY REFERENCES organizations (id) ON DELETE CASCADE,
    sso_enabled          boolean NOT NULL DEFAULT false,
    issuer               text CHECK (issuer IS NULL OR length(issuer) BETWEEN 1 AND 500),
    client_id            text CHECK (client_id IS NULL OR length(client_id) BETWEEN 1 AND 500),
    client_secret        bytea,
    sso_requires_invitation boolean NOT NULL DEFAULT false,
    sso_required         boolean NOT NULL DEFAULT false,
    break_glass_user_id  text REFERENCES users (id),
    require_two_factor   boolean NOT NULL DEFAULT false,
    updated_at           timestamptz NOT NULL,
    CHECK (NOT sso_enabled OR (issuer IS NOT NULL AND client_id IS NOT NULL)),
    CHECK (NOT sso_required OR (sso_enabled AND break_glass_user_id IS NOT NULL))
);

-- The email domains an organization's single sign-on covers; a domain belongs to one organization.
CREATE TABLE org_sso_domains (
    org_id text NOT NULL REFERENCES org_sign_in_settings (org_id) ON DELETE CASCADE,
    domain text NOT NULL CHECK (domain = lower(domain) AND length(domain) BETWEEN 3 AND 253),
    PRIMARY KEY (org_id, domain)
);
CREATE UNIQUE INDEX org_sso_domains_domain ON org_sso_domains (domain);
