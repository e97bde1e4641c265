/** Usage: the immutable usage events of AI operations, and the reports built on them. */
@NullMarked
package dev.atrium.usage;

import org.jspecify.annotations.NullMarked;
