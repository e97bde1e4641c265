/** History: conversations, messages and request records of each workspace, isolated from every other workspace. */
@NullMarked
package dev.atrium.history;

import org.jspecify.annotations.NullMarked;
