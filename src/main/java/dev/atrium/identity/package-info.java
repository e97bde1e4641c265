/** Identity: users, passwords, personal tokens, organization and workspace keys, and authentication of every request. */
@NullMarked
package dev.atrium.identity;

import org.jspecify.annotations.NullMarked;
