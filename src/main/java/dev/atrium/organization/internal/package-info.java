/** Organization's internal parts; not part of its public API. */
@NullMarked
package dev.atrium.organization.internal;

import org.jspecify.annotations.NullMarked;
