/** Workspace's internal parts; not part of its public API. */
@NullMarked
package dev.atrium.workspace.internal;

import org.jspecify.annotations.NullMarked;
