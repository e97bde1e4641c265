/** History REST endpoints: conversations, search and activities of one workspace. */
@NullMarked
package dev.atrium.history.web;

import org.jspecify.annotations.NullMarked;
