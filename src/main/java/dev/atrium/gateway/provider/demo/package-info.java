/**
 * The built-in offline {@code demo} provider: deterministic chat text, real PNG images and real WAV
 * speech (which it can transcribe back), so that a fresh install works without any keys.
 */
@NullMarked
package dev.atrium.gateway.provider.demo;

import org.jspecify.annotations.NullMarked;
