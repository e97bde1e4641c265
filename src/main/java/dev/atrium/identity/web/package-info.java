/** Identity's HTTP adapters: token issuance and the security filter chain. */
@NullMarked
package dev.atrium.identity.web;

import org.jspecify.annotations.NullMarked;
