/** SQL of the usage capability: rollup reads and latency percentiles. */
@NullMarked
package dev.atrium.usage.internal;

import org.jspecify.annotations.NullMarked;
