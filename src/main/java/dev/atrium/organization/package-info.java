/** Organizations: the tenant, its members and roles, invitations, first-run setup, and who may do what in it. */
@NullMarked
package dev.atrium.organization;

import org.jspecify.annotations.NullMarked;
