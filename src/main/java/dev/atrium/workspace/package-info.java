/** Workspaces: containers for AI usage inside an organization, their members, keys and policies. */
@NullMarked
package dev.atrium.workspace;

import org.jspecify.annotations.NullMarked;
