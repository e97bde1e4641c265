/**
 * Pricing: the model catalog (provider, upstream model, kind, prices in credits), each
 * organization's overrides and custom models, its client-billing markup, and exact cost arithmetic.
 */
@NullMarked
package dev.atrium.pricing;

import org.jspecify.annotations.NullMarked;
