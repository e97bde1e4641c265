/** Pricing's REST endpoints under {@code /api/v1/organizations/{org}/pricing}; not part of its public API. */
@NullMarked
package dev.atrium.pricing.web;

import org.jspecify.annotations.NullMarked;
