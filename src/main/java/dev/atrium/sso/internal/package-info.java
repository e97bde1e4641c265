/** The settings' SQL, the per-organization client registrations (with discovery) and the OIDC user service. */
@NullMarked
package dev.atrium.sso.internal;

import org.jspecify.annotations.NullMarked;
