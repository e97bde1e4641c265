/** Gateway's internal parts; not part of its public API. */
@NullMarked
package dev.atrium.gateway.internal;

import org.jspecify.annotations.NullMarked;
