/** Gateway's provider parts; not part of its public API. */
@NullMarked
package dev.atrium.gateway.provider;

import org.jspecify.annotations.NullMarked;
