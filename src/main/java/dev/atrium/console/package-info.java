/**
 * The console's shared parts: the page layout (header with the organization switcher, navigation,
 * flash messages, footer), the stylesheet, and how console pages report errors. The pages themselves
 * live in each capability's {@code web} package.
 */
@NullMarked
package dev.atrium.console;

import org.jspecify.annotations.NullMarked;
