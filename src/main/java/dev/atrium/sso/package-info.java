/**
 * Organizations' sign-in settings: OIDC single sign-on (issuer, client, covered email domains, new
 * people by invitation only or not, passwords refused for members but a break-glass owner), and
 * two-factor sign-in required of password users. Identity asks these rules at each sign-in ({@link
 * dev.atrium.identity.SignInRules}); the console's chain runs the OIDC flow with this module's
 * client registrations and user service.
 */
@NullMarked
package dev.atrium.sso;

import org.jspecify.annotations.NullMarked;
