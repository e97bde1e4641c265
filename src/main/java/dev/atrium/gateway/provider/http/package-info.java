/** The HTTP client the providers share for their upstream calls: pooled, blocking, guarded. */
@NullMarked
package dev.atrium.gateway.provider.http;

import org.jspecify.annotations.NullMarked;
