/** Gateway: the OpenAI-compatible {@code /v1} API — authenticate, price, hold, forward, capture, record. */
@NullMarked
package dev.atrium.gateway;

import org.jspecify.annotations.NullMarked;
