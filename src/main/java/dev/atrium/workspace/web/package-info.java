/** Workspace's web parts; not part of its public API. */
@NullMarked
package dev.atrium.workspace.web;

import org.jspecify.annotations.NullMarked;
