/** Pricing's internal parts: the catalog file reader and the override tables; not part of its public API. */
@NullMarked
package dev.atrium.pricing.internal;

import org.jspecify.annotations.NullMarked;
